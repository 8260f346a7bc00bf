"""推進管理 in a real browser: actuals imported by the CLI into a copy of data/, the app on a real
HTTP server, then /progress (sort, filter, keyboard, map, axe), a KPI trend chart, a KPI progress
map and a town page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import serving, wait_for_map
from tests.progress_fixtures import ROOT, data_dir_with_actuals

pytestmark = pytest.mark.browser

AXE = ROOT / "vendor" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def progress_server(tmp_path_factory) -> Iterator[str]:
    data = data_dir_with_actuals(tmp_path_factory.mktemp("browser-progress"))
    with serving(DATA_DIR=str(data)) as url:
        yield url


def test_progress_page(page, progress_server) -> None:
    page.goto(progress_server + "/progress")
    wait_for_map(page)
    assert "2020年10月1日" in page.locator("#progress-status").inner_text()
    assert page.locator("#progress-table tbody tr").count() == 40
    assert page.locator("path.hm-area").count() == 14  # 振興局
    row = page.locator('tr[data-kpi="donan-primary-industry-1"]')
    assert "▼ D 遅れ" in row.inner_text()
    # Filter by 振興局, then sort by grade with the keyboard.
    page.select_option("#f-sub", "檜山")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/progress?*sub=*")
    ids = [r.get_attribute("data-kpi") for r in page.locator("#progress-table tbody tr").all()]
    assert "hiyama-bureau-towns-1" in ids and "okhotsk-visits-1" not in ids
    link = page.locator("#progress-table thead a", has_text="評価")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=grade**")
    assert page.locator("#progress-table thead th[aria-sort]").inner_text().startswith("評価")


def test_progress_map_tooltip_and_regions(page, progress_server) -> None:
    page.goto(progress_server + "/progress?level=regions&year=2016")
    wait_for_map(page)
    assert page.locator("path.hm-area").count() == 6
    page.locator("path.hm-id-donan").hover(force=True)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "順調以上" in text and "D 遅れ" in text
    legend = page.locator(".legend").first.inner_text()
    assert "実績なし" in legend


def test_kpi_trend_chart(page, progress_server) -> None:
    page.goto(progress_server + "/kpi/donan-shinkansen-exchange-1")
    wait_for_map(page)
    chart = page.locator("svg.trend")
    chart.wait_for(state="visible")
    assert chart.get_attribute("role") == "img"
    assert page.locator("svg.trend circle.actual").count() == 2
    assert page.locator("svg.trend circle.provisional").count() == 1
    box = chart.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 150
    assert "1,400万人（速報）" in page.locator("#trend-table").inner_text()


def test_kpi_progress_map(page, progress_server) -> None:
    page.goto(progress_server + "/progress/kpi/donan-industry-jobs-1")
    wait_for_map(page)
    assert "△ B 概ね順調" in page.locator("#kpi-grade").inner_text()
    page.locator("path.hm-id-渡島").hover(force=True)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    assert "△ B 概ね順調" in tip.inner_text()


def test_town_page_grades(page, progress_server) -> None:
    page.goto(progress_server + "/town/01202")
    wait_for_map(page)
    grades = page.locator(".kpi-list .grade").all_inner_texts()
    assert "✕ 未達成（R1・最終）" in grades
    assert any(g.startswith("△ B 概ね順調") for g in grades)


@pytest.mark.skipif(not AXE.exists(), reason=f"{AXE} missing (npm install --prefix vendor/npm axe-core)")
def test_axe_progress_and_narrow_screen(browser, progress_server) -> None:
    # The CSP forbids the injected audit script: bypass it for the audit only.
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="ja-JP", bypass_csp=True)
    try:
        pg = context.new_page()
        for path in ("/progress", "/progress/kpi/donan-shinkansen-exchange-1"):
            pg.goto(progress_server + path)
            wait_for_map(pg)
            pg.add_script_tag(path=str(AXE))
            result = pg.evaluate(
                "async () => JSON.stringify((await axe.run()).violations.map("
                "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
            )
            violations = json.loads(result)
            assert violations == [], (path, violations)
            # Nothing but the scrollable tables and chart is wider than the phone.
            assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_fixture_file_is_not_in_repo() -> None:
    assert not (Path(ROOT) / "data" / "actuals" / "actuals.csv").exists()
