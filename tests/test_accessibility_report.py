"""/accessibility: the criteria file (38 criteria, validated with file:line errors), the 試験結果表
built from a results file (or 未試験 without one), the footer link, every embed snippet's title."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from geo.errors import DataError
from geo.render import accessibility as a11y

# WCAG 2.0's guidelines and how many level A/AA criteria each has (1.1 → 1.1.1; 1.2 → 1.2.1–1.2.5…):
# a second, independent spelling of the shape of the list the data file writes out once.
GUIDELINE_SIZES = {"1.1": 1, "1.2": 5, "1.3": 3, "1.4": 5, "2.1": 2, "2.2": 2, "2.3": 1, "2.4": 7,
                   "3.1": 2, "3.2": 4, "3.3": 4, "4.1": 2}


def test_the_data_file_lists_the_38_criteria_of_levels_a_and_aa() -> None:
    data = a11y.load_report_data()
    ids = [c.id for c in data.criteria]
    assert len(ids) == 38
    expected = [f"{g}.{i}" for g, n in GUIDELINE_SIZES.items() for i in range(1, n + 1)]
    assert ids == expected
    assert Counter(c.level for c in data.criteria) == {"A": 25, "AA": 13}
    assert {c.id for c in data.criteria if c.level == "AA"} == {
        "1.2.4", "1.2.5", "1.4.3", "1.4.4", "1.4.5", "2.4.5", "2.4.6", "2.4.7", "3.1.2", "3.2.3",
        "3.2.4", "3.3.3", "3.3.4"}
    assert data.policy.target == "AA" and data.policy.standard == "JIS X 8341-3:2016"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = a11y.CRITERIA_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "criteria.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "says"), [
    ("情報及び関係性, level: A}", "情報及び関係性, level: AAA}", "level"),
    ('{id: "1.3.2", name: 意味', '{id: "1.3.1", name: 意味', "twice"),
    ("    note: 閃光するコンテンツがない。\n", "", "needs a note"),
    ("    manual: 適合\n", "    manual: たぶん\n", "manual"),
    ("  target: AA\n", "  target: AA\n  colour: red\n", "colour"),
])
def test_a_broken_data_file_says_file_and_line(tmp_path: Path, old: str, new: str, says: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(DataError) as exc:
        a11y.load_report_data(path)
    message = str(exc.value)
    assert re.search(rf"{re.escape(str(path))}:\d+: ", message), message
    assert says in message, message


def test_a_broken_data_file_stops_the_app(tmp_path: Path) -> None:
    from app import create_app
    from tests.conftest import boundaries_path

    path = _broken(tmp_path, "  target: AA\n", "  target: ZZ\n")
    with pytest.raises(DataError, match=r"criteria\.yaml:\d+: policy\.target"):
        create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "A11Y_CRITERIA": str(path)})


def _rows(body: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r'<tr data-criterion="([^"]+)" data-result="([^"]*)" data-automated="([^"]*)">',
                      body)
    return {cid: (result, automated) for cid, result, automated in rows}


@pytest.fixture()
def report(tmp_path: Path):  # type: ignore[no-untyped-def]
    """GET /accessibility with a results file of ``tests`` (None: no file at all)."""
    from app import create_app
    from tests.conftest import boundaries_path

    def get(tests: list[dict] | None) -> str:
        path = tmp_path / "results.json"
        if tests is not None:
            path.write_text(json.dumps({"format": a11y.RESULTS_FORMAT, "commit": "abc", "dirty": False,
                                        "finished": "2026-12-07T10:00:00+00:00", "axe": "4.14.1",
                                        "tests": tests}))
        app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "A11Y_RESULTS": str(path)})
        response = app.test_client().get("/accessibility")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        return response.get_data(as_text=True)

    return get


def test_without_a_results_file_every_automated_check_is_untested(report) -> None:  # type: ignore[no-untyped-def]
    body = report(None)
    rows = _rows(body)
    data = a11y.load_report_data()
    assert len(rows) == 38
    for c in data.criteria:
        assert rows[c.id] == (c.manual or "未試験", ""), c.id
    assert "結果ファイルがありません" in body
    assert "準拠していることは、まだ確認できていません" in body


def test_results_come_from_the_file(report) -> None:  # type: ignore[no-untyped-def]
    tests = [
        {"id": "t.py::a", "outcome": "passed", "criteria": {"1.1.1": "passed", "1.4.3": "passed"},
         "url": "/", "rules": {"1.1.1": ["image-alt"], "1.4.3": ["color-contrast"]}},
        {"id": "t.py::b", "outcome": "failed", "criteria": {"1.4.3": "failed", "2.1.1": "passed"},
         "url": "/kpi"},
        {"id": "t.py::c", "outcome": "skipped", "criteria": {}},
        {"id": "t.py::d", "outcome": "passed", "criteria": {"1.4.1": "passed", "1.4.10": "passed"}},
    ]
    body = report(tests)
    rows = _rows(body)
    assert rows["1.1.1"] == ("適合", "適合") and "image-alt" in body
    assert rows["1.4.3"] == ("不適合", "不適合")  # one failing test fails the criterion
    assert rows["2.1.1"] == ("適合", "適合")
    assert rows["1.4.1"] == ("適合", "適合")  # automated and manual agree
    assert rows["3.1.2"] == ("未試験", "")  # nothing covered it
    assert "1.4.10" not in rows  # WCAG 2.1's: not a row of the JIS table
    assert 'href="/kpi"' in body and "2 ページ" in body
    assert "不適合" in re.search(r'<p id="a11y-summary">(.*?)</p>', body, re.S).group(1)


def test_an_unreadable_results_file_is_untested_not_an_error(report, tmp_path: Path) -> None:  # type: ignore
    (tmp_path / "results.json").write_text("{not json", encoding="utf-8")
    body = report(None)
    assert "を読めません" in body
    assert all(automated == "" for _, automated in _rows(body).values())


def test_axe_tags_name_criteria() -> None:
    assert a11y.criterion_of_tag("wcag111") == "1.1.1"
    assert a11y.criterion_of_tag("wcag1410") == "1.4.10"
    assert a11y.criterion_of_tag("wcag2aa") is None and a11y.criterion_of_tag("cat.color") is None


def test_every_page_links_the_report(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/", "/town/01400", "/progress", "/accessibility"):
        assert 'href="/accessibility"' in client.get(url).get_data(as_text=True), url


EMBEDDING_PAGES = ["/", "/town/01400", "/project/yotei-nishiiburi", "/kpi/yotei-nishiiburi-1",
                   "/kpi/family/観光入込客数", "/overlap", "/region/doo", "/subprefecture/nemuro",
                   "/progress", "/progress/kpi/yotei-nishiiburi-1"]


def test_every_embed_snippet_has_a_title(client) -> None:  # type: ignore[no-untyped-def]
    titles = {}
    for url in EMBEDDING_PAGES:
        body = client.get(url).get_data(as_text=True)
        found = re.search(r'<textarea class="embed-code"[^>]*>(.*?)</textarea>', body, re.S)
        snippet = html.unescape(found.group(1))
        title = re.search(r'<iframe [^>]*title="([^"]+)"', snippet)
        assert title and title.group(1).strip() not in ("", "地図"), (url, snippet)
        titles[url] = title.group(1)
    assert len(set(titles.values())) == len(titles), titles  # each names its own map
