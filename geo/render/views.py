"""What each page and its JSON twin show: pure functions of the atlas, the plan and its coverage.

Adapters over :mod:`geo.plan.model`, :mod:`geo.plan.coverage` and :mod:`geo.plan.queries` (owned by the plan
work): KPI ids, per-level counts for the overview's measures, the town / 振興局 / 連携地域
objects and the overlap table. No Flask, no Folium: the web layer and the map builders call these.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import mapclassify
import numpy as np

from geo.atlas.codes import with_check_digit
from geo.atlas.model import Atlas, Municipality
from geo.csvfile import excel_csv, formula_safe
from geo.plan.actuals_model import kpi_id as actual_kpi_id
from geo.plan.coverage import Coverage
from geo.plan.edition import Edition, csv_columns
from geo.plan.kpi import KPI
from geo.plan.model import Plan, Project, kpi_to_json, project_to_json
from geo.plan.queries import cross_region_projects, kpi_families, shared_projects_matrix

# Memos keyed on a Plan (one per app; a few in tests): bounded all the same.
PLANS = 8
LEVELS = ("municipalities", "subprefectures", "regions")
LEVEL_LABELS = {"municipalities": "市町村", "subprefectures": "振興局", "regions": "連携地域"}

# ColorBrewer, colour-blind safe: sequential YlGnBu for counts, diverging PuOr for change %.
YLGNBU = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")
PUOR_NEG = ("#542788", "#8073ac", "#b2abd2", "#d8daeb")  # darkest first
PUOR_POS = ("#fee0b6", "#fdb863", "#e08214", "#b35806", "#7f3b08")  # lightest first
NEUTRAL = "#f7f7f7"
NO_DATA = "#d9d9d9"
# Okabe–Ito: distinguishable outline colours for overlapping project layers.
OKABE_ITO = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")


# --- KPIs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiEntry:
    id: str  # <project id>-<n>, n from 1 in the project's order
    project: Project
    index: int
    kpi: KPI

    @property
    def percent(self) -> float | None:
        change = self.kpi.change
        return None if change is None else change.percent


def kpi_id(project_id: str, index: int) -> str:
    return actual_kpi_id(project_id, index)  # one definition: the actuals sheet uses the same ids


@lru_cache(maxsize=PLANS)
def kpi_entries(plan: Plan) -> tuple[KpiEntry, ...]:
    return tuple(
        KpiEntry(kpi_id(p.id, i), p, i, k) for p in plan.projects for i, k in enumerate(p.kpis)
    )


def kpi_entry(plan: Plan, kid: str) -> KpiEntry:
    for entry in kpi_entries(plan):
        if entry.id == kid:
            return entry
    raise KeyError(kid)


@lru_cache(maxsize=PLANS)
def families(plan: Plan) -> dict[str, tuple[KpiEntry, ...]]:
    """KPI family key (観光入込客数 …) → its KPIs, families tracked by ≥ 2 projects."""
    by_ref = {(e.project.id, e.index): e for e in kpi_entries(plan)}
    return {
        key: tuple(by_ref[(r.project_id, r.index)] for r in refs)
        for key, refs in kpi_families(plan).items()
    }


def family_of(plan: Plan, entry: KpiEntry) -> str | None:
    return next((k for k, es in families(plan).items() if entry in es), None)


def kpi_json(entry: KpiEntry, family: str | None = None) -> dict[str, object]:
    return {
        "id": entry.id,
        "project": entry.project.id,
        "project_name": entry.project.name,
        "subprefectures": list(entry.project.subprefectures),
        "family": family,
        **kpi_to_json(entry.kpi),
    }


@dataclass(frozen=True)
class Classes:
    """Class breaks (upper bounds, ascending) and one colour per class, for a legend and the map."""

    breaks: tuple[float, ...]
    colors: tuple[str, ...]
    labels: tuple[str, ...]

    def color(self, value: float | None) -> str:
        if value is None:
            return NO_DATA
        for upper, colour in zip(self.breaks, self.colors, strict=True):
            if value <= upper:
                return colour
        return self.colors[-1]

    def to_json(self) -> dict[str, object]:
        return {"breaks": list(self.breaks), "colors": list(self.colors), "labels": list(self.labels)}


@lru_cache(maxsize=PLANS)  # the breaks are asked for by every KPI page and map
def change_classes(plan: Plan) -> Classes:
    """Breaks of planned change (%) over every KPI (Fisher–Jenks), coloured on PuOr by sign.

    Computed over all KPIs so one colour means the same change on every KPI map.
    """
    values = np.array([e.percent for e in kpi_entries(plan) if e.percent is not None], dtype=float)
    k = min(5, len(np.unique(values)))
    with warnings.catch_warnings():  # "Numba not installed": ~80 values need no JIT
        warnings.simplefilter("ignore")
        bins = [float(b) for b in mapclassify.FisherJenks(values, k=k).bins]
    lows = [float(values.min()), *bins[:-1]]
    negatives = sum(1 for hi in bins if hi < 0)
    colors, labels = [], []
    pos_rank = 0
    for i, (lo, hi) in enumerate(zip(lows, bins, strict=True)):
        if hi < 0:
            colors.append(PUOR_NEG[max(0, len(PUOR_NEG) - negatives + i)])
        elif lo <= 0 and i == negatives and negatives:
            colors.append(NEUTRAL)
        else:
            colors.append(PUOR_POS[min(pos_rank, len(PUOR_POS) - 1)])
            pos_rank += 1
        labels.append(f"{_pct(lo)} 〜 {_pct(hi)}")
    return Classes(tuple(round(b, 3) for b in bins), tuple(colors), tuple(labels))


def _pct(value: float) -> str:
    return f"{value:+.1f}%"


def count_classes(values: Mapping[str, int]) -> Classes:
    """Counts of projects: one class per value when few, else Fisher–Jenks; 0 stays pale."""
    nums = sorted(set(values.values())) or [0]
    if len(nums) <= len(YLGNBU):
        breaks = [float(n) for n in nums]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fj = mapclassify.FisherJenks(np.array(list(values.values())), k=6)
        breaks = [float(b) for b in fj.bins]
    # Spread the classes over the palette (not just its dark end); 0 gets the neutral grey.
    nonzero = [b for b in breaks if b > 0]
    idx = np.linspace(1, len(YLGNBU) - 1, len(nonzero)).round().astype(int) if len(nonzero) > 1 else [3]
    palette = iter(YLGNBU[i] for i in idx)
    colors = [NEUTRAL if b == 0 else next(palette) for b in breaks]
    lows = [breaks[0], *[b + 1 for b in breaks[:-1]]]
    labels = [f"{int(lo)}" if lo == hi else f"{int(lo)}〜{int(hi)}"
              for lo, hi in zip(lows, breaks, strict=True)]
    return Classes(tuple(breaks), tuple(colors), tuple(labels))


# --- places -------------------------------------------------------------------------------


def projects_for_subprefectures(plan: Plan, shorts: set[str] | tuple[str, ...]) -> tuple[Project, ...]:
    wanted = set(shorts)
    return tuple(p for p in plan.projects if wanted & set(p.subprefectures))


def projects_for_municipality(plan: Plan, coverage: Coverage, m: Municipality) -> tuple[Project, ...]:
    if m.code in coverage.by_municipality:
        ids = set(coverage.projects_at(m.code))
        return tuple(p for p in plan.projects if p.id in ids)
    # 北方領土: not among the 179 of the coverage table, but part of 根室's area.
    return projects_for_subprefectures(plan, {m.subprefecture})


def unnamed_projects(plan: Plan, region_id: str) -> int:
    region = plan.region(region_id)
    return region.projects_stated - region.projects_named


def municipality_json(atlas: Atlas, m: Municipality) -> dict[str, object]:
    hierarchy = atlas.hierarchy
    sub = hierarchy.subprefecture(m.subprefecture)
    region = hierarchy.region(m.region)
    out: dict[str, object] = {
        "code": m.code,
        "code6": with_check_digit(m.code),
        "name": m.name,
        "full_name": m.full_name,
        "kind": m.kind,
        "district": m.district,
        "subprefecture": sub.short,
        "subprefecture_id": sub.id,
        "subprefecture_name": sub.name,
        "region": region.id,
        "region_name": region.full_name,
        "core_city": {"code": region.core_city.code, "name": region.core_city.name},
        "area_km2": m.area_km2,
        "label_point": list(m.label_point),
        "northern_territory": m.northern_territory,
    }
    if m.code == hierarchy.designated_city.code:
        out["wards"] = [{"code": w.code, "name": w.name} for w in atlas.wards]
    return out


def town_json(atlas: Atlas, plan: Plan, coverage: Coverage, m: Municipality) -> dict[str, object]:
    projects = projects_for_municipality(plan, coverage, m)
    return {
        **municipality_json(atlas, m),
        "projects": [project_to_json(p, atlas) for p in projects],
        "projects_count": len(projects),
        "region_projects_unnamed": unnamed_projects(plan, m.region),
    }


def subprefecture_json(atlas: Atlas, plan: Plan, short: str, *, with_projects: bool = False) -> dict:
    sub = atlas.hierarchy.subprefecture(short)
    region = atlas.hierarchy.region_of(sub.short)
    projects = projects_for_subprefectures(plan, {sub.short})
    out: dict[str, object] = {
        "id": sub.id, "short": sub.short, "name": sub.name, "region": region.id,
        "region_name": region.full_name,
        "municipalities": list(atlas.codes_by_subprefecture()[sub.short]),
        "projects_count": len(projects),
    }
    if with_projects:
        out["projects"] = [project_to_json(p, atlas) for p in projects]
    return out


def region_json(atlas: Atlas, plan: Plan, rid: str, *, with_projects: bool = False) -> dict:
    region = atlas.hierarchy.region(rid)
    rp = plan.region(region.id)
    reaching = projects_for_subprefectures(plan, {s.short for s in region.subprefectures})
    out: dict[str, object] = {
        "id": region.id, "name": region.name, "full_name": region.full_name,
        "core_city": {"code": region.core_city.code, "name": region.core_city.name},
        "subprefectures": [s.short for s in region.subprefectures],
        "vision": rp.vision, "directions": list(rp.directions),
        "projects_stated": rp.projects_stated, "projects_named": rp.projects_named,
        "projects_unnamed": rp.projects_stated - rp.projects_named,
        "project_ids": list(rp.project_ids), "projects_count": len(reaching),
    }
    if with_projects:
        out["projects"] = [project_to_json(p, atlas) for p in reaching]
    return out


# --- the overview's measures --------------------------------------------------------------


def measures(plan: Plan) -> list[tuple[str, str]]:
    """(key, label): all projects, each 連携地域's own projects, cross-region projects only."""
    out = [("all", "すべてのプロジェクト")]
    out += [(f"region:{r.id}", f"{r.name}のプロジェクト") for r in plan.regions]
    out.append(("cross", "連携地域をまたぐプロジェクト"))
    return out


DEFAULT_OVERVIEW = "hokkaido"  # the overview's map arg for 市町村 × すべてのプロジェクト


def overview_arg(plan: Plan, level: str, measure: str) -> str:
    """The map arg for a level and measure; ValueError naming the bad parameter."""
    if level not in LEVELS:
        raise ValueError(f"level: must be one of {', '.join(LEVELS)}, not {level!r}")
    if measure not in dict(measures(plan)):
        known = ", ".join(k for k, _ in measures(plan))
        raise ValueError(f"measure: must be one of {known}, not {measure!r}")
    if (level, measure) == ("municipalities", "all"):
        return DEFAULT_OVERVIEW
    return f"{level}.{measure.replace(':', '-')}"  # no ':' in URLs and exported file names


def parse_overview_arg(plan: Plan, arg: str) -> tuple[str, str]:
    """Inverse of :func:`overview_arg`; KeyError for anything else."""
    if arg == DEFAULT_OVERVIEW:
        return "municipalities", "all"
    level, _, measure = arg.partition(".")
    measure = measure.replace("region-", "region:", 1)
    try:
        if overview_arg(plan, level, measure) == arg:
            return level, measure
    except ValueError:
        pass
    raise KeyError(arg)


def measure_projects(plan: Plan, measure: str) -> tuple[Project, ...]:
    if measure == "all":
        return plan.projects
    if measure == "cross":
        return tuple(p for p, _ in cross_region_projects(plan))
    if measure.startswith("region:"):
        rid = measure.removeprefix("region:")
        plan.region(rid)  # KeyError for an unknown region
        return plan.projects_of(rid)
    raise KeyError(measure)


def level_counts(atlas: Atlas, plan: Plan, measure: str) -> dict[str, dict[str, int]]:
    """Level → area id → number of the measure's projects reaching it (179 / 14 / 6 ids)."""
    projects = measure_projects(plan, measure)
    per_sub = {s.short: sum(s.short in p.subprefectures for p in projects)
               for s in atlas.hierarchy.subprefectures}
    return {
        "municipalities": {m.code: per_sub[m.subprefecture] for m in atlas.municipalities},
        "subprefectures": per_sub,
        "regions": {r.id: sum(r.id in p.regions for p in projects) for r in atlas.hierarchy.regions},
    }


def overview_json(atlas: Atlas, plan: Plan) -> dict[str, object]:
    out = {}
    for key, label in measures(plan):
        counts = level_counts(atlas, plan, key)
        out[key] = {
            "label": label,
            "levels": {
                level: {"values": values, "classes": count_classes(values).to_json()}
                for level, values in counts.items()
            },
        }
    return {"levels": dict(LEVEL_LABELS), "measures": out,
            "projects_named": len(plan.projects), "projects_stated": plan.total_stated}


# --- the planner's overlap view -----------------------------------------------------------


def overlap_json(atlas: Atlas, plan: Plan) -> dict[str, object]:
    matrix = shared_projects_matrix(plan)
    shorts = [s.short for s in atlas.hierarchy.subprefectures]
    per_sub = {}
    for s in shorts:
        mine = projects_for_subprefectures(plan, {s})
        per_sub[s] = {
            "projects": len(mine),
            "shared": sum(p.cross_subprefecture for p in mine),
            "cross_region": sum(p.cross_region for p in mine),
            "region": atlas.hierarchy.region_of(s).id,
        }
    return {
        "subprefectures": per_sub,
        "order": shorts,
        "matrix": [[len(matrix[a][b]) for b in shorts] for a in shorts],
        "matrix_projects": {a: {b: list(matrix[a][b]) for b in shorts if matrix[a][b]} for a in shorts},
        "cross_region_projects": [
            {"id": p.id, "name": p.name, "region": p.region, "regions": list(regions),
             "subprefectures": list(p.subprefectures)}
            for p, regions in cross_region_projects(plan)
        ],
    }


def coverage_csv(atlas: Atlas, plan: Plan, coverage: Coverage, edition: Edition | None = None) -> str:
    """The project ↔ municipality table, one row per pair, UTF-8 with BOM for spreadsheet apps;
    led by the edition's 方針 and 対象期間 columns when it is given."""
    names = {m.code: m for m in atlas.municipalities}

    def rows() -> Iterator[list[object]]:
        for row in coverage.rows:
            project = plan.project(row.project_id)
            for code in row.municipalities:
                m = names[code]
                yield [project.id, formula_safe(project.name), project.region, code, with_check_digit(code),
                       m.full_name, m.subprefecture, m.region, int(project.cross_region)]

    return excel_csv(["project_id", "project_name", "project_region", "code", "code6", "municipality",
                      "subprefecture", "region", "cross_region"], rows(), about=csv_columns(edition))
