"""HTML pages, each the render of one data function (:mod:`geo.render.pages`) whose result is
also its JSON twin under ``/api`` (:mod:`geo.web.api`). Views only look up, redirect other
spellings to the canonical URL, and render."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from geo.atlas.codes import CodeError, normalize_code
from geo.errors import UnknownCodeError
from geo.render import pages as data
from geo.render.pages import Page
from geo.render.views import LEVEL_LABELS, LEVELS, overview_arg
from geo.web.editions import elsewhere, elsewhere_json
from geo.web.error_pages import bad_code, error_page, no_such, unknown_code
from geo.web.errors import fail, json_error, passthrough_headers
from geo.web.maps import canonical
from geo.web.state import State, state
from geo.web.templating import render_page

bp = Blueprint("pages", __name__)


def found(build: Callable[[State, Callable[..., str], str], Page], key: str, message: str, page: str) -> Page:
    """The page data of ``key``, or a 404 saying ``message`` under /api and ``page`` on a page."""
    try:
        return build(state(), url_for, key)
    except KeyError:
        fail(404, message, page)


def canonical_or_404(kind: str, key: str, message: str, page: str) -> str:
    """The canonical subject of map kind ``kind`` for ``key``, or a 404 saying ``message``
    (``page`` on an HTML page)."""
    try:
        return canonical(kind, key)
    except KeyError:
        fail(404, message, page)


def to_canonical(endpoint: str, **values: str) -> Response:
    """308 to the canonical URL, relative (no Host echoed): other spellings are never rendered,
    so no cache or memo ever holds them."""
    return redirect(url_for(endpoint, **values), 308)  # type: ignore[return-value]


@bp.get("/")
def index() -> str:
    s = state()
    # The overview's prints: one per level, of all projects.
    prints = [(f"{LEVEL_LABELS[lv]}別", overview_arg(s.plan, lv, "all")) for lv in LEVELS]
    # The picked area, level, measure and search (?town= &sub= &region= &level= &measure= &q=)
    # are read by the page's script (index.js): the same page serves every state, and the
    # static export's index.html does too.
    return render_page("index.html", data.index_page(s, url_for), prints=prints)


@bp.get("/town/<code>")
def town(code: str) -> str | Response:
    try:
        state().atlas.municipality(code)
    except CodeError as exc:
        fail(400, str(exc), bad_code(code))
    except UnknownCodeError as exc:
        fail(404, str(exc), unknown_code(code))
    if normalize_code(code) != code:
        return to_canonical("pages.town", code=normalize_code(code))
    # A ward's page (01101) links its own JSON, which names the ward; its map is the city's.
    return render_page("town.html", data.town_page(state(), url_for, code),
                       json_url=url_for("api.municipality", code=code))


@bp.get("/project/<pid>")
def project(pid: str) -> str | Response:
    canonical_pid = canonical_or_404("project", pid, f"no project {pid!r}",
                                     no_such("ID のプロジェクト", pid))
    if canonical_pid != pid:
        return to_canonical("pages.project", pid=canonical_pid)
    return render_page("project.html", data.project_page(state(), url_for, pid))


@bp.get("/kpi")
def kpi_index() -> str:
    return render_page("kpi_index.html", data.kpi_index_page(state(), url_for), json_url=url_for("api.kpis"))


@bp.get("/kpi/<kid>")
def kpi(kid: str) -> str:
    return render_page("kpi.html", found(data.kpi_page, kid, f"no KPI {kid!r}",
                                             no_such("ID の KPI", kid)))


@bp.get("/kpi/family/<key>")
def kpi_family(key: str) -> str:
    return render_page("kpi_family.html", found(data.family_page, key, f"no KPI family {key!r}",
                                                           no_such("指標の KPI", key)))


@bp.get("/overlap")
def overlap() -> str:
    return render_page("overlap.html", data.overlap_page(state(), url_for))


@bp.get("/overlap/coverage.csv")
def coverage_csv() -> Response:
    from geo.render.views import coverage_csv as build_csv

    s = state()
    body = s.memo(("csv",), lambda: build_csv(s.atlas, s.plan, s.coverage, edition=s.edition).encode("utf-8"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=project-municipality.csv"})


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Trivial endpoint: the benchmark's baseline."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


# --- errors: JSON under /api, HTML elsewhere, never a bare 500 ---------------------------


_API_PATH = re.compile(r"^(/editions/[^/]+)?/api(/|$)")


def wants_json(path: str) -> bool:
    """An error under /api (of any edition, even one that does not exist) is JSON."""
    return bool(_API_PATH.match(path))


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = exc.code or 500
    if wants_json(request.path):
        return json_error(exc, elsewhere_json)
    others = elsewhere() if code == 404 else []  # a project of another edition
    page = render_template("error.html", error=error_page(state(), exc), elsewhere=others)
    return page, code, passthrough_headers(exc)


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
    from flask import current_app

    current_app.logger.exception("unexpected error", exc_info=exc)
    if wants_json(request.path):
        return {"error": "internal error"}, 500
    return "internal error", 500, {"Content-Type": "text/plain; charset=utf-8"}
