"""Reflow: no page or embed scrolls sideways at 320 CSS px, and no page at 640 CSS px.

640 CSS px is a 1280 px window at 200 % zoom (JIS X 8341-3 / WCAG 2.0 1.4.4 テキストのサイズ変更:
text at 200 % without loss of content or function); 320 CSS px is the same at 400 % (WCAG 2.1's
1.4.10 リフロー). A wide table may scroll inside its own box (.table-wrap), never the page.
The pages are test_a11y.py's: a page added there is checked here too.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map
from tests.browser.test_a11y import EMBEDS, PAGES

pytestmark = pytest.mark.browser

CASES = [(url, 320) for url in PAGES + EMBEDS] + [(url, 640) for url in PAGES]


@pytest.mark.wcag("1.4.4")
@pytest.mark.parametrize(("url", "width"), CASES)
def test_no_horizontal_scroll(page, guard, live_server, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 640})
    response = page.goto(live_server + url)
    assert response is not None and response.status in (200, 400, 404)
    if response.status != 200:  # the error page's own status is logged as a console error: expected
        guard.errors = [e for e in guard.errors if f"status of {response.status}" not in e]
    if response.status == 200 and page.locator(".map").count():
        wait_for_map(page)
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{url} at {width} px scrolls sideways: {scroll} > {client} px"
