"""The plan edition's notice, as a phone shows it: near the title, whole, and off the map; and
with two editions, the switcher and the comparison as a user works them (mouse and keyboard)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.request import urlopen

import pytest

from tests.browser.conftest import serving, wait_for_map
from tests.edition_fixtures import NEW, OLD, make_second_edition

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/town/01400", "/embed/town/01400"])
def test_the_ended_period_notice_fits_at_360px_and_leaves_the_map_clear(page, live_server, path) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    wait_for_map(page)
    notice = page.locator(".edition p[role=note]")
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


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory) -> Iterator[tuple[str, object]]:
    data, changes = make_second_edition(tmp_path_factory.mktemp("browser-editions"))
    with serving(DATA_DIR=str(data)) as url:
        yield url, changes


def test_the_switcher_by_keyboard_takes_the_same_town_to_the_old_edition(page, two_editions) -> None:
    url, ch = two_editions
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url + "/town/01400")
    wait_for_map(page)
    summary = page.locator(".edition-switch summary")
    assert "2版" in summary.inner_text()
    summary.focus()
    page.keyboard.press("Enter")  # a <details> opens with Enter: no script involved
    old = page.get_by_role("link", name=re.compile("平成28年度〜概ね令和2年度"))
    assert old.is_visible()
    box, m = page.locator(".edition").bounding_box(), page.locator(".map").first.bounding_box()
    assert box["y"] + box["height"] <= m["y"], (box, m)  # open, it pushes the map down, never covers it
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    old.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/editions/{OLD}/town/01400")
    wait_for_map(page)
    note = page.locator(".edition p[role=note]").inner_text()
    assert "この方針の対象期間（平成28年度〜概ね令和2年度）は終了しています。" in note
    replaced = page.get_by_role("link", name=f"新しい方針：{ch.new_title}")
    replaced.click()  # the mouse, this time
    page.wait_for_url(f"{url}/town/01400")


def test_the_comparison_from_the_editions_page(page, two_editions) -> None:
    url, ch = two_editions
    page.goto(url + "/editions/")
    page.get_by_role("link", name=re.compile("→")).click()
    page.wait_for_url(re.compile(rf"/compare\?from={OLD}&to={NEW}$"))
    wait_for_map(page)
    assert ch.added_name in page.locator("main").inner_text()
    # The map colours the towns that gained and lost (purple / orange) as the JSON twin lists
    # them (tests/test_edition_web.py checks those against the edits), the rest grey.
    towns = json.loads(urlopen(f"{url}/api/compare?from={OLD}&to={NEW}").read())["towns"]
    fills = page.eval_on_selector_all("path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))")
    for status, colour in (("gained", "#5e3c99"), ("lost", "#e66101")):
        assert fills.count(colour) == sum(t["status"] == status for t in towns) > 0, status
