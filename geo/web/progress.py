"""推進管理 pages: ``/progress`` (table + map), its JSON / CSV / embed twins, a KPI's progress page.

Everything is computed from the app's immutable state (plan, actuals, thresholds) and memoized
there; no request reads a file. With no actuals every screen says 実績未登録.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup

from geo.atlas.sources import CREDIT
from geo.plan.actuals import FY_MAX, FY_MIN, fiscal_label, plan_kpis, template_years
from geo.plan.kpi import parse_unit
from geo.plan.progress import (
    GRADE_LABEL,
    GRADE_SYMBOL,
    GRADES,
    NO_ACTUALS,
    Evaluation,
    KpiProgress,
    area_summaries,
    grades_for_year,
    plan_progress,
    value_text,
)
from geo.render import progress_maps
from geo.render.maps import MapView
from geo.render.progress import (
    GRADE_COLORS,
    SORT_KEYS,
    build_report,
    filter_rows,
    grade_json,
    kpi_text,
    progress_csv,
    progress_json,
    rate_text,
    sort_rows,
    summaries_json,
    trend_json,
)
from geo.render.trend import trend_svg
from geo.web import pages
from geo.web.caching import page_query
from geo.web.state import State, state

bp = Blueprint("progress", __name__)


# --- state-derived, memoized ---------------------------------------------------------------


def rows(s: State) -> tuple[KpiProgress, ...]:
    return s.memo(("progress-rows",), lambda: plan_progress(s.plan, s.actuals, s.thresholds))


def row(s: State, kid: str) -> KpiProgress:
    """One KPI's row by id (a town's JSON asks for each of its KPIs: a lookup, not a scan)."""
    by_id = s.memo(("progress-rows-by-id",), lambda: {r.id: r for r in rows(s)})
    return by_id[kid]


def years(s: State) -> list[int]:
    return sorted(set(template_years(s.plan)) | {a.fiscal_year for a in s.actuals.records})


def default_year(s: State) -> int:
    """The newest year with an actual; without any, the last target year."""
    return max((a.fiscal_year for a in s.actuals.records), default=years(s)[-1])


def grades(s: State, year: int) -> dict[str, Evaluation]:
    return s.memo(("progress-grades", year), lambda: grades_for_year(s.plan, s.actuals, year, s.thresholds))


def region_names(s: State) -> dict[str, str]:
    return {r.id: r.name for r in s.plan.regions}


def _arg(name: str, default: str | None = None) -> str | None:
    """One query parameter; given twice is a 400, not a silent pick."""
    values = request.args.getlist(name)
    if len(values) > 1:
        abort(400, f"{name}: give it once, not {len(values)} times")
    return values[0] if values else default


def _year_arg(s: State) -> int:
    raw = _arg("year")
    if raw is None or raw == "":
        return default_year(s)
    if not raw.isdigit() or not FY_MIN <= int(raw) <= FY_MAX:
        abort(400, f"year: a fiscal year {FY_MIN}–{FY_MAX} (e.g. {default_year(s)}), not {raw[:20]!r}")
    return int(raw)


def _level_arg() -> str:
    level = _arg("level", "subprefectures")
    if level not in progress_maps.PROGRESS_LEVELS:
        abort(400, f"level: must be one of {', '.join(progress_maps.PROGRESS_LEVELS)}, not {level!r}")
    return level


def _filters(s: State) -> tuple[str | None, str | None]:
    region = _arg("region") or None
    sub = _arg("sub") or None
    if region and region not in region_names(s):
        abort(400, f"region: no 連携地域 {region!r} (known: {', '.join(region_names(s))})")
    if sub:
        try:
            sub = s.atlas.hierarchy.subprefecture(sub).short
        except KeyError:
            abort(400, f"sub: no 振興局 {sub!r}")
    return region, sub


def _sorted(s: State) -> tuple[list[KpiProgress], str, bool]:
    key = _arg("sort", "region")
    if key not in SORT_KEYS:
        abort(400, f"sort: must be one of {', '.join(SORT_KEYS)}, not {key!r}")
    order = _arg("order", "asc")
    if order not in ("asc", "desc"):
        abort(400, f"order: must be asc or desc, not {order!r}")
    region, sub = _filters(s)
    ranks = {r.id: i for i, r in enumerate(s.atlas.hierarchy.regions)}
    return sort_rows(filter_rows(rows(s), region, sub), key, order == "desc", ranks), key, order == "desc"


# --- maps (registered with pages' map scripts) ----------------------------------------------------


def _area_arg(s: State, arg: str) -> str:
    """``subprefectures.2021``: a level and a fiscal year; the one spelling (no 02021)."""
    level, _, year = arg.partition(".")
    if level not in progress_maps.PROGRESS_LEVELS or not year.isdigit() or not FY_MIN <= int(year) <= FY_MAX:
        raise KeyError(arg)
    return f"{level}.{int(year)}"


def _area_map(s: State, arg: str, embed: bool) -> MapView:
    level, _, year = _area_arg(s, arg).partition(".")
    summaries = area_summaries(s.plan, grades(s, int(year)))[level]
    links = (
        {k: url_for("progress.index", sub=k) for k in summaries}
        if level == "subprefectures"
        else {k: url_for("progress.index", region=k) for k in summaries}
    )
    return progress_maps.area_progress_map(pages._context(s), level, int(year), summaries, links, embed=embed)


def _kpi_arg(s: State, kid: str) -> str:
    row(s, kid)  # KeyError for an unknown KPI
    return kid


def _kpi_map(s: State, kid: str, embed: bool) -> MapView:
    r = row(s, kid)
    return progress_maps.kpi_progress_map(pages._context(s), kid, r.project, r.latest, embed=embed)


pages.MAP_BUILDERS["progress"] = (_area_arg, _area_map)
pages.MAP_BUILDERS["kpi-progress"] = (_kpi_arg, _kpi_map)


# --- helpers for other pages' templates (/kpi/<id>, /town/<code>) ---------------------------------


def grade_badge(ev: Evaluation, *, with_year: bool = True) -> Markup:
    """``◎ 達成（R1・最終）``: symbol and words, the colour only as a swatch beside them."""
    when = ""
    if with_year and ev.year is not None:
        when = f"（{fiscal_label(ev.year).split('(')[0]}{'・最終' if ev.final else ''}）"
    text = f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade] if ev.year is not None else NO_ACTUALS}{when}"
    return Markup(
        '<span class="grade" data-grade="{g}"><span class="swatch" style="background:{c}" '
        'aria-hidden="true"></span>{t}</span>'
    ).format(g=ev.grade, c=GRADE_COLORS[ev.grade], t=text)


def trend_block(kid: str) -> dict[str, Any]:
    s = state()
    r = row(s, kid)
    data = trend_json(r, s.thresholds)
    _, factor = parse_unit(r.kpi.unit_as_written)
    unit = r.kpi.unit_as_written
    title = f"{kpi_text(r.kpi)}の推移（基準値・見込み・実績・目標値）"
    svg = s.memo(("trend-svg", kid), lambda: trend_svg(data, title, factor, unit, ident=f"trend-{kid}"))
    return {"row": r, "data": data, "svg": Markup(svg), "factor": factor, "unit": unit}


def kpi_progress_json(kid: str) -> dict[str, Any]:
    """A KPI's latest grade for other JSON twins (/api/kpis/<id>, /api/municipalities/<code>)."""
    s = state()
    return {**grade_json(row(s, kid).latest), "url": url_for("progress.api_kpi", kid=kid)}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def kpi_progress(kid: str) -> Evaluation:
        return row(state(), kid).latest

    return {
        "kpi_progress": kpi_progress,
        "grade_badge": grade_badge,
        "trend_block": trend_block,
        "rate_text": rate_text,
        "NO_ACTUALS": NO_ACTUALS,
        "value_text": value_text,
        "value_in_unit": value_in_unit,
    }


def value_in_unit(value: float | None, factor: int, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value / factor:,.2f}".rstrip("0").rstrip(".") + unit


# --- pages ------------------------------------------------------------------------------------


# Which parameters a link carries: the table's sort links keep the filters, the map's switches
# keep each other. Few combinations, so a static export (which follows links) stays small.
_LINK_KEEPS = {"sort": ("region", "sub"), "year": ("level",), "level": ("year",)}


def _query(**changes: Any) -> str:
    (kind,) = [k for k in _LINK_KEEPS if k in changes]
    keep = {k: request.args.get(k) for k in _LINK_KEEPS[kind]}
    args = {**keep, **changes}
    return url_for("progress.index", **{k: v for k, v in args.items() if v not in (None, "")})


@bp.get("/progress")
@page_query("level")
def index() -> str:
    s = state()
    shown, key, desc = _sorted(s)
    year, level = _year_arg(s), _level_arg()
    region, sub = _filters(s)
    summaries = area_summaries(s.plan, grades(s, year))
    arg = f"{level}.{year}"
    return pages._render(
        "progress.html",
        rows=shown,
        total=len(rows(s)),
        actuals=s.actuals,
        sort=key,
        desc=desc,
        region=region,
        sub=sub,
        year=year,
        years=years(s),
        level=level,
        levels=progress_maps.PROGRESS_LEVELS,
        summaries=summaries[level],
        area_names=_area_names(s, level),
        fiscal_label=fiscal_label,
        map=pages.map_block("progress", arg),
        grades=GRADES,
        grade_label=GRADE_LABEL,
        grade_symbol=GRADE_SYMBOL,
        grade_colors=GRADE_COLORS,
        query=_query,
        thresholds=s.thresholds,
        regions=s.plan.regions,
        kpi_text=kpi_text,
        share_text=progress_maps.share_text,
        json_url=url_for("progress.api", **request.args.to_dict()),
        csv_url=url_for("progress.csv_file", **request.args.to_dict()),
        embed_url=url_for("progress.embed", level=level, year=year),
        embed_title=f"KPI の進捗（{progress_maps.PROGRESS_LEVELS[level]}・{fiscal_label(year)}年度）",
    )


def _area_names(s: State, level: str) -> dict[str, str]:
    h = s.atlas.hierarchy
    if level == "subprefectures":
        return {x.short: x.name for x in h.subprefectures}
    return {r.id: r.full_name for r in h.regions}


@bp.get("/api/progress")
@page_query("level")
def api() -> dict:
    s = state()
    shown, _, _ = _sorted(s)
    year, _ = _year_arg(s), _level_arg()
    out = progress_json(s.plan, s.actuals, s.thresholds, shown, region_names(s))
    out["year"] = year
    out["years"] = years(s)
    out["areas"] = summaries_json(s.plan, grades(s, year))
    return out


@bp.get("/progress.csv")
def csv_file() -> Response:
    s = state()
    shown, _, _ = _sorted(s)
    body = progress_csv(shown, region_names(s)).encode("utf-8")
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=progress.csv"}
    )


@bp.get("/embed/progress")
@page_query("level")
def embed() -> str:
    s = state()
    year, level = _year_arg(s), _level_arg()
    block = pages.map_block("progress", f"{level}.{year}", True)
    title = f"KPI の進捗（{progress_maps.PROGRESS_LEVELS[level]}・{fiscal_label(year)}年度）"
    return render_template(
        "embed.html",
        map=block,
        title=title,
        back=url_for("progress.index", level=level, year=year),
        credit=CREDIT,
    )


@bp.get("/progress/kpi/<kid>")
def kpi(kid: str) -> str:
    s = state()
    if kid not in plan_kpis(s.plan):
        abort(404, f"no KPI {kid!r}")
    block = trend_block(kid)
    return pages._render(
        "progress_kpi.html",
        kid=kid,
        t=block,
        map=pages.map_block("kpi-progress", kid),
        json_url=url_for("progress.api_kpi", kid=kid),
        value_in_unit=value_in_unit,
        kpi_text=kpi_text,
        embed_url=url_for("progress.embed_kpi", kid=kid),
        embed_title=f"KPI の評価：{kpi_text(block['row'].kpi)}",
    )


@bp.get("/embed/progress/kpi/<kid>")
def embed_kpi(kid: str) -> str:
    s = state()
    if kid not in plan_kpis(s.plan):
        abort(404, f"no KPI {kid!r}")
    block = pages.map_block("kpi-progress", kid, True)
    return render_template(
        "embed.html",
        map=block,
        title=f"KPI {kid} の評価",
        back=url_for("progress.kpi", kid=kid),
        credit=CREDIT,
    )


@bp.get("/api/progress/kpi/<kid>")
def api_kpi(kid: str) -> dict:
    s = state()
    try:
        r = row(s, kid)
    except KeyError:
        abort(404, f"id: no KPI {kid!r}")
    return {**trend_json(r, s.thresholds), "status": NO_ACTUALS if not r.records else "ok"}


@bp.get("/print/progress/<level>.<int:year>.<fmt>")
def print_map(level: str, year: int, fmt: str) -> Response:
    """The progress map as PNG or SVG for reports and slides (matplotlib, drawn on demand)."""
    from geo.render.printing.progress import progress_print
    from geo.render.printing.style import MEDIA_TYPES
    from geo.web.printing import draw_in_slot

    s = state()
    if level not in progress_maps.PROGRESS_LEVELS or fmt not in MEDIA_TYPES or not FY_MIN <= year <= FY_MAX:
        abort(404)
    key = ("progress-print", level, year, fmt)  # all canonical: level and fmt checked, year an int
    body = s.maps.get(key)
    if body is None:  # drawn in a bounded slot like every print; kept in the app's bounded memo
        summaries = area_summaries(s.plan, grades(s, year))[level]
        drawn = draw_in_slot(lambda: progress_print(s.atlas, level, year, summaries, fmt))  # type: ignore[arg-type]
        if isinstance(drawn, Response):
            return drawn
        body = s.maps.put(key, drawn)
    name = f"progress-{level}-{year}.{fmt}"
    return Response(
        body, mimetype=MEDIA_TYPES[fmt], headers={"Content-Disposition": f"inline; filename={name}"}
    )


@bp.get("/progress/report")
def report_html() -> Response:
    """The 連携会議 material (as ``hokkaido-map progress report --format html``), for printing."""
    s = state()
    year = _year_arg(s)
    region, _ = _filters(s)
    body = build_report(s.plan, s.actuals, year, region, s.thresholds, "html")
    return Response(body, mimetype="text/html")


@bp.get("/progress/kpi/<kid>.svg")
def trend_file(kid: str) -> Response:
    """The trend chart alone, for reports and slides."""
    s = state()
    if kid not in plan_kpis(s.plan):
        abort(404, f"no KPI {kid!r}")
    return Response(str(trend_block(kid)["svg"]), mimetype="image/svg+xml")
