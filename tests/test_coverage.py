"""Coverage and queries: pure tests on a toy mapping, then real towns with the ``atlas`` fixture."""

from __future__ import annotations

import pytest

from geo.plan.coverage import build_coverage, coverage_for_atlas
from geo.plan.model import Plan, load_plan
from geo.plan.queries import (
    counts_by_municipality,
    counts_by_region,
    counts_by_subprefecture,
    cross_region_projects,
    kpi_families,
    projects_at,
    projects_in_atlas,
    shared_projects_matrix,
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="module")
def toy(plan):
    """Two made-up municipalities per 振興局: codes 9xx00 and 9xx01."""
    return {s.short: (f"9{i:02d}00", f"9{i:02d}01")
            for i, s in enumerate(plan.hierarchy.subprefectures)}


def test_coverage_of_a_toy_mapping(plan, toy):
    cov = build_coverage(plan, toy)
    assert len(cov.rows) == 34
    yotei = cov.row("yotei-nishiiburi")
    assert yotei.municipalities == tuple(sorted(toy["後志"] + toy["胆振"] + toy["石狩"]))
    assert (yotei.cross_subprefecture, yotei.cross_region) == (True, False)
    sorachi = cov.row("sorachi-livable-towns")
    assert (sorachi.cross_subprefecture, sorachi.cross_region) == (False, False)
    assert set(cov.by_municipality) == {c for codes in toy.values() for c in codes}
    # Every project reaches at least one municipality; every municipality of a 振興局 the same.
    assert all(row.municipalities for row in cov.rows)
    for codes in toy.values():
        assert cov.projects_at(codes[0]) == cov.projects_at(codes[1])


def test_missing_subprefecture_in_mapping_is_an_error(plan, toy):
    partial = {k: v for k, v in toy.items() if k != "十勝"}
    with pytest.raises(KeyError, match="十勝"):
        build_coverage(plan, partial)


def test_cross_region_projects(plan):
    cross = {p.id: regions for p, regions in cross_region_projects(plan)}
    assert cross == {
        "geopark": ("doo", "okhotsk", "tokachi"),
        "higashi-hokkaido-tourism": ("okhotsk", "tokachi", "kushiro-nemuro"),
    }


def test_counts(plan, toy):
    by_sub = counts_by_subprefecture(plan)
    assert len(by_sub) == 14
    # 十勝: its four own projects plus 道内ジオパーク (the ひがし北海道 one is among its own).
    assert by_sub["十勝"] == 5
    assert by_sub["空知"] == 2  # 安心して住み良いまちづくり + 道内ジオパーク
    assert sum(by_sub.values()) == sum(len(p.subprefectures) for p in plan.projects)
    regions = counts_by_region(plan)
    assert (regions["doo"].stated, regions["doo"].named) == (20, 8)
    assert regions["okhotsk"].reaching == 3 + 2  # its own + the two cross-region projects
    per_town = counts_by_municipality(build_coverage(plan, toy))
    assert per_town[toy["十勝"][0]] == 5


def test_shared_projects_matrix(plan):
    matrix = shared_projects_matrix(plan)
    assert set(matrix) == {s.short for s in plan.hierarchy.subprefectures}
    assert matrix["十勝"]["オホーツク"] == ("geopark", "higashi-hokkaido-tourism")
    assert matrix["釧路"]["根室"] == matrix["根室"]["釧路"]
    assert len(matrix["釧路"]["根室"]) == 6  # five 釧路・根室 projects + ひがし北海道
    assert matrix["渡島"]["宗谷"] == ()
    for a in matrix:
        assert len(matrix[a][a]) == counts_by_subprefecture(plan)[a]


def test_kpi_families(plan):
    families = kpi_families(plan)
    assert set(families) == {"観光入込客数", "新規就農者数"}
    tourism = {r.project_id for r in families["観光入込客数"]}
    assert {"yotei-nishiiburi", "nitan-shinkansen", "geopark", "teshiogawa-brand",
            "higashi-hokkaido-tourism", "kushiro-nemuro-exchange"} <= tourism
    assert len(tourism) == 9
    farmers = {r.project_id for r in families["新規就農者数"]}
    assert farmers == {"hidaka-primary-industry", "kamikawa-workforce", "rumoi-food-health"}
    # Each member still tells its own unit and period.
    units = {r.kpi.unit for r in families["新規就農者数"]}
    assert units == {"人", "人/年"}


# --- Real towns (needs the boundary file via the atlas fixture) ------------------------------


@pytest.fixture(scope="module")
def real(plan, atlas):
    return coverage_for_atlas(plan, atlas)


def _ids(plan, real, atlas, name):
    municipality, projects = projects_in_atlas(plan, real, atlas, name)
    return municipality, {p.id for p in projects}


def test_kutchan(plan, real, atlas):
    town, ids = _ids(plan, real, atlas, "倶知安町")
    assert town.subprefecture == "後志"
    assert {"yotei-nishiiburi", "shiribeshi-vitality"} <= ids
    assert plan.project("shiribeshi-vitality").name.startswith("“しりべし”")
    assert ids == {"yotei-nishiiburi", "shiribeshi-vitality"}


def test_shikaoi(plan, real, atlas):
    town, ids = _ids(plan, real, atlas, "鹿追町")
    assert town.subprefecture == "十勝"
    tokachi_own = {p.id for p in plan.projects_of("tokachi")}
    assert ids == {"geopark", "higashi-hokkaido-tourism"} | tokachi_own


def test_sapporo_ward_resolves_to_sapporo(plan, real, atlas):
    town, ids = _ids(plan, real, atlas, "札幌市南区")
    assert (town.code, town.name) == ("01100", "札幌市")
    assert ids == {"yotei-nishiiburi", "ishikari-child-rearing"}
    assert _ids(plan, real, atlas, "01100")[1] == ids


def test_every_municipality_is_reached(plan, real, atlas):
    counts = counts_by_municipality(real)
    assert len(counts) == len(atlas.municipalities) == 179
    assert min(counts.values()) >= 1
    # Northern Territories are not among the 179, so not in the table.
    assert not set(atlas.hierarchy.northern_territories) & set(counts)
    assert projects_at(plan, real, "01100") == tuple(
        p for p in plan.projects if "石狩" in p.subprefectures)


def test_families_in_the_dump(plan, toy):
    from geo.plan.commands import plan_document

    families = {f["key"]: f for f in plan_document(plan, toy)["kpi_families"]}
    assert [m["project"] for m in families["新規就農者数"]["members"]] == [
        "hidaka-primary-industry", "kamikawa-workforce", "rumoi-food-health"]
