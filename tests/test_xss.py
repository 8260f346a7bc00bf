"""Issue #6 (hardening): text from the data is text — in pages, embeds, maps, API and exports.

A copy of data/ gets script-injection payloads in a project name, a 施策, a KPI (in its
indicator and its (scope), so it still parses) and a region's vision. Then:

- HTTP level (Flask test client): no response carries the payload as markup;
- browser level (headless Chromium, real waitress server on 127.0.0.1): on every page and embed
  that shows the injected project, ``window.__xss`` stays undefined, no dialog opens, no injected
  element exists in the DOM (also inside every map tooltip and popup, opened through Leaflet),
  and the literal text is visible;
- the static export (served by a plain static server, so *without* the app's CSP: escaping is
  the only defence there) passes the same browser checks.

The browser part is marked ``browser``; requests to anything but 127.0.0.1 are aborted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT, boundaries_path

PROJECT = "donan-shinkansen-exchange"
NAME = "新幹線開業を活かした交流人口拡大プロジェクト"
MEASURE = "北海道新幹線開業を活かした青森・道南広域観光圏の形成"
KPI_TEXT = "観光入込客数 1,162万人(H26)→1,440万人(R1)"
VISION = "～歴史や文化、豊かな自然や食の魅力を活かし北の玄関口「道南」の未来を切り拓く～"

NAME_X = NAME + "<img src=x onerror=window.__xss=1>\"'&amp;</script><script>window.__xss=2</script>"
MEASURE_X = MEASURE + "<script>window.__xss=3</script><img src=x onerror=\"window.__xss=4\">'\""
# Indicator and (scope) carry the payload; no spaces inside, so the KPI grammar still holds.
KPI_X = ("観光入込客数<svg/onload=window.__xss=5>(</script><script>window.__xss=6</script>)"
         " 1,162万人(H26)→1,440万人(R1)")
VISION_X = VISION + "<iframe/src=javascript:window.__xss=7>"
INJECTED = [NAME_X, MEASURE_X, VISION_X]
# Markup that must never reach a DOM (or an HTML body) as markup.
MARKUP = [b"<img src=x", b"<script>window.__xss", b"<svg/onload", b"<iframe/src"]


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(ROOT / "data", data)
    projects = data / "editions" / "h28" / "projects" / "donan.yaml"
    text = projects.read_text(encoding="utf-8")
    for old, new in [(f"name: {NAME}\n", f"name: {_yaml_str(NAME_X)}\n"),
                     (f"- {MEASURE}\n", f"- {_yaml_str(MEASURE_X)}\n"),
                     (f'- "{KPI_TEXT}"\n', f"- {_yaml_str(KPI_X)}\n")]:
        assert old in text, f"fixture drift: {old!r}"
        text = text.replace(old, new, 1)
    projects.write_text(text, encoding="utf-8")
    regions = data / "editions" / "h28" / "regions.yaml"
    text = regions.read_text(encoding="utf-8")
    assert VISION in text
    regions.write_text(text.replace(VISION + "\n", _yaml_str(VISION_X) + "\n", 1), encoding="utf-8")
    from geo.plan.model import load_plan

    plan = load_plan(data)  # still valid data: the payloads are just text
    assert plan.project(PROJECT).name == NAME_X
    return data


@pytest.fixture(scope="module")
def hostile_app(hostile_data):
    from app import create_app

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(hostile_data)})


def _site_urls(app) -> list[str]:
    from geo.web.site import site_urls
    from geo.web.state import state

    with app.test_request_context():
        return site_urls(state())


def test_no_response_carries_the_payload_as_markup(hostile_app):
    client = hostile_app.test_client()
    urls = _site_urls(hostile_app)
    assert any(PROJECT in u for u in urls)
    seen_literal = 0
    for url in urls:
        resp = client.get(url, headers={"Accept-Encoding": "identity"})
        assert resp.status_code == 200, url
        body = resp.get_data()
        if resp.mimetype != "text/html":
            # JSON, JS and CSV carry the text as data (nosniff keeps them from being read as HTML).
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            continue
        for markup in MARKUP:
            assert markup not in body, (url, markup)
        assert b"</script><script>" not in body, url
        seen_literal += b"&lt;img src=x" in body
    assert seen_literal > 0, "the payload appears nowhere (escaped) — was it injected?"


def test_no_python_nan_leaks_into_text(hostile_app):
    """Bug: geo/atlas/model.py build_atlas ``district=row.district or None`` keeps pandas NaN (truthy)
    for the 34 cities without a 郡, so ``full_name`` is "nan函館市" in tooltips and JSON."""
    client = hostile_app.test_client()
    leaks = []
    for url in ["/", "/town/01202", "/maps/page/overview/hokkaido.js", "/maps/page/town/01202.js",
                "/api/municipalities/01202", "/api/municipalities"]:
        body = client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        leaks += [(url, m.group(0)) for m in re.finditer(r"(?<![A-Za-z])nan(?![A-Za-z])\S{0,4}", body)]
    assert leaks == [], leaks[:5]


# -- browser --------------------------------------------------------------------------------

# Open every tooltip and popup of every map through Leaflet, collect their text and any
# injected element inside them.
OPEN_ALL = """
() => {
  const HM = window.HokkaidoMap;
  const out = {texts: [], injected: 0, opened: 0};
  if (!HM) return out;
  for (const entry of Object.values(HM.layers)) {
    const group = entry.layer;  // one L.geoJSON per layer: its tooltip follows the hovered area
    for (const [id, layer] of Object.entries(entry.byId)) {
      if (id !== "*" && group && group.getTooltip && group.getTooltip()) {
        group.fire("mouseover", {layer: layer, latlng: layer.getBounds().getCenter()});
        read(group.getTooltip());
        group.closeTooltip();
      }
      if (!visit(layer) && layer.eachLayer) layer.eachLayer(l => visit(l));
    }
  }
  function read(overlay) {
    const el = overlay.getElement && overlay.getElement();
    if (!el) return;
    out.opened += 1;
    out.texts.push(el.innerText);
    out.injected += el.querySelectorAll("img, script, svg, iframe").length;
  }
  function visit(l) {
    let any = false;
    for (const kind of ["Tooltip", "Popup"]) {
      const get = l["get" + kind] && l["get" + kind]();
      if (!get) continue;
      try { l["open" + kind](l.getBounds ? l.getBounds().getCenter() : undefined); } catch (e) { continue; }
      any = true;
      read(get);
      l["close" + kind]();
    }
    return any;
  }
  return out;
}
"""
DOM_INJECTED = """
() => document.querySelectorAll('img[src="x"], svg[onload], iframe[src^="javascript"]').length
  + [...document.scripts].filter(s => s.text.includes("__xss")).length
"""


def _bench():
    from tests.web_fixtures import bench_load

    return bench_load()


@pytest.fixture(scope="module")
def hostile_server(hostile_data):
    """`hokkaido-map serve` (waitress) on the hostile data, as in production."""
    load = _bench()
    with load.Server("waitress", boundaries_path(), env={"HOKKAIDO_MAP_DATA": str(hostile_data)}) as server:
        yield server.base


@pytest.fixture(scope="module")
def hostile_export(hostile_data, tmp_path_factory):
    """The static export of the hostile data, served by a plain static server (no CSP)."""
    out = tmp_path_factory.mktemp("export") / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(HOKKAIDO_MAP_DATA=str(hostile_data), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()),
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "geo.cli", "export", str(out), "--quiet"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _visit(browser, url: str, selects: tuple[tuple[str, str], ...] = ()) -> dict:
    """Load ``url``; return what happened: dialogs, __xss, injected nodes, texts, errors.

    ``selects``: (object, id) areas to select on the overview map (as a click does), so the side
    panel fills itself from the JSON API.
    """
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    try:
        page.goto(url, wait_until="load")
        try:
            page.wait_for_function("() => !window.HokkaidoMap || document.documentElement.dataset.mapReady",
                                   timeout=15_000)
        except Exception:
            errors.append("map not ready")
        tips = page.evaluate(OPEN_ALL)
        panels = []
        for obj, ident in selects:
            page.evaluate("([o, i]) => document.dispatchEvent(new CustomEvent('hm:select', "
                          "{detail: {key: 'test', object: o, id: i}}))", [obj, ident])
            page.wait_for_timeout(300)
            page.wait_for_load_state("networkidle")
            panels.append(page.inner_text("body"))
        return {
            "xss": page.evaluate("() => typeof window.__xss"),
            "dialogs": dialogs,
            "injected": page.evaluate(DOM_INJECTED) + tips["injected"],
            "text": "\n".join([page.inner_text("body"), *panels]),
            "tips": "\n".join(tips["texts"]),
            "opened": tips["opened"],
            "errors": errors,
        }
    finally:
        context.close()


def _pages(urls: list[str]) -> list[str]:
    """HTML pages and embeds that show the injected project, its KPI or its region."""
    keep = []
    for u in urls:
        if u.startswith(("/api/", "/maps/", "/assets/")) or u.endswith((".csv", ".geojson", ".zip", ".js")):
            continue
        if (PROJECT in u or u in ("/", "/kpi", "/overlap", "/embed/", "/embed/overlap")
                or u.endswith(("/town/01202", "/town/01361"))):
            keep.append(u)
    return keep


def _assert_safe(result: dict, url: str) -> None:
    assert result["xss"] == "undefined", url
    assert result["dialogs"] == [], url
    assert result["injected"] == 0, url
    assert not [e for e in result["errors"] if "__xss" in e], url


@pytest.mark.browser
def test_browser_app_pages_show_text_literally(browser, hostile_app, hostile_server):
    urls = _pages(_site_urls(hostile_app))
    assert len(urls) >= 8, urls
    shown = {text: [] for text in [NAME_X, MEASURE_X, "<svg/onload=window.__xss=5>"]}
    for url in urls:
        result = _visit(browser, hostile_server + url)
        _assert_safe(result, url)
        for text in shown:
            if text in result["text"] or text in result["tips"]:
                shown[text].append(url)
    # The project page shows name, 施策 and KPI as typed; the name also in some map tooltip.
    for text, where in shown.items():
        assert where, f"literal text never visible: {text!r}"
    assert f"/project/{PROJECT}" in shown[NAME_X]
    assert f"/project/{PROJECT}" in shown[MEASURE_X]


@pytest.mark.browser
def test_browser_overview_panel_from_the_api(browser, hostile_server):
    """The overview's side panel writes API JSON into the DOM: region vision, project names."""
    selects = (("regions", "donan"), ("municipalities", "01202"))
    result = _visit(browser, hostile_server + "/", selects=selects)
    _assert_safe(result, "/ (panel)")
    assert VISION_X in result["text"]
    assert NAME_X in result["text"]


@pytest.mark.browser
def test_browser_tooltips_and_popups(browser, hostile_server):
    """Tooltips/popups are built from data too: open them all (through Leaflet) and read them."""
    texts = []
    kid = f"{PROJECT}-1"
    for url in ["/", f"/project/{PROJECT}", "/town/01202", "/overlap", f"/kpi/{kid}", f"/embed/kpi/{kid}",
                "/embed/town/01202"]:
        result = _visit(browser, hostile_server + url)
        _assert_safe(result, url)
        assert result["opened"] > 0, f"no tooltip opened on {url}"
        texts.append(result["tips"])
    joined = "\n".join(texts)
    assert NAME_X in joined, "the project name is in no popup"
    assert "観光入込客数<svg/onload=window.__xss=5>" in joined, "the KPI indicator is in no tooltip"
    assert "</script><script>window.__xss=6</script>" in joined, "the KPI scope is in no popup"


@pytest.mark.browser
def test_browser_static_export_without_csp(browser, hostile_export):
    out, base = hostile_export
    html_files = [p.relative_to(out).as_posix() for p in out.rglob("*.html")]
    targets = [f for f in html_files if PROJECT in f or f in ("index.html", "kpi.html", "overlap.html")]
    assert any(PROJECT in f for f in targets), html_files[:20]
    for rel in targets:
        result = _visit(browser, f"{base}/{rel}")
        _assert_safe(result, rel)
    page = next(f for f in targets if f.startswith("project/") and PROJECT in f)
    result = _visit(browser, f"{base}/{page}")
    assert NAME_X in result["text"]
    assert MEASURE_X in result["text"]
    # Exported JSON and JS twins carry the text JSON-encoded, never as markup in HTML files.
    for path in out.rglob("*.html"):
        body = path.read_bytes()
        for markup in MARKUP:
            assert markup not in body, (path, markup)


@pytest.fixture(scope="module")
def plain_server():
    """`hokkaido-map serve` on the real data."""
    load = _bench()
    with load.Server("waitress", boundaries_path()) as server:
        yield server.base


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/embed/", f"/project/{PROJECT}", "/town/01202", f"/kpi/{PROJECT}-1"])
def test_browser_csp_allows_the_app_and_nothing_breaks(browser, plain_server, path):
    """Under the app's own CSP: no violation, no console error, and the map draws its areas."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    # "Failed to load resource" says no URL: failed responses are collected by URL instead.
    page.on("console", lambda m: console.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("response", lambda r: console.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    try:
        page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                             " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
        resp = page.goto(plain_server + path, wait_until="load")
        assert resp is not None and "'unsafe-inline'" not in resp.headers["content-security-policy"].split(
            "script-src", 1)[1].split(";", 1)[0]
        page.wait_for_function("() => document.documentElement.dataset.mapReady", timeout=15_000)
        drawn = page.evaluate("() => document.querySelectorAll('.leaflet-overlay-pane path').length")
        assert drawn >= 1, "the map drew nothing"
        assert page.evaluate("() => window.__csp") == []
        assert console == []
    finally:
        context.close()
