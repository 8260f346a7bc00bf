"""推進管理: actuals files (csv/xlsx, CP932, errors with file:line), grades on the real plan's KPIs.

Expected numbers are worked out by hand from the KPI text (see docs/progress.md), not taken from
the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo.errors import DataErrors
from geo.plan.actuals import check_actuals, load_actuals, read_actuals
from geo.plan.actuals_check import VALUE_BOUNDS, parse_actual_value
from geo.plan.actuals_model import Actuals, plan_kpis
from geo.plan.fiscal import parse_fiscal_year
from geo.plan.kpi import parse_kpi
from geo.plan.model import load_plan
from geo.plan.progress import (
    Thresholds,
    area_summaries,
    expected_value,
    grade_year,
    grades_for_year,
    latest,
    load_thresholds,
    plan_progress,
)

TODAY = dt.date(2026, 11, 30)
HEADER = "kpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日,備考\n"
SRC = "北海道観光入込客数調査報告書,https://www.pref.hokkaido.lg.jp/kz/kkd/irikomi.html"


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def kpis(plan):
    return plan_kpis(plan)


def write(tmp_path: Path, body: str, name: str = "a.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def actuals(tmp_path: Path, plan, body: str) -> list:
    return read_actuals([write(tmp_path, body)], plan, today=TODAY)


def grade(plan, tmp_path, kid: str, rows: str, year: int, th: Thresholds | None = None):
    recs = actuals(tmp_path, plan, rows)
    kpi = plan_kpis(plan)[kid][1]
    return grade_year(kid, kpi, [r for r in recs if r.kpi_id == kid], year, th)


# --- parsers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, year",
    [
        ("2021", 2021),
        (2021, 2021),
        ("R3", 2021),
        ("令和3年度", 2021),
        ("令和元年度", 2019),
        ("R元", 2019),
        ("H30", 2018),
        ("平成30年度", 2018),
        ("FY2016", 2016),
        ("２０１９年度", 2019),
        ("Ｒ１", 2019),
    ],
)
def test_fiscal_years(text, year) -> None:
    assert parse_fiscal_year(text) == year


@pytest.mark.parametrize("text", ["", "R", "H35", "令和", "20", "2021-22", "Q3", "12345", True])
def test_bad_fiscal_years(text) -> None:
    with pytest.raises(ValueError):
        parse_fiscal_year(text)


@given(st.integers(min_value=1, max_value=60))
def test_reiwa_and_western_agree(n: int) -> None:
    assert parse_fiscal_year(f"R{n}") == parse_fiscal_year(f"令和{n}年度") == 2018 + n
    assert parse_fiscal_year(str(2018 + n)) == 2018 + n


@given(st.integers(min_value=1, max_value=31))
def test_heisei(n: int) -> None:
    assert parse_fiscal_year(f"H{n}") == parse_fiscal_year(f"平成{n}年度") == 1988 + n


@given(st.text(max_size=12))
def test_fiscal_year_parser_never_crashes(text: str) -> None:
    try:
        year = parse_fiscal_year(text)
    except ValueError:
        return
    assert 1989 <= year <= 2100


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["", "万", "千"]))
def test_values_in_base_units(
    n: int,
    prefix: str,
) -> None:
    kpi = parse_kpi("観光入込客数 1,162万人(H26)→1,440万人(R1)")
    factor = {"": 1, "万": 10**4, "千": 10**3}[prefix]
    assume(n * factor <= VALUE_BOUNDS["人"])  # beyond: refused (tests/test_hardening3_values.py)
    value, written = parse_actual_value(f"{n:,}{prefix}人", kpi)
    assert value == n * factor
    assert written == f"{n:,}{prefix}人"


@given(st.text(max_size=16))
def test_value_parser_never_crashes(text: str) -> None:
    kpi = parse_kpi("観光入込客数 1,162万人(H26)→1,440万人(R1)")
    try:
        value, _ = parse_actual_value(text, kpi)
    except ValueError:
        return
    assert value >= 0


def test_value_units(kpis) -> None:
    visits = kpis["donan-shinkansen-exchange-1"][1]  # 1,162万人 → 1,440万人
    assert parse_actual_value("2,512万人", visits)[0] == 25_120_000
    assert parse_actual_value("1300", visits)[0] == 13_000_000  # bare number: the target's 万人
    assert parse_actual_value(1300, visits)[0] == 13_000_000  # a spreadsheet number cell
    assert parse_actual_value("８，２２８千人", visits)[0] == 8_228_000  # full-width, 千
    with pytest.raises(ValueError, match="cannot measure"):
        parse_actual_value("12件", visits)
    floor = kpis["okhotsk-primary-industry-2"][1]  # 55.6千㎡ → 63.4千㎡
    assert parse_actual_value("63.4千㎡", floor)[0] == 63_400
    share = kpis["dohoku-safety-1"][1]  # 43.4% → 81.0%
    assert parse_actual_value("81.0%", share)[0] == 81
    farmers = kpis["hidaka-primary-industry-1"][1]  # 15人/年 → 20人/年
    assert parse_actual_value("17人", farmers)[0] == parse_actual_value("17人/年", farmers)[0] == 17


# --- grades on the real KPIs (docs/progress.md's worked examples) --------------------------------

VISITS = "donan-shinkansen-exchange-1"  # 1,162万人(H26)→1,440万人(R1)


@pytest.mark.parametrize(
    "actual, expected_grade",
    [
        ("1,450万人", "達成"),
        ("1,290万人", "A"),
        ("1,260万人", "B"),
        ("1,230万人", "C"),
        ("1,200万人", "D"),
        ("1,100万人", "D"),
    ],
)
def test_every_grade(plan, tmp_path, actual, expected_grade) -> None:
    ev = grade(plan, tmp_path, VISITS, f'{VISITS},H28,"{actual}",,{SRC},2017-10-01,\n', 2016)
    assert ev.grade == expected_grade
    # H28 is 2 of the 5 years from H26 to R1: 1,162 + 278 × 2/5 = 1,273.2万人.
    assert ev.expected == pytest.approx(12_732_000)
    assert ev.expected_rate == pytest.approx(0.4)


def test_moving_away_is_d_with_reason(plan, tmp_path) -> None:
    ev = grade(plan, tmp_path, VISITS, f'{VISITS},H28,"1,100万人",,{SRC},2017-10-01,\n', 2016)
    assert ev.rate == pytest.approx(-62 / 278)
    assert "逆" in ev.reason


def test_no_actual_is_dash_with_reason(plan, tmp_path) -> None:
    ev = grade(plan, tmp_path, VISITS, f'{VISITS},H28,"1,290万人",,{SRC},2017-10-01,\n', 2017)
    assert (ev.grade, ev.reason) == ("−", "H29(2017)の実績なし")


def test_thresholds_from_the_data_folder(plan, tmp_path) -> None:
    (tmp_path / "progress.yaml").write_text("thresholds:\n  b: 0.9\n  c: 0.7\n", encoding="utf-8")
    th = load_thresholds(tmp_path)
    # 0.353 / 0.4 = 0.88: B with the default 0.8, C with b = 0.9.
    ev = grade(plan, tmp_path, VISITS, f'{VISITS},H28,"1,260万人",,{SRC},2017-10-01,\n', 2016, th)
    assert ev.grade == "C"
    (tmp_path / "progress.yaml").write_text("thresholds:\n  b: 0.5\n  c: 0.7\n", encoding="utf-8")
    with pytest.raises(DataErrors, match=r"progress.yaml:\d+"):
        load_thresholds(tmp_path)


def test_final_grade(plan, tmp_path) -> None:
    rows = f'{VISITS},R1,"1,400万人",,{SRC},2020-10-01,\n'
    ev = grade(plan, tmp_path, VISITS, rows, 2019)
    assert (ev.grade, ev.final, ev.year) == ("未達成", True, 2019)
    assert ev.rate == pytest.approx(238 / 278)
    later = grade(plan, tmp_path, VISITS, rows, 2022)  # any year after: the target year's verdict
    assert (later.grade, later.year) == ("未達成", 2019)
    ok = grade(plan, tmp_path, VISITS, f'{VISITS},R1,"1,440万人",,{SRC},2020-10-01,\n', 2019)
    assert (ok.grade, ok.final) == ("達成", True)


def test_falling_target() -> None:
    kpi = parse_kpi("待機児童数 100人(H26)→80人(R1)")
    from geo.plan.actuals_model import Actual

    def a(year: int, value: int) -> Actual:
        return Actual(
            kpi_id="x",
            fiscal_year=year,
            value=value,
            written=f"{value}人",
            provisional=False,
            source="s",
            reference="r",
            published=dt.date(year + 1, 6, 1),
            file="f",
            line=2,
        )

    # (95 − 100) / (80 − 100) = 0.25 of the way; expected 0.4; 0.625 → C.
    ev = grade_year("x", kpi, [a(2016, 95)], 2016)
    assert (ev.grade, ev.rate) == ("C", pytest.approx(0.25))
    assert expected_value(kpi, 2016) == pytest.approx(92)
    assert grade_year("x", kpi, [a(2016, 80)], 2016).grade == "達成"
    assert grade_year("x", kpi, [a(2016, 105)], 2016).grade == "D"
    assert grade_year("x", kpi, [a(2019, 79)], 2019).grade == "達成"
    assert grade_year("x", kpi, [a(2019, 85)], 2019).grade == "未達成"


def test_cumulative_kpi(plan, tmp_path) -> None:
    kid = "donan-industry-jobs-1"  # 260件(H27～R1累計)
    rows = f"{kid},H27,40件,,s,r,2016-05-01,\n{kid},H28,50件,,s,r,2017-05-01,\n"
    ev = grade(plan, tmp_path, kid, rows, 2016)
    # running sum 90 of 260; expected 260 × 2/5 = 104; 0.346 / 0.4 = 0.87 → B
    assert (ev.actual, ev.expected, ev.grade) == (90, 104, "B")
    only_h28 = grade(plan, tmp_path, kid, f"{kid},H28,50件,,s,r,2017-05-01,\n", 2016)
    assert only_h28.grade == "−" and "H27(2015)" in only_h28.reason
    done = "".join(f"{kid},{y},60件,,s,r,{y + 1}-05-01,\n" for y in range(2015, 2020))
    # H30: 4 × 60 = 240 of 260, expected 260 × 4/5 = 208 → A; R1: 300 ≥ 260 → 達成 (final).
    assert grade(plan, tmp_path, kid, done, 2018).grade == "A"
    final = grade(plan, tmp_path, kid, done, 2019)
    assert (final.actual, final.grade, final.final) == (300, "達成", True)


def test_cumulative_kpi_rejects_years_outside_its_period(plan, tmp_path) -> None:
    kid = "donan-industry-jobs-1"
    with pytest.raises(DataErrors) as exc:
        actuals(tmp_path, plan, f"{kid},H26,40件,,s,r,2016-05-01,\n{kid},R2,40件,,s,r,2021-05-01,\n")
    text = str(exc.value)
    assert "a.csv:2: 年度: H26(2014) is before the period H27～R1累計" in text
    assert "a.csv:3: 年度: R2(2020) is after the period" in text


def test_average_baseline(plan, tmp_path) -> None:
    kid = "rumoi-food-health-1"  # 8人(H21～25平均)→10人(R1): base at FY2011, 8 years to R1
    ev = grade(plan, tmp_path, kid, f"{kid},H29,9人,,s,r,2018-05-01,\n", 2017)
    assert ev.expected == pytest.approx(9.5)  # 8 + 2 × 6/8
    assert ev.rate == pytest.approx(0.5)
    assert ev.grade == "C"  # 0.5 / 0.75 = 0.67


def test_kpi_without_base(plan, tmp_path) -> None:
    kid = "hiyama-bureau-towns-1"  # 5事業(R1)
    ev = grade(plan, tmp_path, kid, f"{kid},H30,3事業,,s,r,2019-05-01,\n", 2018)
    assert ev.grade == "−" and "基準値" in ev.reason
    assert grade(plan, tmp_path, kid, f"{kid},R1,6事業,,s,r,2020-05-01,\n", 2019).grade == "達成"
    short = grade(plan, tmp_path, kid, f"{kid},R1,4事業,,s,r,2020-05-01,\n", 2019)
    assert (short.grade, short.reason) == ("未達成", "目標値の80%")
    with pytest.raises(DataErrors, match="before the plan's first year"):
        actuals(tmp_path, plan, f"{kid},H27,3事業,,s,r,2019-05-01,\n")


def test_provisional_value(plan, tmp_path) -> None:
    recs = actuals(tmp_path, plan, f'{VISITS},H28,"1,290万人",速報,{SRC},2017-06-01,\n')
    assert recs[0].provisional is True
    ev = grade_year(VISITS, plan_kpis(plan)[VISITS][1], recs, 2016)
    assert ev.grade == "A" and ev.record.provisional


# --- import errors: every kind, file:line: field ---------------------------------------------------


@pytest.mark.parametrize(
    "row, message",
    [
        ("nope-1,R1,1件,,s,r,2020-05-01,", "a.csv:2: kpi_id: unknown KPI 'nope-1'"),
        (f"{VISITS},R9x,1件,,s,r,2020-05-01,", "a.csv:2: 年度: fiscal year 'R9x' is not like"),
        (
            f'{VISITS},H25,"1,000万人",,s,r,2020-05-01,',
            "a.csv:2: 年度: H25(2013) is before the base year H26",
        ),
        (f"{VISITS},R1,12件,,s,r,2020-05-01,", "a.csv:2: 実績値: unit '件' cannot measure this KPI"),
        (f"{VISITS},R1,たくさん,,s,r,2020-05-01,", "a.csv:2: 実績値: 'たくさん' is not a number"),
        (f'{VISITS},R1,"1,00万人",,s,r,2020-05-01,', "a.csv:2: 実績値: malformed number '1,00'"),
        (f"{VISITS},R1,1万人,,s,r,2020-13-01,", "a.csv:2: 公表日:"),
        (f"{VISITS},R1,1万人,,s,r,2019-01-01,", "a.csv:2: 公表日: 2019-01-01 is before R1(2019) began"),
        (f"{VISITS},R1,1万人,,s,r,2027-01-01,", "a.csv:2: 公表日: 2027-01-01 is in the future"),
        (f"{VISITS},R1,1万人,暫定,s,r,2020-05-01,", "a.csv:2: 速報/確報: '暫定' is not 速報 or 確報"),
        (f"{VISITS},R1,1万人,,,r,2020-05-01,", "a.csv:2: 出典: required"),
        (f"{VISITS},R9,1万人,,s,r,2020-05-01,", "a.csv:2: 年度: R9(2027) has not begun"),
    ],
)
def test_each_import_error(plan, tmp_path, row, message) -> None:
    with pytest.raises(DataErrors) as exc:
        actuals(tmp_path, plan, row + "\n")
    assert message in str(exc.value)


def test_duplicate_across_files_and_all_errors_collected(plan, tmp_path) -> None:
    folder = tmp_path / "actuals"
    folder.mkdir()
    write(folder, f'{VISITS},R1,"1,400万人",,{SRC},2020-10-01,\n', "a.csv")
    write(
        folder, f'{VISITS},令和元年度,"1,401万人",,{SRC},2020-10-01,\nnope-2,R1,1,,s,r,2020-05-01,\n', "b.csv"
    )
    with pytest.raises(DataErrors) as exc:
        load_actuals(tmp_path, plan, today=TODAY)
    lines = str(exc.value).splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        f"b.csv:2: 年度: duplicate: {VISITS} R1(2019) is already at {folder / 'a.csv'}:2"
    )
    assert "b.csv:3: kpi_id" in lines[1]


def test_check_actuals_returns_the_good_rows_and_every_problem(plan, tmp_path) -> None:
    """The checking pass reports; only ``read_actuals`` turns problems into an error."""
    path = write(
        tmp_path,
        f'{VISITS},R1,"1,400万人",,{SRC},2020-10-01,\n'
        f"{VISITS},R2,たくさん,暫定,,r,2027-01-01,\n"
        f'{VISITS},R3,"1,500万人",速報,{SRC},2022-10-01,\n',
    )
    found = check_actuals([path], plan, today=TODAY)
    kept = [(a.fiscal_year, a.line, a.provisional) for a in found.records]
    assert kept == [(2019, 2, False), (2021, 4, True)]
    # Row 3's four mistakes, each named by its column, in the order the columns are checked.
    assert [(p.line, p.field) for p in found.problems] == [
        (3, "出典"), (3, "実績値"), (3, "公表日"), (3, "速報/確報")
    ]
    with pytest.raises(DataErrors) as exc:
        read_actuals([path], plan, today=TODAY)
    assert [str(e) for e in exc.value.errors] == [str(p) for p in found.problems]


def test_a_wide_rows_problem_names_its_year_column(plan, tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        "kpi_id,R1(2019) 実績値,R1(2019) 出典,R1(2019) URL/資料,R1(2019) 公表日\n"
        f"{VISITS},たくさん,s,r,2020-10-01\n",
        encoding="utf-8",
    )
    (problem,) = check_actuals([path], plan, today=TODAY).problems
    assert (problem.line, problem.field) == (2, "R1(2019) 実績値")


def test_unknown_column_and_hostile_sizes(plan, tmp_path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("kpi_id,年度,実績値,出典,URL/資料,公表日,=cmd()\n", encoding="utf-8")
    with pytest.raises(DataErrors, match=r"c.csv:1: =cmd\(\): unknown column"):
        read_actuals([p], plan, today=TODAY)
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "x,1,1,,s,r,2020-01-01,\n" * 6000, encoding="utf-8")
    with pytest.raises(DataErrors, match="more than 5,000 rows"):
        read_actuals([big], plan, today=TODAY)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x00" * 10)
    with pytest.raises(DataErrors, match="not UTF-8 or CP932"):
        read_actuals([binary], plan, today=TODAY)


def test_cp932_csv(plan, tmp_path) -> None:
    path = write(tmp_path, f'{VISITS},令和元年度,"1,400万人",確報,{SRC},2020/10/1,確定値\n', encoding="cp932")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really CP932, not UTF-8
    (rec,) = read_actuals([path], plan, today=TODAY)
    assert (rec.fiscal_year, rec.value, rec.note, rec.published) == (
        2019,
        14_000_000,
        "確定値",
        dt.date(2020, 10, 1),
    )


def test_utf8_bom_and_english_headers(plan, tmp_path) -> None:
    p = tmp_path / "e.csv"
    p.write_bytes(
        "\ufeffkpi_id,fiscal_year,value,status,source,reference,published,note\n".encode()
        + f"{VISITS},2019,1400万人,provisional,s,r,2020-10-01,\n".encode()
    )
    (rec,) = read_actuals([p], plan, today=TODAY)
    assert rec.provisional and rec.value == 14_000_000


def test_xlsx(plan, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["kpi_id", "年度", "実績値", "速報/確報", "出典", "URL/資料", "公表日", "備考"])
    ws.append(
        [VISITS, "R1", "1,400万人", "確報", "報告書", "https://example.jp/r1", dt.datetime(2020, 10, 1), None]
    )
    ws.append([VISITS, 2018, 1350, "速報", "報告書", "資料 p.3", "2019/9/30", None])  # number cells
    ws.append([None] * 8)  # an empty row is skipped
    ws.append(["dohoku-safety-1", "H30", "12件", None, "s", "r", dt.date(2019, 5, 1), None])
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    with pytest.raises(DataErrors) as exc:
        read_actuals([path], plan, today=TODAY)
    assert str(exc.value) == (
        f"{path}:5: 実績値: unit '件' cannot measure this KPI (its unit is '%', base unit '%')"
    )
    ws.delete_rows(5)
    wb.save(path)
    recs = read_actuals([path], plan, today=TODAY)
    assert [(r.fiscal_year, r.value, r.provisional, r.published) for r in recs] == [
        (2019, 14_000_000, False, dt.date(2020, 10, 1)),
        (2018, 13_500_000, True, dt.date(2019, 9, 30)),
    ]


def test_not_an_xlsx(plan, tmp_path) -> None:
    p = tmp_path / "fake.xlsx"
    p.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataErrors, match=r"fake\.xlsx: not a readable \.xlsx"):
        read_actuals([p], plan, today=TODAY)


# --- the empty state and areas ------------------------------------------------------------------


def test_empty_state(plan, tmp_path) -> None:
    empty = load_actuals(tmp_path, plan)  # no actuals/ folder at all
    assert empty.empty and empty.as_of is None
    rows = plan_progress(plan, empty)
    assert len(rows) == 40
    assert {r.latest.grade for r in rows} == {"−"}
    assert {r.latest.reason for r in rows} == {"実績未登録"}
    areas = area_summaries(plan, grades_for_year(plan, empty, 2019))
    assert all(s.share is None for level in areas.values() for s in level.values())


def test_area_summaries(plan, tmp_path) -> None:
    rows = (
        f'{VISITS},H28,"1,290万人",,{SRC},2017-10-01,\n'  # A
        "donan-primary-industry-1,H28,111人,,s,r,2017-10-01,\n"
    )  # 110→126: 1/16 of 0.4 → D
    acts = Actuals(records=tuple(actuals(tmp_path, plan, rows)))
    grades = grades_for_year(plan, acts, 2016)
    assert grades["donan-primary-industry-1"].grade == "D"
    areas = area_summaries(plan, grades)
    oshima = areas["subprefectures"]["渡島"]
    assert (oshima.on_track, oshima.graded, oshima.share) == (1, 2, 0.5)
    assert oshima.counts["A"] == 1 and oshima.counts["D"] == 1
    assert areas["regions"]["donan"].share == 0.5
    assert areas["subprefectures"]["宗谷"].share is None  # 実績なし


def test_latest_of_no_records(plan) -> None:
    kid, (_, kpi) = next(iter(plan_kpis(plan).items()))
    assert latest(kid, kpi, []).reason == "実績未登録"


def test_csv_reader_line_numbers_with_multiline_cells(plan, tmp_path) -> None:
    body = f'{VISITS},H28,"1,290万人",,"報告書\n(改訂版)",r,2017-10-01,\n{VISITS},H29,12件,,s,r,2018-10-01,\n'
    with pytest.raises(DataErrors, match=r"a.csv:4: 実績値"):
        actuals(tmp_path, plan, body)


def test_xlsx_zip_bomb_is_refused(plan, tmp_path) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"\0" * 60_000_000)  # 60 MB of zeros, ~60 KB on disk
    assert path.stat().st_size < 200_000
    with pytest.raises(DataErrors, match="expands to 60,000,000 bytes"):
        read_actuals([path], plan, today=TODAY)


def test_every_grade_has_its_own_symbol() -> None:
    """Symbols, not only colours, tell grades apart: all different, and at most one cross
    (D used ×, 未達成 ✕: the same shape on screen and in print)."""
    import unicodedata

    from geo.plan.progress import GRADE_SYMBOL

    symbols = list(GRADE_SYMBOL.values())
    assert len(set(symbols)) == len(symbols)
    crosses = [s for s in symbols if any(w in unicodedata.name(s) for w in ("MULTIPLICATION", "X", "CROSS"))]
    assert len(crosses) <= 1, crosses
