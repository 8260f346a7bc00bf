"""``/region/<id>`` and ``/subprefecture/<id>``: one page per 連携地域 and 振興局, with CSV.

The canonical key is the hierarchy's id (doo, shiribeshi); any other spelling the hierarchy
knows (道央広域, 道央広域連携地域, 後志, 後志総合振興局) redirects there. Their JSON twins are
``/api/regions/<id>`` and ``/api/subprefectures/<id>``; embeds are under ``/embed/``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from geo.render.areas import KIND_LABELS, Area, area_csv, find_area
from geo.render.pages import area_page
from geo.web.errors import fail
from geo.web.state import state
from geo.web.templating import render_page

bp = Blueprint("areas", __name__)

# kind → the URL argument's name
ARGS = {"region": "rid", "subprefecture": "key"}


def lookup(kind: str, key: str) -> Area:
    """The area for any spelling of its key; 404 naming the kind for none."""
    try:
        return find_area(state().atlas, kind, key)
    except KeyError:
        fail(404, f"no {kind} {key!r}", f"「{key}」という{KIND_LABELS[kind]}はありません。")


def canonical(endpoint: str, area: Area, key: str, arg: str) -> BaseResponse | None:
    """A 308 to the id's URL when the request used another spelling, else None."""
    if key == area.id:
        return None
    query = request.query_string.decode("ascii", "replace")
    return redirect(url_for(endpoint, **{arg: area.id}) + (f"?{query}" if query else ""), code=308)


def _page(kind: str, key: str) -> str | BaseResponse:
    area = lookup(kind, key)
    moved = canonical(f"areas.{kind}", area, key, ARGS[kind])
    if moved is not None:
        return moved
    return render_page("area.html", area_page(state(), url_for, area),
                       csv_url=url_for(f"areas.{kind}_csv", **{ARGS[kind]: area.id}))


def _csv(kind: str, key: str) -> Response | BaseResponse:
    s = state()
    area = lookup(kind, key)
    arg = ARGS[kind]
    moved = canonical(f"areas.{kind}_csv", area, key, arg)
    if moved is not None:
        return moved
    body = s.memo(("area-csv", kind, area.id),
                  lambda: area_csv(s.atlas, s.plan, area, s.edition).encode("utf-8"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={kind}-{area.id}-projects.csv"})


# One page and one CSV per kind: /region/<rid>, /region/<rid>/projects.csv, /subprefecture/<key> …
for _kind, _arg in ARGS.items():
    bp.add_url_rule(f"/{_kind}/<{_arg}>", _kind,
                    lambda _kind=_kind, _arg=_arg, **values: _page(_kind, values[_arg]))
    bp.add_url_rule(f"/{_kind}/<{_arg}>/projects.csv", f"{_kind}_csv",
                    lambda _kind=_kind, _arg=_arg, **values: _csv(_kind, values[_arg]))
