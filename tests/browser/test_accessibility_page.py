"""/accessibility shows what this run's tests recorded, criterion by criterion.

Marked ``a11y_report``: it runs after every other test of the session (tests/a11y_results.py),
writes the records so far to a file, serves the app reading that file, and compares each row
with the outcome computed here from the raw records. Run alone it sees no record, and every
automated cell must then be empty (未試験 unless a person checked it). axe-core's own rule list
is the independent check of the data file: every WCAG 2.0 A/AA criterion axe names is a row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.render.accessibility import criterion_of_tag, load_report_data
from tests.a11y_results import RECORDER
from tests.browser.conftest import serving
from tests.browser.test_a11y import AXE

pytestmark = [pytest.mark.browser, pytest.mark.a11y_report]


def expected_automated(results: dict) -> dict[str, str]:
    """Per criterion, from the raw records: 不適合 if a test that ran failed it, else 適合."""
    out: dict[str, str] = {}
    for test in results["tests"]:
        if test["outcome"] == "skipped":
            continue
        for cid, outcome in test["criteria"].items():
            out[cid] = "不適合" if outcome == "failed" or out.get(cid) == "不適合" else "適合"
    return out


def page_rows(page) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = page.locator("#criteria tbody tr")
    return {rows.nth(i).get_attribute("data-criterion"): (rows.nth(i).get_attribute("data-result"),
                                                          rows.nth(i).get_attribute("data-automated"))
            for i in range(rows.count())}


def test_the_page_shows_this_runs_results(page, tmp_path: Path) -> None:
    results = RECORDER.results()
    path = tmp_path / "a11y-results.json"
    path.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    data = load_report_data()
    automated = expected_automated(results)
    with serving(A11Y_RESULTS=str(path)) as url:
        page.goto(url + "/accessibility")
        rows = page_rows(page)
    assert list(rows) == [c.id for c in data.criteria] and len(rows) == 38
    for c in data.criteria:
        result, auto = rows[c.id]
        assert auto == automated.get(c.id, ""), c.id
        found = [r for r in (automated.get(c.id), c.manual) if r]
        want = "不適合" if "不適合" in found else ("適合" if found else "未試験")
        assert result == want, c.id
    ran = [t for t in results["tests"] if t["outcome"] != "skipped"]
    print(f"/accessibility checked against {len(ran)} recorded tests, {len(automated)} criteria")


def test_without_results_the_page_says_untested(page) -> None:
    with serving(A11Y_RESULTS="/nonexistent/a11y-results.json") as url:
        page.goto(url + "/accessibility")
        rows = page_rows(page)
        assert "結果ファイルがありません" in page.locator("#a11y-run").inner_text()
    manual = {c.id: c.manual for c in load_report_data().criteria}
    assert rows == {cid: (manual[cid] or "未試験", "") for cid in manual}


def test_every_criterion_axe_checks_is_a_row(browser) -> None:  # type: ignore[no-untyped-def]
    ids = {c.id: c.level for c in load_report_data().criteria}
    context = browser.new_context(bypass_csp=True)
    try:
        pg = context.new_page()
        pg.set_content("<!doctype html><html lang='ja'><title>t</title></html>")
        pg.add_script_tag(path=str(AXE))
        rules = pg.evaluate("() => axe.getRules(['wcag2a', 'wcag2aa'])")
    finally:
        context.close()

    # A rule at level A/AA names its criterion among its tags (and may name a related AAA one
    # too: scrollable-region-focusable → 2.1.1 and 2.1.3): each rule's must be among the rows.
    unmatched = {rule["ruleId"]: rule["tags"] for rule in rules
                 if not set(filter(None, map(criterion_of_tag, rule["tags"]))) & set(ids)
                 and any(map(criterion_of_tag, rule["tags"]))}
    assert len(rules) >= 30 and not unmatched, unmatched
