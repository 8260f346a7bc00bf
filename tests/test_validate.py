"""validate on broken copies of data/: every problem is reported as ``file:line: field: message``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import boundaries_path

from geo.atlas.hierarchy import DATA_DIR
from geo.errors import DataErrors
from geo.plan.commands import run_dump_plan, run_validate
from geo.plan.model import load_plan


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in line]
    return hits[occurrence - 1]


def problems(data: Path) -> list[str]:
    with pytest.raises(DataErrors) as info:
        load_plan(data)
    return [str(e) for e in info.value.errors]


def test_clean_copy_loads(data):
    assert len(load_plan(data).projects) == 34


def test_unknown_subprefecture(data):
    f = data / "editions" / "h28" / "projects" / "doo.yaml"
    replace(f, "subprefectures: [後志, 胆振, 石狩]", "subprefectures: [後志, 胆振, 石狸]")
    line = line_of(f, "石狸")
    assert problems(data) == [
        f"{f}:{line}: projects.0.subprefectures.2: unknown 振興局 '石狸' "
        "(known: " + "、".join(sorted(s.short for s in load_plan().hierarchy.subprefectures)) + ")"
    ]


def test_duplicate_id_in_one_file(data):
    f = data / "editions" / "h28" / "projects" / "doo.yaml"
    replace(f, "id: nitan-shinkansen", "id: yotei-nishiiburi")
    first, second = line_of(f, "id: yotei-nishiiburi", 1), line_of(f, "id: yotei-nishiiburi", 2)
    found = problems(data)
    assert f"{f}:{second}: projects.1.id: duplicate project id 'yotei-nishiiburi' " \
           f"(first at {f}:{first})" in found


def test_duplicate_id_across_files(data):
    projects = data / "editions" / "h28" / "projects"
    doo, tokachi = projects / "doo.yaml", projects / "tokachi.yaml"
    replace(tokachi, "id: tokachi-food-base", "id: geopark")
    found = "\n".join(problems(data))
    assert f"{tokachi}:{line_of(tokachi, 'id: geopark')}: projects.0.id: duplicate project id" in found
    assert f"(first at {doo}:{line_of(doo, 'id: geopark')})" in found


def test_bad_kpi(data):
    f = data / "editions" / "h28" / "projects" / "doo.yaml"
    replace(f, "46社(H26)→100社(R1)", "46社(H26)→100社")
    line = line_of(f, "46社(H26)→100社")
    (message,) = problems(data)
    assert message.startswith(f"{f}:{line}: projects.4.kpis.0: cannot parse KPI ")
    assert "'石狩地域の子育てを応援する企業数 46社(H26)→100社'" in message
    assert "year in brackets" in message


def test_missing_coverage(data):
    f = data / "editions" / "h28" / "projects" / "doo.yaml"
    replace(f, "    subprefectures: [空知]\n", "")
    line = line_of(f, "- id: sorachi-livable-towns")
    assert problems(data) == [
        f"{f}:{line}: projects.3.subprefectures: project 'sorachi-livable-towns' has no "
        "coverage: list the 振興局 its label 【空知】 names"
    ]


def test_subprefectures_must_match_the_label(data):
    f = data / "editions" / "h28" / "projects" / "kushiro-nemuro.yaml"
    replace(f, "subprefectures: [釧路, 根室]", "subprefectures: [釧路]")
    line = line_of(f, "subprefectures: [釧路]")
    (message,) = problems(data)
    assert message.startswith(f"{f}:{line}: projects.0.subprefectures: 釧路 differs from what "
                              "【釧路・根室】 names: 釧路、根室")


def test_truncated_yaml(data):
    f = data / "editions" / "h28" / "projects" / "donan.yaml"
    text = f.read_text(encoding="utf-8")
    cut = text.index("1,162万人")  # inside a quoted KPI: the quote never closes
    f.write_text(text[:cut], encoding="utf-8")
    last_line = len(text[:cut].splitlines())
    found = problems(data)
    assert len(found) == 1 and found[0].startswith(f"{f}:{last_line}: YAML syntax: "), found


def test_wrong_type(data):
    f = data / "editions" / "h28" / "regions.yaml"
    replace(f, "projects_stated: 20", "projects_stated: twenty")
    line = line_of(f, "projects_stated: twenty")
    (message,) = problems(data)
    assert message.startswith(f"{f}:{line}: regions.0.projects_stated: Input should be a valid integer")


def test_wrong_type_in_project(data):
    f = data / "editions" / "h28" / "projects" / "okhotsk.yaml"
    replace(f, "    measures_heading: 施策\n", "    measures_heading: [施策]\n")
    line = line_of(f, "measures_heading: [施策]")
    (message,) = problems(data)
    assert message.startswith(f"{f}:{line}: projects.0.measures_heading: ")


def test_named_projects_exceed_stated(data):
    f = data / "editions" / "h28" / "regions.yaml"
    replace(f, "projects_stated: 6", "projects_stated: 5")
    line = line_of(f, "projects_stated: 5")
    found = problems(data)
    assert f"{f}:{line}: regions.1.projects_stated: 道南 names 6 projects but states only 5" in found
    total = line_of(f, "total_projects: 51")
    assert f"{f}:{total}: total_projects: regions state 20 + 5 + 13 + 3 + 4 + 5 = 50 projects, " \
           "not 51" in found


def test_partial_list_must_be_marked(data):
    f = data / "editions" / "h28" / "regions.yaml"
    replace(f, "main_projects_only: true", "main_projects_only: false")
    line = line_of(f, "projects_stated: 20")
    assert problems(data) == [
        f"{f}:{line}: regions.0.projects_stated: 道央広域 states 20 projects but names 8; "
        "set main_projects_only: true if the document lists only some"
    ]


def test_all_problems_are_collected(data):
    replace(data / "editions" / "h28" / "projects" / "doo.yaml", "[後志, 胆振, 石狩]", "[後志, 胆振, 石狸]")
    replace(data / "editions" / "h28" / "projects" / "tokachi.yaml", "179品目(H27)", "179品目(2015)")
    replace(data / "editions" / "h28" / "regions.yaml", "total_projects: 51", "total_projects: 52")
    found = "\n".join(problems(data))
    assert "石狸" in found and "'2015'" in found and "not 52" in found


def test_run_validate_reports_and_fails(data, capsys):
    replace(data / "editions" / "h28" / "projects" / "doo.yaml", "[後志, 胆振, 石狩]", "[後志, 胆振, 石狸]")
    assert run_validate(boundaries_path(), data) == 1
    err = capsys.readouterr().err
    f = data / "editions" / "h28" / "projects" / "doo.yaml"
    assert err.startswith(f"{f}:{line_of(f, '石狸')}: projects.0.subprefectures.2: unknown 振興局")


def test_run_validate_summary(capsys):
    assert run_validate(boundaries_path(), DATA_DIR) == 0
    out = capsys.readouterr().out
    assert "projects: 51 stated, 34 named in the document" in out
    assert "道央広域: 20 stated, 8 named (※主なプロジェクトを掲載)" in out
    assert "KPIs parsed: 40" in out
    assert "municipalities reached: 179 of 179" in out


def test_run_dump_plan_json(capsys):
    import json

    assert run_dump_plan(boundaries_path(), DATA_DIR, as_json=True) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["projects"]) == 34
    geopark = next(p for p in document["projects"] if p["id"] == "geopark")
    assert geopark["cross_region"] is True
    assert geopark["subprefectures"] == ["胆振", "空知", "日高", "オホーツク", "十勝"]
    assert "01100" not in geopark["municipalities"]
