"""Printing (issue 21): every page has a print stylesheet (A4, content only: no navigation, no
switches, no map controls, no search); the 連携会議 material starts a page per 連携地域."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

PAGES = ["/", "/town/01400", "/project/yotei-nishiiburi", "/kpi/yotei-nishiiburi-1", "/overlap",
         "/region/doo", "/subprefecture/後志", "/progress", "/progress/report?year=2016"]
HIDDEN_IN_PRINT = ["header.site", ".skip-top a", ".edition-switch", ".controls", ".leaflet-control-zoom",
                   ".share"]
A4_POINTS = (595.28, 841.89)


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF Chromium wrote (its page objects are not compressed)."""
    boxes = re.findall(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf, re.S)
    if not boxes:  # MediaBox before /Type
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\][^>]*?/Type\s*/Page\b(?!s)",
                           pdf, re.S)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize("url", PAGES)
def test_the_print_shows_the_content_only(page, live_server, url: str) -> None:
    page.goto(live_server + url)
    if page.locator(".map").count():
        wait_for_map(page)
    page.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        for i in range(page.locator(selector).count()):
            assert not page.locator(selector).nth(i).is_visible(), (url, selector)
    assert page.locator("main h1").is_visible()
    if page.locator(".map").count():  # a map prints with its credit line under it
        assert page.locator("figcaption .credit").first.is_visible(), url
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = _pdf_pages(pdf)
    assert sizes and all(abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2 for w, h in sizes), sizes


def test_printing_opens_the_tables(page, live_server) -> None:
    page.goto(live_server + "/town/01400")
    wait_for_map(page)
    closed = page.locator("details:not([open]):not(.edition-switch)")
    assert closed.count() > 0
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert closed.count() == 0
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("details:not([open]):not(.edition-switch)").count() > 0


def test_the_report_starts_a_page_per_region(page, live_server) -> None:
    page.goto(live_server + "/progress/report?year=2016")
    regions = page.locator(".report-region").count()
    assert regions == 6
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    # The first page (title, counts, the late KPIs), then at least one page per 連携地域.
    assert len(_pdf_pages(pdf)) >= 1 + regions
