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

from tests.browser.conftest import SUB_PATH, wait_for_map

pytestmark = pytest.mark.browser

# (typed, the town the first hit must be): a kanji name, a reading, a romaji spelling, a postal code.
SEARCHES = [("倶知安", "倶知安町"), ("くっちゃん", "倶知安町"), ("Kutchan", "倶知安町"),
            ("044-0001", "倶知安町"), ("おびひろ", "帯広市"), ("〒080-0010", "帯広市")]
WALK = ["town/01400.html", "progress.html", "kpi.html", "overlap.html", "region/doo.html", "embed/index.html"]
SAPPORO_STATION = (43.0687, 141.3508)
KUTCHAN_TOWN_HALL = (42.9018, 140.7587)


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


# --- the overview's state in the URL (issue 21: a resident can send the link) ----------------


def _base(how: str, exported: Path, static_host: str, live_server: str) -> str:
    return {"file": (exported / SUB_PATH).as_uri() + "/index.html", "static-host": static_host + "index.html",
            "served": live_server + "/"}[how]


def _params(pg) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(pg.url).query))


def _panel_title(pg, text: str) -> None:  # type: ignore[no-untyped-def]
    pg.locator("#panel h2", has_text=text).wait_for(timeout=10000)


@pytest.mark.parametrize("how", ["served", "file", "static-host"])
def test_the_overview_keeps_its_state_in_the_url(visitor, exported, static_host, live_server,
                                                 how: str) -> None:
    pg, _, context = visitor
    home = _base(how, exported, static_host, live_server)
    pg.goto(home)
    wait_for_map(pg)
    assert _params(pg) == {}
    pg.get_by_label("振興局（14）").check()
    pg.wait_for_url(lambda url: "level=subprefectures" in url)
    pg.locator("#measure").select_option("cross")
    pg.wait_for_url(lambda url: "measure=cross" in url)
    # The map's 「データ」 link follows the switches: the data of the map as it is now.
    csv = pg.locator(".licence a", has_text="データ（CSV）")
    href = csv.get_attribute("href") or ""
    assert href.endswith("overview/subprefectures.cross.csv"), href
    if how == "file":
        assert (exported / SUB_PATH / href).is_file(), href
    else:
        answer = pg.request.get(csv.evaluate("a => a.href"))
        assert answer.status == 200 and "後志" in answer.text(), href
    pg.locator("path.hm-id-後志").click(force=True)
    _panel_title(pg, "後志総合振興局")
    assert _params(pg) == {"level": "subprefectures", "measure": "cross", "sub": "後志"}
    # The area the panel shows is outlined on the map; 道央広域 names 8 of its 20: the panel says so.
    assert pg.locator("path.hm-id-後志").get_attribute("stroke") == "#000"
    assert "全20件のうち主な8件だけ" in pg.locator("#panel").inner_text()
    shared = pg.url

    # Someone opens the link: the same map, the same panel.
    other = context.new_page()
    Watch(other)
    other.goto(shared)
    wait_for_map(other)
    _panel_title(other, "後志総合振興局")
    assert other.get_by_label("振興局（14）").is_checked()
    assert other.locator("#measure").input_value() == "cross"
    assert "連携地域をまたぐ" in other.locator("#measure-legend .legend-title").inner_text()
    other.close()

    # Back steps through the picks, Forward again.
    pg.go_back()
    _panel_title(pg, "地図の使い方")
    assert _params(pg) == {"level": "subprefectures", "measure": "cross"}
    assert pg.locator("path.hm-id-後志").get_attribute("stroke") != "#000"
    pg.go_back()
    pg.wait_for_url(lambda url: "measure" not in url)
    assert pg.locator("#measure").input_value() == "all"
    pg.go_back()
    pg.wait_for_url(lambda url: "level" not in url)
    assert pg.get_by_label("市町村（179）").is_checked()
    pg.go_forward()
    pg.wait_for_url(lambda url: "level=subprefectures" in url)
    assert pg.get_by_label("振興局（14）").is_checked()


@pytest.mark.parametrize("how", ["served", "file", "static-host"])
def test_a_link_to_a_town_a_region_or_a_search(visitor, exported, static_host, live_server, how: str) -> None:
    pg, _, _ = visitor
    home = _base(how, exported, static_host, live_server)
    pg.goto(home + "?town=01400")
    wait_for_map(pg)
    _panel_title(pg, "倶知安町")
    assert "名前を挙げないプロジェクトが 12 件" in pg.locator("#panel").inner_text()
    pg.goto(home + "?level=regions&region=doo")
    wait_for_map(pg)
    _panel_title(pg, "道央広域連携地域")
    assert pg.get_by_label("連携地域（6）").is_checked()
    # An id the plan does not have: said in Japanese, nothing fetched that fails.
    pg.goto(home + "?region=nowhere&measure=nope")
    wait_for_map(pg)
    pg.locator("#panel", has_text="「nowhere」という連携地域はありません。").wait_for(timeout=10000)
    assert pg.locator("#measure").input_value() == "all"
    # ?q= (the error page's search form sends it): the results are open, the box has focus.
    pg.goto(home + "?q=くっちゃん")
    wait_for_map(pg)
    pg.locator("#q-results li").first.filter(has_text="倶知安町").wait_for(timeout=10000)
    assert pg.locator("#q").input_value() == "くっちゃん"
    assert pg.evaluate("document.activeElement.id") == "q"


def test_the_error_page_search_lands_on_the_map(visitor, live_server) -> None:
    pg, watch, _ = visitor
    r = pg.goto(live_server + "/no/倶知安")
    assert r is not None and r.status == 404
    watch.failed.clear()  # the 404 itself is what is tested here
    watch.errors.clear()
    assert pg.locator("#error-q").input_value() == "倶知安"
    pg.locator("#error-q").fill("ニセコ")
    pg.locator("#error-q").press("Enter")
    pg.wait_for_url(lambda url: "q=" in url)
    wait_for_map(pg)
    pg.locator("#q-results li").first.filter(has_text="ニセコ町").wait_for(timeout=10000)


# --- the overview on a wide screen and on a phone --------------------------------------------


@pytest.fixture()
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP", has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    pg = context.new_page()
    watch = Watch(pg)
    yield pg
    context.close()
    watch.check()


def _box(pg, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = pg.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("how", ["served", "file"])
def test_the_legend_is_seen_with_the_map_at_1280_by_800(visitor, exported, static_host, live_server,
                                                        how: str) -> None:
    pg, _, _ = visitor
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(_base(how, exported, static_host, live_server))
    wait_for_map(pg)
    pg.locator("#measure-legend li").first.wait_for()
    legend, mapbox = _box(pg, "#measure-legend"), _box(pg, ".map")
    assert legend["y"] + legend["height"] <= 800, legend  # no scrolling to read the colours
    assert legend["x"] >= mapbox["x"] + mapbox["width"]  # beside the map
    note = pg.locator("#unnamed-note").inner_text()
    assert "道央広域連携地域（全20件のうち8件）" in note and "主なプロジェクトを掲載" in note
    # A mouse and keyboard user is told the keys, not the touch gestures.
    assert pg.locator(".map-figure .keys").is_visible()
    assert not pg.locator(".hint-touch").first.is_visible()
    assert pg.locator(".leaflet-control-attribution").is_visible()  # the credit, on the map


@pytest.mark.parametrize("how", ["served", "file"])
def test_a_tap_on_a_phone_brings_the_panel_and_a_way_back(phone, exported, static_host, live_server,
                                                          how: str) -> None:
    pg = phone
    pg.goto(_base(how, exported, static_host, live_server))
    wait_for_map(pg)
    # Hints by input type: no keyboard hint for a finger.
    assert not pg.locator(".map-figure .keys").is_visible()
    assert pg.locator(".hint-touch").first.is_visible()
    # The credit is under the map, not over it, and small.
    assert not pg.locator(".leaflet-control-attribution").is_visible()
    credit, mapbox = _box(pg, "figcaption .credit"), _box(pg, ".map")
    assert credit["y"] >= mapbox["y"] + mapbox["height"]
    assert credit["height"] <= 2 * 16, credit  # two lines at most at 360 px (one from ~410 px)
    pg.locator("path.hm-id-01400").tap(force=True)
    _panel_title(pg, "倶知安町")
    panel = _box(pg, "#panel")
    assert -1 <= panel["y"] < 740, panel  # brought into view (to the pixel: layout is sub-pixel)
    back = pg.get_by_role("button", name="地図に戻る")
    back.click()
    mapbox = _box(pg, ".map")
    assert -1 <= mapbox["y"] < 740 / 2, mapbox
    assert pg.evaluate("document.activeElement.classList.contains('map')")


# --- the smaller rough edges of a first visit, served and exported ----------------------------


@pytest.mark.parametrize("how", ["served", "file"])
def test_a_subprefecture_page_names_itself_once_and_a_kpi_chart_uses_the_width(
        visitor, exported, static_host, live_server, how: str) -> None:
    pg, _, _ = visitor
    home = _base(how, exported, static_host, live_server)
    root = home.rsplit("/", 1)[0] + "/"
    ext = "" if how == "served" else ".html"
    pg.goto(root + "subprefecture/shiribeshi" + ext)
    wait_for_map(pg)
    assert pg.locator("h1").inner_text().startswith("後志総合振興局")
    facts = pg.locator("dl.hierarchy").inner_text()
    assert "後志総合振興局" not in facts and "道央広域連携地域" in facts  # its name is the heading
    pg.goto(root + "kpi/yotei-nishiiburi-1" + ext)
    wait_for_map(pg)
    chart, main = _box(pg, "svg.trend"), _box(pg, "main")
    assert chart["width"] >= 0.75 * (main["width"] - 24), (chart, main)  # was ~40 % at 1280 px
