"""The maps of every page and embed, from the app's map kinds registry (:mod:`geo.render.kinds`).

``/maps/<layout>/<kind>/<subject>.js`` serves a map's script (one route for every kind, dispatched
by the registry); ``/maps/topology.js`` the shared topology. :func:`map_block` is what a template
needs to place a map. A subject is made canonical by its kind before it reaches the memo, and
another spelling of it redirects to the canonical URL, so no memo or cache holds what a client typed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, abort, redirect, url_for

from geo.atlas.codes import CodeError
from geo.atlas.sources import CREDIT
from geo.errors import UnknownCodeError
from geo.render.kinds import MapEnv, MapKind, MapKinds
from geo.render.maps import MapContext, MapView
from geo.web.state import State, state

bp = Blueprint("maps", __name__, url_prefix="/maps")

LAYOUTS = ("page", "embed")
# What a kind's ``canonical`` raises for a subject that does not exist.
UNKNOWN_SUBJECT = (KeyError, CodeError, UnknownCodeError)


def map_kinds(app: Flask) -> MapKinds:
    """The app's map kinds registry (a fresh one per app): ``map_kinds(app).register(kind)`` adds
    a kind, before the app serves its first request (``docs/map-kinds.md``)."""
    return app.extensions["hokkaido_map"].kinds


def map_kind(name: str) -> MapKind:
    """The app's kind ``name``; KeyError for an unknown one."""
    return state().kinds[name]


def map_env(s: State) -> MapEnv:
    """The model, the Folium context and ``url_for`` for the builders (inside a request)."""
    context = MapContext(
        atlas=s.atlas, plan=s.plan, coverage=s.coverage, credit=CREDIT,
        topology_url=url_for("api.topology", v=s.version),
        subprefecture_links={x.short: url_for("areas.subprefecture", key=x.id)
                             for x in s.atlas.hierarchy.subprefectures},
    )
    return MapEnv(model=s, context=context, url_for=url_for)


def canonical(kind: str, subject: str) -> str:
    """The one spelling of ``subject``; KeyError / CodeError / UnknownCodeError for none."""
    s = state()
    return s.kinds.canonical(s, kind, subject)


def map_view(kind: str, subject: str, embed: bool = False) -> MapView:
    """The map of ``kind`` for ``subject``, built once per canonical subject and layout."""
    s = state()
    subject = canonical(kind, subject)
    return s.memo(("map", kind, subject, embed),
                  lambda: s.kinds[kind].build(map_env(s), subject, embed))


def map_script_url(kind: str, subject: str, embed: bool = False) -> str:
    return url_for("maps.script", layout=LAYOUTS[embed], kind=kind, arg=subject, v=state().version)


def topology_script_url() -> str:
    return url_for("maps.topology_script", v=state().version)


def map_block(kind: str, subject: str, embed: bool = False) -> dict[str, Any]:
    """What templates need to place a map: the view, its script URL and the topology's, and its
    title (the map's accessible name, 「地図：<title>」, tells one map from another)."""
    s = state()
    return {"view": map_view(kind, subject, embed), "script": map_script_url(kind, subject, embed),
            "topology": topology_script_url(), "title": s.kinds[kind].title(s, subject),
            "kind": kind, "subject": subject}  # kind, subject: the map's own data (geo/web/data.py)


@bp.get("/<layout>/<kind>/<path:arg>.js", endpoint="script")
def script(layout: str, kind: str, arg: str) -> Response:
    if layout not in LAYOUTS or kind not in state().kinds:
        abort(404)
    try:
        subject = canonical(kind, arg)
    except UNKNOWN_SUBJECT:
        abort(404)
    if subject != arg:
        return redirect(map_script_url(kind, subject, layout == "embed"), 308)  # type: ignore[return-value]
    view = map_view(kind, subject, layout == "embed")
    return Response(view.script, mimetype="application/javascript")


@bp.get("/topology.js", endpoint="topology_script")
def topology_script() -> Response:
    """The shared topology as a script, registered under its JSON URL: the browser fetches it
    with the page's other scripts and parses it while the page loads (``docs/performance.md``
    measures it against ``fetch`` + ``Response.json()``)."""
    s = state()
    body = s.memo(("topology.js",), lambda: b"".join([
        b"(window.HokkaidoMapTopologies=window.HokkaidoMapTopologies||{})[",
        json.dumps(url_for("api.topology", v=s.version)).encode(), b"]=", s.topology.body, b";\n"]))
    return Response(body, mimetype="application/javascript")
