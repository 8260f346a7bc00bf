"""Questions asked of the plan: what reaches a town, how many, which places share projects.

Pure functions over a ``Plan`` and a ``Coverage``; the ``*_in_atlas`` helpers add the name
lookup (札幌市南区 → 札幌市) that only an ``Atlas`` can do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from geo.frozen import FrozenModel
from geo.plan.coverage import Coverage
from geo.plan.kpi import KPI
from geo.plan.model import Plan, Project

if TYPE_CHECKING:
    from geo.atlas.model import Atlas, Municipality


def projects_at(plan: Plan, coverage: Coverage, code: str) -> tuple[Project, ...]:
    """Projects reaching the municipality with 5-digit ``code``, in plan order."""
    ids = set(coverage.projects_at(code))
    return tuple(p for p in plan.projects if p.id in ids)


def projects_in_atlas(
    plan: Plan, coverage: Coverage, atlas: Atlas, text: str
) -> tuple[Municipality, tuple[Project, ...]]:
    """Resolve ``text`` (code or name; ward names give 札幌市) and list the projects there."""
    municipality = atlas.resolve_municipality(text)
    return municipality, projects_at(plan, coverage, municipality.code)


def counts_by_municipality(coverage: Coverage) -> dict[str, int]:
    """Named projects reaching each municipality (every code present, zeros included)."""
    return {code: len(ids) for code, ids in coverage.by_municipality.items()}


def counts_by_subprefecture(plan: Plan) -> dict[str, int]:
    """Named projects naming each 振興局 (all 14, in hierarchy order)."""
    return {
        s.short: sum(s.short in p.subprefectures for p in plan.projects)
        for s in plan.hierarchy.subprefectures
    }


class RegionCount(FrozenModel):
    """Project counts of one 連携地域."""

    stated: int  # 全N プロジェクト in its own section
    named: int  # of those, how many the document names
    reaching: int  # named projects (of any region) reaching at least one of its 振興局


def counts_by_region(plan: Plan) -> dict[str, RegionCount]:
    return {
        r.id: RegionCount(
            stated=r.projects_stated,
            named=r.projects_named,
            reaching=sum(r.id in p.regions for p in plan.projects),
        )
        for r in plan.regions
    }


def shared_projects_matrix(plan: Plan) -> dict[str, dict[str, tuple[str, ...]]]:
    """振興局 × 振興局 → ids of projects naming both; the diagonal is each one's own projects."""
    shorts = [s.short for s in plan.hierarchy.subprefectures]
    return {
        a: {
            b: tuple(p.id for p in plan.projects if a in p.subprefectures and b in p.subprefectures)
            for b in shorts
        }
        for a in shorts
    }


def cross_region_projects(plan: Plan) -> tuple[tuple[Project, tuple[str, ...]], ...]:
    """Projects whose 振興局 lie in more than one 連携地域, with those regions' ids."""
    return tuple((p, p.regions) for p in plan.projects if p.cross_region)


# --- KPI families -----------------------------------------------------------------------

# A place named before the quantity: "胆振・日高地域への観光入込客数", "北海道における訪日ロシア人".
_PLACE_PREFIX = re.compile(r"^.+(への|における)")


def kpi_family_key(kpi: KPI) -> str:
    """What a KPI counts, with where and which part stripped off, so like can meet like.

    1. The scope in brackets is already apart from the indicator
       (観光入込客数(天塩川周辺地域) → 観光入込客数).
    2. A sub-label names the quantity actually counted: 地域産業への新規就業者数 新規就農者 counts
       新規就農者, and takes the indicator's 数 (→ 新規就農者数).
    3. A leading place ending in への or における is dropped
       (ジオパーク構成市町への観光入込客数 → 観光入込客数). Other modifiers stay, so
       農林水産業新規就業者数 and 新規就農者数 remain different things.
    Units and periods are not compared: 新規就農者数 is counted per year in one project and as
    a 5-year average in another, which a reader must see (the family keeps each KPI whole).
    """
    if kpi.sub_label:
        key = kpi.sub_label
        if kpi.indicator.endswith("数") and not key.endswith("数"):
            key += "数"
        return key
    return _PLACE_PREFIX.sub("", kpi.indicator)


class KPIRef(FrozenModel):
    project_id: str
    index: int  # position in the project's kpis
    kpi: KPI


def kpi_families(plan: Plan, *, min_projects: int = 2) -> Mapping[str, tuple[KPIRef, ...]]:
    """KPIs grouped by ``kpi_family_key`` where at least ``min_projects`` projects track it."""
    groups: dict[str, list[KPIRef]] = {}
    for project in plan.projects:
        for i, kpi in enumerate(project.kpis):
            groups.setdefault(kpi_family_key(kpi), []).append(
                KPIRef(project_id=project.id, index=i, kpi=kpi)
            )
    return {
        key: tuple(refs)
        for key, refs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len({r.project_id for r in refs}) >= min_projects
    }


def kpi_families_to_json(plan: Plan) -> list[dict[str, object]]:
    """``[{"key": "観光入込客数", "members": [{"project": id, "kpi": index, "raw": …}, …]}, …]``."""
    return [
        {
            "key": key,
            "members": [
                {"project": r.project_id, "kpi": r.index, "raw": r.kpi.raw, "unit": r.kpi.unit}
                for r in refs
            ],
        }
        for key, refs in kpi_families(plan).items()
    ]
