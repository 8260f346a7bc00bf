"""推進管理 and the edition's period: a fiscal year outside it is shown, never dropped, and marked
「対象期間外」 in words (HTML, SVG, JSON ``in_period``, CSV, the report, the commands); the report
and the CSVs name the edition and its period.

The shipped edition h28 covers FY2016–FY2020 (平成28年度〜概ね令和2年度). The plan's own years
already reach outside it: the 推進管理 screens offer FY2014 and FY2015 (the year after an H25 or
H26 base), so the real data (the ``client`` fixture, no actuals) shows marks. For actuals outside
the period, a copy of ``data/`` gets the fixture actuals (one is FY2015) and an R3 (FY2021) row.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, boundaries_path

from geo.plan.edition import load_editions, period_label
from geo.render.progress_commands import run_import, run_report, run_template
from tests.progress_fixtures import SRC, data_dir_with_actuals

MARK = '<span class="out-of-period">対象期間外</span>'
PERIOD = "対象期間：平成28年度〜概ね令和2年度"
TITLE = "連携地域別政策展開方針（平成28年度〜）"
# 846.9万人(H25)→907万人(R1): its trend starts in H26 (FY2014), before the period.
EARLY_KPI = "okhotsk-visits-1"
R3_ROW = f'{EARLY_KPI},R3,"700万人",確報,{SRC},2022-10-01\n'


def html(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.data[:300])
    return r.get_data(as_text=True)


def year_links(page: str) -> dict[str, str]:
    """The /progress year selector: year → what follows its label (the mark, or nothing)."""
    nav = re.search(r"／ 年度：(.*?)</p></nav>", page, re.S)[1]
    return dict(re.findall(r">([HR]\d+)(.*?)</(?:a|strong)>", nav))


def trend_rows(page: str) -> dict[str, str]:
    """The trend table: year label (``H26(2014)``) → the whole row."""
    body = re.search(r'<table id="trend-table">.*?<tbody>(.*?)</tbody>', page, re.S)[1]
    row = re.compile(r'<tr[^>]*><th scope="row">([HR]\d+\(\d{4}\)).*?</tr>', re.S)
    return {m[1]: m[0] for m in row.finditer(body)}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A copy of data/ with the fixture actuals (FY2015…FY2019) and one for R3 (FY2021)."""
    tmp = tmp_path_factory.mktemp("period")
    data = data_dir_with_actuals(tmp)
    sheet = tmp / "r3.csv"
    sheet.write_text("kpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日\n" + R3_ROW, encoding="utf-8")
    log = io.StringIO()
    assert run_import(sheet, data, out=log, err=log) == 0, log.getvalue()
    assert f"+ {EARLY_KPI} R3(2021)（対象期間外）: 700万人" in log.getvalue()  # import marks it too
    return data


@pytest.fixture(scope="module")
def actuals_client(data_dir):
    from app import create_app

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data_dir)})
    return app.test_client()


# --- the rule, in one place ----------------------------------------------------------------------


def test_the_period_contains_its_years_both_ends_included() -> None:
    (h28,) = load_editions(ROOT / "data")
    period = h28.edition.period
    assert [y for y in range(2013, 2024) if period.contains(y)] == [2016, 2017, 2018, 2019, 2020]
    assert period_label(h28.edition) == "平成28年度〜概ね令和2年度"


# --- the shipped data (no actuals) ---------------------------------------------------------------


def test_year_selector_marks_the_years_outside_the_period(client) -> None:
    page = html(client, "/progress")
    links = year_links(page)
    assert list(links) == ["H26", "H27", "H28", "H29", "H30", "R1", "R2"]
    assert {y: MARK in after for y, after in links.items()} == {
        "H26": True, "H27": True, "H28": False, "H29": False, "H30": False, "R1": False, "R2": False}
    assert page.count(PERIOD) == 1  # the page says the period once
    assert '<p id="progress-period">' + PERIOD in page


def test_json_twin_says_in_period_per_year(client) -> None:
    data = client.get("/api/progress").get_json()
    assert data["years"] == list(range(2014, 2021))  # the bare list stays as it was
    assert [(y["year"], y["label"], y["in_period"]) for y in data["fiscal_years"]] == [
        (2014, "H26(2014)", False), (2015, "H27(2015)", False), (2016, "H28(2016)", True),
        (2017, "H29(2017)", True), (2018, "H30(2018)", True), (2019, "R1(2019)", True),
        (2020, "R2(2020)", True)]
    assert data["edition"]["title"] == TITLE and data["edition"]["period"]["label"] in PERIOD
    assert client.get("/api/progress?year=2015").get_json()["year_in_period"] is False
    assert client.get("/api/progress?year=2016").get_json()["year_in_period"] is True


def test_map_heading_marks_a_year_outside_the_period(client) -> None:
    heading = re.compile(r'<h2 id="map-heading">(.*?)</h2>')
    assert MARK in heading.search(html(client, "/progress?year=2015"))[1]
    assert MARK not in heading.search(html(client, "/progress?year=2016"))[1]


def test_trend_marks_years_outside_the_period(client) -> None:
    page = html(client, f"/progress/kpi/{EARLY_KPI}")
    rows = trend_rows(page)
    assert list(rows)[:3] == ["H26(2014)", "H27(2015)", "H28(2016)"]
    assert MARK in rows["H26(2014)"] and MARK in rows["H27(2015)"]
    assert list(rows)[-1] == "R1(2019)"  # its target year
    assert all(MARK not in rows[y] for y in ("H28(2016)", "H30(2018)", "R1(2019)"))
    assert PERIOD in page
    points = client.get(f"/api/progress/kpi/{EARLY_KPI}").get_json()["points"]
    assert {p["year"]: p["in_period"] for p in points} == {
        2014: False, 2015: False, 2016: True, 2017: True, 2018: True, 2019: True}
    svg = client.get(f"/progress/kpi/{EARLY_KPI}.svg").get_data(as_text=True)
    assert svg.count('class="period-band"') == 1  # H25–H27, before the period; none after
    assert ">対象期間外</text>" in svg or ">期間外</tspan>" in svg  # words, not the shade alone
    assert "対象期間：平成28年度〜概ね令和2年度（H25・H26・H27 は対象期間外）" in svg  # the <desc>


def test_a_kpi_inside_the_period_has_no_mark(client) -> None:
    # A KPI whose trend starts in the period (a base of H27, so its first year is H28).
    kid = "dohoku-safety-1"  # 43.4%(H27)→81.0%(R2): H28…R2
    page = html(client, f"/progress/kpi/{kid}")
    assert next(iter(trend_rows(page))) == "H28(2016)"
    assert MARK not in page
    svg = client.get(f"/progress/kpi/{kid}.svg").get_data(as_text=True)
    assert 'class="period-band"' in svg  # the base year H27 on the axis is before the period
    points = client.get(f"/api/progress/kpi/{kid}").get_json()["points"]
    assert all(p["in_period"] for p in points)


# --- actuals outside the period: shown, marked ----------------------------------------------------


def test_actuals_outside_the_period_are_shown_and_marked(actuals_client) -> None:
    c = actuals_client
    page = html(c, "/progress")
    links = year_links(page)
    assert "R3" in links and MARK in links["R3"]  # an actual's year is offered, and marked
    row = re.search(rf'<tr data-kpi="{EARLY_KPI}">(.*?)</tr>', page, re.S)[1]
    assert f"700万人（R3{MARK}）" in row.replace(" <span", "<span")
    jobs = re.search(r'<tr data-kpi="donan-industry-jobs-1">(.*?)</tr>', page, re.S)[1]
    assert MARK not in jobs  # its latest actual (H28) is in the period
    rows = trend_rows(html(c, f"/progress/kpi/{EARLY_KPI}"))
    assert "700万人" in rows["R3(2021)"] and MARK in rows["R3(2021)"]
    assert "910万人" in rows["H30(2018)"] and MARK not in rows["H30(2018)"]
    early = trend_rows(html(c, "/progress/kpi/donan-industry-jobs-1"))["H27(2015)"]
    assert "40件" in early and MARK in early  # the fixture's H27 actual, before the period
    kpi = next(k for k in c.get("/api/progress").get_json()["kpis"] if k["id"] == EARLY_KPI)
    assert [(a["fiscal_year"], a["in_period"]) for a in kpi["actuals"]] == [(2018, True), (2021, False)]
    assert kpi["latest"]["fiscal_year"] == 2021 and kpi["latest"]["in_period"] is False
    svg = c.get(f"/progress/kpi/{EARLY_KPI}.svg").get_data(as_text=True)
    assert svg.count('class="period-band"') == 2  # before and after
    assert "実績 R3(2021)（対象期間外）：700万人" in svg


def test_progress_csv_names_the_edition_and_marks_the_year(actuals_client) -> None:
    r = actuals_client.get("/progress.csv")
    rows = csv_rows(r.get_data(as_text=True))
    assert len(rows) == 40
    assert {(x["方針"], x["対象期間"]) for x in rows} == {(TITLE, "平成28年度〜概ね令和2年度")}
    by_id = {x["kpi_id"]: x for x in rows}
    assert by_id["donan-industry-jobs-1"]["評価年度"] == "H28(2016)"
    assert by_id["donan-industry-jobs-1"]["対象期間内外"] == "対象期間内"
    assert by_id["geopark-1"]["対象期間内外"] == ""  # no grade year: nothing to place


# --- the report names the edition ------------------------------------------------------------------


def test_report_names_the_edition_and_its_period(data_dir) -> None:
    out = io.StringIO()
    assert run_report("H28", "donan", "md", data_dir, out=out, err=io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "# 推進管理 H28(2016)年度 評価（道南連携地域）"
    assert lines[2] == f"{TITLE}・{PERIOD}。"
    assert "対象期間外" not in out.getvalue()


def test_report_for_a_year_outside_the_period_says_so(data_dir, actuals_client) -> None:
    out = io.StringIO()
    assert run_report("H27", None, "md", data_dir, out=out, err=io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "# 推進管理 H27(2015)年度（対象期間外） 評価（全道）"
    assert lines[2] == f"{TITLE}・{PERIOD}。H27(2015)年度は対象期間外です。"
    page = html(actuals_client, "/progress/report?year=2021")
    assert "<h1>推進管理 R3(2021)年度（対象期間外） 評価（全道）</h1>" in page
    assert f'<p class="report-edition">{TITLE}・{PERIOD}。R3(2021)年度は対象期間外です。</p>' in page
    page = html(actuals_client, "/progress/report?year=2016&region=donan")
    assert f'<p class="report-edition">{TITLE}・{PERIOD}。</p>' in page
    assert "対象期間外" not in page.split("</h1>", 1)[1]


def test_report_csv_names_the_edition_on_every_row(data_dir) -> None:
    out = io.StringIO()
    assert run_report("H28", "donan", "csv", data_dir, out=out, err=io.StringIO()) == 0
    rows = csv_rows(out.getvalue())
    assert rows and {(x["方針"], x["対象期間"]) for x in rows} == {(TITLE, "平成28年度〜概ね令和2年度")}
    assert {x["評価年度"]: x["対象期間内外"] for x in rows}["H28(2016)"] == "対象期間内"
    out = io.StringIO()
    assert run_report("H27", "donan", "csv", data_dir, out=out, err=io.StringIO()) == 0
    assert {x["評価年度"]: x["対象期間内外"] for x in csv_rows(out.getvalue())}["H27(2015)"] == "対象期間外"


def test_template_command_names_the_years_outside_the_period(tmp_path) -> None:
    err = io.StringIO()
    assert run_template(tmp_path / "sheet.csv", ROOT / "data", err=err) == 0
    assert f"{TITLE}・{PERIOD}。対象期間外の年度：H26(2014)、H27(2015)" in err.getvalue()
    header = next(csv.reader(io.StringIO((tmp_path / "sheet.csv").read_text(encoding="utf-8-sig"))))
    assert "H26(2014) 実績値" in header  # the column stays: a year outside may have actuals


# --- the rule follows the edition ------------------------------------------------------------------


def test_a_shorter_period_moves_the_marks(tmp_path) -> None:
    from app import create_app

    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    path = data / "editions" / "h28" / "edition.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["period"]["to"] = 2018
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)})
    c = app.test_client()
    data_json = c.get("/api/progress").get_json()
    assert [y["year"] for y in data_json["fiscal_years"] if not y["in_period"]] == [2014, 2015, 2019, 2020]
    links = year_links(html(c, "/progress"))
    assert MARK in links["R1"] and MARK not in links["H30"]
    assert "対象期間：平成28年度〜概ね平成30年度" in html(c, "/progress")


def test_area_map_names_a_year_outside_the_period(app) -> None:
    from geo.atlas.sources import CREDIT
    from geo.plan.progress import area_summaries
    from geo.render.maps import MapContext
    from geo.render.model import year_grades
    from geo.render.progress_maps import area_progress_map
    from geo.web.state import state

    with app.test_request_context("/"):
        s = state()
        ctx = MapContext(atlas=s.atlas, plan=s.plan, coverage=s.coverage, topology_url="/t.json",
                         credit=CREDIT)
        for year, outside in ((2015, True), (2016, False)):
            summaries = area_summaries(s.plan, year_grades(s, year))["regions"]
            view = area_progress_map(ctx, "regions", year, summaries, edition=s.edition)
            assert ("（対象期間外）" in view.summary) is outside
            assert ("（対象期間外）" in view.legends[0].title) is outside
            assert ("年度（対象期間外）" in view.script) is outside  # the tooltips
