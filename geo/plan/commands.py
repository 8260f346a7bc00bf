"""The ``validate`` and ``dump-plan`` commands: load boundaries and plan, report or dump.

Kept apart from :mod:`geo.cli` so they can be called (and tested) without argument parsing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from geo.errors import DataError, DataErrors
from geo.plan.coverage import coverage_for_atlas
from geo.plan.edition import (
    EDITIONS_DIR,
    data_root,
    edition_folder,
    hierarchy_file,
    load_editions,
    period_label,
)
from geo.plan.model import (
    DEFAULT_DATA_DIR,
    CodesBySubprefecture,
    Plan,
    load_plan,
    plan_to_json,
)
from geo.plan.queries import kpi_families_to_json

T = TypeVar("T")


def _load(boundaries_path: str | Path, data_dir: str | Path | None):  # -> (Plan, Atlas)
    from geo.atlas.model import load_atlas  # geopandas is heavy; only import when needed

    folder = edition_folder(Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR)
    plan = load_plan(folder)
    atlas = load_atlas(boundaries_path, hierarchy_path=hierarchy_file(folder))
    return plan, atlas


def _report(exc: DataError, err: TextIO) -> None:
    for problem in exc.errors if isinstance(exc, DataErrors) else [exc]:
        print(problem, file=err)


def _load_and(boundaries_path: str | Path, data_dir: str | Path | None,
              build: Callable[[Plan, Any], T], err: TextIO) -> T | None:
    """Load plan + atlas and ``build`` from them; on bad data print each problem, return None."""
    try:
        plan, atlas = _load(boundaries_path, data_dir)
        return build(plan, atlas)
    except DataError as exc:
        _report(exc, err)
    except (KeyError, ValueError) as exc:  # the plan names a 振興局 the boundaries lack
        print(f"coverage: {exc}", file=err)
    return None


def plan_document(plan: Plan, atlas: Any | CodesBySubprefecture) -> dict[str, object]:
    """The ``dump-plan --json`` document: the plan's JSON plus its KPI families."""
    return {**plan_to_json(plan, atlas), "kpi_families": kpi_families_to_json(plan)}


def summary_lines(plan: Plan, municipalities_reached: int, municipalities: int) -> list[str]:
    """The human summary printed by ``validate``."""
    named = len(plan.projects)
    lines = [
        f"regions: {len(plan.regions)}",
        f"projects: {plan.total_stated} stated, {named} named in the document",
    ]
    for region in plan.regions:
        note = " (※主なプロジェクトを掲載)" if region.main_projects_only else ""
        lines.append(
            f"  {region.name}: {region.projects_stated} stated, {region.projects_named} named{note}"
        )
    lines.append(f"KPIs parsed: {len(plan.kpis)}")
    cross = sum(p.cross_region for p in plan.projects)
    lines.append(f"cross-region projects: {cross}")
    lines.append(f"municipalities reached: {municipalities_reached} of {municipalities}")
    return lines


def run_validate(
    boundaries_path: str | Path,
    data_dir: str | Path | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check boundaries and every edition's data; print a summary, or each ``file:line: field: message``."""
    out = out or sys.stdout
    err = err or sys.stderr
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    try:
        editions = load_editions(root) if (root / EDITIONS_DIR).is_dir() else ()
    except DataError as exc:
        _report(exc, err)
        return 1
    if not editions:
        return _validate_edition(boundaries_path, root, out, err)
    failed = 0
    for ef in editions:
        print(f"edition {ef.edition.id}: {ef.edition.title}（{period_label(ef.edition)}）", file=out)
        failed |= _validate_edition(boundaries_path, ef.folder, out, err)
    return failed


def _validate_edition(boundaries_path: str | Path, folder: Path, out: TextIO, err: TextIO) -> int:
    from geo.atlas.readings import READINGS_FILE, load_readings

    readings_file = data_root(folder) / READINGS_FILE
    loaded = _load_and(boundaries_path, folder, lambda plan, atlas: (
        plan, coverage_for_atlas(plan, atlas), load_readings(atlas, readings_file)), err)
    if loaded is None:
        return 1
    plan, coverage, readings = loaded
    reached = sum(bool(ids) for ids in coverage.by_municipality.values())
    for line in summary_lines(plan, reached, len(coverage.by_municipality)):
        print(line, file=out)
    print(f"readings: {len(readings.by_code)} places, {len(readings.postal)} postal codes", file=out)
    # 推進管理 data: the actuals and the grade thresholds are checked with the plan.
    from geo.plan.actuals import load_actuals
    from geo.plan.progress import load_thresholds

    failed = False
    try:
        load_thresholds(folder)
    except DataError as exc:
        _report(exc, err)
        failed = True
    try:
        actuals = load_actuals(folder, plan)
    except DataError as exc:
        _report(exc, err)
        return 1
    if failed:
        return 1
    as_of = f", published up to {actuals.as_of.isoformat()}" if actuals.as_of else " (実績未登録)"
    print(f"KPI actuals: {len(actuals.records)}{as_of}", file=out)
    return 0


def run_dump_plan(
    boundaries_path: str | Path,
    data_dir: str | Path | None = None,
    as_json: bool = True,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Write the plan joined to the map: JSON (``--json``) or a short text listing."""
    out = out or sys.stdout
    err = err or sys.stderr
    document = _load_and(boundaries_path, data_dir, plan_document, err)
    if document is None:
        return 1
    if as_json:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    for project in document["projects"]:  # type: ignore[union-attr]
        print(
            f"{project['id']}\t{project['region']}\t【{project['coverage_label']}】\t"
            f"{len(project['municipalities'])} municipalities\t{project['name']}",
            file=out,
        )
    return 0
