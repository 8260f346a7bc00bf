"""Where the boundary file comes from: path, env, cache (hash-checked), download (pooch).

Downloads run against a real HTTP server on 127.0.0.1 serving a tmp copy of the shared file.
"""

from __future__ import annotations

import re
from pathlib import Path

import boundary_fixtures as bf
import pytest
from conftest import BOUNDARIES_DIR, HOKKAIDO_GEOJSON

from geo.atlas import sources
from geo.atlas.sources import PINNED_NAME, PINNED_SHA256, download_boundaries, resolve_boundaries
from geo.errors import BoundaryError

NAME = "N03-21_01_210101.json"  # the upstream file name; the cache uses PINNED_NAME
WRONG_SHA = "0" * 64


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    bf.copy_shared(HOKKAIDO_GEOJSON, root / NAME)
    srv = bf.LocalServer(root)
    yield srv
    srv.close()


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("HOKKAIDO_MAP_CACHE", str(folder))
    for var in ("HOKKAIDO_MAP_BOUNDARIES", "HOKKAIDO_MAP_BOUNDARIES_URL", "HOKKAIDO_MAP_BOUNDARIES_SHA256"):
        monkeypatch.delenv(var, raising=False)
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_pinned_hash_is_the_one_in_sources_md():
    text = (BOUNDARIES_DIR / "SOURCES.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `N03-21_01_210101.geojson`"))
    assert re.search(r"`([0-9a-f]{64})`", row).group(1) == PINNED_SHA256
    assert bf.sha256_hex(HOKKAIDO_GEOJSON) == PINNED_SHA256
    assert "b403e71eb97f1fdf32f63d16bd485129f703855e" in sources.PINNED_URL


def test_explicit_path_wins_over_everything(cache, monkeypatch, tmp_path):
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES", str(tmp_path / "env.geojson"))
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES_URL", bf.closed_port_url())
    assert resolve_boundaries(tmp_path / "given.geojson") == tmp_path / "given.geojson"


def test_env_path_wins_over_cache_and_download(cache, monkeypatch, tmp_path):
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES", str(tmp_path / "env.geojson"))
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES_URL", bf.closed_port_url())
    assert resolve_boundaries() == tmp_path / "env.geojson"
    assert resolve_boundaries(None) == tmp_path / "env.geojson"


def test_default_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("HOKKAIDO_MAP_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sources.cache_dir() == tmp_path / ".cache" / "hokkaido-map"
    monkeypatch.setenv("HOKKAIDO_MAP_CACHE", str(tmp_path / "elsewhere"))
    assert sources.cache_dir() == tmp_path / "elsewhere"


def test_download_with_right_hash_is_cached_then_reused(cache, server, capfd):
    url = server.url(NAME)
    path = download_boundaries(url, PINNED_SHA256)
    assert path == cache / PINNED_NAME
    assert bf.sha256_hex(path) == PINNED_SHA256
    assert _files(cache) == [PINNED_NAME]  # no temporary file left beside it
    assert server.requests == [f"/{NAME}"]
    # Second time: served from the cache, the server is not asked again.
    assert resolve_boundaries(url=url, sha256=PINNED_SHA256) == path
    assert len(server.requests) == 1
    # Not a terminal: the download is announced (one line before, one after, once), but no
    # progress bar and no pooch log lines.
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("hokkaido-map: first run: downloading boundary file " + url)
    assert lines[1].startswith("hokkaido-map: sha256 verified (" + PINNED_SHA256[:12])


def test_cached_file_served_offline(cache, server):
    download_boundaries(server.url(NAME), PINNED_SHA256)
    assert resolve_boundaries(url=bf.closed_port_url()) == cache / PINNED_NAME


def test_env_overrides_url_and_hash(cache, server, monkeypatch):
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES_URL", server.url(NAME))
    monkeypatch.setenv("HOKKAIDO_MAP_BOUNDARIES_SHA256", PINNED_SHA256.upper())
    assert resolve_boundaries() == cache / PINNED_NAME
    assert server.requests == [f"/{NAME}"]


def test_wrong_hash_refused_and_nothing_left(cache, server):
    url = server.url(NAME)
    with pytest.raises(BoundaryError) as info:
        download_boundaries(url, WRONG_SHA)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{url}: ")
    assert "sha256" in message and WRONG_SHA in message
    assert _files(cache) == []  # neither the file nor pooch's temporary file


def test_dropped_connection_leaves_nothing(cache, server):
    server.truncate.add(NAME)
    with pytest.raises(BoundaryError) as info:
        download_boundaries(server.url(NAME), PINNED_SHA256)
    assert "\n" not in str(info.value)
    assert _files(cache) == []


def test_corrupted_cache_is_replaced(cache, server):
    cache.mkdir()
    cached = cache / PINNED_NAME
    bf.truncated_copy(HOKKAIDO_GEOJSON, cached)  # a cache file cut short or edited
    path = resolve_boundaries(url=server.url(NAME), sha256=PINNED_SHA256)
    assert path == cached
    assert bf.sha256_hex(cached) == PINNED_SHA256
    assert server.requests == [f"/{NAME}"]
    assert _files(cache) == [PINNED_NAME]


def test_corrupted_cache_never_served_when_it_cannot_be_replaced(cache):
    cache.mkdir()
    cached = cache / PINNED_NAME
    cached.write_bytes(b"not the pinned file")
    with pytest.raises(BoundaryError) as info:
        resolve_boundaries(url=bf.closed_port_url(), sha256=PINNED_SHA256)
    message = str(info.value)
    assert message.startswith(f"{cached}: ")
    assert "sha256" in message and "\n" not in message
    assert _files(cache) == []


def test_corrupted_cache_and_wrong_hash_download(cache, server):
    cache.mkdir()
    (cache / PINNED_NAME).write_bytes(b"stale")
    with pytest.raises(BoundaryError):
        resolve_boundaries(url=server.url(NAME), sha256=WRONG_SHA)
    assert _files(cache) == []


def test_offline_message_says_what_to_do(cache):
    url = bf.closed_port_url()
    with pytest.raises(BoundaryError) as info:
        resolve_boundaries(url=url)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{url}: ")
    for hint in ("offline", "--boundaries PATH", "HOKKAIDO_MAP_BOUNDARIES=PATH", str(cache / PINNED_NAME)):
        assert hint in message
    assert _files(cache) == []


def test_http_error_status_is_reported(cache, server):
    with pytest.raises(BoundaryError, match="404"):
        download_boundaries(server.url("missing.json"), PINNED_SHA256)
    assert _files(cache) == []


def test_unwritable_cache_is_an_error_not_a_traceback(tmp_path, server):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(BoundaryError) as info:
        download_boundaries(server.url(NAME), PINNED_SHA256, directory=not_a_folder / "cache")
    assert "\n" not in str(info.value)
