"""The static export opened from file:// in Chromium draws its maps; nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PageGuard

pytestmark = pytest.mark.browser
MIN_PATHS = 179


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    from app import create_app
    from geo.export import export_site
    from tests.conftest import boundaries_path

    app = create_app({"BOUNDARIES": str(boundaries_path())})
    out = tmp_path_factory.mktemp("export") / "site"
    export_site(app, out, progress=False)
    return out


@pytest.fixture()
def file_page(browser) -> Iterator[tuple[object, PageGuard]]:
    """A page that may load file:// and 127.0.0.1, nothing else; console errors fail the test."""
    guard = PageGuard()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    pg = context.new_page()

    def route(r) -> None:  # type: ignore[no-untyped-def]
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            r.continue_()
        else:
            guard.foreign.append(url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda msg: guard.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    yield pg, guard
    context.close()
    guard.check()


def _polygons(pg, at_least: int = MIN_PATHS) -> int:  # type: ignore[no-untyped-def]
    pg.locator("path.leaflet-interactive").nth(at_least - 1).wait_for(state="attached", timeout=15000)
    return pg.locator("path.leaflet-interactive").count()


def test_overview_from_file_url(exported, file_page):
    pg, _ = file_page
    requests: list[str] = []
    pg.on("request", lambda req: requests.append(req.url))
    pg.goto((exported / "index.html").as_uri())
    assert _polygons(pg) >= MIN_PATHS
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    # The data came from the .js twins (file:// cannot fetch JSON in Chromium).
    assert any(u.endswith(".json.js") for u in requests)


@pytest.mark.parametrize("rel", ["embed/index.html", "project/yotei-nishiiburi.html", "town/01100.html"])
def test_deeper_pages_from_file_url(exported, file_page, rel):
    pg, _ = file_page
    path = exported / rel
    if not path.exists():  # names follow site_urls; find the file if the layout differs
        candidates = sorted(exported.glob(rel.split("/")[0] + "/*.html"))
        assert candidates, f"nothing exported under {rel.split('/')[0]}/"
        path = candidates[0]
    pg.goto(path.as_uri())
    pg.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=15000)
    assert _polygons(pg, 1) >= 1
    links = pg.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in links if h.startswith("/") and not h.startswith("//")], "absolute link left"


def test_a_click_on_an_exported_map_opens_the_exported_page(exported, file_page):
    """A map area's link is built by the script (not in the HTML, so not rewritten by the export):
    from file:// it must still open the exported file, not file:///subprefecture/…."""
    pg, _ = file_page
    pg.goto((exported / "overlap.html").as_uri())
    pg.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=15000)
    target = pg.evaluate("HokkaidoMap.href('/subprefecture/shiribeshi')")
    assert target == (exported / "subprefecture" / "shiribeshi.html").as_uri()
    # 後志's own point on screen (inside it: its layer's centre may fall outside a bent shape).
    point = pg.evaluate("""() => { const e = HokkaidoMap.layers.overlap, l = e.byId['後志'];
        const p = e.map.latLngToContainerPoint(l.getBounds().getCenter());
        const r = e.map.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""")
    pg.mouse.click(*point)
    pg.wait_for_url(lambda url: url.startswith((exported / "subprefecture").as_uri()), timeout=10000)
    assert pg.locator("h1").count() == 1
