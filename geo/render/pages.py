"""One data function per page (ページのデータ): the page and its JSON twin are the same call.

Each ``…_page(model, url_for, key)`` returns a :class:`Page`: ``data`` is exactly what the page's
JSON twin under ``/api`` answers, ``context`` the model objects its template shows besides (the
same facts, as objects a template can walk; the template sees ``data`` too), and ``map`` the
(kind, subject) of its map, if any, from which the web layer adds the map, share, print and JSON
links. Lookups raise ``KeyError``
(or the atlas's code errors) for an unknown key; the views turn those into 400/404 and redirect
other spellings to the canonical URL *before* calling here.

``url_for`` builds the few URLs the data carries (a KPI's progress JSON); it is the web layer's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.atlas.codes import with_check_digit
from geo.plan.actuals_model import plan_kpis
from geo.plan.model import project_to_json
from geo.plan.progress import GRADES, NO_ACTUALS, area_summaries
from geo.plan.queries import counts_by_subprefecture
from geo.render.areas import KIND_LABELS, Area, area_json, area_kpis, reaching
from geo.render.areas import municipalities as area_municipalities
from geo.render.areas import northern_territories as area_northern_territories
from geo.render.model import Model, progress_row, progress_rows, progress_years, year_grades
from geo.render.progress import (
    REPORT_COLUMNS,
    filter_rows,
    grade_json,
    make_report,
    progress_json,
    progress_with_period,
    sort_rows,
    summaries_json,
    trend_json,
)
from geo.render.progress_maps import PROGRESS_LEVELS
from geo.render.views import (
    DEFAULT_OVERVIEW,
    LEVELS,
    change_classes,
    families,
    family_of,
    kpi_entries,
    kpi_entry,
    kpi_id,
    kpi_json,
    measures,
    overlap_json,
    overview_json,
    projects_for_municipality,
    region_json,
    subprefecture_json,
    town_json,
    unnamed_projects,
)

UrlFor = Callable[..., str]


@dataclass(frozen=True)
class Page:
    """A page's data (its JSON twin), the objects its template shows, and its map."""

    data: dict[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)
    map: tuple[str, str] | None = None  # (map kind, canonical subject)


def report_page(model: Model, year: int, region: str | None) -> Page:
    """``/progress/report``: the 連携会議 material of ``year`` (all of Hokkaido, or one 連携地域),
    its KPIs grouped by 連携地域, then by project, in plan order (a printed page per 連携地域)."""
    report = make_report(model.plan, model.actuals, year, region, model.thresholds, edition=model.edition)
    groups: dict[str, dict[str, list[dict[str, str]]]] = {}
    for line in report.lines:
        groups.setdefault(line["region"], {}).setdefault(line["project"], []).append(line)
    data = {"title": report.title, "edition": report.edition, "note": report.note, "counts": report.counts,
            "late": [line["id"] for line in report.late], "kpis": report.lines}
    return Page(data, {"report": report, "columns": REPORT_COLUMNS, "year": year, "region": region,
                       "groups": [(name, list(projects.items())) for name, projects in groups.items()]})


def kpi_progress_json(model: Model, url_for: UrlFor, kid: str) -> dict[str, Any]:
    """A KPI's latest grade, as the JSON of a town, a KPI or an area gives it."""
    return {**grade_json(progress_row(model, kid).latest), "url": url_for("progress.api_kpi", kid=kid)}


# --- the map, a town, a project -----------------------------------------------------------------


def index_page(model: Model, url_for: UrlFor) -> Page:
    """``/``: the overview map with its switches; the data is every measure's counts per level."""
    data = model.memo(("api", "overview"), lambda: overview_json(model.atlas, model.plan))
    return Page(data, {
        "atlas": model.atlas, "plan": model.plan, "per_sub": model.atlas.codes_by_subprefecture(),
        "measures": measures(model.plan), "levels": LEVELS, "sub_counts": counts_by_subprefecture(model.plan),
    }, ("overview", DEFAULT_OVERVIEW))


def town_page(model: Model, url_for: UrlFor, code: str) -> Page:
    """``/town/<code>`` (a ward's code shows its city's projects under the ward's name)."""
    atlas, plan = model.atlas, model.plan
    m = atlas.municipality(code)
    projects = projects_for_municipality(plan, model.coverage, m)
    data = town_json(atlas, plan, model.coverage, m)
    # 推進管理: each KPI's latest grade and year, as the page shows it.
    kids = [kpi_id(p.id, i) for p in projects for i in range(len(p.kpis))]
    data["kpi_progress"] = {kid: kpi_progress_json(model, url_for, kid) for kid in kids}
    ward = atlas.ward(code)
    if ward is not None:
        data["ward"] = {"code": ward.code, "name": ward.name, "full_name": ward.full_name}
    return Page(data, {
        "town": m, "code6": with_check_digit(m.code), "ward": ward,
        "sub": atlas.hierarchy.subprefecture(m.subprefecture), "region": atlas.hierarchy.region(m.region),
        "region_plan": plan.region(m.region), "projects": projects,
        "unnamed": unnamed_projects(plan, m.region),
        "classes": change_classes(plan), "kpi_ids": {(e.project.id, e.index): e for e in kpi_entries(plan)},
        "families": families(plan),
    }, ("town", m.code))


def project_page(model: Model, url_for: UrlFor, pid: str) -> Page:
    """``/project/<id>``: coverage, 施策 and KPIs of one project."""
    p = model.plan.project(pid)
    entries = [e for e in kpi_entries(model.plan) if e.project.id == p.id]
    data = {**project_to_json(p, model.atlas), "kpi_ids": [e.id for e in entries]}
    return Page(data, {
        "project": p, "home": model.atlas.hierarchy.region(p.region), "entries": entries,
        "classes": change_classes(model.plan),
        "municipalities": {m.code: m for m in model.atlas.municipalities},
    }, ("project", p.id))


# --- KPIs ---------------------------------------------------------------------------------------


def kpi_index_page(model: Model, url_for: UrlFor) -> Page:
    """``/kpi``: every KPI with its planned change, and the families of shared indicators."""
    plan = model.plan
    fams = families(plan)
    fam_by_id = {e.id: key for key, es in fams.items() for e in es}
    data = {
        "classes": change_classes(plan).to_json(),
        "kpis": [kpi_json(e, fam_by_id.get(e.id)) for e in kpi_entries(plan)],
        "families": {key: [e.id for e in es] for key, es in fams.items()},
    }
    return Page(data, {"entries": kpi_entries(plan), "families": fams, "fam_by_id": fam_by_id,
                       "classes": change_classes(plan)})


def kpi_page(model: Model, url_for: UrlFor, kid: str) -> Page:
    """``/kpi/<id>``: one KPI, its planned change and its latest grade."""
    entry = kpi_entry(model.plan, kid)
    family = family_of(model.plan, entry)
    classes = change_classes(model.plan)
    data = {**kpi_json(entry, family), "class_color": classes.color(entry.percent),
            "progress": kpi_progress_json(model, url_for, entry.id)}
    return Page(data, {"entry": entry, "family": family, "classes": classes}, ("kpi", entry.id))


def family_page(model: Model, url_for: UrlFor, key: str) -> Page:
    """``/kpi/family/<指標>``: the KPIs of several projects that share one indicator."""
    entries = families(model.plan)[key]
    per_sub = {sub.short: [e for e in entries if sub.short in e.project.subprefectures]
               for sub in model.atlas.hierarchy.subprefectures}
    data = {"family": key, "kpis": [kpi_json(e, key) for e in entries]}
    return Page(data, {"key": key, "entries": entries, "per_sub": per_sub}, ("family", key))


# --- the planner's overlap, a 連携地域, a 振興局 -------------------------------------------------------


def overlap_page(model: Model, url_for: UrlFor) -> Page:
    """``/overlap``: 振興局 × 振興局 shared projects and the cross-region projects."""
    data = overlap_json(model.atlas, model.plan)
    return Page(data, {"projects": {p.id: p for p in model.plan.projects}},
                ("overlap", "hokkaido"))


def area_page(model: Model, url_for: UrlFor, area: Area) -> Page:
    """``/region/<id>`` and ``/subprefecture/<id>``: the area's plan, projects, KPIs and towns."""
    atlas, plan = model.atlas, model.plan
    kpis = area_kpis(plan, area)
    grades = {e.id: progress_row(model, e.id).latest for e in kpis}
    if area.kind == "region":
        data = region_json(atlas, plan, area.id, with_projects=True)
    else:
        data = subprefecture_json(atlas, plan, area.subprefectures[0].short, with_projects=True)
    data["area"] = area_json(atlas, plan, area, {kid: grade_json(ev) for kid, ev in grades.items()})
    return Page(data, {
        "area": area, "kind_label": KIND_LABELS[area.kind], "region_plan": plan.region(area.region.id),
        "reach": reaching(plan, area), "towns": area_municipalities(atlas, area),
        "northern": area_northern_territories(atlas, area), "kpis": kpis, "grades": grades,
        "classes": change_classes(plan),
    }, (area.kind, area.id))


# --- 推進管理 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressQuery:
    """What ``/progress`` shows: the year and level of its map, the table's filters and order
    (all checked by the view: a 連携地域 id, a 振興局 short name, a known sort key)."""

    year: int
    level: str = "subprefectures"
    region: str | None = None
    sub: str | None = None
    sort: str = "region"
    desc: bool = False


def region_names(model: Model) -> dict[str, str]:
    return {r.id: r.name for r in model.plan.regions}


def progress_table(model: Model, q: ProgressQuery) -> list:
    """The 推進管理 rows ``q`` shows, filtered and sorted (the page's table, its JSON and CSV)."""
    ranks = {r.id: i for i, r in enumerate(model.atlas.hierarchy.regions)}
    return sort_rows(filter_rows(progress_rows(model), q.region, q.sub), q.sort, q.desc, ranks)


def progress_page(model: Model, url_for: UrlFor, q: ProgressQuery) -> Page:
    """``/progress``: every KPI's grade for the yearly review, and the areas' map for ``q.year``."""
    shown = progress_table(model, q)
    grades = year_grades(model, q.year)
    data = progress_json(model.plan, model.actuals, model.thresholds, shown, region_names(model))
    data["year"] = q.year
    data["years"] = progress_years(model)
    data["areas"] = summaries_json(model.plan, grades)
    data = progress_with_period(data, model.edition)  # each listed year: in the period or not
    h = model.atlas.hierarchy
    area_names = ({x.short: x.name for x in h.subprefectures} if q.level == "subprefectures"
                  else {r.id: r.full_name for r in h.regions})
    return Page(data, {
        "rows": shown, "total": len(progress_rows(model)), "actuals": model.actuals, "sort": q.sort,
        "desc": q.desc, "region": q.region, "sub": q.sub, "year": q.year, "years": progress_years(model),
        "level": q.level, "summaries": area_summaries(model.plan, grades)[q.level], "area_names": area_names,
        "thresholds": model.thresholds, "regions": model.plan.regions,
        "levels": PROGRESS_LEVELS, "grades": GRADES,
    }, ("progress", f"{q.level}.{q.year}"))


def progress_kpi_page(model: Model, url_for: UrlFor, kid: str) -> Page:
    """``/progress/kpi/<id>``: one KPI's trend (base, expected, actuals, target) and its grade map."""
    if kid not in plan_kpis(model.plan):
        raise KeyError(kid)
    row = progress_row(model, kid)
    data = {**trend_json(row, model.thresholds, edition=model.edition),
            "status": NO_ACTUALS if not row.records else "ok"}
    return Page(data, {"kid": kid}, ("kpi-progress", kid))
