"""``/region/<id>`` and ``/subprefecture/<id>``: one page per 連携地域 and 振興局, with CSV.

The canonical key is the hierarchy's id (doo, shiribeshi); any other spelling the hierarchy
knows (道央広域, 道央広域連携地域, 後志, 後志総合振興局) redirects there. Their JSON twins are
``/api/regions/<id>`` and ``/api/subprefectures/<id>``; embeds are under ``/embed/``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from geo.render.areas import KIND_LABELS, Area, area_csv, area_kpis, find_area, kpi_grade, reaching
from geo.render.areas import municipalities as area_municipalities
from geo.render.areas import northern_territories as area_northern_territories
from geo.render.views import change_classes
from geo.web.pages import _render, map_block
from geo.web.state import state

bp = Blueprint("areas", __name__)

# kind → (its JSON twin's endpoint, the URL argument's name)
ENDPOINTS = {"region": ("api.region", "rid"), "subprefecture": ("api.subprefecture", "key")}


def lookup(kind: str, key: str) -> Area:
    """The area for any spelling of its key; 404 naming the kind for none."""
    try:
        return find_area(state().atlas, kind, key)
    except KeyError:
        abort(404, f"{KIND_LABELS[kind]} {key!r} はありません")


def canonical(endpoint: str, area: Area, key: str, arg: str) -> BaseResponse | None:
    """A 308 to the id's URL when the request used another spelling, else None."""
    if key == area.id:
        return None
    query = request.query_string.decode("ascii", "replace")
    return redirect(url_for(endpoint, **{arg: area.id}) + (f"?{query}" if query else ""), code=308)


def _page(kind: str, key: str) -> str | BaseResponse:
    s = state()
    area = lookup(kind, key)
    endpoint = f"areas.{kind}"
    arg = ENDPOINTS[kind][1]
    moved = canonical(endpoint, area, key, arg)
    if moved is not None:
        return moved
    json_url = url_for(ENDPOINTS[kind][0], **{arg: area.id})
    kpis = area_kpis(s.plan, area)
    return _render(
        "area.html", area=area, kind_label=KIND_LABELS[kind], region_plan=s.plan.region(area.region.id),
        reach=reaching(s.plan, area), towns=area_municipalities(s.atlas, area),
        northern=area_northern_territories(s.atlas, area), kpis=kpis,
        grades={e.id: kpi_grade(e) for e in kpis}, classes=change_classes(s.plan),
        map=map_block(kind, area.id),
        json_url=json_url, csv_url=url_for(f"areas.{kind}_csv", **{arg: area.id}),
        embed_url=url_for(f"embed.{kind}", **{arg: area.id}), embed_title=f"{area.name}の地図",
        print_ids=[("この地図", f"{kind}-{area.id}")],
    )


def _csv(kind: str, key: str) -> Response | BaseResponse:
    s = state()
    area = lookup(kind, key)
    arg = ENDPOINTS[kind][1]
    moved = canonical(f"areas.{kind}_csv", area, key, arg)
    if moved is not None:
        return moved
    body = s.memo(("area-csv", kind, area.id),
                  lambda: area_csv(s.atlas, s.plan, area).encode("utf-8"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={kind}-{area.id}-projects.csv"})


@bp.get("/region/<rid>")
def region(rid: str) -> str | BaseResponse:
    return _page("region", rid)


@bp.get("/subprefecture/<key>")
def subprefecture(key: str) -> str | BaseResponse:
    return _page("subprefecture", key)


@bp.get("/region/<rid>/projects.csv")
def region_csv(rid: str) -> Response | BaseResponse:
    return _csv("region", rid)


@bp.get("/subprefecture/<key>/projects.csv")
def subprefecture_csv(key: str) -> Response | BaseResponse:
    return _csv("subprefecture", key)

