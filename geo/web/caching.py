"""Compression done once per response body, ETags, and cache headers.

Why not flask-compress as is: it gzips every response on every request, which on the larger
pages costs more than serving them. Every page and JSON document of this app is a pure function
of the data loaded at start, so the same body comes back again and again: gzip it once, keep the
result keyed by the body's hash, and serve the cached bytes afterwards.

And one step further: the view itself. Rendering the overview template (hundreds of
``url_for``) costs many times a trivial endpoint; since its output only depends on the URL, a
bounded :class:`ResponseCache` keeps the rendered body per full path, served from
``before_request``. It also keeps the *finished* response (after this module's and the security
hooks: ETag, gzip, CSP…) per path and ``Accept-Encoding`` (gzip or not): an unconditional request
for it is answered as it is, and those hooks skip it (``g.finished_response``), since they cost
more than everything else of a cached page. A revalidation (``If-None-Match``) still goes through
them: it may end in a 304. A view opts out with ``Cache-Control: no-store``; responses with
cookies or streamed file bodies are not kept (a versioned CSS/JS file, read whole by the gzip
step, is kept finished like a page). ``RESPONSE_CACHE = False`` in the config turns it off.
The measurements behind this are in ``docs/performance.md``.

What a response gets (only status 200 GET/HEAD responses are touched):
- a strong ``ETag`` (hash of the uncompressed body; ``-gz`` suffix on the gzip variant) and a
  ``304`` when ``If-None-Match`` matches;
- ``Content-Encoding: gzip`` when the client accepts it and the type is text-like;
  ``Vary: Accept-Encoding`` on every compressible type, compressed or not;
- ``Cache-Control``: ``immutable`` for versioned URLs (``?v=`` or a content hash in the file
  name), ``max-age`` for data (JSON/TopoJSON/GeoJSON), ``no-cache`` (revalidate by ETag) for HTML.
  A view that sets its own ``Cache-Control`` keeps it, except on versioned URLs.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, request_finished

from geo.lru import BoundedLRU

F = TypeVar("F", bound=Callable[..., Any])

COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/javascript",
    "application/x-javascript",
    "application/xml",
    "image/svg+xml",
    "application/wasm",
)
MIN_SIZE = 500  # below one packet gzip saves nothing worth a header
IMMUTABLE = "public, max-age=31536000, immutable"
DATA_MAX_AGE = 3600
# A file name carrying a content hash (leaflet.3f2a9c1b.js) is immutable like a ?v= URL.
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.[A-Za-z0-9]+$")


class GzipCache:
    """Body hash → gzip bytes, bounded by total size and entries (LRU). Thread-safe."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, level: int = 9,
                 max_entries: int = 4096) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.level = level
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.compressions = 0  # how many times gzip actually ran (tests, benchmark)

    def get(self, key: str, body: bytes) -> bytes:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        # Compress outside the lock; a rare duplicate compression under a race is harmless.
        data = self.compress(body)
        with self._lock:
            if key not in self._items and len(data) <= self.max_bytes:
                self._items[key] = data
                self._size += len(data)
                while self._size > self.max_bytes or len(self._items) > self.max_entries:
                    _, old = self._items.popitem(last=False)
                    self._size -= len(old)
        return data

    def compress(self, body: bytes) -> bytes:
        self.compressions += 1
        # mtime=0: the same body always gives the same bytes (stable ETag, reproducible export).
        return gzip.compress(body, compresslevel=self.level, mtime=0)


# Headers a stored response must not carry into the next one.
_NOT_KEPT = frozenset({"content-length", "x-response-cache"})
Stored = tuple[bytes, list[tuple[str, str]]]


def _sizeof(item: Stored) -> int:
    return len(item[0]) + sum(len(k) + len(v) for k, v in item[1])


class ResponseCache:
    """Normalized URL → (body, headers) of 200 responses as the view made them, and (URL, gzip
    or not) → the same response finished by the after_request hooks; each an LRU bounded by
    entry count and bytes."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024,
                 max_body: int = 4 * 1024 * 1024) -> None:
        self.max_body = max_body
        # One LRU for both layers, so its bounds are the cache's: ("view", url), ("done", url, gzip).
        self._items: BoundedLRU[Stored] = BoundedLRU(max_entries, max_bytes, sizeof=_sizeof)
        self.hits = 0

    def clear(self) -> None:
        """Forget every page: after a change of what pages render (the export's print links)."""
        self._items.clear()

    def finished_count(self) -> int:
        return sum(1 for k in self._items.held_keys() if k[0] == "done")

    def get(self, key: str) -> Response | None:
        return self._response(self._items.get(("view", key)))

    def put(self, key: str, response: Response) -> None:
        self._store(("view", key), response)

    def finished(self, key: str, gzip: bool) -> Response | None:
        return self._response(self._items.get(("done", key, gzip)))

    def keep_finished(self, key: str, gzip: bool, response: Response) -> None:
        self._store(("done", key, gzip), response)

    def _response(self, item: Stored | None) -> Response | None:
        if item is None:
            return None
        self.hits += 1
        return Response(item[0], status=200, headers=item[1])

    def _store(self, key: tuple[str, ...] | tuple[str, str, bool], response: Response) -> None:
        if (response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers
                or "no-store" in response.headers.get("Cache-Control", "")):
            return
        body = response.get_data()
        if len(body) > self.max_body:
            return
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT]
        self._items.put(key, (body, headers))


def body_etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def is_compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(COMPRESSIBLE)  # type: ignore[union-attr]


def is_versioned(path: str, args: dict[str, str]) -> bool:
    """URLs whose content never changes: ``?v=<version or hash>`` or a hashed file name."""
    return bool(args.get("v")) or bool(_HASHED_NAME.search(path))


def accepts_gzip() -> bool:
    # Werkzeug's parser knows q-values: "gzip;q=0" and "identity" alone mean no gzip.
    return request.accept_encodings["gzip"] > 0


def default_cache_control(mimetype: str | None, versioned: bool) -> str:
    if versioned:
        return IMMUTABLE
    if mimetype and ("json" in mimetype or mimetype.startswith("image/")):
        return f"public, max-age={DATA_MAX_AGE}"
    if mimetype and mimetype.startswith(("text/css", "application/javascript", "font/")):
        return f"public, max-age={DATA_MAX_AGE}"
    return "no-cache"  # HTML: always revalidate; the ETag makes that a cheap 304


def _etag_matches(etag: str) -> bool:
    inm = request.if_none_match
    return bool(inm) and (inm.contains(etag) or inm.star_tag)


def process(response: Response, cache: GzipCache) -> Response:
    """The after_request hook: ETag, 304, Cache-Control, gzip from cache."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if "Content-Encoding" in response.headers:
        return response
    versioned = is_versioned(request.path, request.args)  # type: ignore[arg-type]
    # A versioned URL is immutable whatever the view said (send_file says no-cache by default).
    if versioned or "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = default_cache_control(response.mimetype, versioned)
    compressible = is_compressible(response.mimetype)
    if not compressible and response.direct_passthrough:
        return response  # e.g. a PNG file: send_file's own ETag/conditional handling is enough
    if response.direct_passthrough:
        response.direct_passthrough = False  # read the file wrapper once to hash/compress it
    body = response.get_data()
    etag = body_etag(body)
    use_gzip = compressible and len(body) >= MIN_SIZE and accepts_gzip()
    if compressible:
        response.vary.add("Accept-Encoding")
    tag = f"{etag}-gz" if use_gzip else etag
    response.set_etag(tag)
    response.headers.pop("Last-Modified", None)  # the ETag is exact; a file mtime is not
    if _etag_matches(tag):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Length", None)
        return response
    if use_gzip:
        response.set_data(cache.get(etag, body))
        response.headers["Content-Encoding"] = "gzip"
    return response


# ``v`` (with the data's version) is the one query every page may be kept under; a view that
# selects its page by other parameters says so with :func:`page_query`.
PAGE_QUERY = frozenset({"v"})


def page_query(*names: str) -> Callable[[F], F]:
    """Mark a view whose page depends on the query parameters ``names`` (e.g. ``level``): its
    responses are kept per value. Views validate the values themselves (400 is never kept)."""

    def mark(view: F) -> F:
        view.page_query = PAGE_QUERY | frozenset(names)  # type: ignore[attr-defined]
        return view

    return mark


def _cache_key() -> str | None:
    """The normalized URL (script root, decoded path, sorted query) of a page worth keeping, else None.

    Any other query (``/?x=1``, ``/town/01100?level=x`` on a view that does not read ``level``,
    ``?v=`` of another version) is rendered but never stored, so a flood of made-up URLs can
    neither grow the cache nor flush the real pages out of it."""
    args = request.args
    view = current_app.view_functions.get(request.endpoint or "")
    known = getattr(view, "page_query", PAGE_QUERY)
    if not set(args) <= known or any(len(args.getlist(k)) > 1 for k in args):
        return None
    if "v" in args:
        from geo.web.state import state

        if args["v"] != state().version:
            return None
    query = "&".join(f"{k}={args[k]}" for k in sorted(args))
    # The script root too: an edition's pages (/editions/<id>/…) have the bare pages' paths.
    return f"{request.script_root}{request.path}?{query}"


def init_app(app: Flask) -> None:
    """Register the hooks; caches live in ``app.extensions['gzip_cache'|'response_cache']``."""
    cache = GzipCache(
        max_bytes=app.config.get("GZIP_CACHE_BYTES", 64 * 1024 * 1024),
        level=app.config.get("GZIP_LEVEL", 9),
    )
    app.extensions["gzip_cache"] = cache
    pages: ResponseCache | None = ResponseCache() if app.config.get("RESPONSE_CACHE", True) else None
    app.extensions["response_cache"] = pages
    if pages is not None:
        app.before_request(_answer_from(pages))
        # weak=False: a weak reference to this nested function would die with init_app's frame.
        request_finished.connect(_keep_finished_in(pages), app, weak=False)
    app.after_request(_compress_once(cache, pages))


def _answer_from(pages: ResponseCache) -> Callable[[], Response | None]:
    """The before_request hook: a kept page, finished if it can be, instead of a view."""

    def cached_response() -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        key = g.page_key = _cache_key()
        if key is None:
            return None
        # A revalidation takes the long way, through the hooks: it may end in a 304.
        hit = None if "HTTP_IF_NONE_MATCH" in request.environ else pages.finished(key, accepts_gzip())
        if hit is not None:
            g.finished_response = True  # the after_request hooks leave it as it is
        else:
            hit = pages.get(key)
        if hit is not None:
            hit.headers["X-Response-Cache"] = "hit"  # visible in tests and curl -I
        return hit

    return cached_response


def _keep_finished_in(pages: ResponseCache) -> Callable[..., None]:
    """The request_finished receiver: keep the response as the client got it."""

    def keep_finished(sender: Flask, response: Response, **extra: Any) -> None:
        # Sent after every after_request hook: the response as the client gets it.
        key = g.get("page_key")
        if (key is not None and not g.get("finished_response") and request.method == "GET"
                and response.status_code == 200):
            pages.keep_finished(key, accepts_gzip(), response)

    return keep_finished


def _compress_once(cache: GzipCache, pages: ResponseCache | None) -> Callable[[Response], Response]:
    """The after_request hook: keep a fresh page as rendered, then compress (once per body)."""

    def compress_once(response: Response) -> Response:
        if g.get("finished_response"):
            return response
        if (pages is not None and request.method == "GET" and response.status_code == 200
                and "X-Response-Cache" not in response.headers):
            key = g.get("page_key")
            if key is not None:
                pages.put(key, response)
        return process(response, cache)

    return compress_once
