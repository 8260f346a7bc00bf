"""Issue #6 (hardening): broken data stops validate and the app's start with ``file:line`` lines.

Each case copies the real data/ folder to a tmp dir, breaks one file in one way, and checks that
``hokkaido-map validate``, ``create_app`` and ``hokkaido-map serve`` all refuse it: non-zero exit,
every stderr line ``file:line: ...`` naming the broken file, no traceback. A boundary cache whose
hash no longer matches is replaced from the (local) source, never read.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT, boundaries_path

from geo.errors import DataError

DATA = ROOT / "data"
ED = "editions/h28"  # the shipped edition's folder in the data folder
# "path:line: [field: ]message"; the CLI prefixes its first line. A boundary file (GeoJSON, one
# line) is named without a line, by its field (N03_002); a YAML file always with its line.
LOCATED = re.compile(r"^(?:hokkaido-map: error: )?(?P<path>[^:\n]+?)(?::(?P<line>\d+))?: \S")


def _truncate(text: str) -> str:
    # Cut in the middle of a line past the middle of the file, as an interrupted save would.
    lines = text.splitlines(keepends=True)
    cut = len(lines) * 2 // 3
    while cut < len(lines) and len(lines[cut].strip()) < 8:
        cut += 1
    return "".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2]


def _replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"fixture drift: {old!r} not in file"
        return text.replace(old, new, count)

    return edit


def _dup_project_id(text: str) -> str:
    ids = re.findall(r"^  - id: (\S+)$", text, flags=re.M)
    return text.replace(f"  - id: {ids[1]}\n", f"  - id: {ids[0]}\n", 1)


# (file, how it is broken, edit of its text). A break must make the data invalid, not merely odd.
CASES: list = [
    (f"{ED}/regions.yaml", "truncated", _truncate),
    (f"{ED}/projects/donan.yaml", "truncated", _truncate),
    ("hierarchy.yaml", "truncated", _truncate),
    (f"{ED}/regions.yaml", "wrong type", _replace("projects_stated: 6", "projects_stated: 六")),
    (f"{ED}/projects/donan.yaml", "wrong type",
     _replace("measures_heading: 施策\n", "measures_heading: [施策]\n")),
    (f"{ED}/projects/doo.yaml", "wrong type", _replace("kpis:\n      - ", "kpis: 3\n    x_kpis:\n      - ")),
    (f"{ED}/projects/donan.yaml", "unknown 振興局", _replace("[渡島, 檜山]", "[渡島, 架空]")),
    ("hierarchy.yaml", "unknown 振興局", _replace("name: 檜山振興局", "name: 架空振興局")),
    (f"{ED}/projects/donan.yaml", "duplicate id", _dup_project_id),
    (f"{ED}/projects/donan.yaml", "KPI does not parse", _replace("1,162万人(H26)", "たくさん(H26)")),
    (f"{ED}/projects/tokachi.yaml", "not UTF-8", lambda t: t.replace("十勝", "\udcff", 1)),
    (f"{ED}/regions.yaml", "duplicate key", _replace("  projects_stated: 6\n", "  projects_stated: 6\n" * 2)),
]
IDS = [f"{c[0]}-{c[1]}" for c in CASES]


def broken_copy(tmp_path: Path, file: str, edit: Callable[[str], str]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    target = data / file
    text = edit(target.read_text(encoding="utf-8"))
    target.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return data


def assert_located(stderr: str, data: Path, file: str) -> None:
    """Every line names a file and line; the broken file is among them; no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no error message"
    for line in lines:
        m = LOCATED.match(line)
        assert m and Path(m["path"]).exists(), f"not 'file:line: message': {line!r}"
        if m["path"].endswith((".yaml", ".yml")):
            assert m["line"], f"no line number: {line!r}"
    named = {Path(LOCATED.match(line)["path"]).resolve() for line in lines}  # type: ignore[index]
    assert (data / file).resolve() in named, (file, lines)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(PYTHONPATH=str(ROOT), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()), **extra)
    return env


def _cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=timeout,
    )


def test_the_real_data_is_valid(capsys):
    from geo.cli import main

    assert main(["validate", "--boundaries", str(boundaries_path()), "--data", str(DATA)]) == 0


@pytest.mark.parametrize(("file", "how", "edit"), CASES, ids=IDS)
def test_validate_names_file_and_line(tmp_path, capsys, file, how, edit):
    from geo.cli import main

    data = broken_copy(tmp_path, file, edit)
    code = main(["validate", "--boundaries", str(boundaries_path()), "--data", str(data)])
    assert code != 0, how
    assert_located(capsys.readouterr().err, data, file)




@pytest.mark.parametrize(("file", "how", "edit"), CASES, ids=IDS)
def test_app_refuses_to_start(tmp_path, file, how, edit):
    from app import create_app

    data = broken_copy(tmp_path, file, edit)
    with pytest.raises(DataError) as info:
        create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)})
    assert_located(str(info.value), data, file)


@pytest.mark.parametrize(
    ("file", "how", "edit"), [CASES[1], CASES[9]], ids=[IDS[1], IDS[9]]
)
def test_cli_processes_fail_cleanly(tmp_path, file, how, edit):
    """The installed entry points, as separate processes: validate and serve both exit non-zero."""
    data = broken_copy(tmp_path, file, edit)
    env = _env()
    done = _cli("validate", "--data", str(data), env=env)
    assert done.returncode != 0
    assert_located(done.stderr, data, file)
    # serve reads the data folder from HOKKAIDO_MAP_DATA; it must exit, not serve half a plan.
    done = _cli("serve", "--port", "0", env=_env(HOKKAIDO_MAP_DATA=str(data)), timeout=60)
    assert done.returncode != 0
    assert_located(done.stderr, data, file)


# -- the boundary cache ---------------------------------------------------------------------


@pytest.fixture()
def boundary_server():
    """A local HTTP server (127.0.0.1) serving the pinned boundary file's bytes; counts requests."""
    from geo.atlas import sources

    src = boundaries_path()
    if hashlib.sha256(src.read_bytes()).hexdigest() != sources.PINNED_SHA256:
        pytest.skip(f"{src} is not the pinned file")
    hits: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(src.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{src.name}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "other file"])
def test_stale_boundary_cache_is_replaced_not_served(tmp_path, boundary_server, damage):
    from geo.atlas import sources

    url, hits = boundary_server
    cache = tmp_path / "cache"
    cache.mkdir()
    good = boundaries_path().read_bytes()
    bad = {
        "flipped byte": good[:1000] + bytes([good[1000] ^ 1]) + good[1001:],
        "truncated": good[: len(good) // 2],
        "other file": b'{"type": "FeatureCollection", "features": []}',
    }[damage]
    cached = cache / sources.PINNED_NAME
    cached.write_bytes(bad)
    env = _env(HOKKAIDO_MAP_CACHE=str(cache), **{sources.ENV_URL: url})
    del env["HOKKAIDO_MAP_BOUNDARIES"]
    done = _cli("validate", env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert hits, "the damaged cache was used without fetching"
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == sources.PINNED_SHA256
