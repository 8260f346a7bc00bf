"""The exported site does what the served one does (issue 21): search and 現在地 run in the page,
from file:// and from a plain static server under a sub-path, with no failed request and no
console error on the way: /, a search and its result, a town page, /progress, /kpi, /overlap, a
region page and an embed. The served app answers the same searches the same way.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

SUB_PATH = "maps/hokkaido"
# (typed, the town the first hit must be): a kanji name, a reading, a romaji spelling, a postal code.
SEARCHES = [("倶知安", "倶知安町"), ("くっちゃん", "倶知安町"), ("Kutchan", "倶知安町"),
            ("044-0001", "倶知安町"), ("おびひろ", "帯広市"), ("〒080-0010", "帯広市")]
WALK = ["town/01400.html", "progress.html", "kpi.html", "overlap.html", "region/doo.html", "embed/index.html"]
SAPPORO_STATION = (43.0687, 141.3508)
KUTCHAN_TOWN_HALL = (42.9018, 140.7587)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    from app import create_app
    from geo.export import export_site
    from tests.conftest import boundaries_path

    app = create_app({"BOUNDARIES": str(boundaries_path())})
    root = tmp_path_factory.mktemp("static")
    export_site(app, root / SUB_PATH, progress=False)
    return root


@pytest.fixture(scope="module")
def static_host(exported: Path) -> Iterator[str]:
    """A plain static server (no app) over the folder that holds the export under SUB_PATH."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(exported)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{SUB_PATH}/"
    server.shutdown()


class Watch:
    """Every failed request (network error or HTTP ≥ 400) and console error of a page."""

    def __init__(self, pg) -> None:  # type: ignore[no-untyped-def]
        self.failed: list[str] = []
        self.errors: list[str] = []
        # ERR_ABORTED is the browser cancelling a request of the page it leaves (a slow machine
        # may still be fetching the icon): not a failure; a missing file is a 404 below.
        pg.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
              else self.failed.append(f"{r.url} {r.failure}"))
        pg.on("response", lambda r: self.failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
        pg.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        assert self.failed == [] and self.errors == [], (self.failed, self.errors)


@pytest.fixture()
def visitor(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP",
                                  permissions=["geolocation"], geolocation=dict(zip(
                                      ("latitude", "longitude"), KUTCHAN_TOWN_HALL, strict=True)))
    pg = context.new_page()
    watch = Watch(pg)
    yield pg, watch, context
    context.close()
    watch.check()


def _search(pg, typed: str, first: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``typed`` as a user would; the first hit becomes ``first`` (the list of the previous
    query may still be up for 150 ms: wait for this one's)."""
    box = pg.locator("#q")
    box.fill("")
    box.type(typed, delay=20)
    pg.locator("#q-results li").first.filter(has_text=first).wait_for(timeout=10000)
    assert pg.locator("#q-results li").first.inner_text().startswith(first), typed


def _use_the_overview(pg, base: str) -> None:  # type: ignore[no-untyped-def]
    """Search (four kinds of query), follow a result, come back, and 現在地."""
    for typed, town in SEARCHES:
        _search(pg, typed, town)
    _search(pg, "倶知安", "倶知安町")
    pg.keyboard.press("Enter")
    pg.wait_for_url(lambda url: "/town/01400" in url, timeout=10000)
    assert "倶知安町" in pg.locator("h1").inner_text()
    pg.go_back()
    wait_for_map(pg)
    pg.locator("#locate").click()
    # No wait_for_function: the app's CSP (no 'unsafe-eval') forbids Playwright's eval.
    pg.locator("#panel", has_text="倶知安町").wait_for(timeout=10000)


@pytest.mark.parametrize("how", ["file", "static-host"])
def test_the_export_searches_locates_and_walks_without_a_failed_request(visitor, exported, static_host,
                                                                          how: str) -> None:
    pg, _, _ = visitor
    base = (exported / SUB_PATH).as_uri() + "/" if how == "file" else static_host
    pg.goto(base + "index.html")
    wait_for_map(pg)
    _use_the_overview(pg, base)
    for rel in WALK:
        pg.goto(base + rel)
        if pg.locator(".map").count():  # /kpi is a list without a map
            wait_for_map(pg)
        assert pg.locator("h1").count() == 1, rel


def test_the_served_app_answers_the_same(visitor, live_server) -> None:
    pg, _, _ = visitor
    pg.goto(live_server + "/")
    wait_for_map(pg)
    _use_the_overview(pg, live_server + "/")


def test_locate_at_sea_says_so(visitor, exported) -> None:
    pg, _, context = visitor
    context.set_geolocation({"latitude": 42.0, "longitude": 143.9})  # the Pacific, off 襟裳岬
    pg.goto((exported / SUB_PATH / "index.html").as_uri())
    wait_for_map(pg)
    pg.locator("#locate").click()
    pg.locator("#panel", has_text="現在地は北海道の市町村の中にありません").wait_for(timeout=10000)
