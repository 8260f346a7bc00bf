"""The edition's regions.yaml and projects/*.yaml (data/editions/h28/) held against the policy document."""

from __future__ import annotations

import re

import plan_document as doc
import pytest

from geo.plan.model import Plan, load_plan, plan_to_json


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan()


def _by_name(plan: Plan):
    return {p.name: p for p in plan.projects}


def test_document_is_beside_the_repo():
    assert doc.DOCUMENT.is_file(), f"policy document expected at {doc.DOCUMENT}"


def test_counts_match_the_document(plan):
    assert plan.total_stated == doc.total_stated() == 51
    assert sum(r.projects_stated for r in plan.regions) == 51
    assert len(plan.projects) == sum(len(r.projects) for r in doc.regions()) == 34
    stated = {r.name: (r.projects_stated, r.projects_named, r.main_projects_only)
              for r in plan.regions}
    from_doc = {r.name: (r.stated, len(r.projects), r.main_only) for r in doc.regions()}
    assert stated == from_doc
    assert from_doc == {
        "道央広域": (20, 8, True),
        "道南": (6, 6, False),
        "道北": (13, 8, True),
        "オホーツク": (3, 3, False),
        "十勝": (4, 4, False),
        "釧路・根室": (5, 5, False),
    }


def test_region_vision_and_directions_as_written(plan):
    for region in doc.regions():
        ours = plan.region(region.name)
        assert ours.vision == region.vision
        assert ours.directions == region.directions


def test_every_project_transcribed_exactly_in_order(plan):
    for region in doc.regions():
        ours = plan.projects_of(plan.region(region.name).id)
        assert [p.name for p in ours] == [p.name for p in region.projects]
        for mine, theirs in zip(ours, region.projects, strict=True):
            assert mine.coverage_label == theirs.label, mine.id
            assert mine.measures_heading == theirs.measures_heading, mine.id
            assert mine.measures == theirs.measures, mine.id
            assert mine.kpis_heading == theirs.kpis_heading, mine.id
            assert tuple(k.raw for k in mine.kpis) == theirs.kpis, mine.id


def test_every_string_occurs_verbatim_in_the_document(plan):
    text = doc.text()
    for project in plan.projects:
        for s in (*project.names, f"【{project.coverage_label}】", *project.measures):
            assert s in text, (project.id, s)
        for kpi in project.kpis:
            assert "○" + kpi.raw in text, (project.id, kpi.raw)
    for region in plan.regions:
        assert region.vision in text
        for d in region.directions:
            assert f"- {d}\n" in text


def test_odd_spellings_are_kept(plan):
    names = _by_name(plan)
    assert "「食の拠点」とち強化プロジェクト" in names
    next_gen = names["「次世代先進産業」とちチャレンジプロジェクト"]
    assert next_gen.aliases == ("「次世代先進産業」とかちチャレンジプロジェクト",)
    raws = [k.raw for k in plan.kpis]
    assert "ちよっと暮らしの利用者数 153人(H26)→220人(R1)" in raws
    assert "道東地域への観光入込客数 2,620万人(H25) → 2,987万人(R2)" in raws
    assert "地球環境に配慮した持続的社会的形成" in plan.region("tokachi").directions


def test_summary_table_agrees_with_the_region_sections(plan):
    rows = doc.summary_table()
    assert len(rows) == 6
    for row in rows:
        region = plan.region(row.region)
        assert region.projects_stated == row.stated
        project = plan.project(row.project)  # by name or alias
        assert project.region == region.id
        assert set(row.measures) <= set(project.measures)

        def squash(s: str) -> str:
            return re.sub(r"\s*→\s*", "→", s)

        assert squash(row.kpi) in {squash(k.raw) for k in project.kpis}
    aliases = {a for p in plan.projects for a in p.aliases}
    # Every alias is a spelling the summary table actually uses, and differs from the name.
    assert aliases == {r.project for r in rows} - {p.name for p in plan.projects}


def test_ids_are_unique_ascii_slugs(plan):
    ids = [p.id for p in plan.projects]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_subprefectures_named_by_labels(plan):
    p = plan.project
    assert p("yotei-nishiiburi").subprefectures == ("後志", "胆振", "石狩")
    assert p("geopark").subprefectures == ("胆振", "空知", "日高", "オホーツク", "十勝")
    assert p("higashi-hokkaido-tourism").subprefectures == ("十勝", "オホーツク", "釧路", "根室")
    assert p("northern-territories").subprefectures == ("釧路", "根室")
    assert p("donan-safe-towns").subprefectures == ("渡島", "檜山")
    assert p("kita-hokkaido-visits").subprefectures == ("上川", "留萌", "宗谷")
    assert p("sorachi-livable-towns").subprefectures == ("空知",)


def test_no_focus_municipalities_without_a_source(plan):
    # The document names no place narrower than a 振興局, so none may be recorded.
    assert all(not p.focus_municipalities for p in plan.projects)


def test_plan_json_shape(plan):
    codes = {s.short: (f"9{i:04d}",) for i, s in enumerate(plan.hierarchy.subprefectures)}
    out = plan_to_json(plan, codes)
    assert [r["id"] for r in out["regions"]] == [r.id for r in plan.hierarchy.regions]
    first = out["projects"][0]
    assert {"id", "name", "region", "coverage_label", "subprefectures", "municipalities",
            "cross_region", "measures", "kpis"} <= set(first)
    assert first["municipalities"] == sorted(codes[s][0] for s in first["subprefectures"])
    kpi = first["kpis"][0]
    assert kpi["baseline"] == {
        "value": 22_400_000, "label": "H26", "fiscal_year": 2014,
        "written": "2,240万人", "aggregate": None, "qualifier": None,
    }
    assert kpi["target"]["fiscal_year"] == 2019
    target_only = plan.project("donan-industry-jobs")
    dumped = next(p for p in out["projects"] if p["id"] == target_only.id)["kpis"][0]
    assert dumped["baseline"] is None
    assert dumped["target"]["fiscal_year"] == [2015, 2019]
