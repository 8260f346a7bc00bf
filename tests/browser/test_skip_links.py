"""The first Tab stops of a page skip the header: to the content on every page, and on / to the
map and to its table as well (the map used to be the 11th Tab stop)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser


def _active(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("(() => { const e = document.activeElement; "
                         "return e.id || e.tagName + ':' + (e.textContent || '').trim().slice(0, 20); })()")


@pytest.mark.wcag("2.4.1", "2.4.3")
def test_the_overview_skips_to_the_map_and_its_table(page, live_server) -> None:
    page.goto(live_server + "/")
    wait_for_map(page)
    page.keyboard.press("Tab")
    first = page.get_by_role("link", name="本文へ移動")
    assert _active(page) == "A:本文へ移動" and first.is_visible()  # shown when focused
    page.keyboard.press("Tab")
    assert _active(page) == "A:地図へ移動"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # sequential focus goes on from the map's place
    assert page.locator(".map:focus, .map :focus").count() == 1, _active(page)
    page.goto(live_server + "/")
    wait_for_map(page)
    for _ in range(3):
        page.keyboard.press("Tab")
    assert _active(page) == "A:表へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#overview-table"


@pytest.mark.wcag("2.4.1")
@pytest.mark.parametrize("path", ["/town/01400", "/progress", "/kpi"])
def test_every_page_skips_to_its_content(page, live_server, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    page.keyboard.press("Tab")
    assert _active(page) == "A:本文へ移動"
    page.keyboard.press("Enter")
    assert _active(page) == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, not the header's links
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.wcag("2.4.1")
def test_an_embed_has_no_header_to_skip(page, live_server) -> None:
    page.goto(live_server + "/embed/town/01400")
    assert page.get_by_role("link", name="本文へ移動").count() == 0
