"""推進管理 pages: ``/progress`` (table + map), its JSON / CSV / embed twins, a KPI's progress page.

Everything is computed from the app's immutable model (plan, actuals, thresholds) and memoized
there (:mod:`geo.render.model`); no request reads a file. With no actuals every screen says
実績未登録. The page and its JSON twin are one data function (:mod:`geo.render.pages`), which
also marks the edition's period: every fiscal year says whether it is in it (``in_period``,
「対象期間外」), and the report and the CSV name the edition.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for

from geo.plan.actuals_model import plan_kpis
from geo.plan.edition import period_label
from geo.plan.fiscal import FY_MAX, FY_MIN, parse_fiscal_year
from geo.plan.progress import area_summaries
from geo.render import pages as data
from geo.render import progress_maps
from geo.render.model import default_year, progress_row, year_grades
from geo.render.pages import ProgressQuery, progress_table, region_names
from geo.render.progress import (
    SORT_KEYS,
    in_period,
    progress_csv,
)
from geo.web.caching import page_query
from geo.web.error_pages import no_such
from geo.web.errors import fail
from geo.web.state import State, state
from geo.web.templating import render_embed, render_page, trend_block

bp = Blueprint("progress", __name__)


def _arg(name: str, default: str | None = None) -> str | None:
    """One query parameter; given twice is a 400, not a silent pick."""
    values = request.args.getlist(name)
    if len(values) > 1:
        fail(400, f"{name}: give it once, not {len(values)} times",
             f"「{name}」が {len(values)} 回指定されています。1 回だけにしてください。")
    return values[0] if values else default


def _year_arg(s: State) -> int:
    """The ``year`` asked for, in any form the document and the importer use (2019, R1, R元,
    令和元年度, H26, full-width digits); another form than the plain number is a 308 to it, so
    one URL answers each year (caches never hold the other spellings)."""
    raw = _arg("year")
    if raw is None or raw == "":
        return default_year(s)
    try:
        year = parse_fiscal_year(raw[:20])
    except ValueError:
        fail(400, f"year: a fiscal year like 2019, R1, R元, 令和元年度 or H26 ({FY_MIN}–{FY_MAX}), "
                  f"not {raw[:20]!r}",
             f"年度「{raw[:20]}」は読めません。2019、R1、R元、令和元年度、H26 のように書いてください"
             f"（{FY_MIN}〜{FY_MAX}年度）。")
    if raw != str(year):
        args = {**(request.view_args or {}), **request.args.to_dict(), "year": str(year)}
        abort(redirect(url_for(request.endpoint or "progress.index", **args), 308))
    return year


def _level_arg() -> str:
    level = _arg("level", "subprefectures")
    if level not in progress_maps.PROGRESS_LEVELS:
        fail(400, f"level: must be one of {', '.join(progress_maps.PROGRESS_LEVELS)}, not {level!r}",
             f"表示の単位（level）「{level}」は使えません。"
             f"使えるのは {'、'.join(progress_maps.PROGRESS_LEVELS)} です。")
    return level


def _filters(s: State) -> tuple[str | None, str | None]:
    region = _arg("region") or None
    sub = _arg("sub") or None
    if region and region not in region_names(s):
        fail(400, f"region: no 連携地域 {region!r} (known: {', '.join(region_names(s))})",
             f"連携地域「{region}」はありません。使えるのは {'、'.join(region_names(s))} です。")
    if sub:
        try:
            sub = s.atlas.hierarchy.subprefecture(sub).short
        except KeyError:
            fail(400, f"sub: no 振興局 {sub!r}", f"振興局「{sub}」はありません。")
    return region, sub


def _query(s: State) -> ProgressQuery:
    """The request's table order, filters, year and level, each checked (400 naming the bad one)."""
    key = _arg("sort", "region")
    if key not in SORT_KEYS:
        fail(400, f"sort: must be one of {', '.join(SORT_KEYS)}, not {key!r}",
             f"並べ替え（sort）「{key}」は使えません。表の見出しから並べ替えてください。")
    order = _arg("order", "asc")
    if order not in ("asc", "desc"):
        fail(400, f"order: must be asc or desc, not {order!r}",
             f"並べ替えの向き（order）は asc（昇順）か desc（降順）です。「{order}」は使えません。")
    region, sub = _filters(s)
    return ProgressQuery(year=_year_arg(s), level=_level_arg(), region=region, sub=sub, sort=key,
                         desc=order == "desc")


def _known_kpi(kid: str) -> None:
    if kid not in plan_kpis(state().plan):
        fail(404, f"no KPI {kid!r}", no_such("ID の KPI", kid))


def _trend(kid: str) -> dict[str, Any]:
    """A KPI's trend block (:func:`geo.web.templating.trend_block`: each year's ``in_period``,
    the years outside the period shaded on the chart) and the period's label."""
    s = state()
    return {**trend_block(kid), "period_label": period_label(s.edition) if s.edition else None}


def kpi_progress_json(kid: str) -> dict[str, Any]:
    """A KPI's latest grade for other JSON twins (/api/kpis/<id>, /api/municipalities/<code>)."""
    return data.kpi_progress_json(state(), url_for, kid)


# --- pages ------------------------------------------------------------------------------------


# Which parameters a link carries: the table's sort links keep the filters, the map's switches
# keep each other. Few combinations, so a static export (which follows links) stays small.
_LINK_KEEPS = {"sort": ("region", "sub"), "year": ("level",), "level": ("year",)}


def _link(**changes: Any) -> str:
    (kind,) = [k for k in _LINK_KEEPS if k in changes]
    keep = {k: request.args.get(k) for k in _LINK_KEEPS[kind]}
    args = {**keep, **changes}
    return url_for("progress.index", **{k: v for k, v in args.items() if v not in (None, "")})


@bp.get("/progress")
@page_query("level")
def index() -> str:
    s = state()
    page = data.progress_page(s, url_for, _query(s))
    args = request.args.to_dict()
    return render_page("progress.html", page, prints=(), query=_link, in_period=partial(in_period, s.edition),
                       json_url=url_for("progress.api", **args), csv_url=url_for("progress.csv_file", **args))


@bp.get("/api/progress")
@page_query("level")
def api() -> dict:
    s = state()
    return data.progress_page(s, url_for, _query(s)).data


@bp.get("/progress.csv")
def csv_file() -> Response:
    s = state()
    body = progress_csv(progress_table(s, _query(s)), region_names(s), edition=s.edition).encode("utf-8")
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=progress.csv"}
    )


@bp.get("/embed/progress")
@page_query("level")
def embed() -> str:
    year, level = _year_arg(state()), _level_arg()
    return render_embed("progress", f"{level}.{year}")


@bp.get("/progress/kpi/<kid>")
def kpi(kid: str) -> str:
    _known_kpi(kid)
    return render_page("progress_kpi.html", data.progress_kpi_page(state(), url_for, kid), t=_trend(kid))


@bp.get("/embed/progress/kpi/<kid>")
def embed_kpi(kid: str) -> str:
    _known_kpi(kid)
    return render_embed("kpi-progress", kid)


@bp.get("/api/progress/kpi/<kid>")
def api_kpi(kid: str) -> dict:
    try:
        return data.progress_kpi_page(state(), url_for, kid).data
    except KeyError:
        abort(404, f"id: no KPI {kid!r}")


@bp.get("/print/progress/<level>.<int:year>.<fmt>")
def print_map(level: str, year: int, fmt: str) -> Response:
    """The progress map as PNG or SVG for reports and slides (matplotlib, drawn on demand)."""
    from geo.render.printing.progress import progress_print
    from geo.web.printing import memoized_print

    s = state()
    if level not in progress_maps.PROGRESS_LEVELS or not FY_MIN <= year <= FY_MAX:
        abort(404)

    def draw(fmt: str) -> bytes:
        summaries = area_summaries(s.plan, year_grades(s, year))[level]
        return progress_print(s.atlas, level, year, summaries, fmt, edition=s.edition)  # type: ignore[arg-type]

    return memoized_print(("progress-print", level, year), f"progress-{level}-{year}", fmt, draw)


@bp.get("/print/progress/kpi/<kid>.<fmt>")
def print_kpi(kid: str, fmt: str) -> Response:
    """One KPI's grade map as PNG or SVG (the print of ``/progress/kpi/<id>``)."""
    from geo.render.printing.grade import grade_print
    from geo.web.printing import memoized_print

    _known_kpi(kid)
    s = state()
    return memoized_print(("grade-print", kid), f"progress-kpi-{kid}", fmt,
                          lambda fmt: grade_print(s.atlas, progress_row(s, kid), fmt,  # type: ignore[arg-type]
                                                  edition=s.edition))


@bp.get("/progress/report")
def report_html() -> str:
    """The 連携会議 material, a page of the site with a print stylesheet (A4, a page per 連携地域);
    ``hokkaido-map progress report --format html`` writes the same as a file of its own."""
    s = state()
    year = _year_arg(s)
    region, _ = _filters(s)
    return render_page("progress_report.html", data.report_page(s, year, region))


@bp.get("/progress/kpi/<kid>.svg")
def trend_file(kid: str) -> Response:
    """The trend chart alone, for reports and slides."""
    s = state()
    if kid not in plan_kpis(s.plan):
        abort(404, f"no KPI {kid!r}")
    return Response(str(_trend(kid)["svg"]), mimetype="image/svg+xml")
