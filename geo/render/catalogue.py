"""The built-in map kinds (地図の種類), registered in the order the printer and export list them.

Each kind is one :class:`~geo.render.kinds.MapKind`: the builder and drawer it uses, its title, its
subjects and where the web layer serves it. :func:`builtin_kinds` returns a fresh registry, so an
app (or a test) can register more without touching anyone else's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.plan.actuals_model import plan_kpis
from geo.plan.fiscal import fiscal_label
from geo.plan.progress import area_summaries
from geo.render import maps, progress_maps
from geo.render.area_maps import area_map
from geo.render.areas import all_areas, find_area, reaching
from geo.render.kinds import MapEnv, MapKind, MapKinds, PrintSpec, Route
from geo.render.model import Model, progress_row, progress_years, year_grades
from geo.render.views import (
    DEFAULT_OVERVIEW,
    LEVEL_LABELS,
    LEVELS,
    families,
    kpi_entries,
    kpi_entry,
    measures,
    overview_arg,
    parse_overview_arg,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matplotlib.axes import Axes

    from geo.render.printing.levels import Sources


def _levels():  # type: ignore[no-untyped-def]
    # matplotlib is imported by what prints, never by a request that only serves pages.
    from geo.render.printing import levels

    return levels


def _printer_route(prefix: str) -> Route:
    """Maps the :class:`~geo.render.printing.Printer` draws: ``/print/<prefix>-<subject>.<fmt>``."""
    return Route("printing.map_file", lambda subject: {"map_id": f"{prefix}-{subject}"})


def town_links(env: MapEnv) -> dict[str, str]:
    """Every municipality's page (北方領土 too), by code: what a click on a town opens."""
    atlas = env.model.atlas
    return {m.code: env.url_for("pages.town", code=m.code)
            for m in (*atlas.municipalities, *atlas.northern_territories)}


def area_links(env: MapEnv) -> dict[str, str]:
    """Every municipality (by code) and 振興局 (by short name) page: an area map's clicks."""
    subs = env.model.atlas.hierarchy.subprefectures
    return town_links(env) | {x.short: env.url_for("areas.subprefecture", key=x.id) for x in subs}


# --- 北海道 overview: a level × a measure -------------------------------------------------------


def _overview_parts(subject: str) -> tuple[str, str]:
    """A canonical overview subject → (level, measure) without the plan (for URL values)."""
    if subject == DEFAULT_OVERVIEW:
        return "municipalities", "all"
    level, _, measure = subject.partition(".")
    return level, measure.replace("region-", "region:", 1)


def _overview_embed_values(subject: str) -> dict[str, str]:
    level, measure = _overview_parts(subject)
    return {} if subject == DEFAULT_OVERVIEW else {"level": level, "measure": measure}


def _overview_title(model: Model, subject: str) -> str:
    level, measure = parse_overview_arg(model.plan, subject)
    return f"北海道 地域政策マップ：{dict(measures(model.plan))[measure]}（{LEVEL_LABELS[level]}別）"


def _overview_canonical(model: Model, subject: str) -> str:
    parse_overview_arg(model.plan, subject)
    return subject


def _overview_build(env: MapEnv, subject: str, embed: bool) -> maps.MapView:
    level, measure = parse_overview_arg(env.model.plan, subject)
    return maps.overview_map(env.context, town_links(env), embed=embed, level=level, measure=measure)


def _overview_prints(model: Model) -> Iterable[PrintSpec]:
    stated = {
        "municipalities": "各市町村に及ぶプロジェクトの数（179市町村）",
        "subprefectures": "各振興局を対象に含むプロジェクトの数（14振興局）",
        "regions": "各連携地域の振興局に及ぶプロジェクトの数（6連携地域）",
    }
    for level in LEVELS:
        yield PrintSpec(f"overview-{level}", f"地域重点政策ユニット：{LEVEL_LABELS[level]}別プロジェクト数",
                        stated[level], subject=overview_arg(model.plan, level, "all"))


def _overview_draw(src: Sources, ax: Axes, subject: str) -> None:
    _levels().draw_counts(src, ax, _overview_parts(subject)[0])


OVERVIEW = MapKind(
    name="overview",
    title=_overview_title,
    canonical=_overview_canonical,
    subjects=lambda model: [overview_arg(model.plan, lv, ms)
                            for lv in LEVELS for ms, _ in measures(model.plan)],
    build=_overview_build,
    page=Route("pages.index"),
    embed=Route("embed.index", _overview_embed_values),
    api=Route("api.overview"),
    print=Route("printing.map_file", lambda subject: {"map_id": f"overview-{_overview_parts(subject)[0]}"}),
    prints=_overview_prints,
    draw=_overview_draw,
)


# --- the planner's overlap map ------------------------------------------------------------------

OVERLAP_SUBJECT = "hokkaido"


def _only_overlap(model: Model, subject: str) -> str:
    if subject != OVERLAP_SUBJECT:
        raise KeyError(subject)
    return subject


OVERLAP = MapKind(
    name="overlap",
    title=lambda model, subject: "プロジェクトの重なり（振興局・連携地域）",
    canonical=_only_overlap,
    subjects=lambda model: [OVERLAP_SUBJECT],
    build=lambda env, subject, embed: maps.overlap_map(env.context, embed=embed),
    page=Route("pages.overlap"),
    embed=Route("embed.overlap"),
    api=Route("api.overlap"),
    print=Route("printing.map_file", lambda subject: {"map_id": "overlap"}),
    prints=lambda model: [PrintSpec("overlap", "複数の振興局にまたがるプロジェクト",
                                    "振興局別の数と、連携地域をまたぐプロジェクトの範囲",
                                    subject=OVERLAP_SUBJECT)],
    draw=lambda src, ax, subject: _levels().draw_overlap(src, ax),
)


# --- a project, a KPI, a KPI family -------------------------------------------------------------

PROJECT = MapKind(
    name="project",
    title=lambda model, pid: model.plan.project(pid).name,
    canonical=lambda model, pid: model.plan.project(pid).id,
    subjects=lambda model: [p.id for p in model.plan.projects],
    build=lambda env, pid, embed: maps.project_map(env.context, env.model.plan.project(pid), embed=embed),
    page=Route("pages.project", lambda pid: {"pid": pid}),
    embed=Route("embed.project", lambda pid: {"pid": pid}),
    api=Route("api.project", lambda pid: {"pid": pid}),
    print=_printer_route("project"),
    prints=lambda model: [PrintSpec(f"project-{p.id}", p.name, f"対象：{p.coverage_label}", subject=p.id)
                          for p in model.plan.projects],
    draw=lambda src, ax, pid: _levels().draw_coverage(src, ax, pid, None),
)


def _kpi_title(model: Model, kid: str) -> str:
    entry = kpi_entry(model.plan, kid)
    return f"KPI：{entry.kpi.title} — {entry.project.name}"


def _kpi_draw(src: Sources, ax: Axes, kid: str) -> None:
    pid, _, number = kid.rpartition("-")
    _levels().draw_coverage(src, ax, pid, int(number))


KPI = MapKind(
    name="kpi",
    title=_kpi_title,
    canonical=lambda model, kid: kpi_entry(model.plan, kid).id,
    subjects=lambda model: [e.id for e in kpi_entries(model.plan)],
    build=lambda env, kid, embed: maps.kpi_map(env.context, kpi_entry(env.model.plan, kid), embed=embed),
    page=Route("pages.kpi", lambda kid: {"kid": kid}),
    embed=Route("embed.kpi", lambda kid: {"kid": kid}),
    api=Route("api.kpi", lambda kid: {"kid": kid}),
    print=_printer_route("kpi"),
    prints=lambda model: [PrintSpec(f"kpi-{e.id}", e.kpi.indicator, e.project.name, subject=e.id)
                          for e in kpi_entries(model.plan)],
    draw=_kpi_draw,
)


def _family_canonical(model: Model, key: str) -> str:
    if key not in families(model.plan):
        raise KeyError(key)
    return key


def _family_prints(model: Model) -> Iterable[PrintSpec]:
    for key, entries in families(model.plan).items():
        projects = len({e.project.id for e in entries})
        yield PrintSpec(f"family-{key}", f"指標「{key}」のKPIの重なり",
                        f"{len(entries)}件のKPI（{projects}プロジェクト）の対象振興局", subject=key)


FAMILY = MapKind(
    name="family",
    title=lambda model, key: f"KPI「{key}」の比較",
    canonical=_family_canonical,
    subjects=lambda model: list(families(model.plan)),
    build=lambda env, key, embed: maps.family_map(env.context, key, embed=embed),
    page=Route("pages.kpi_family", lambda key: {"key": key}),
    embed=Route("embed.family", lambda key: {"key": key}),
    api=Route("api.kpi_family", lambda key: {"key": key}),
    print=_printer_route("family"),
    prints=_family_prints,
    draw=lambda src, ax, key: _levels().draw_family(src, ax, families(src.plan)[key]),
)


# --- a town, a 連携地域, a 振興局 -------------------------------------------------------------------


def _town_prints(model: Model) -> Iterable[PrintSpec]:
    hierarchy = model.atlas.hierarchy
    for m in model.atlas.municipalities:
        n = len(model.coverage.by_municipality.get(m.code, ()))
        sub = hierarchy.subprefecture(m.subprefecture).name
        yield PrintSpec(f"town-{m.code}", f"{m.full_name}に及ぶプロジェクト",
                        f"{sub}・このまちに及ぶ{n}件のプロジェクトの範囲", subject=m.code)


TOWN = MapKind(
    name="town",
    title=lambda model, code: f"{model.atlas.municipality(code).full_name}に及ぶプロジェクト",
    canonical=lambda model, code: model.atlas.municipality(code).code,
    subjects=lambda model: [m.code for m in model.atlas.municipalities],
    build=lambda env, code, embed: maps.town_map(env.context, env.model.atlas.municipality(code),
                                                 embed=embed),
    page=Route("pages.town", lambda code: {"code": code}),
    embed=Route("embed.town", lambda code: {"code": code}),
    api=Route("api.municipality", lambda code: {"code": code}),
    print=_printer_route("town"),
    prints=_town_prints,
    draw=lambda src, ax, code: _levels().draw_town(src, ax, code),
)


def area_kind(kind: str, arg: str, api_endpoint: str) -> MapKind:
    """The map of one 連携地域 (``region``) or 振興局 (``subprefecture``) page; ``arg`` is the URL
    argument's name (``rid`` / ``key``)."""

    def prints(model: Model) -> Iterable[PrintSpec]:
        for area in all_areas(model.atlas):
            if area.kind == kind:
                n = len(reaching(model.plan, area))
                yield PrintSpec(f"{kind}-{area.id}", f"{area.name}に及ぶプロジェクト",
                                f"振興局別の件数（名前のあるプロジェクト{n}件）", subject=area.id)

    return MapKind(
        name=kind,
        title=lambda model, key: f"{find_area(model.atlas, kind, key).name}の地図",
        canonical=lambda model, key: find_area(model.atlas, kind, key).id,
        subjects=lambda model: [a.id for a in all_areas(model.atlas) if a.kind == kind],
        build=lambda env, key, embed: area_map(env.context, find_area(env.model.atlas, kind, key),
                                               embed=embed, links=area_links(env)),
        page=Route(f"areas.{kind}", lambda key: {arg: key}),
        embed=Route(f"embed.{kind}", lambda key: {arg: key}),
        api=Route(api_endpoint, lambda key: {arg: key}),
        print=_printer_route(kind),
        prints=prints,
        draw=lambda src, ax, key: _levels().draw_area(src, ax, kind, key),
    )


# --- 推進管理: the areas' progress in a year, one KPI's grade --------------------------------------


def progress_subject(subject: str) -> tuple[str, int]:
    """``subprefectures.2021`` → (level, fiscal year); KeyError for anything else."""
    from geo.plan.fiscal import FY_MAX, FY_MIN

    level, _, year = subject.partition(".")
    if level not in progress_maps.PROGRESS_LEVELS or not year.isdigit() or not FY_MIN <= int(year) <= FY_MAX:
        raise KeyError(subject)
    return level, int(year)


def _progress_values(subject: str) -> dict[str, object]:
    level, year = progress_subject(subject)
    return {"level": level, "year": year}


def _progress_title(model: Model, subject: str) -> str:
    level, year = progress_subject(subject)
    return f"KPI の進捗（{progress_maps.PROGRESS_LEVELS[level]}・{fiscal_label(year)}年度）"


def _progress_build(env: MapEnv, subject: str, embed: bool) -> maps.MapView:
    level, year = progress_subject(subject)
    summaries = area_summaries(env.model.plan, year_grades(env.model, year))[level]
    arg = "sub" if level == "subprefectures" else "region"
    links = {k: env.url_for("progress.index", **{arg: k}) for k in summaries}
    return progress_maps.area_progress_map(env.context, level, year, summaries, links, embed=embed,
                                           edition=env.model.edition)


def _progress_canonical(model: Model, subject: str) -> str:
    level, year = progress_subject(subject)
    return f"{level}.{year}"  # the one spelling: no 02021


PROGRESS = MapKind(
    name="progress",
    title=_progress_title,
    canonical=_progress_canonical,
    subjects=lambda model: [f"{lv}.{y}" for lv in progress_maps.PROGRESS_LEVELS
                            for y in progress_years(model)],
    build=_progress_build,
    page=Route("progress.index", _progress_values),
    embed=Route("progress.embed", _progress_values),
    api=Route("progress.api", _progress_values),
    print=Route("progress.print_map", _progress_values),
)


def _kpi_progress_build(env: MapEnv, kid: str, embed: bool) -> maps.MapView:
    row = progress_row(env.model, kid)
    return progress_maps.kpi_progress_map(env.context, kid, row.project, row.latest, embed=embed)


def _kpi_progress_canonical(model: Model, kid: str) -> str:
    progress_row(model, kid)  # KeyError for an unknown KPI
    return kid


KPI_PROGRESS = MapKind(
    name="kpi-progress",
    title=lambda model, kid: f"KPI の評価：{progress_row(model, kid).kpi.title}",
    canonical=_kpi_progress_canonical,
    subjects=lambda model: list(plan_kpis(model.plan)),
    build=_kpi_progress_build,
    page=Route("progress.kpi", lambda kid: {"kid": kid}),
    embed=Route("progress.embed_kpi", lambda kid: {"kid": kid}),
    api=Route("progress.api_kpi", lambda kid: {"kid": kid}),
    print=Route("progress.print_kpi", lambda kid: {"kid": kid}),
)


def builtin_kinds() -> MapKinds:
    """A fresh registry of the site's map kinds (the printer's order: overviews, overlap, projects,
    KPIs, KPI families, towns, 連携地域, 振興局; then the 推進管理 maps, drawn on request)."""
    return MapKinds([
        OVERVIEW, OVERLAP, PROJECT, KPI, FAMILY, TOWN,
        area_kind("region", "rid", "api.region"),
        area_kind("subprefecture", "key", "api.subprefecture"),
        PROGRESS, KPI_PROGRESS,
    ])
