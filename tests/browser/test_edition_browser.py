"""The plan edition's notice, as a phone shows it: near the title, whole, and off the map."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/town/01400", "/embed/town/01400"])
def test_the_ended_period_notice_fits_at_360px_and_leaves_the_map_clear(page, live_server, path) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    wait_for_map(page)
    notice = page.locator("p.edition")
    assert notice.count() == 1 and notice.is_visible()
    assert "この方針の対象期間（平成28年度〜概ね令和2年度）は終了しています。" in notice.inner_text()
    n, m = notice.bounding_box(), page.locator(".map").first.bounding_box()
    assert n is not None and m is not None
    assert n["x"] >= 0 and n["x"] + n["width"] <= 360  # fits the phone's width
    overlaps = n["y"] < m["y"] + m["height"] and m["y"] < n["y"] + n["height"]
    assert not overlaps, (n, m)  # above the map on a page, under it in an embed
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if not path.startswith("/embed/"):  # on a page, it comes before the title
        assert n["y"] < page.locator("h1").bounding_box()["y"]
