"""What a 連携地域 (region) or 振興局 (subprefecture) page and its JSON twin and CSV show.

Pure functions of the atlas and the plan, like :mod:`geo.render.views`: the area, its 振興局
and municipalities, its 中核都市, the projects that reach it (its region's own first, then
other regions', cross-region ones flagged), the region's stated and named project counts and
the KPIs of those projects. URL keys are the hierarchy's romaji ids (doo, shiribeshi).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geo.atlas.hierarchy import Region, Subprefecture
from geo.atlas.model import Atlas, Municipality
from geo.csvfile import excel_csv, formula_safe
from geo.plan.edition import Edition, csv_columns
from geo.plan.model import Plan, Project
from geo.render.views import KpiEntry, kpi_entries, kpi_json

KINDS = ("region", "subprefecture")
KIND_LABELS = {"region": "連携地域", "subprefecture": "振興局"}


@dataclass(frozen=True)
class Area:
    kind: str  # region | subprefecture
    id: str  # canonical URL key: the hierarchy's id
    name: str  # 道央広域連携地域 / 後志総合振興局
    short: str  # 道央広域 / 後志
    region: Region
    subprefectures: tuple[Subprefecture, ...]

    @property
    def sub_shorts(self) -> frozenset[str]:
        return frozenset(s.short for s in self.subprefectures)


def find_area(atlas: Atlas, kind: str, key: str) -> Area:
    """By id, name or full name (doo, 道央広域, 道央広域連携地域; shiribeshi, 後志, 後志総合振興局).
    KeyError for anything else."""
    h = atlas.hierarchy
    if kind == "region":
        r = h.region(key)
        return Area("region", r.id, r.full_name, r.name, r, r.subprefectures)
    if kind == "subprefecture":
        s = h.subprefecture(key)
        return Area("subprefecture", s.id, s.name, s.short, h.region_of(s.short), (s,))
    raise KeyError(kind)


def all_areas(atlas: Atlas) -> list[Area]:
    h = atlas.hierarchy
    return ([find_area(atlas, "region", r.id) for r in h.regions]
            + [find_area(atlas, "subprefecture", s.id) for s in h.subprefectures])


@dataclass(frozen=True)
class Reach:
    """A project that reaches the area."""

    project: Project
    own: bool  # listed in the section of the area's 連携地域
    here: tuple[str, ...]  # which of the area's 振興局 it names

    @property
    def cross_region(self) -> bool:
        return self.project.cross_region


def reaching(plan: Plan, area: Area) -> tuple[Reach, ...]:
    """Projects naming any of the area's 振興局: the region's own first, then others', in document order."""
    out = [Reach(p, p.region == area.region.id, tuple(s for s in p.subprefectures if s in area.sub_shorts))
           for p in plan.projects if area.sub_shorts & set(p.subprefectures)]
    return tuple(sorted(out, key=lambda r: not r.own))  # stable: document order within each


def municipalities(atlas: Atlas, area: Area) -> tuple[Municipality, ...]:
    """The area's municipalities among the 179 (the 北方領土 are listed apart)."""
    return tuple(m for m in atlas.municipalities if m.subprefecture in area.sub_shorts)


def northern_territories(atlas: Atlas, area: Area) -> tuple[Municipality, ...]:
    return tuple(m for m in atlas.northern_territories if m.subprefecture in area.sub_shorts)


def area_kpis(plan: Plan, area: Area) -> tuple[KpiEntry, ...]:
    ids = {r.project.id for r in reaching(plan, area)}
    return tuple(e for e in kpi_entries(plan) if e.project.id in ids)


def area_json(atlas: Atlas, plan: Plan, area: Area,
              grades: Mapping[str, object] | None = None) -> dict[str, object]:
    """The area page's content; ``grades``: each KPI's latest 推進管理 grade by KPI id (its JSON)."""
    h = atlas.hierarchy
    rp = plan.region(area.region.id)
    reach = reaching(plan, area)
    core = area.region.core_city
    return {
        "kind": area.kind,
        "id": area.id,
        "name": area.name,
        "short": area.short,
        "region": {"id": area.region.id, "name": area.region.name, "full_name": area.region.full_name},
        "core_city": {"code": core.code, "name": core.name,
                      "in_area": atlas.municipality(core.code).subprefecture in area.sub_shorts},
        "subprefectures": [{"id": s.id, "short": s.short, "name": s.name} for s in area.subprefectures],
        "municipalities": [{"code": m.code, "name": m.name, "full_name": m.full_name,
                            "subprefecture": m.subprefecture} for m in municipalities(atlas, area)],
        "northern_territories": [{"code": m.code, "name": m.name, "full_name": m.full_name}
                                 for m in northern_territories(atlas, area)],
        # 地域のめざす姿 and 主な施策の展開方向 are the region's (a 振興局 page shows its region's).
        "vision": rp.vision,
        "directions": list(rp.directions),
        "projects_stated": rp.projects_stated,
        "projects_named": rp.projects_named,
        "projects_unnamed": rp.projects_stated - rp.projects_named,
        "main_projects_only": rp.main_projects_only,
        "projects": [{"id": r.project.id, "name": r.project.name, "region": r.project.region,
                      "region_name": h.region(r.project.region).full_name, "own": r.own,
                      "cross_region": r.cross_region, "coverage_label": r.project.coverage_label,
                      "subprefectures": list(r.project.subprefectures), "here": list(r.here),
                      "kpis": len(r.project.kpis)} for r in reach],
        "projects_count": len(reach),
        "projects_own": sum(r.own for r in reach),
        "projects_other": sum(not r.own for r in reach),
        "kpis": [{**kpi_json(e), "grade": (grades or {}).get(e.id)} for e in area_kpis(plan, area)],
    }


def area_csv(atlas: Atlas, plan: Plan, area: Area, edition: Edition | None = None) -> str:
    """The projects that reach the area, one row each, UTF-8 with BOM for spreadsheet apps; led
    by the edition's 方針 and 対象期間 columns when it is given."""
    h = atlas.hierarchy
    rows = (
        [area.id, area.name, r.project.id, formula_safe(r.project.name), h.region(r.project.region).full_name,
         int(r.own), int(r.cross_region), formula_safe(r.project.coverage_label),
         "・".join(r.project.subprefectures), "・".join(r.here), len(r.project.kpis)]
        for r in reaching(plan, area)
    )
    header = ["area", "area_name", "project_id", "project_name", "home_region", "own",
              "cross_region", "coverage_label", "subprefectures", "subprefectures_here", "kpis"]
    return excel_csv(header, rows, about=csv_columns(edition))

