"""JSON API: every page has a JSON twin, answered by the page's own data function
(:mod:`geo.render.pages`). Errors are ``{"error": ...}`` with 400 or 404."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from geo.atlas.codes import CodeError, normalize_code, with_check_digit
from geo.atlas.geojson import level_geojson
from geo.errors import UnknownCodeError
from geo.plan.model import project_to_json
from geo.plan.search import MAX_QUERY
from geo.plan.search_data import search_data, search_data_bytes
from geo.render import pages as data
from geo.render.areas import find_area
from geo.render.views import (
    LEVELS,
    municipality_json,
    projects_for_municipality,
    region_json,
    subprefecture_json,
)
from geo.web.editions import elsewhere_json
from geo.web.errors import json_error
from geo.web.pages import canonical_or_404, found, to_canonical
from geo.web.searching import hit_url, search_index
from geo.web.state import state

bp = Blueprint("api", __name__, url_prefix="/api")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[dict, int]:
    return {"error": exc.message}, exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[dict, int, list[tuple[str, str]]]:
    return json_error(exc, elsewhere_json)


def _json_bytes(body: bytes, mimetype: str = "application/json") -> Response:
    return Response(body, mimetype=mimetype)


@bp.get("/healthz", endpoint="healthz_api")
def healthz() -> dict:
    return {"ok": True}


# --- places -----------------------------------------------------------------------------
# Each route that is a page's JSON twin answers that page's data function (geo.render.pages):
# the same call the page renders, so the two cannot drift.


@bp.get("/regions")
def regions() -> dict:
    s = state()
    return {"regions": [region_json(s.atlas, s.plan, r.id) for r in s.atlas.hierarchy.regions]}


@bp.get("/regions/<rid>")
def region(rid: str) -> dict:
    return _area("region", rid, "連携地域")


@bp.get("/subprefectures")
def subprefectures() -> dict:
    s = state()
    return {"subprefectures": [subprefecture_json(s.atlas, s.plan, x.short)
                               for x in s.atlas.hierarchy.subprefectures]}


@bp.get("/subprefectures/<key>")
def subprefecture(key: str) -> dict:
    return _area("subprefecture", key, "振興局")


def _area(kind: str, key: str, label: str) -> dict:
    s = state()
    try:
        area = find_area(s.atlas, kind, key)
    except KeyError:
        raise ApiError(404, f"{kind}: no {label} {key!r}") from None
    return data.area_page(s, url_for, area).data


@bp.get("/municipalities")
def municipalities() -> dict:
    s = state()
    out = []
    for m in s.atlas.municipalities:
        item = municipality_json(s.atlas, m)
        item["projects_count"] = len(projects_for_municipality(s.plan, s.coverage, m))
        out.append(item)
    return {"count": len(out), "municipalities": out}


def lookup_municipality(code: str):  # type: ignore[no-untyped-def]
    """By 5/6-digit code: 400 for a malformed code or wrong check digit, 404 for an unknown one."""
    try:
        return state().atlas.municipality(code)
    except CodeError as exc:
        raise ApiError(400, f"code: {exc}") from None
    except UnknownCodeError as exc:
        raise ApiError(404, f"code: {exc}") from None


@bp.get("/municipalities/<code>")
def municipality(code: str) -> dict | Response:
    lookup_municipality(code)
    if normalize_code(code) != code:  # one URL per answer: caches never see other spellings
        return to_canonical("api.municipality", code=normalize_code(code))
    return data.town_page(state(), url_for, code).data


# --- plan -------------------------------------------------------------------------------


@bp.get("/projects")
def projects() -> dict:
    s = state()
    return {
        "total_projects_stated": s.plan.total_stated,
        "projects_named": len(s.plan.projects),
        "projects": [project_to_json(p, s.atlas) for p in s.plan.projects],
    }


@bp.get("/projects/<pid>")
def project(pid: str) -> dict:
    canonical_pid = canonical_or_404("project", pid, f"id: no project {pid!r}", "")
    if canonical_pid != pid:  # a project's name → its id
        return to_canonical("api.project", pid=canonical_pid)
    return data.project_page(state(), url_for, pid).data


@bp.get("/kpis")
def kpis() -> dict:
    return data.kpi_index_page(state(), url_for).data


@bp.get("/kpis/<kid>")
def kpi(kid: str) -> dict:
    return found(data.kpi_page, kid, f"id: no KPI {kid!r}", "").data


@bp.get("/kpis/families/<key>")
def kpi_family(key: str) -> dict:
    return found(data.family_page, key, f"family: no KPI family {key!r}", "").data


@bp.get("/overview")
def overview() -> dict:
    return data.index_page(state(), url_for).data


@bp.get("/overlap")
def overlap() -> dict:
    return data.overlap_page(state(), url_for).data


# --- search and locate ------------------------------------------------------------------


@bp.get("/search", endpoint="search")
def search_route() -> dict:
    q = request.args.get("q")
    if q is None or not q.strip():
        raise ApiError(400, "q: the search text is required (?q=倶知安)")
    if len(q) > MAX_QUERY:
        raise ApiError(400, f"q: at most {MAX_QUERY} characters")
    try:
        answer = search_index().search(q)
    except CodeError as exc:
        raise ApiError(400, f"q: {exc}") from None
    out = []
    for hit in answer.hits:
        item = hit.to_json()
        item["url"] = hit_url(hit.kind, hit.id)
        out.append(item)
    body: dict[str, object] = {"q": q, "results": out}
    if answer.message:
        body["message"] = answer.message
    return body


@bp.get("/search-data.json", endpoint="search_data")
def search_data_route() -> Response:
    """What the search box searches in the page (geo/plan/search_data.py, static/search.js): the
    same answers as /api/search, with no server (the static export). Versioned by ``v``."""
    s = state()
    if request.args.get("v") != s.version:
        return to_canonical("api.search_data", v=s.version)
    return _json_bytes(s.memo(("search-data",), lambda: search_data_bytes(search_data(search_index()))))


def _coordinate(name: str, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise ApiError(400, f"{name}: required")
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name}: not a number: {raw[:40]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ApiError(400, f"{name}: must be a finite number between {low:g} and {high:g}")
    return value


@bp.get("/locate")
def locate() -> dict:
    s = state()
    lat = _coordinate("lat", -90, 90)
    lon = _coordinate("lon", -180, 180)
    m = s.atlas.locate(lon, lat)
    if m is None:
        raise ApiError(404, f"lat/lon: ({lat}, {lon}) is not in any municipality of Hokkaido")
    out = municipality_json(s.atlas, m)
    out["code6"] = with_check_digit(m.code)
    ward = s.atlas.locate_ward(lon, lat) if m.code == s.atlas.hierarchy.designated_city.code else None
    out["ward"] = {"code": ward.code, "name": ward.name} if ward else None
    out["url"] = url_for("pages.town", code=m.code)
    out["projects_count"] = len(projects_for_municipality(s.plan, s.coverage, m))
    return out


# --- geometry ---------------------------------------------------------------------------


@bp.get("/geo/topology.json")
def topology() -> Response:
    return _json_bytes(state().topology.body)


@bp.get("/geo/<level>.geojson")
def geojson(level: str) -> Response:
    s = state()
    if level not in LEVELS:
        raise ApiError(404, f"level: must be one of {', '.join(LEVELS)}, not {level!r}")
    body = s.memo(("geojson", level), lambda: level_geojson(s.atlas, level))
    return _json_bytes(body, "application/geo+json")


@bp.route("/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str) -> tuple[dict, int]:
    # This catch-all also takes POST etc., so it shadows the 405 of real routes: give it back.
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(f"/api/{rest}", method="GET")
    except HTTPException:
        endpoint = None
    if endpoint and endpoint != "api.unknown" and request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    return {"error": f"path: no API route /api/{rest}"}, 404
