"""``/embed/...``: map, legend, credit and a link back; nothing else.

Same maps as the full pages (the map kinds registry, ``embed=True`` layout); the title and the
link back come from the map's kind. Each view only looks up its subject and redirects other
spellings to the canonical URL.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from geo.atlas.codes import CodeError
from geo.errors import UnknownCodeError
from geo.render.views import kpi_entry, overview_arg
from geo.web.caching import page_query
from geo.web.error_pages import bad_code, no_such, unknown_code
from geo.web.errors import fail
from geo.web.maps import map_view
from geo.web.pages import canonical_or_404, to_canonical
from geo.web.state import state
from geo.web.templating import render_embed

bp = Blueprint("embed", __name__, url_prefix="/embed")


def _embed(kind: str, subject: str) -> str:
    try:
        map_view(kind, subject, True)
    except (KeyError, UnknownCodeError):
        fail(404, f"no {kind} {subject!r}", no_such("地図", subject))
    except CodeError as exc:
        fail(400, str(exc), bad_code(subject))
    return render_embed(kind, subject)


@bp.get("/")
@page_query("level", "measure")
def index() -> str:
    """The overview for one level and measure: ``?level=subprefectures&measure=cross``."""
    level = request.args.get("level", "municipalities")
    measure = request.args.get("measure", "all")
    try:
        subject = overview_arg(state().plan, level, measure)
    except ValueError as exc:
        fail(400, str(exc), "level（表示の単位）か measure（色分け）の指定が正しくありません。")
    return _embed("overview", subject)


@bp.get("/town/<code>")
def town(code: str) -> str | Response:
    try:
        m = state().atlas.municipality(code)
    except CodeError as exc:
        fail(400, str(exc), bad_code(code))
    except UnknownCodeError as exc:
        fail(404, str(exc), unknown_code(code))
    if m.code != code:  # the embed shows the whole city: a ward code redirects to 札幌市 too
        return to_canonical("embed.town", code=m.code)
    return _embed("town", m.code)


@bp.get("/project/<pid>")
def project(pid: str) -> str | Response:
    canonical_pid = canonical_or_404("project", pid, f"no project {pid!r}", no_such("ID のプロジェクト", pid))
    if canonical_pid != pid:
        return to_canonical("embed.project", pid=canonical_pid)
    return _embed("project", pid)


@bp.get("/kpi/<kid>")
def kpi(kid: str) -> str:
    try:
        kpi_entry(state().plan, kid)
    except KeyError:
        fail(404, f"no KPI {kid!r}", no_such("ID の KPI", kid))
    return _embed("kpi", kid)


@bp.get("/kpi/family/<key>")
def family(key: str) -> str:
    return _embed("family", key)


@bp.get("/overlap")
def overlap() -> str:
    return _embed("overlap", "hokkaido")


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
    return _embed(kind, area.id)
