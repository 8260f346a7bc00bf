"""``/data``: the data catalogue, its JSON twin ``/api/data``, the ZIP of everything, the tables
that have no other home, and every map's own data (``/data/maps/<kind>/<subject>.csv|.geojson``).

The catalogue's facts and builders are :mod:`geo.render.data_catalogue` and
:mod:`geo.render.map_data`; this module serves them. A dataset's bytes are what its own URL
answers: each distribution is answered by calling that URL's view in a clean request context of
the same edition (no query string of the request that asked for the catalogue leaks in), so the
ZIP, the columns listed on ``/data`` and a download cannot differ. Everything is memoized per
edition (the data do not change while the app runs).

Absolute URLs (JSON-LD, citations) come from ``PUBLIC_URL`` only; without it they are relative
(never the request's Host: pages are cached and shared).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from markupsafe import Markup

from geo.atlas.sources import CREDIT
from geo.plan.edition import load_editions
from geo.plan.model import DEFAULT_DATA_DIR
from geo.render import data_catalogue as cat
from geo.render.map_data import level_geometries, map_csv, map_geojson, map_rows
from geo.web.editions import edition_request_context
from geo.web.maps import UNKNOWN_SUBJECT, map_view
from geo.web.state import State, state

bp = Blueprint("data", __name__)

MAP_LEVELS = ("municipalities", "subprefectures", "regions")


# --- where and when ------------------------------------------------------------------------------


def public(path: str) -> str:
    """``path`` under ``PUBLIC_URL`` when the operator set one, else as it is (relative)."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return base + path if base and path.startswith("/") else path


def _edition_files(s: State) -> list[Path]:
    """The files of the served edition's folder (its plan, actuals, hierarchy) and data/'s own
    hierarchy file: what "the data" is."""
    root = Path(current_app.config.get("DATA_DIR") or DEFAULT_DATA_DIR)
    files = [root / "hierarchy.yaml"]
    for ef in load_editions(root):
        if s.edition is not None and ef.edition.id == s.edition.id:
            files += [p for p in ef.folder.rglob("*") if p.is_file()]
    return [p for p in files if p.is_file()]


def modified(s: State) -> dt.date | None:
    """The data's last change (file mtimes, actuals' date): never the current time."""

    def build() -> dt.date | None:
        return cat.last_change((p.stat().st_mtime for p in _edition_files(s)), s.actuals.as_of)

    return s.memo(("data-modified",), build)


def citation_for(path: str) -> str:
    """The 出典 to copy for the page at ``path`` (its URL from PUBLIC_URL, or relative)."""
    s = state()
    return cat.citation(s.edition.title if s.edition else None, public(path), modified(s))


# --- bodies: what each URL answers ----------------------------------------------------------------


def _edition_id(s: State) -> str | None:
    return s.edition.id if s.mount and s.edition is not None else None


def body_of(endpoint: str, values: Mapping[str, Any]) -> bytes:
    """What ``endpoint`` answers for ``values`` (a clean GET of this edition), memoized."""
    s = state()
    key = ("data-body", endpoint, tuple(sorted(values.items())))

    def build() -> bytes:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        with edition_request_context(app, _edition_id(s)):
            response = app.make_response(app.view_functions[endpoint](**values))
            return response.get_data()

    return s.memo(key, build)


def catalogue() -> dict[str, Any]:
    """The catalogue: datasets with URLs, columns, licence, citation, last change (``/api/data``)."""
    s = state()
    return s.memo(("data-catalogue",), _build_catalogue)


def _dataset_json(d: cat.Dataset) -> dict[str, Any]:
    page = url_for("data.index")
    dists = [{"format": x.format, "media_type": x.media_type, "filename": x.filename,
              "url": url_for(x.endpoint, **x.values)} for x in d.distributions]
    table = next((x for x in d.distributions if x.format == "CSV"), None)
    columns = cat.dictionary(d.id, body_of(table.endpoint, table.values)) if table else []
    return {
        "id": d.id, "title": d.title, "description": d.description, "url": f"{page}#{d.id}",
        "boundaries": d.boundaries, "distributions": dists, "citation": citation_for(page),
        "columns": [{"name": c.name, "type": c.type, "meaning": c.meaning} for c in columns],
    }


def _build_catalogue() -> dict[str, Any]:
    s = state()
    when = modified(s)
    page = url_for("data.index")
    return {
        "title": f"{cat.SITE_TITLE} データカタログ",
        "url": page,
        "site_url": url_for("pages.index"),
        "modified": when.isoformat() if when else None,
        "licence": {"name": cat.LICENCE_NAME, "compatible": cat.CC_BY_NAME, "url": cat.CC_BY_URL,
                    "boundaries_credit": CREDIT, "plan_source": cat.PLAN_SOURCE},
        "citation": citation_for(page),
        "zip": {"url": url_for("data.zip_file"), "filename": cat.ZIP_NAME},
        "maps": {"csv": _pattern("data.map_csv"), "geojson": _pattern("data.map_geojson"),
                 "columns": _map_columns()},
        "datasets": [_dataset_json(d) for d in cat.DATASETS],
    }


def _pattern(endpoint: str) -> str:
    """A map data URL with its kind and subject as placeholders (for the catalogue's text)."""
    return url_for(endpoint, kind="KIND", arg="SUBJECT").replace("KIND/SUBJECT", "<種類>/<対象>")


def _map_columns() -> list[dict[str, Any]]:
    from geo.render.map_data import MAP_COLUMNS

    return [{"name": c, "meaning": cat.meaning("maps", c)} for c in MAP_COLUMNS]


def jsonld() -> dict[str, Any]:
    return cat.catalogue_jsonld(catalogue(), public)


# --- routes ---------------------------------------------------------------------------------------


@bp.get("/data")
def index() -> str:
    data = catalogue()
    # A data block (type="application/ld+json"), not a script: the CSP has nothing to allow.
    ld = Markup(json.dumps(jsonld(), ensure_ascii=False, separators=(",", ":"))
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return render_template("data.html", data=data, jsonld=ld, json_url=url_for("data.api"))


@bp.get("/api/data")
def api() -> dict[str, Any]:
    return catalogue()


@bp.get("/data/<name>.csv")
def table(name: str) -> Response:
    """A table flattened from its JSON twin (municipalities, projects, KPIs …)."""
    if name not in cat.TABLES:
        abort(404)
    s = state()
    endpoint, key, id_name = cat.TABLES[name]

    def build() -> bytes:
        body = json.loads(body_of(endpoint, {}))
        return cat.table_csv(cat.records(body, key, id_name), _about(s)).encode("utf-8")

    return _download(s.memo(("data-table", name), build), "text/csv", f"{name}.csv")


def _about(s: State) -> tuple[tuple[str, str], ...]:
    from geo.plan.edition import csv_columns

    return csv_columns(s.edition)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    disposition = f"attachment; filename={filename}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def zip_files() -> dict[str, bytes]:
    """Every distribution of every dataset, README.md and LICENSE.md: the ZIP's contents."""
    data = catalogue()
    files = {x.filename: body_of(x.endpoint, x.values) for d in cat.DATASETS for x in d.distributions}
    files["README.md"] = cat.readme(data["datasets"], modified(state()), _edition_title()).encode("utf-8")
    files["LICENSE.md"] = cat.LICENCE_TEXT.encode("utf-8")
    return files


def _edition_title() -> str | None:
    s = state()
    return s.edition.title if s.edition else None


@bp.get(f"/data/{cat.ZIP_NAME}")
def zip_file() -> Response:
    s = state()
    try:
        body = s.memo(("data-zip",), lambda: cat.data_zip(zip_files(), modified(s)))
    except cat.ZipTooLarge as exc:
        current_app.logger.error("%s", exc)
        abort(503)
    return _download(body, "application/zip", cat.ZIP_NAME)


# --- a map's own data -----------------------------------------------------------------------------


def _map_subject(kind: str, arg: str) -> str:
    s = state()
    if kind not in s.kinds:
        abort(404)
    try:
        return s.kinds.canonical(s, kind, arg)
    except UNKNOWN_SUBJECT:
        abort(404)


def _rows(kind: str, subject: str) -> list:
    s = state()
    return s.memo(("map-rows", kind, subject), lambda: map_rows(map_view(kind, subject), s.atlas))


@bp.get("/data/maps/<kind>/<path:arg>.csv", endpoint="map_csv")
def map_csv_file(kind: str, arg: str) -> Response:
    subject = _map_subject(kind, arg)
    if subject != arg:
        return redirect(url_for("data.map_csv", kind=kind, arg=subject), 308)  # type: ignore[return-value]
    body = map_csv(_rows(kind, subject), _about(state())).encode("utf-8")
    return _download(body, "text/csv", f"map-{kind}.csv")


@bp.get("/data/maps/<kind>/<path:arg>.geojson", endpoint="map_geojson")
def map_geojson_file(kind: str, arg: str) -> Response:
    subject = _map_subject(kind, arg)
    if subject != arg:
        return redirect(url_for("data.map_geojson", kind=kind, arg=subject), 308)  # type: ignore[return-value]
    s = state()
    geometries = {lv: s.memo(("level-geometries", lv), lambda lv=lv: level_geometries(s.atlas, lv))
                  for lv in MAP_LEVELS}
    body = map_geojson(_rows(kind, subject), geometries, _about(s))
    return _download(body, "application/geo+json", f"map-{kind}.geojson")


# --- under every map ------------------------------------------------------------------------------


def map_data(block: Mapping[str, Any]) -> dict[str, str] | None:
    """What the licence line under a map links and says: its CSV, GeoJSON, the catalogue and the
    citation of its page. ``block`` is :func:`geo.web.maps.map_block`'s (kind and subject)."""
    kind, subject = block.get("kind"), block.get("subject")
    if kind is None or subject is None:
        return None
    s = state()
    subject = s.kinds.canonical(s, kind, subject)
    page = s.kinds[kind].page.url(url_for, subject)
    return {"csv": url_for("data.map_csv", kind=kind, arg=subject),
            "geojson": url_for("data.map_geojson", kind=kind, arg=subject),
            "catalogue": url_for("data.index"), "citation": citation_for(page)}


def data_urls(s: State) -> list[str]:
    """For the static export: /data, its JSON, the ZIP, the tables and every map's data."""
    urls = [url_for("data.index"), url_for("data.api"), url_for("data.zip_file")]
    urls += [url_for("data.table", name=name) for name in cat.TABLES]
    for kind in s.kinds:
        for subject in kind.subjects(s):
            urls += [url_for("data.map_csv", kind=kind.name, arg=subject),
                     url_for("data.map_geojson", kind=kind.name, arg=subject)]
    return urls


# The licence line's links, for every template (a global: macros imported without context see it).
bp.record_once(lambda setup: setup.app.jinja_env.globals.update(map_data=map_data))
