"""``/embed/...``: map, legend, credit and a link back; nothing else.

Same map builders as the full pages, with the ``embed=True`` layout flag.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from geo.atlas.codes import CodeError
from geo.atlas.sources import CREDIT
from geo.errors import UnknownCodeError
from geo.render.views import LEVEL_LABELS, kpi_entry, measures, overview_arg
from geo.web.caching import page_query
from geo.web.pages import map_block, map_view, to_canonical

bp = Blueprint("embed", __name__, url_prefix="/embed")


def _embed(kind: str, arg: str, title: str, back: str) -> str:
    try:
        map_view(kind, arg, True)
    except (KeyError, UnknownCodeError):
        abort(404, f"no {kind} {arg!r}")
    except CodeError as exc:
        abort(400, str(exc))
    block = map_block(kind, arg, True)
    return render_template("embed.html", map=block, title=title, back=back, credit=CREDIT)


@bp.get("/")
@page_query("level", "measure")
def index() -> str:
    """The overview for one level and measure: ``?level=subprefectures&measure=cross``."""
    from geo.web.state import state

    plan = state().plan
    level = request.args.get("level", "municipalities")
    measure = request.args.get("measure", "all")
    try:
        arg = overview_arg(plan, level, measure)
    except ValueError as exc:
        abort(400, str(exc))
    title = f"北海道 地域政策マップ：{dict(measures(plan))[measure]}（{LEVEL_LABELS[level]}別）"
    return _embed("overview", arg, title, url_for("pages.index"))


@bp.get("/town/<code>")
def town(code: str) -> str | Response:
    from geo.web.state import state

    try:
        m = state().atlas.municipality(code)
    except CodeError as exc:
        abort(400, str(exc))
    except UnknownCodeError as exc:
        abort(404, str(exc))
    if m.code != code:  # the embed shows the whole city: a ward code redirects to 札幌市 too
        return to_canonical("embed.town", code=m.code)
    return _embed("town", m.code, f"{m.full_name}のプロジェクト", url_for("pages.town", code=m.code))


@bp.get("/project/<pid>")
def project(pid: str) -> str | Response:
    from geo.web.state import state

    try:
        p = state().plan.project(pid)
    except KeyError:
        abort(404, f"no project {pid!r}")
    if p.id != pid:
        return to_canonical("embed.project", pid=p.id)
    return _embed("project", p.id, p.name, url_for("pages.project", pid=p.id))


@bp.get("/kpi/<kid>")
def kpi(kid: str) -> str:
    from geo.web.state import state

    try:
        entry = kpi_entry(state().plan, kid)
    except KeyError:
        abort(404, f"no KPI {kid!r}")
    # The KPI as the plan words it, never its internal id.
    k = entry.kpi
    title = f"KPI：{k.indicator}" + (f"（{k.scope}）" if k.scope else "") + f" — {entry.project.name}"
    return _embed("kpi", entry.id, title, url_for("pages.kpi", kid=entry.id))


@bp.get("/kpi/family/<key>")
def family(key: str) -> str:
    return _embed("family", key, f"KPI「{key}」の比較", url_for("pages.kpi_family", key=key))


@bp.get("/overlap")
def overlap() -> str:
    return _embed("overlap", "hokkaido", "プロジェクトの重なり", url_for("pages.overlap"))


@bp.get("/region/<rid>")
def region(rid: str):  # type: ignore[no-untyped-def]
    return _area("region", rid, "rid")


@bp.get("/subprefecture/<key>")
def subprefecture(key: str):  # type: ignore[no-untyped-def]
    return _area("subprefecture", key, "key")


def _area(kind: str, key: str, arg: str):  # type: ignore[no-untyped-def]
    from geo.web.areas import canonical, lookup

    area = lookup(kind, key)
    moved = canonical(f"embed.{kind}", area, key, arg)
    if moved is not None:
        return moved
    return _embed(kind, area.id, f"{area.name}の地図", url_for(f"areas.{kind}", **{arg: area.id}))
