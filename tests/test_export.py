"""Static export (geo/export.py): every site URL on disk, relative links, no local paths, atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo import export
from geo.export import ExportError, _Fetched, _rewrite, export_site, file_for, start_urls


@pytest.fixture()
def site(app, tmp_path):
    out = tmp_path / "out" / "site"
    report = export_site(app, out, progress=False)
    return app, out, report


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def test_every_site_url_is_a_file(site):
    app, out, report = site
    client = app.test_client()
    assert report.urls == start_urls(app)
    for url in report.urls:
        r = client.get(url)
        path = out / file_for(url, r.mimetype)
        assert path.is_file(), url
        if r.mimetype not in ("text/html", "text/css"):
            assert path.read_bytes() == r.data, url  # data is copied byte for byte
    assert (out / "index.html").is_file()
    assert (out / export.SHIM_FILE).is_file()


def test_json_has_a_script_twin(site):
    """What the page scripts fetch (the JSON API) has a script twin, for file://; the data
    downloads under data/ (a map's GeoJSON) are followed as links and have none."""
    _, out, _ = site
    jsons = [p for p in out.rglob("*.json") if "api" in p.relative_to(out).parts]
    assert jsons
    for path in jsons:
        twin = path.with_name(path.name + ".js").read_text(encoding="utf-8")
        assert twin.startswith(f"(window.{export.DATA_GLOBAL}=")
    downloads = list((out / "data" / "maps").rglob("*.geojson"))
    assert downloads and not [p for p in downloads if p.with_name(p.name + ".js").exists()]


def test_no_absolute_path_of_this_machine(site, tmp_path):
    _, out, _ = site
    repo = Path(__file__).resolve().parent.parent
    needles = [str(repo), str(tmp_path), str(Path.home()) + "/", str(out.resolve())]
    for rel, path in _files(out).items():
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{rel} contains {needle}"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temp folder left"


def test_every_local_link_of_every_page_resolves(site):
    """No dangling href/src in the exported site (pages offered print links that were not there)."""
    import re
    from urllib.parse import unquote

    _, out, _ = site
    dangling = []
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r'(?:href|src)="([^"#?]+)[^"]*"', text):
            if ref.startswith(("http:", "https:", "data:", "mailto:", "javascript:")):
                continue
            if not (page.parent / unquote(ref)).exists():
                dangling.append((str(page.relative_to(out)), ref))
    assert dangling == [], dangling[:10]
    assert not list(out.rglob("print")), "prints are opt-in (--with-print)"


def test_rerun_rewrites_nothing(site):
    app, out, first = site
    before = {rel: (p.stat().st_ino, p.stat().st_mtime_ns) for rel, p in _files(out).items()}
    again = export_site(app, out, progress=False)
    after = {rel: (p.stat().st_ino, p.stat().st_mtime_ns) for rel, p in _files(out).items()}
    assert again.written == 0 and again.unchanged == again.files == first.files
    assert after == before  # same inodes: unchanged files were linked, not rewritten


def test_error_leaves_out_dir_untouched(site, monkeypatch):
    app, out, _ = site
    before = {rel: p.read_bytes() for rel, p in _files(out).items()}
    monkeypatch.setattr(export, "start_urls", lambda app: ["/", "/no-such-page"])
    with pytest.raises(ExportError, match="/no-such-page: HTTP 404"):
        export_site(app, out, progress=False)
    # A failure while writing (a leaked path) is refused as a whole too.
    monkeypatch.setattr(export, "start_urls", lambda app: ["/"])
    monkeypatch.setattr(export, "build_files", lambda fetched: {"a.txt": b"x", "b.txt": str(out).encode()})
    with pytest.raises(ExportError, match="local path"):
        export_site(app, out, progress=False)
    assert {rel: p.read_bytes() for rel, p in _files(out).items()} == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("url", "mimetype", "expected"), [
    ("/", "text/html", "index.html"),
    ("/region/doo", "text/html", "region/doo.html"),
    ("/region/", "text/html", "region/index.html"),
    ("/api/region/doo", "application/json", "api/region/doo.json"),
    ("/api/topology.topojson", "application/json", "api/topology.topojson"),
    ("/assets/leaflet/leaflet.js?v=1.9.3", "application/javascript", "assets/leaflet/leaflet.js"),
    ("/embed/map?level=region", "text/html", "embed/map__level-region.html"),
])
def test_file_for(url, mimetype, expected):
    assert file_for(url, mimetype) == expected


def test_rewrite_is_depth_aware():
    files = {"/": "index.html", "/api/x": "api/x.json", "/assets/l.css?v=1": "assets/l.css",
             "/region/doo": "region/doo.html"}
    html = (b'<html><head><link href="/assets/l.css?v=1"></head><body><a href="/">home</a>'
            b'<script>fetch("/api/x")</script></body></html>')
    deep = _rewrite(_Fetched("/region/doo", "text/html", html, "region/doo.html"), files).decode()
    assert 'href="../assets/l.css"' in deep and 'href="../index.html"' in deep
    assert 'fetch("../api/x.json")' in deep
    assert 'window.HOKKAIDO_MAP_ROOT="../"' in deep and 'src="../_export/shim.js"' in deep
    top = _rewrite(_Fetched("/", "text/html", html, "index.html"), files).decode()
    assert 'href="assets/l.css"' in top and 'window.HOKKAIDO_MAP_ROOT="./"' in top
    css = _rewrite(_Fetched("/assets/l.css", "text/css", b"a{background:url(/api/x)}", "assets/l.css"), files)
    assert css == b"a{background:url(../api/x.json)}"


def test_cli_export(tmp_path):
    from geo.cli import main
    from tests.conftest import boundaries_path

    out = tmp_path / "cli-site"
    assert main(["export", str(out), "--boundaries", str(boundaries_path()), "--quiet"]) == 0
    assert (out / "index.html").is_file()
    assert oct(os.stat(out).st_mode & 0o777) == "0o755"


def test_every_link_a_page_script_opens_is_exported(site):
    """Links built by the pages' scripts, not written in the HTML, exist in the export too: each
    map area's link (``"h"`` of a map script, opened by a click, Enter or Space) and each link the
    overview's panel builds from its ``data-*`` URL templates."""
    import re

    _, out, _ = site
    shim = (out / export.SHIM_FILE).read_text(encoding="utf-8")
    files = json.loads(re.search(r"var FILES = (\{.*?\});\n", shim)[1])
    links = set()
    for script in (out / "maps").rglob("*.js"):
        links |= set(re.findall(r'"h":"(/[^"]+)"', script.read_text(encoding="utf-8")))
    assert len(links) > 179, len(links)  # every town, 振興局 and the progress filters
    index = (out / "index.html").read_text(encoding="utf-8")
    town = re.search(r'data-town="([^"]+)"', index)[1]
    links |= {town.replace("__id__", code) for code in ("01100", "01400", "01695")}
    missing = sorted(u for u in links if u not in files or not (out / files[u]).is_file())
    assert missing == [], missing[:10]
