"""oEmbed (https://oembed.com) for every map of the site, and ``/embed.js``, the host page's
resize script (``docs/embedding.md``).

- ``/api/oembed?url=<page URL>[&maxwidth=&maxheight=&format=json]``: the ``rich`` answer for any
  page of a map kind or its embed. 404 for a URL that is not ours or shows no map, 501 for a
  format other than JSON, 400 for a missing, oversized or malformed parameter. The URL given is
  never written back: no answer can carry what a client typed.
- ``/api/oembed/<kind>/<subject>.json``: the same answer for one map, by its canonical subject.
  It is what the pages' discovery link names: a static host has no query strings, so the
  export writes this file per map (``geo/web/site.py``).
- ``/embed.js``: our iframes on a host page take the height their embed posts (``frame.js``).

Which URLs are ours: with ``PUBLIC_URL`` set, an http(s) URL of its host under its path; always a
path-absolute URL (``/town/01400``), read as a path of this site. Without ``PUBLIC_URL`` an
absolute URL is refused (404): the only other clue to our own address is the request's Host,
which a client chooses, and an answer kept by a cache must not depend on it. The answer's URLs
are absolute only from ``PUBLIC_URL`` too.

Resolving a URL costs a dictionary look-up: the app's URL map names the endpoint, and one table
per edition (built once, as large as the site's list of maps) names the kind and subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import rjsmin
from flask import Blueprint, Flask, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from geo.render.model import default_year
from geo.web.caching import DATA_MAX_AGE
from geo.web.editions import edition_request_context, site_url
from geo.web.errors import fail, json_error
from geo.web.maps import UNKNOWN_SUBJECT
from geo.web.state import EDITION_ENVIRON, State, edition_states, state
from geo.web.templating import SITE_TITLE, embed_snippet

bp = Blueprint("oembed", __name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_URL = 2048  # longer than any page of ours: refused before any parsing
DEFAULT_WIDTH, DEFAULT_HEIGHT = 640, 480  # the snippet's fixed height; 640 fits a CMS column
MIN_SIZE, MAX_SIZE = 50, 10000  # what maxwidth/maxheight may ask (bounded digits, no zero box)
EMBED_JS_MAX_AGE = 3600  # an unversioned URL pasted on other sites: revalidated hourly by ETag
_EDITIONS = "/editions/"

# Query parameters a page reads to pick its map when the URL leaves them out: what a bare
# ``/`` or ``/progress`` shows (geo/web/pages.py ``index``, geo/web/progress.py ``_year_arg``).
# Filled in on both sides of the look-up, so ``/`` and ``/?level=municipalities&measure=all``
# name the same map.
def _query_defaults(s: State) -> dict[str, dict[str, str]]:
    overview = {"level": "municipalities", "measure": "all"}
    progress = {"level": "subprefectures", "year": str(default_year(s))}
    return {"pages.index": overview, "embed.index": overview,
            "progress.index": progress, "progress.embed": progress}


@dataclass(frozen=True)
class Maps:
    """(endpoint, its URL values) → (kind, subject) for every page and embed of every map."""

    table: Mapping[tuple[str, frozenset[tuple[str, str]]], tuple[str, str]]
    keys: Mapping[str, frozenset[str]]  # the URL values each endpoint is told apart by
    defaults: Mapping[str, Mapping[str, str]]

    def key(self, endpoint: str, values: Mapping[str, Any]) -> tuple[str, frozenset[tuple[str, str]]]:
        filled = {**self.defaults.get(endpoint, {}), **{k: str(v) for k, v in values.items()}}
        return endpoint, frozenset(filled.items())


def _build_maps(s: State) -> Maps:
    defaults = _query_defaults(s)
    table: dict[tuple[str, frozenset[tuple[str, str]]], tuple[str, str]] = {}
    keys: dict[str, set[str]] = {}
    maps = Maps(table, {}, defaults)
    for kind in s.kinds:
        for subject in kind.subjects(s):
            embed, page = kind.embed.values(subject), kind.page.values(subject)
            # The page with its embed's query too: ``/?level=regions&measure=cross`` is the
            # overview the page's script shows for it (one page serves every overview).
            for endpoint, values in ((kind.embed.endpoint, embed), (kind.page.endpoint, page),
                                     (kind.page.endpoint, {**embed, **page})):
                table.setdefault(maps.key(endpoint, values), (kind.name, subject))
                keys.setdefault(endpoint, set(defaults.get(endpoint, ()))).update(values)
    return Maps(table, {k: frozenset(v) for k, v in keys.items()}, defaults)


def site_maps(s: State) -> Maps:
    """The look-up table of ``s``'s edition, built on first use and memoized with the maps."""
    return s.memo(("oembed-maps",), lambda: _build_maps(s))


# --- which map a URL shows ---------------------------------------------------------------------


def site_path(url: str) -> tuple[str, str] | None:
    """(decoded path, query) of ``url`` on this site, or None for a URL that is not ours."""
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        # Path-absolute only: "town/01400" or "//evil.example/x" name no page of ours.
        ok = url.startswith("/") and not url.startswith("//")
        return (unquote(parts.path), parts.query) if ok else None
    base = current_app.config.get("PUBLIC_URL")
    if not base or parts.scheme.lower() not in ("http", "https"):
        return None
    ours = urlsplit(base)
    # http or https of our host: a CMS may have stored either; the port must be ours.
    if parts.netloc.lower() != ours.netloc.lower():
        return None
    root = ours.path.rstrip("/")
    path = unquote(parts.path) or "/"
    if root:
        if path != root and not path.startswith(root + "/"):
            return None
        path = path[len(root):] or "/"
    return path, parts.query


def _endpoint(path: str) -> tuple[str, dict[str, Any]] | None:
    """The endpoint and view values the app would serve ``path`` with (one redirect followed:
    ``/embed`` → ``/embed/``). The adapter is bound to a fixed name: never the request's Host."""
    adapter = current_app.url_map.bind("oembed.invalid", script_name="/")
    for _ in range(2):
        try:
            return adapter.match(path, method="GET")
        except RequestRedirect as moved:
            path = unquote(urlsplit(moved.new_url).path)
        except (NotFound, MethodNotAllowed):
            return None
    return None


def _canonical_subject(s: State, maps: Maps, endpoint: str,
                       values: Mapping[str, Any]) -> tuple[str, str] | None:
    """Another spelling of a subject (``/town/014001``, a ward's page): the kind's canonical one,
    if that subject's route has the same endpoint (the page redirects there or shows its map)."""
    if len(values) != 1:
        return None
    (value,) = values.values()
    for kind in s.kinds:
        for route in (kind.page, kind.embed):
            if route.endpoint != endpoint:
                continue
            try:
                subject = kind.canonical(s, str(value))
            except (*UNKNOWN_SUBJECT, ValueError):
                continue
            hit = maps.table.get(maps.key(endpoint, route.values(subject)))
            if hit is not None:
                return hit
    return None


def find_map(path: str, query: str) -> tuple[str, str] | None:
    """(kind, subject) of the map the page at ``path``?``query`` shows, in this request's edition."""
    matched = _endpoint(path)
    if matched is None:
        return None
    endpoint, view_values = matched
    s = state()
    maps = site_maps(s)
    if endpoint not in maps.keys:
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    if len({k for k, _ in pairs}) != len(pairs):
        return None  # a parameter twice: the page itself answers 400
    # Only what picks the map (?level=, ?year=): ?town= or ?sort= change the page, not its map.
    asked = {k: v for k, v in pairs if k in maps.keys[endpoint] and k not in view_values}
    values = {**asked, **view_values}
    hit = maps.table.get(maps.key(endpoint, values))
    return hit or _canonical_subject(s, maps, endpoint, values)


# --- the answer --------------------------------------------------------------------------------


def _size(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5) or not MIN_SIZE <= int(raw) <= MAX_SIZE:
        fail(400, f"{name}: a whole number of pixels, {MIN_SIZE}–{MAX_SIZE}",
             f"{name} は {MIN_SIZE}〜{MAX_SIZE} の整数（ピクセル）で指定してください。")
    return min(default, int(raw))


def _check_format() -> None:
    fmt = request.args.get("format", "json")
    if fmt != "json":
        # oEmbed: 501 for a format the provider does not serve. The value is not echoed.
        fail(501, "only format=json is served", "JSON 形式だけを提供しています。")


def _absolute(path: str) -> str:
    return (current_app.config.get("PUBLIC_URL") or "").rstrip("/") + path


def oembed_answer(kind_name: str, subject: str) -> dict[str, Any]:
    """The oEmbed ``rich`` object of one map (in this request's edition), sized by the request's
    ``maxwidth`` / ``maxheight``."""
    _check_format()
    width, height = _size("maxwidth", DEFAULT_WIDTH), _size("maxheight", DEFAULT_HEIGHT)
    s = state()
    kind = s.kinds[kind_name]
    title = kind.title(s, subject)
    html = embed_snippet(kind.embed.url(url_for, subject), title, width=width, height=height)
    return {
        "type": "rich",
        "version": "1.0",
        "title": title,
        "provider_name": SITE_TITLE,
        "provider_url": _absolute(site_url("pages.index")),
        "html": html,
        "width": width,
        "height": height,
        "cache_age": DATA_MAX_AGE,  # what the JSON's own Cache-Control says
    }


def _json(body: dict[str, Any]) -> Response:
    response = current_app.json.response(body)
    # Public data, no cookies: a consumer's page may ask from the browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _url_arg() -> str:
    url = request.args.get("url")
    if not url:
        fail(400, "url: the address of a page of this site", "url（ページのアドレス）を指定してください。")
    if len(url) > MAX_URL:
        fail(400, f"url: at most {MAX_URL} characters", f"url は {MAX_URL} 文字までです。")
    return url


@bp.get("/api/oembed")
def oembed() -> Response:
    """``?url=`` of a page or embed with a map → its oEmbed answer (module docstring)."""
    url = _url_arg()
    _check_format()
    found = site_path(url)
    if found is None:
        fail(404, "not a page of this site", "このサイトのページではありません。")
    path, query = found
    edition, _, rest = path[len(_EDITIONS):].partition("/") if path.startswith(_EDITIONS) else ("", "", "")
    if edition in edition_states() and request.environ.get(EDITION_ENVIRON) is None:
        # An edition's page: resolved and answered in that edition, its URLs under its mount.
        with edition_request_context(current_app, edition):
            hit = find_map("/" + rest, query)
            return _json(_answer_or_404(hit))
    return _json(_answer_or_404(find_map(path, query)))


def _answer_or_404(hit: tuple[str, str] | None) -> dict[str, Any]:
    if hit is None:
        fail(404, "no map on this page", "このページには地図がありません。")
    return oembed_answer(*hit)


@bp.get("/api/oembed/<kind>/<path:subject>.json")
def oembed_file(kind: str, subject: str) -> Response:
    """One map's answer by its canonical subject: the discovery link, a file in the export."""
    s = state()
    try:
        if kind not in s.kinds or s.kinds.canonical(s, kind, subject) != subject:
            raise KeyError(subject)
    except (*UNKNOWN_SUBJECT, ValueError):
        fail(404, "no such map", "その地図はありません。")
    return _json(oembed_answer(kind, subject))


def discovery_url(kind: str, subject: str) -> str:
    """The discovery link's ``href`` for a map (``<link rel="alternate" … json+oembed>``)."""
    return url_for("oembed.oembed_file", kind=kind, subject=subject)


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException) -> tuple[dict, int, list[tuple[str, str]]]:
    return json_error(exc)


# --- /embed.js ---------------------------------------------------------------------------------


def _embed_script() -> bytes:
    return rjsmin.jsmin((STATIC_DIR / "embed.js").read_text(encoding="utf-8")).encode("utf-8")


@bp.record_once
def _setup(setup_state) -> None:  # type: ignore[no-untyped-def]
    app: Flask = setup_state.app
    app.extensions["hokkaido_map_embed_js"] = _embed_script()  # one small file, read once


def embed_script_url() -> str:
    """``/embed.js`` at the site's root (from an edition's pages too: one copy for every host)."""
    return site_url("oembed.embed_js")


@bp.get("/embed.js")
def embed_js() -> Response:
    """The host page's script. Its URL carries no version (it is pasted on other sites and must
    not pin an old copy): an hour's max-age, then a revalidation by the ETag the caching layer
    gives every body (a 304)."""
    response = Response(current_app.extensions["hokkaido_map_embed_js"], mimetype="application/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = EMBED_JS_MAX_AGE
    return response
