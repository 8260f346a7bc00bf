"""HTML pages (each with a JSON twin under /api), the map scripts they load, and ``site_urls``."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from geo.atlas.codes import CodeError, normalize_code, with_check_digit
from geo.atlas.sources import CREDIT
from geo.errors import UnknownCodeError
from geo.plan.model import project_to_json
from geo.plan.queries import counts_by_subprefecture
from geo.render import maps
from geo.render.area_maps import area_map
from geo.render.areas import KINDS as AREA_KINDS
from geo.render.areas import find_area
from geo.render.views import (
    DEFAULT_OVERVIEW,
    LEVEL_LABELS,
    LEVELS,
    change_classes,
    families,
    family_of,
    kpi_entries,
    kpi_entry,
    measures,
    overlap_json,
    overview_arg,
    parse_overview_arg,
    projects_for_municipality,
    unnamed_projects,
)
from geo.web.errors import json_error, passthrough_headers
from geo.web.state import State, state

bp = Blueprint("pages", __name__)

MAP_KINDS = ("overview", "town", "project", "kpi", "family", "overlap", "region", "subprefecture")
# Map kinds other blueprints add (geo.web.progress): kind → (canonical(state, arg) → the one
# spelling of arg, or KeyError; build(state, canonical arg, embed)).
MAP_BUILDERS: dict[str, tuple[Callable[[State, str], str], Callable[[State, str, bool], maps.MapView]]] = {}


# --- maps -------------------------------------------------------------------------------


def _context(s: State) -> maps.MapContext:
    return maps.MapContext(
        atlas=s.atlas, plan=s.plan, coverage=s.coverage, credit=CREDIT,
        topology_url=url_for("api.topology", v=s.version),
        subprefecture_links={x.short: url_for("areas.subprefecture", key=x.id)
                             for x in s.atlas.hierarchy.subprefectures},
    )


def build_map(s: State, kind: str, arg: str, embed: bool) -> maps.MapView:
    """The map of a page; KeyError / CodeError / UnknownCodeError for an unknown subject."""
    if kind in MAP_BUILDERS:
        return MAP_BUILDERS[kind][1](s, arg, embed)
    ctx = _context(s)
    if kind == "overview":
        links = {m.code: url_for("pages.town", code=m.code)
                 for m in (*s.atlas.municipalities, *s.atlas.northern_territories)}
        level, measure = parse_overview_arg(s.plan, arg)
        return maps.overview_map(ctx, links, embed=embed, level=level, measure=measure)
    if kind == "town":
        return maps.town_map(ctx, s.atlas.municipality(arg), embed=embed)
    if kind == "project":
        return maps.project_map(ctx, s.plan.project(arg), embed=embed)
    if kind == "kpi":
        return maps.kpi_map(ctx, kpi_entry(s.plan, arg), embed=embed)
    if kind == "family":
        if arg not in families(s.plan):
            raise KeyError(arg)
        return maps.family_map(ctx, arg, embed=embed)
    if kind == "overlap":
        return maps.overlap_map(ctx, embed=embed)
    if kind in AREA_KINDS:
        area = find_area(s.atlas, kind, arg)
        if area.id != arg:  # one script per area: other spellings redirect to the id's page
            raise KeyError(arg)
        return area_map(ctx, area, embed=embed, links=area_links(s))
    raise KeyError(kind)


def area_links(s: State) -> dict[str, str]:
    """URLs of every municipality (by code) and 振興局 (by short name) page: an area map's clicks."""
    links = {m.code: url_for("pages.town", code=m.code)
             for m in (*s.atlas.municipalities, *s.atlas.northern_territories)}
    links |= {x.short: url_for("areas.subprefecture", key=x.id) for x in s.atlas.hierarchy.subprefectures}
    return links


def canonical_arg(s: State, kind: str, arg: str) -> str:
    """The one spelling of a map subject (``01100`` for `` 011002``, a project's id for its name);
    KeyError / CodeError / UnknownCodeError for an unknown subject. Memo keys use only this."""
    if kind == "town":
        return s.atlas.municipality(arg).code
    if kind == "project":
        return s.plan.project(arg).id
    if kind == "kpi":
        return kpi_entry(s.plan, arg).id
    if kind == "overview":
        parse_overview_arg(s.plan, arg)
        return arg
    if kind == "family" and arg in families(s.plan):
        return arg
    if kind == "overlap" and arg == "hokkaido":
        return arg
    if kind in AREA_KINDS:
        return find_area(s.atlas, kind, arg).id
    if kind in MAP_BUILDERS:
        return MAP_BUILDERS[kind][0](s, arg)
    raise KeyError(arg)


def to_canonical(endpoint: str, **values: str) -> Response:
    """308 to the canonical URL, relative (no Host echoed): other spellings are never rendered,
    so no cache or memo ever holds them."""
    return redirect(url_for(endpoint, **values), 308)  # type: ignore[return-value]


def map_view(kind: str, arg: str, embed: bool = False) -> maps.MapView:
    s = state()
    arg = canonical_arg(s, kind, arg)
    return s.memo(("map", kind, arg, embed), lambda: build_map(s, kind, arg, embed))


def map_script_url(kind: str, arg: str, embed: bool = False) -> str:
    return url_for("pages.map_script", layout="embed" if embed else "page", kind=kind, arg=arg,
                   v=state().version)


@bp.get("/maps/<layout>/<kind>/<path:arg>.js")
def map_script(layout: str, kind: str, arg: str) -> Response:
    if layout not in ("page", "embed") or (kind not in MAP_KINDS and kind not in MAP_BUILDERS):
        abort(404)
    try:
        canonical = canonical_arg(state(), kind, arg)
    except (KeyError, CodeError, UnknownCodeError):
        abort(404)
    if canonical != arg:
        return redirect(map_script_url(kind, canonical, layout == "embed"), 308)  # type: ignore[return-value]
    view = map_view(kind, canonical, layout == "embed")
    return Response(view.script, mimetype="application/javascript")


def topology_script_url() -> str:
    return url_for("pages.topology_script", v=state().version)


@bp.get("/maps/topology.js")
def topology_script() -> Response:
    """The shared topology as a script, registered under its JSON URL (benchmark e): the browser
    fetches it with the page's other scripts and V8 parses it while the page loads; as
    ``fetch`` + ``Response.json()`` the map waited ~70 ms more for the same bytes."""
    s = state()
    body = s.memo(("topology.js",), lambda: b"".join([
        b"(window.HokkaidoMapTopologies=window.HokkaidoMapTopologies||{})[",
        json.dumps(url_for("api.topology", v=s.version)).encode(), b"]=", s.topology.body, b";\n"]))
    return Response(body, mimetype="application/javascript")


def map_block(kind: str, arg: str, embed: bool = False) -> dict:
    """What templates need to place a map: the view, its script URL and the topology's."""
    return {"view": map_view(kind, arg, embed), "script": map_script_url(kind, arg, embed),
            "topology": topology_script_url()}


# --- pages ------------------------------------------------------------------------------


def _render(template: str, **kw: object) -> str:
    embed_url = kw.get("embed_url")
    if embed_url:
        title = str(kw.pop("embed_title", "北海道 地域政策マップ"))
        kw["embed_snippet"] = embed_snippet(str(embed_url), title)
    return render_template(template, credit=CREDIT, hierarchy=state().atlas.hierarchy, **kw)


def embed_snippet(path: str, title: str) -> str:
    """The ``<iframe>`` an editor pastes. The page script rewrites ``src`` from the embed link, so
    a static export gets its own address. The server writes an absolute address only from
    ``PUBLIC_URL`` (operator's setting), never from the request's Host: pages are cached and
    shared, so one forged Host header would reach every later visitor."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return (f'<iframe src="{escape(base + path)}" title="{escape(title)}" width="100%" height="480" '
            'style="border:0" loading="lazy"></iframe>')


@bp.get("/")
def index() -> str:
    s = state()
    per_sub = s.atlas.codes_by_subprefecture()
    return _render(
        "index.html", atlas=s.atlas, plan=s.plan, per_sub=per_sub, measures=measures(s.plan),
        levels=LEVELS, map=map_block("overview", DEFAULT_OVERVIEW),
        sub_counts=counts_by_subprefecture(s.plan), json_url=url_for("api.overview"),
        embed_url=url_for("embed.index"), embed_title="北海道 地域政策マップ（市町村別プロジェクト数）",
        print_ids=[(f"{LEVEL_LABELS[lv]}別", f"overview-{lv}") for lv in LEVELS],
        selected_sub=request.args.get("sub"), selected_region=request.args.get("region"),
    )


@bp.get("/town/<code>")
def town(code: str) -> str | Response:
    s = state()
    try:
        m = s.atlas.municipality(code)
    except CodeError as exc:
        abort(400, str(exc))
    except UnknownCodeError as exc:
        abort(404, str(exc))
    if normalize_code(code) != code:
        return to_canonical("pages.town", code=normalize_code(code))
    projects = projects_for_municipality(s.plan, s.coverage, m)
    region = s.atlas.hierarchy.region(m.region)
    fams = families(s.plan)
    return _render(
        "town.html", town=m, code6=with_check_digit(m.code), ward=s.atlas.ward(code),
        sub=s.atlas.hierarchy.subprefecture(m.subprefecture), region=region,
        region_plan=s.plan.region(m.region), projects=projects,
        unnamed=unnamed_projects(s.plan, m.region), map=map_block("town", m.code),
        json_url=url_for("api.municipality", code=m.code), classes=change_classes(s.plan),
        kpi_ids={(e.project.id, e.index): e for e in kpi_entries(s.plan)}, families=fams,
        embed_url=url_for("embed.town", code=m.code), embed_title=f"{m.full_name}に及ぶプロジェクト",
        print_ids=[("この地図", f"town-{m.code}")],
    )


@bp.get("/project/<pid>")
def project(pid: str) -> str | Response:
    s = state()
    try:
        p = s.plan.project(pid)
    except KeyError:
        abort(404, f"no project {pid!r}")
    if p.id != pid:
        return to_canonical("pages.project", pid=p.id)
    h = s.atlas.hierarchy
    return _render(
        "project.html", project=p, data=project_to_json(p, s.atlas), home=h.region(p.region),
        map=map_block("project", p.id), json_url=url_for("api.project", pid=p.id),
        entries=[e for e in kpi_entries(s.plan) if e.project.id == p.id], classes=change_classes(s.plan),
        municipalities={m.code: m for m in s.atlas.municipalities},
        embed_url=url_for("embed.project", pid=p.id), embed_title=p.name,
        print_ids=[("この地図", f"project-{p.id}")],
    )


@bp.get("/kpi")
def kpi_index() -> str:
    s = state()
    fams = families(s.plan)
    fam_by_id = {e.id: key for key, es in fams.items() for e in es}
    return _render("kpi_index.html", entries=kpi_entries(s.plan), families=fams, fam_by_id=fam_by_id,
                   classes=change_classes(s.plan), json_url=url_for("api.kpis"))


@bp.get("/kpi/<kid>")
def kpi(kid: str) -> str:
    s = state()
    try:
        entry = kpi_entry(s.plan, kid)
    except KeyError:
        abort(404, f"no KPI {kid!r}")
    return _render("kpi.html", entry=entry, family=family_of(s.plan, entry), classes=change_classes(s.plan),
                   map=map_block("kpi", entry.id), json_url=url_for("api.kpi", kid=entry.id),
                   embed_url=url_for("embed.kpi", kid=entry.id), embed_title=f"KPI：{entry.kpi.indicator}",
                   print_ids=[("この地図", f"kpi-{entry.id}")])


@bp.get("/kpi/family/<key>")
def kpi_family(key: str) -> str:
    s = state()
    fams = families(s.plan)
    if key not in fams:
        abort(404, f"no KPI family {key!r}")
    per_sub = {sub.short: [e for e in fams[key] if sub.short in e.project.subprefectures]
               for sub in s.atlas.hierarchy.subprefectures}
    return _render("kpi_family.html", key=key, entries=fams[key], per_sub=per_sub,
                   map=map_block("family", key), json_url=url_for("api.kpi_family", key=key),
                   embed_url=url_for("embed.family", key=key), embed_title=f"KPI「{key}」の比較",
                   print_ids=[("この地図", f"family-{key}")])


@bp.get("/overlap")
def overlap() -> str:
    s = state()
    return _render("overlap.html", data=overlap_json(s.atlas, s.plan), map=map_block("overlap", "hokkaido"),
                   json_url=url_for("api.overlap"), embed_url=url_for("embed.overlap"),
                   embed_title="プロジェクトの重なり（振興局・連携地域）",
                   print_ids=[("この地図", "overlap")],
                   projects={p.id: p for p in s.plan.projects})


@bp.get("/overlap/coverage.csv")
def coverage_csv() -> Response:
    from geo.render.views import coverage_csv as build_csv

    s = state()
    body = s.memo(("csv",), lambda: build_csv(s.atlas, s.plan, s.coverage).encode("utf-8"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=project-municipality.csv"})


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Trivial endpoint: the benchmark's baseline."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


# --- errors: JSON under /api, HTML elsewhere, never a bare 500 ---------------------------


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = exc.code or 500
    if request.path.startswith("/api/") or request.path == "/api":
        return json_error(exc)
    page = _render("error.html", code=code, message=exc.description or exc.name)
    return page, code, passthrough_headers(exc)


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
    from flask import current_app

    current_app.logger.exception("unexpected error", exc_info=exc)
    if request.path.startswith("/api/"):
        return {"error": "internal error"}, 500
    return "internal error", 500, {"Content-Type": "text/plain; charset=utf-8"}


# --- every URL, for the static export ---------------------------------------------------


def site_urls(s: State) -> list[str]:
    """Every page, embed, map script and JSON URL of the site (call inside a request context)."""
    atlas, plan = s.atlas, s.plan
    towns = [m.code for m in atlas.municipalities]
    kpis = [e.id for e in kpi_entries(plan)]
    fams = list(families(plan))
    urls = [url_for("pages.index"), url_for("pages.kpi_index"), url_for("pages.overlap"),
            url_for("pages.coverage_csv"), url_for("embed.index"), url_for("embed.overlap")]
    urls += [url_for("pages.town", code=c) for c in towns]
    urls += [url_for("embed.town", code=c) for c in towns]
    urls += [url_for("pages.project", pid=p.id) for p in plan.projects]
    urls += [url_for("embed.project", pid=p.id) for p in plan.projects]
    urls += [url_for("pages.kpi", kid=k) for k in kpis] + [url_for("embed.kpi", kid=k) for k in kpis]
    urls += [url_for("pages.kpi_family", key=f) for f in fams]
    urls += [url_for("embed.family", key=f) for f in fams]
    overviews = [(lv, ms) for lv in LEVELS for ms, _ in measures(plan)]
    urls += [url_for("embed.index", level=lv, measure=ms) for lv, ms in overviews if
             overview_arg(plan, lv, ms) != DEFAULT_OVERVIEW]
    subjects = [*(("overview", overview_arg(plan, lv, ms)) for lv, ms in overviews),
                ("overlap", "hokkaido"), *(("town", c) for c in towns),
                *(("project", p.id) for p in plan.projects), *(("kpi", k) for k in kpis),
                *(("family", f) for f in fams),
                *(("region", r.id) for r in atlas.hierarchy.regions),
                *(("subprefecture", x.id) for x in atlas.hierarchy.subprefectures)]
    for kind, arg in subjects:
        for embed in (False, True):
            urls.append(url_for("pages.map_script", layout="embed" if embed else "page", kind=kind,
                                arg=arg, v=s.version))
    api = ["api.regions", "api.subprefectures", "api.municipalities", "api.projects", "api.kpis",
           "api.overview", "api.overlap"]
    urls += [url_for(e) for e in api]
    urls += [url_for("api.topology", v=s.version), url_for("pages.topology_script", v=s.version)]
    urls += [url_for("api.geojson", level=lv) for lv in LEVELS]
    urls += [url_for("api.region", rid=r.id) for r in atlas.hierarchy.regions]
    urls += [url_for("api.subprefecture", key=x.short) for x in atlas.hierarchy.subprefectures]
    urls += [url_for("api.municipality", code=c) for c in towns]
    urls += [url_for("api.project", pid=p.id) for p in plan.projects]
    urls += [url_for("api.kpi", kid=k) for k in kpis] + [url_for("api.kpi_family", key=f) for f in fams]
    for r in atlas.hierarchy.regions:  # the 連携地域 and 振興局 pages (canonical: the ids)
        urls += [url_for("areas.region", rid=r.id), url_for("areas.region_csv", rid=r.id),
                 url_for("embed.region", rid=r.id)]  # api.region is listed above
    for x in atlas.hierarchy.subprefectures:
        urls += [url_for("areas.subprefecture", key=x.id), url_for("areas.subprefecture_csv", key=x.id),
                 url_for("embed.subprefecture", key=x.id),
                 url_for("api.subprefecture", key=x.id)]  # the page's JSON link (by id)
    return urls
