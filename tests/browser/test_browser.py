"""The app in headless Chromium: maps draw offline, switches, tooltip, search, KPI legend, 360 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

KUTCHAN_PROJECT = "ようてい・西いぶり広域連携プロジェクト"


def open_map(page, live_server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + path)
    wait_for_map(page)


def test_overview_draws_every_municipality(page, live_server) -> None:
    open_map(page, live_server, "/")
    assert page.locator("path.leaflet-interactive").count() >= 179
    assert page.locator("path.hm-area").count() == 179
    # The measure colours arrive: the legend lists classes.
    page.wait_for_selector("#measure-legend li")


def test_level_switch(page, live_server) -> None:
    open_map(page, live_server, "/")
    page.wait_for_selector("#measure-legend li")
    counts = {}
    for level in ("subprefectures", "regions", "municipalities"):
        page.check(f"#level input[value={level}]")
        counts[level] = page.locator("path.hm-area").count()
    assert counts == {"municipalities": 179, "subprefectures": 14, "regions": 6}
    page.select_option("#measure", "cross")
    assert "連携地域をまたぐ" in page.locator("#measure-legend .legend-title").inner_text()


def test_hover_shows_tooltip(page, live_server) -> None:
    open_map(page, live_server, "/")
    page.locator("path.hm-id-01400").hover(force=True)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "振興局" in text and "連携地域" in text and "件" in text


def test_click_opens_side_panel(page, live_server) -> None:
    open_map(page, live_server, "/")
    page.locator("path.hm-id-01400").click(force=True)
    panel = page.locator("#panel")
    panel.get_by_text(KUTCHAN_PROJECT).wait_for()


def test_search_reaches_town_page(page, live_server) -> None:
    open_map(page, live_server, "/")
    box = page.locator("#q")
    box.click()
    box.type("倶知安")
    page.locator("#q-results li[role=option]").first.wait_for()
    assert "倶知安町" in page.locator("#q-results").inner_text()
    box.press("Enter")
    page.wait_for_url("**/town/01400")
    wait_for_map(page)
    assert page.locator("h1").inner_text() == "虻田郡倶知安町"
    page.get_by_role("heading", name=KUTCHAN_PROJECT).wait_for()


def test_search_keyboard_selects_ward(page, live_server) -> None:
    open_map(page, live_server, "/")
    box = page.locator("#q")
    box.click()
    box.type("南区")
    page.locator("#q-results li[role=option]").first.wait_for()
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    page.wait_for_url("**/town/01106")  # the ward's own code: its page names the ward
    assert page.locator("h1").inner_text() == "札幌市南区（札幌市）"


def test_kpi_map_shows_legend(page, live_server) -> None:
    open_map(page, live_server, "/kpi/yotei-nishiiburi-1")
    legend = page.locator(".legend").first
    assert legend.is_visible()
    assert "計画上の変化率" in legend.inner_text()
    assert page.locator(".legend li").count() >= 3
    assert page.locator("path.hm-area").count() == 14
    assert "国土数値情報" in page.locator(".leaflet-control-attribution").inner_text()


@pytest.mark.parametrize("path", ["/town/01400", "/project/yotei-nishiiburi", "/kpi/family/観光入込客数",
                                  "/overlap", "/embed/overlap"])
def test_other_maps_draw(page, live_server, path: str) -> None:
    open_map(page, live_server, path)
    assert page.locator("path.leaflet-interactive").count() >= 1


@pytest.mark.parametrize("path", ["/", "/town/01400", "/overlap", "/kpi"])
def test_usable_at_360px(page, live_server, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{path} scrolls sideways: {width}px"


def test_overview_embed_colours_the_chosen_level_and_measure(page, live_server) -> None:
    # The document: 道内ジオパーク covers 胆振・空知・日高・オホーツク・十勝 and 「ひがし北海道」
    # covers 十勝・オホーツク・釧路・根室 — the two cross-region projects.
    open_map(page, live_server, "/embed/?level=subprefectures&measure=cross")
    assert page.locator("path.hm-area").count() == 14

    def fill(short: str) -> str:
        return page.locator(f"path.hm-id-{short}").get_attribute("fill")

    assert fill("オホーツク") == fill("十勝")  # both projects
    assert fill("釧路") == fill("根室") == fill("胆振") == fill("空知") == fill("日高")  # one
    assert fill("宗谷") == fill("石狩") == fill("渡島")  # none
    assert len({fill("十勝"), fill("釧路"), fill("宗谷")}) == 3
    assert "2 件" in page.locator(".legend").first.inner_text()


@pytest.mark.parametrize(("where", "lat", "lon", "expect"), [
    ("倶知安町", 42.90, 140.76, "ようてい・西いぶり広域連携プロジェクト"),
    ("the sea off 留萌", 43.9, 140.9, "現在地は北海道の市町村の中にありません"),
])
def test_current_location_button(browser, live_server, guard, where, lat, lon, expect) -> None:
    # The browser reports a position (as a phone would after the user allows it).
    context = browser.new_context(geolocation={"latitude": lat, "longitude": lon},
                                  permissions=["geolocation"], locale="ja-JP")
    pg = context.new_page()
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server)
             else (guard.foreign.append(r.request.url), r.abort()))
    pg.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    try:
        open_map(pg, live_server, "/")
        pg.click("#locate")
        pg.locator("#panel").get_by_text(expect).wait_for(timeout=10_000)
    finally:
        context.close()
    guard.check()
