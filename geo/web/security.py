"""Security headers: Content-Security-Policy, frame rules, nosniff, referrer policy.

The policy never allows ``'unsafe-inline'`` scripts: injected markup would run. Scripts are
files of the app (``'self'``); an inline ``<script>`` runs only if the app itself ships it: its
hash (sha256) is computed once, at start, from the templates (:func:`shipped_script_hashes`),
never from the outgoing body (issue 26: hashing the response allowed whatever script had slipped
into it). A template's inline script that has template syntax in it cannot be hashed ahead and
is not allowed (start-up logs it): move it to a static file. Data islands (``type=
"application/json"``) are not scripts to the browser and need no hash.

``/embed/...`` may be framed by the origins in ``EMBED_FRAME_ANCESTORS`` (default: any);
every other response only by the app itself.

No response names a host the operator did not configure: a redirect's ``Location`` is made
relative (Werkzeug builds the trailing-slash redirect from the request's ``Host``), and the only
absolute URL the app writes comes from ``PUBLIC_URL``, checked at start.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.utils import redirect

from geo.errors import DataError

# An inline script: a <script> tag without src=, body up to the first </script (HTML's own rule).
_SCRIPT = re.compile(
    rb"<script(?![^>]*\ssrc\s*=)(?:\s[^>]*)?>(.*?)</script", re.IGNORECASE | re.DOTALL
)
_TYPE = re.compile(rb"""\stype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# What a browser runs as script: no type, a JavaScript MIME type, or a module (HTML's own list).
_RUNNABLE_TYPES = {b"", b"module", b"text/javascript", b"application/javascript", b"text/ecmascript",
                   b"application/ecmascript", b"text/jscript", b"text/livescript"}
_TEMPLATE_SYNTAX = re.compile(rb"{{|{%|{#")
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


def _inline_scripts(html: bytes) -> list[bytes]:
    """The bodies of the inline scripts a browser would run, empty ones left out."""
    out = []
    for m in _SCRIPT.finditer(html):
        kind = _TYPE.search(m.group(0)[: m.start(1) - m.start(0)])
        if (kind.group(1).lower() if kind else b"") in _RUNNABLE_TYPES and m.group(1).strip():
            out.append(m.group(1))
    return out


def _source(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + "'"


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions ``'sha256-…'`` for each distinct inline script body, in order."""
    return list(dict.fromkeys(_source(body) for body in _inline_scripts(html)))


def shipped_script_hashes(app: Flask) -> tuple[list[str], list[str]]:
    """The hashes of the inline scripts in the app's own templates, and the templates whose inline
    scripts cannot be allowed (template syntax inside: their text is only known per request)."""
    loader = app.jinja_env.loader
    hashes: dict[str, None] = {}
    refused: list[str] = []
    for name in sorted(loader.list_templates()) if loader is not None else ():
        if not name.endswith((".html", ".htm", ".j2", ".jinja")):
            continue
        source, _, _ = loader.get_source(app.jinja_env, name)
        for body in _inline_scripts(source.encode("utf-8")):
            if _TEMPLATE_SYNTAX.search(body):
                refused.append(name)
            else:
                hashes[_source(body)] = None
    return list(hashes), sorted(set(refused))


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


def _csp_for(path: str, script_hashes: list[str]) -> str:
    if is_embed(path):
        ancestors = frame_ancestors(current_app.config.get("EMBED_FRAME_ANCESTORS"))
    else:
        ancestors = "'self'"
    return build_csp(script_hashes, ancestors)


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
    # Once, now: what the app ships. The same policy for every response, whatever its body holds.
    script_hashes, refused = shipped_script_hashes(app)
    for name in refused:
        app.logger.warning("templates/%s: an inline <script> with template syntax cannot be allowed "
                           "by a hash and is blocked by the policy; move it to a static file", name)
    app.extensions["csp_script_hashes"] = tuple(script_hashes)

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
            response.headers["Content-Security-Policy"] = _csp_for(request.path, script_hashes)
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
