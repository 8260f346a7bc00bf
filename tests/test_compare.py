"""Comparing two plan editions (geo/plan/compare.py) on the real shipped edition and a second one
made from it as a planner would (tests/edition_fixtures.py): exactly the edits made are found."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from edition_fixtures import DONAN_COUNT_NOTE, OLD, ROOT, EditionChanges, make_second_edition, replace_once

from geo.errors import DataErrors
from geo.plan.compare import CHANGE_KINDS, CSV_HEADER, EditionDiff, PlanEdition, compare_editions
from geo.plan.coverage import coverage_for_atlas
from geo.plan.edition import load_editions
from geo.plan.model import load_plan


def side(folder: Path, atlas) -> PlanEdition:
    """One edition as the app loads it: plan, coverage over the real atlas, edition.yaml."""
    plan = load_plan(folder, atlas.hierarchy)
    (edition,) = [e.edition for e in load_editions(folder.parent.parent) if e.folder == folder]
    return PlanEdition(plan=plan, coverage=coverage_for_atlas(plan, atlas), edition=edition)


def compare_second(tmp_path: Path, atlas) -> tuple[EditionDiff, EditionChanges]:
    _data, changes = make_second_edition(tmp_path)
    return compare_editions(side(changes.old_folder, atlas), side(changes.new_folder, atlas), atlas), changes


def yaml_projects(folder: Path) -> list[dict]:
    """The projects of an edition straight from its YAML, without the plan loader."""
    return [p for f in sorted((folder / "projects").glob("*.yaml"))
            for p in yaml.safe_load(f.read_text(encoding="utf-8"))["projects"]]


def codes_of(atlas, subprefectures) -> list[str]:
    return [m.code for m in atlas.municipalities if m.subprefecture in subprefectures]


def test_the_second_edition_loads_once_the_stated_counts_follow(tmp_path: Path, atlas) -> None:
    _data, changes = make_second_edition(tmp_path)
    plan = load_plan(changes.new_folder, atlas.hierarchy)
    assert len(plan.projects) == 34 and plan.total_stated == 50
    assert plan.region("donan").projects_stated == plan.region("donan").projects_named == 5
    assert changes.count_edits == ("total_projects: 51 → 50", "道南 projects_stated: 6 → 5")
    # Without them the loader refuses the edition: 道南 names all it states.
    replace_once(changes.new_folder / "regions.yaml", f"projects_stated: 5{DONAN_COUNT_NOTE}\n",
                 "projects_stated: 6\n")
    with pytest.raises(DataErrors, match="道南 states 6 projects but names 5"):
        load_plan(changes.new_folder, atlas.hierarchy)


def test_exactly_the_three_project_changes_are_found(tmp_path: Path, atlas) -> None:
    diff, ch = compare_second(tmp_path, atlas)
    assert [p.id for p in diff.projects_added] == [ch.added_project]
    assert [p.id for p in diff.projects_removed] == [ch.removed_project]
    assert [(k.old.id, k.new.id) for k in diff.projects_changed] == [(ch.narrowed_project,) * 2]
    assert diff.projects_added[0].name == ch.added_name
    assert diff.projects_added[0].subprefectures == ch.added_subprefectures
    removed_codes = tuple(sorted(codes_of(atlas, ch.removed_subprefectures)))
    assert diff.projects_removed[0].municipalities == removed_codes

    # Every other project is kept, by its id, unchanged, in the new edition's order.
    old_ids = [p["id"] for p in yaml_projects(ch.old_folder)]
    kept = diff.projects_kept
    assert sorted(k.old.id for k in kept) == sorted(set(old_ids) - {ch.removed_project})
    assert all(k.matched_by == "id" and k.old.id == k.new.id for k in kept)
    new_order = [p.id for p in load_plan(ch.new_folder, atlas.hierarchy).projects]
    assert [k.new.id for k in kept] == [i for i in new_order if i != ch.added_project]
    assert [k.new.id for k in kept if k.changed] == [ch.narrowed_project]

    (narrowed,) = diff.projects_changed
    assert (narrowed.old.subprefectures, narrowed.new.subprefectures) == (ch.narrowed_from, ch.narrowed_to)
    assert narrowed.municipalities_gained == ()
    assert list(narrowed.municipalities_lost) == sorted(codes_of(atlas, ch.narrowed_out))
    assert (narrowed.old.regions, narrowed.new.regions) == (("doo", "okhotsk", "tokachi"), ("doo",))
    assert narrowed.regions_changed and narrowed.subprefectures_changed


def test_the_kpis_of_the_added_and_removed_projects_are_added_and_removed(tmp_path: Path, atlas) -> None:
    diff, ch = compare_second(tmp_path, atlas)
    assert [(k.id, k.project_id, k.raw) for k in diff.kpis_added] == [
        (f"{ch.added_project}-{n}", ch.added_project, raw) for n, raw in enumerate(ch.added_kpis, 1)]
    assert [(k.id, k.project_id, k.raw) for k in diff.kpis_removed] == [
        (f"{ch.removed_project}-{n}", ch.removed_project, raw) for n, raw in enumerate(ch.removed_kpis, 1)]
    assert diff.kpis_changed == ()
    assert diff.kpis_added[0].title == "日本海沿岸地域の観光入込客数"


def test_towns_gain_and_lose_exactly_where_the_edits_say(tmp_path: Path, atlas) -> None:
    diff, ch = compare_second(tmp_path, atlas)
    # Before: how many h28 projects name each town's 振興局, counted from the YAML alone.
    before = {m.code: sum(m.subprefecture in p["subprefectures"] for p in yaml_projects(ch.old_folder))
              for m in atlas.municipalities}
    delta = dict.fromkeys(before, 0)
    for subs, step in ((ch.added_subprefectures, 1), (ch.removed_subprefectures, -1), (ch.narrowed_out, -1)):
        for code in codes_of(atlas, subs):
            delta[code] += step

    assert [t.code for t in diff.towns] == [m.code for m in atlas.municipalities]  # all 179, atlas order
    assert {t.code: (t.before, t.after) for t in diff.towns} == {
        c: (n, n + delta[c]) for c, n in before.items()}
    assert [t.code for t in diff.towns_gained] == [c for c in before if delta[c] > 0]
    assert [t.code for t in diff.towns_lost] == [c for c in before if delta[c] < 0]
    # 後志 gains the new project; 檜山 gains it and loses the removed one, so its count holds;
    # オホーツク and 十勝 lose the narrowed one.
    assert {t.subprefecture for t in diff.towns_gained} == {"後志"}
    assert {t.subprefecture for t in diff.towns_lost} == {"オホーツク", "十勝"}
    hiyama = [t for t in diff.towns if t.subprefecture == "檜山"]
    assert hiyama and all(t.status == "same" for t in hiyama)
    kutchan = next(t for t in diff.towns if t.name == "倶知安町")
    assert (kutchan.subprefecture, kutchan.status, kutchan.after - kutchan.before) == ("後志", "gained", 1)


def test_an_edition_compared_with_itself_has_no_changes(atlas) -> None:
    from geo.render.model import model_of  # the app's Model is an EditionView as it is

    plan = load_plan(ROOT / "data" / "editions" / OLD, atlas.hierarchy)
    diff = compare_editions(model_of(atlas, plan), model_of(atlas, plan), atlas)
    assert diff.unchanged and set(diff.summary.values()) == {0}
    assert len(diff.projects_kept) == len(plan.projects) == 34
    assert all(k.matched_by == "id" and not k.changed for k in diff.projects_kept)
    assert all(t.status == "same" for t in diff.towns) and len(diff.towns) == 179
    assert diff.csv_rows() == (list(CSV_HEADER), [])
    assert diff.old_edition is None  # model_of carries no edition


def test_a_renamed_id_is_matched_by_name(tmp_path: Path, atlas) -> None:
    _data, ch = make_second_edition(tmp_path)
    okhotsk = ch.new_folder / "projects" / "okhotsk.yaml"
    replace_once(okhotsk, "id: okhotsk-visits\n", "id: okhotsk-tourism\n")
    old, new = side(ch.old_folder, atlas), side(ch.new_folder, atlas)
    diff = compare_editions(old, new, atlas)

    (renamed,) = [k for k in diff.projects_kept if k.matched_by == "name"]
    assert (renamed.old.id, renamed.new.id, renamed.changed) == ("okhotsk-visits", "okhotsk-tourism", False)
    assert diff.summary == compare_second(tmp_path / "plain", atlas)[0].summary  # nothing else differs
    assert not [k for k in (*diff.kpis_added, *diff.kpis_removed) if "okhotsk" in k.project_id]

    # With its name changed too, nothing says it is the same project: one removed, one added.
    name = "地域資源を活かしたオホーツク地域への来訪促進プロジェクト"
    replace_once(okhotsk, f"name: {name}\n", "name: 別の名前\n")
    diff = compare_editions(old, side(ch.new_folder, atlas), atlas)
    assert [p.id for p in diff.projects_added] == [ch.added_project, "okhotsk-tourism"]
    assert [p.id for p in diff.projects_removed] == [ch.removed_project, "okhotsk-visits"]
    assert diff.summary["kpi_added"] == diff.summary["kpi_removed"] == 3


def test_kpis_are_matched_by_text_then_title_not_by_position(tmp_path: Path, atlas) -> None:
    """A KPI put first shifts the others' ids (okhotsk-visits-1 → -2): they are still matched."""
    _data, ch = make_second_edition(tmp_path)
    replace_once(ch.new_folder / "projects" / "okhotsk.yaml",
                 '      - "観光入込客数 846.9万人(H25)→907万人(R1)"\n'
                 '      - "管内の合宿実施件数 293件(H26)→400件(R2)"\n',
                 '      - "外国人宿泊客数 10万人(R1)→15万人(R7)"\n'
                 '      - "観光入込客数 846.9万人(H25)→907万人(R1)"\n'
                 '      - "管内の合宿実施件数 400件(R2)→500件(R7)"\n')
    diff = compare_editions(side(ch.old_folder, atlas), side(ch.new_folder, atlas), atlas)
    # In plan order: 道央広域's new project before オホーツク's.
    assert [(k.id, k.raw) for k in diff.kpis_added] == [
        (f"{ch.added_project}-1", ch.added_kpis[0]),
        ("okhotsk-visits-1", "外国人宿泊客数 10万人(R1)→15万人(R7)"),
    ]
    assert [k.id for k in diff.kpis_removed] == [f"{ch.removed_project}-1"]
    (changed,) = diff.kpis_changed
    assert (changed.old.id, changed.new.id, changed.new.title) == (
        "okhotsk-visits-2", "okhotsk-visits-3", "管内の合宿実施件数")
    assert (changed.old.raw, changed.new.raw) == ("管内の合宿実施件数 293件(H26)→400件(R2)",
                                                  "管内の合宿実施件数 400件(R2)→500件(R7)")
    assert diff.summary["coverage_changed"] == 1  # KPIs are not coverage


def test_json_and_csv_twins(tmp_path: Path, atlas) -> None:
    diff, ch = compare_second(tmp_path, atlas)
    doc = diff.to_json()
    assert json.loads(json.dumps(doc, ensure_ascii=False)) == doc
    assert list(doc) == ["old", "new", "summary", "projects_added", "projects_removed", "projects_changed",
                         "projects_kept", "kpis_added", "kpis_removed", "kpis_changed", "towns"]
    assert doc["old"] == {"id": "h28", "title": "連携地域別政策展開方針（平成28年度〜）",
                          "period": "平成28年度〜概ね令和2年度"}
    assert doc["new"] == {"id": ch.new_id, "title": ch.new_title, "period": "令和3年度〜概ね令和7年度"}
    assert doc["summary"] == {"project_added": 1, "project_removed": 1, "coverage_changed": 1,
                              "kpi_added": 1, "kpi_removed": 1, "kpi_changed": 0,
                              "town_gained": len(diff.towns_gained), "town_lost": len(diff.towns_lost)}
    assert list(doc["summary"]) == list(CHANGE_KINDS)
    assert [t["code"] for t in doc["towns"]] == [m.code for m in atlas.municipalities]
    assert doc["projects_changed"][0]["municipalities_lost"] == sorted(codes_of(atlas, ch.narrowed_out))
    assert json.dumps(doc) == json.dumps(diff.to_json())  # the same bytes every time

    header, rows = diff.csv_rows()
    assert header == list(CSV_HEADER) and all(len(r) == len(header) for r in rows)
    assert len(rows) == sum(diff.summary.values())
    kinds = [r[0] for r in rows]
    assert kinds == [label for kind, label in CHANGE_KINDS.items() for _ in range(diff.summary[kind])]
    text = diff.to_csv()
    assert text.startswith("\ufeff") and "\r\n" in text
    # Every row leads with the two editions (title・period), as every CSV names its edition.
    about = [f"{e.title}・{e.period}" for e in (diff.old_edition, diff.new_edition)]
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["旧版", "新版", *header], *([*about, *r] for r in rows)]
