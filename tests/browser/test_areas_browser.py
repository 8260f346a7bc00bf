"""The 連携地域 and 振興局 pages and search by reading / postal code in headless Chromium."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

REGIONS = ["doo", "donan", "dohoku", "okhotsk", "tokachi", "kushiro-nemuro"]
SUBPREFECTURES = ["sorachi", "ishikari", "shiribeshi", "iburi", "hidaka", "oshima", "hiyama", "kamikawa",
                  "rumoi", "soya", "okhotsk", "tokachi", "kushiro", "nemuro"]
AREAS = [("region", r) for r in REGIONS] + [("subprefecture", s) for s in SUBPREFECTURES]


def twin(live_server: str, kind: str, key: str) -> dict:
    api = "regions" if kind == "region" else "subprefectures"
    with urllib.request.urlopen(f"{live_server}/api/{api}/{key}") as r:
        return json.load(r)["area"]


@pytest.mark.parametrize(("kind", "key"), AREAS)
def test_area_page_draws_its_map(page, live_server, kind: str, key: str) -> None:
    area = twin(live_server, kind, key)
    page.goto(f"{live_server}/{kind}/{key}")
    wait_for_map(page)
    assert page.locator("h1").inner_text() == area["name"]
    assert page.locator("path.hm-subprefectures").count() == 14
    assert page.locator("path.hm-municipalities").count() == len(area["municipalities"])
    for sub in area["subprefectures"]:
        assert page.locator(f"path.hm-id-{sub['short']}").count() == 1
    rows = page.locator("#area-projects tbody tr th a")
    assert rows.count() == len(area["projects"])
    assert "国土数値情報" in page.locator(".leaflet-control-attribution").inner_text()


def test_area_map_links_to_a_town(page, live_server) -> None:
    page.goto(f"{live_server}/subprefecture/shiribeshi")
    wait_for_map(page)
    page.locator("path.hm-id-01400").click(force=True)
    page.wait_for_url("**/town/01400")


@pytest.mark.parametrize("path", ["/region/doo", "/region/kushiro-nemuro", "/subprefecture/nemuro"])
def test_area_page_at_360px(page, live_server, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    wait_for_map(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{path} scrolls sideways: {width}px"


@pytest.mark.parametrize(("typed", "label"), [("kutchan", "倶知安町"), ("ｸｯﾁｬﾝ", "倶知安町"),
                                              ("〒044-0001", "倶知安町"), ("０４４０００１", "倶知安町")])
def test_search_box_by_reading_and_postal_code(page, live_server, typed: str, label: str) -> None:
    page.goto(live_server + "/")
    wait_for_map(page)
    box = page.locator("#q")
    box.click()
    box.fill(typed)
    first = page.locator("#q-results li[role=option]").first
    first.wait_for()
    assert first.inner_text().startswith(label) and "後志総合振興局" in first.inner_text()
    box.press("Enter")
    page.wait_for_url("**/town/01400")


def test_search_box_says_unknown_postal_code(page, live_server) -> None:
    page.goto(live_server + "/")
    wait_for_map(page)
    box = page.locator("#q")
    box.click()
    box.fill("000-0000")
    note = page.locator("#q-message")
    note.wait_for(state="visible")
    assert "000-0000" in note.inner_text()


def test_side_panel_links_to_subprefecture_page(page, live_server) -> None:
    page.goto(live_server + "/")
    wait_for_map(page)
    page.check("#level input[value=subprefectures]")
    page.wait_for_timeout(400)
    page.locator("path.hm-id-後志").click(force=True)
    link = page.locator("#panel a", has_text="後志総合振興局のページ")
    link.wait_for()
    link.click()
    page.wait_for_url("**/subprefecture/shiribeshi")
    wait_for_map(page)


def test_side_panel_of_a_town_links_its_subprefecture_and_region(page, live_server) -> None:
    page.goto(live_server + "/")
    wait_for_map(page)
    page.locator("path.hm-id-01400").click(force=True)  # 倶知安町
    sub = page.locator("#panel a", has_text="後志総合振興局")
    sub.wait_for()
    assert sub.get_attribute("href") == "/subprefecture/shiribeshi"
    assert page.locator("#panel a", has_text="道央広域連携地域").get_attribute("href") == "/region/doo"
    sub.click()
    page.wait_for_url("**/subprefecture/shiribeshi")


@pytest.mark.parametrize("path", ["/project/yotei-nishiiburi", "/overlap", "/town/01400"])
def test_a_subprefecture_on_a_map_opens_its_page(page, live_server, path: str) -> None:
    # Every place a 振興局 is named links to its page: on these maps, its area does.
    page.goto(live_server + path)
    wait_for_map(page)
    page.locator("path.hm-id-後志").first.click(force=True)
    page.wait_for_url("**/subprefecture/shiribeshi")
