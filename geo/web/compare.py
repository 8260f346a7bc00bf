"""Comparing two editions on the web (版の比較): ``/compare?from=<id>&to=<id>``, its JSON twin
``/api/compare``, its CSV and its map.

What changed is :func:`geo.plan.compare.compare_editions` of the two editions' States, computed
once per pair (memoized under the two ids, validated first: a made-up id is a 404 naming the
known ones, a missing one a 400, and neither is ever kept). Without either id the page is a form
to choose the two.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from geo.atlas.sources import CREDIT
from geo.plan.compare import EditionDiff, compare_editions
from geo.plan.edition import period_label
from geo.render.compare_maps import compare_map
from geo.render.maps import MapContext, MapView
from geo.web.caching import page_query
from geo.web.editions import edition_url, site_url
from geo.web.errors import fail
from geo.web.maps import topology_script_url
from geo.web.state import State, edition_states, state

bp = Blueprint("compare", __name__)

SIDES = ("from", "to")


def _known() -> str:
    return "、".join(edition_states())


def _pair() -> tuple[State, State]:
    """The two editions the query names: 400 if one is missing, 404 for an unknown id."""
    missing = [side for side in SIDES if not request.args.get(side)]
    if missing:
        fail(400, f"{'・'.join(missing)}: name both editions, ?from=<id>&to=<id> (known: {_known()})",
             f"比べる 2 つの版を選んでください（from と to。版：{_known()}）。")
    states = edition_states()
    for side in SIDES:
        if request.args[side] not in states:
            fail(404, f"{side}: no edition {request.args[side]!r} (known: {_known()})",
                 f"版「{request.args[side]}」はありません。版：{_known()}。")
    return states[request.args["from"]], states[request.args["to"]]


def _diff(old: State, new: State) -> EditionDiff:
    assert old.edition is not None and new.edition is not None
    return state().memo(("compare", old.edition.id, new.edition.id),
                        lambda: compare_editions(old, new, new.atlas))


def _map(old: State, new: State, diff: EditionDiff) -> MapView:
    assert old.edition is not None and new.edition is not None
    s = state()

    def build() -> MapView:
        ctx = MapContext(atlas=new.atlas, plan=new.plan, coverage=new.coverage, credit=CREDIT,
                         topology_url=url_for("api.topology", v=s.version))
        links = {t.code: edition_url(new.edition.id, "pages.town", code=t.code) for t in diff.towns}
        return compare_map(ctx, diff, links)

    return s.memo(("compare-map", old.edition.id, new.edition.id), build)


def _query(old: State, new: State) -> dict[str, str]:
    assert old.edition is not None and new.edition is not None
    return {"from": old.edition.id, "to": new.edition.id}


@bp.get("/compare")
@page_query(*SIDES)
def page() -> str:
    if not any(request.args.get(side) for side in SIDES):
        choices = [(s.edition, period_label(s.edition)) for s in reversed(edition_states().values())
                   if s.edition is not None]
        return render_template("compare.html", diff=None, choices=choices)
    old, new = _pair()
    diff = _diff(old, new)
    q = _query(old, new)
    block = {"view": _map(old, new, diff), "topology": topology_script_url(),
             "script": url_for("compare.map_script", **q, v=state().version)}
    return render_template("compare.html", diff=diff, old=old, new=new, map=block,
                           json_url=url_for("compare.api", **q), csv_url=url_for("compare.csv", **q),
                           names={m.code: m.name for m in new.atlas.municipalities},
                           edition_url=edition_url, site_url=site_url)


@bp.get("/api/compare")
@page_query(*SIDES)
def api() -> dict[str, Any]:
    old, new = _pair()
    return {**_diff(old, new).to_json(), "csv": url_for("compare.csv", **_query(old, new))}


@bp.get("/compare/changes.csv")
@page_query(*SIDES)
def csv() -> Response:
    old, new = _pair()
    body = state().memo(("compare-csv", *_query(old, new).values()),
                        lambda: _diff(old, new).to_csv().encode("utf-8"))
    name = "compare-{from}-{to}.csv".format(**_query(old, new))
    disposition = f"attachment; filename={name}"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": disposition})


@bp.get("/compare/map.js")
@page_query(*SIDES)
def map_script() -> Response:
    old, new = _pair()
    return Response(_map(old, new, _diff(old, new)).script, mimetype="application/javascript")
