"""Security headers: Content-Security-Policy, frame rules, nosniff, referrer policy.

The pages carry inline ``<script>`` blocks (Folium writes the map set-up inline), yet the policy
must not allow ``'unsafe-inline'`` scripts: injected markup would run. So every HTML response's
own inline scripts are hashed (sha256) into ``script-src``; a script that an attacker slips into
the data is escaped text, never one of those blocks, and could not run even if it were markup.

``/embed/...`` may be framed by the origins in ``EMBED_FRAME_ANCESTORS`` (default: any);
every other response only by the app itself.

No response names a host the operator did not configure: a redirect's ``Location`` is made
relative (Werkzeug builds the trailing-slash redirect from the request's ``Host``), and the only
absolute URL the app writes comes from ``PUBLIC_URL``, checked at start.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from threading import Lock
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.utils import redirect

from geo.errors import DataError

# An inline script: a <script> tag without src=, body up to the first </script (HTML's own rule).
_SCRIPT = re.compile(
    rb"<script(?![^>]*\ssrc\s*=)(?:\s[^>]*)?>(.*?)</script", re.IGNORECASE | re.DOTALL
)
_EMBED_PREFIX = "/embed/"
# CSP source expressions frame-ancestors accepts: keywords, scheme:, [scheme://]host[:port][/path].
_SOURCE = re.compile(
    r"\*|'self'|'none'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?(?:/[^\s;,'\"]*)?",
    re.IGNORECASE,
)
_CACHE_SIZE = 256

# No Cross-Origin-Opener-Policy: on a public site without sessions or cookies it guards nothing
# (no state for a cross-origin opener to probe), and it costs a first visit a second renderer
# process (docs/hardening.md has the measurements).
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions ``'sha256-…'`` for each distinct inline script body, in order."""
    out: dict[str, None] = {}
    for body in _SCRIPT.findall(html):
        if body.strip():
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
            out[f"'sha256-{digest}'"] = None
    return list(out)


def frame_ancestors(setting: str | Iterable[str] | None) -> str:
    """``EMBED_FRAME_ANCESTORS`` as a source list: a string (space-separated) or a list of origins."""
    if setting is None:
        return "*"
    items = setting.split() if isinstance(setting, str) else [str(s) for s in setting]
    for item in items:
        # Only source expressions: a ; or , would end the directive and inject another one.
        if not _SOURCE.fullmatch(item):
            raise DataError(f"not an origin or a source keyword: {item!r}",
                            path="HOKKAIDO_MAP_EMBED_FRAME_ANCESTORS")
    return " ".join(items) or "'none'"


def is_embed(path: str) -> bool:
    return path.startswith(_EMBED_PREFIX) or path == _EMBED_PREFIX.rstrip("/")


def build_csp(script_hashes: Iterable[str], ancestors: str) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # Leaflet positions every tile, marker and tooltip with style="" attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


class _HashCache:
    """Body digest → script hashes: a page is hashed once, not on every request."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[bytes, list[str]] = OrderedDict()
        self._lock = Lock()

    def get(self, body: bytes, encoding: str | None) -> list[str]:
        key = hashlib.blake2b(body, digest_size=20).digest() + (encoding or "").encode()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        hashes = inline_script_hashes(_decoded(body, encoding))
        with self._lock:
            self._items[key] = hashes
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return hashes


def _decoded(body: bytes, encoding: str | None) -> bytes:
    # The compression hook may run before this one (after_request order is reverse registration).
    enc = (encoding or "").lower().strip()
    if enc in ("", "identity"):
        return body
    if enc in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if enc == "deflate":
        return zlib.decompress(body)
    if enc == "br":
        import brotli  # flask-compress's dependency

        return brotli.decompress(body)
    raise ValueError(f"cannot read a {enc}-encoded HTML body to hash its scripts")


def _csp_for(response: Response, cache: _HashCache) -> str:
    hashes: list[str] = []
    if response.mimetype == "text/html":
        if response.direct_passthrough or not response.is_sequence:
            response.direct_passthrough = False
            response.make_sequence()
        hashes = cache.get(response.get_data(), response.headers.get("Content-Encoding"))
    if is_embed(request.path):
        ancestors = frame_ancestors(current_app.config.get("EMBED_FRAME_ANCESTORS"))
    else:
        ancestors = "'self'"
    return build_csp(hashes, ancestors)


def relative_location(location: str) -> str:
    """``http://evil.example/embed/`` → ``/embed/``: every redirect of the app stays on it."""
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?")


def check_public_url(value: object) -> None:
    """``PUBLIC_URL`` goes into every page: only a plain http(s) address, refused at start."""
    if value and not (isinstance(value, str) and _PUBLIC_URL.fullmatch(value)):
        raise DataError(f"must be http(s)://host[:port][/path], not {value!r}",
                        path="HOKKAIDO_MAP_PUBLIC_URL")


def init_app(app: Flask) -> None:
    """Add the headers to every response, errors included."""
    frame_ancestors(app.config.get("EMBED_FRAME_ANCESTORS"))  # a bad setting fails at start
    check_public_url(app.config.get("PUBLIC_URL"))
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)  # GET-only app: no large bodies
    cache = _HashCache()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        if g.get("finished_response"):
            return response  # kept by geo/web/caching.py as this hook finished it: headers and all
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.status_code == 304:
            # A 304's headers replace the cached ones: a hash-less CSP would block the cached
            # page's scripts, so the stored policy (sent with the 200) is left alone.
            response.headers.pop("Content-Security-Policy", None)
        else:
            response.headers["Content-Security-Policy"] = _csp_for(response, cache)
        if is_embed(request.path):
            response.headers.pop("X-Frame-Options", None)  # cannot express a list of origins
        else:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        # Pages are public and identical for everyone: nothing should ever set a cookie.
        response.headers.pop("Set-Cookie", None)
        location = response.headers.get("Location")
        if location and relative_location(location) != location:
            # Werkzeug's slash redirect names the request's Host in the header *and* the body.
            relative = relative_location(location)
            response.headers["Location"] = relative
            response.set_data(redirect(relative, response.status_code).get_data())
        return response
