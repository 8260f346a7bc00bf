"""Switches are announced, and every map has a name of its own and a one-sentence description.

On / the level and measure switches run in the page: the aria-live #status says how many areas
the map colours and by what (counts from the atlas, labels from /api/overview). On /progress
they are links and a form that load the page again: the new page's title, map name and map
summary say the level and year, its count line the filter.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser


def api(live_server: str, path: str) -> dict:
    with urllib.request.urlopen(live_server + path, timeout=10) as r:
        return json.load(r)


def said(count: int, level: str, measure: str) -> str:
    return f"{count} {level}を、及ぶプロジェクト数（{measure}）で色分けしています。"


def wait_said(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#status", has_text=text).wait_for(state="attached", timeout=5000)
    assert page.locator("#status").text_content() == text


@pytest.mark.wcag("4.1.2")
def test_level_and_measure_switches_are_announced(page, live_server, atlas) -> None:
    overview = api(live_server, "/api/overview")
    labels, levels = {k: m["label"] for k, m in overview["measures"].items()}, overview["levels"]
    h = atlas.hierarchy
    counts = {"municipalities": len(atlas.municipalities), "subprefectures": len(h.subprefectures),
              "regions": len(h.regions)}
    assert counts == {"municipalities": 179, "subprefectures": 14, "regions": 6}
    page.goto(live_server + "/")
    wait_for_map(page)
    assert page.locator("#status").get_attribute("aria-live") == "polite"
    wait_said(page, said(179, "市町村", labels["all"]))  # the example of issue 22, word for word
    example = "179 市町村を、及ぶプロジェクト数（すべてのプロジェクト）で色分けしています。"
    assert said(179, "市町村", labels["all"]) == example
    page.check("#level input[value=subprefectures]")
    wait_said(page, said(counts["subprefectures"], levels["subprefectures"], labels["all"]))
    page.select_option("#measure", "cross")
    wait_said(page, said(counts["subprefectures"], levels["subprefectures"], labels["cross"]))
    page.check("#level input[value=regions]")
    wait_said(page, said(counts["regions"], levels["regions"], labels["cross"]))
    page.select_option("#measure", "region:donan")
    wait_said(page, said(counts["regions"], levels["regions"], labels["region:donan"]))
    # The map's own name and description follow the switches.
    name = page.locator(".map").get_attribute("aria-label") or ""
    assert name.startswith("地図：") and labels["region:donan"] in name and "連携地域" in name
    summary = page.locator("[id$='-summary']").first.text_content() or ""
    assert labels["region:donan"] in summary and "連携地域ごと" in summary


def _progress_state(page) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    summary_id = (page.locator(".map").get_attribute("aria-describedby") or "").split()[0]
    return (page.title(), page.locator(".map").get_attribute("aria-label") or "",
            page.locator(f"#{summary_id}").text_content() or "")


@pytest.mark.wcag("4.1.2")
def test_progress_switches_say_the_new_state(page, live_server) -> None:
    page.goto(live_server + "/progress")
    wait_for_map(page)
    page.get_by_role("navigation", name="地図の切り替え").get_by_role("link", name="連携地域").click()
    wait_for_map(page)
    title, name, summary = _progress_state(page)
    assert "連携地域" in title and name.startswith("地図：") and "連携地域" in name
    assert "連携地域ごと" in summary
    link = page.get_by_role("navigation", name="地図の切り替え").get_by_role("link").filter(has_text="H30")
    link.first.click()
    wait_for_map(page)
    title, name, summary = _progress_state(page)
    for text in (title, name, summary):
        assert "H30(2018)年度" in text and "連携地域" in text, text
    page.select_option("#f-region", "donan")
    page.get_by_role("button", name="絞り込む").click()
    page.locator("#progress-count", has_text="道南").wait_for()
    count = page.locator("#progress-count").inner_text()
    assert count.startswith("道南連携地域で絞り込み：") and "件" in count and "絞り込み" in page.title()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query["region"] == ["donan"]


MAP_PAGES = ["/", "/town/01400", "/town/01101", "/project/yotei-nishiiburi", "/kpi/yotei-nishiiburi-1",
             "/kpi/family/観光入込客数", "/overlap", "/region/doo", "/subprefecture/nemuro", "/progress",
             "/progress/kpi/yotei-nishiiburi-1"]
EMBED_PAGES = ["/embed/town/01400", "/embed/project/yotei-nishiiburi", "/embed/overlap", "/embed/progress",
               "/embed/kpi/yotei-nishiiburi-1"]


@pytest.mark.wcag("1.1.1", "4.1.2")
def test_every_map_has_a_name_of_its_own_and_a_description(page, live_server) -> None:
    names: dict[str, str] = {}
    for url in MAP_PAGES + EMBED_PAGES:
        page.goto(live_server + url)
        wait_for_map(page)
        maps = page.locator(".map")
        assert maps.count() == 1, url
        name = maps.get_attribute("aria-label") or ""
        assert name.startswith("地図：") and len(name) > len("地図：") + 2, (url, name)
        described = (maps.get_attribute("aria-describedby") or "").split()
        summary = page.locator(f"#{described[0]}").text_content() or ""
        assert described[0].endswith("-summary") and summary.count("。") >= 1 and len(summary) > 10, url
        if not url.startswith("/embed/"):
            assert name not in names.values(), f"{url} has the name of {names}"
        names[url] = name
    # An embed is named like its page's map.
    assert names["/embed/town/01400"] == names["/town/01400"]
    assert names["/embed/overlap"] == names["/overlap"]
