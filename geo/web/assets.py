"""Library assets (Leaflet, topojson-client …) and the app's own JS/CSS, served by the app.

Nothing comes from a CDN: Leaflet is the PyPI package ``xstatic-leaflet``; topojson-client is
installed from npm by setup.sh into ``vendor/npm`` (git-ignored). URLs carry the version
(``?v=``), so the caching layer marks them immutable.

Pages load *bundles*, not single files (benchmark e: every extra request before
DOMContentLoaded delayed the first paint): ``map.js`` is Leaflet, its gesture handling,
topojson-client and our runtime in the order they must run; ``site.css`` is the stylesheets.
Bundles are built once when the blueprint is registered and versioned by their content hash.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_gesturehandling as xs_gesture
from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory

from geo.errors import DataError
from geo.web.editions import site_url

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = Path(__file__).resolve().parent / "static"
NPM_DIR = ROOT / "vendor" / "npm" / "node_modules"

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Library:
    directory: Path
    version: str


def libraries(npm_dir: Path = NPM_DIR) -> dict[str, Library]:
    return {
        "leaflet": Library(Path(xs_leaflet.BASE_DIR), xs_leaflet.VERSION),
        "gesture-handling": Library(Path(xs_gesture.BASE_DIR), xs_gesture.VERSION),
        "topojson-client": Library(npm_dir / "topojson-client" / "dist", "3.1.0"),
        "app": Library(STATIC_DIR, _tree_hash(STATIC_DIR)),
    }


def _tree_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


# name → the library files it concatenates, in load order (the map script needs all of them).
BUNDLES: dict[str, tuple[tuple[str, str], ...]] = {
    "map.js": (("leaflet", "leaflet.js"), ("gesture-handling", "leaflet-gesture-handling.min.js"),
               ("topojson-client", "topojson-client.min.js"), ("app", "hokkaido.js"), ("app", "index.js")),
    # Search, 現在地 and the overview's panel with its state in the URL, in the page (no server
    # needed: the static export too), loaded on first use, off the first paint's path.
    "search.js": (("app", "search.js"), ("app", "panel.js"), ("app", "locate.js")),
    # Embeds only: their height to a host page that asks (docs/embedding.md).
    "frame.js": (("app", "frame.js"),),
    "site.css": (("leaflet", "leaflet.css"), ("gesture-handling", "leaflet-gesture-handling.min.css"),
                 ("app", "site.css")),
    # A few text pages' own rules (error page, 連携会議の評価表, 試験結果表): not on every page.
    "pages.css": (("app", "pages.css"),),
}
_CSS_REL_URL = re.compile(r"""url\((["']?)(?![a-z]+:|/|#)([^"')]+)\1\)""")


@dataclass(frozen=True)
class Bundle:
    body: bytes
    version: str
    mimetype: str


def build_bundle(name: str, libs: dict[str, Library]) -> Bundle:
    """Concatenate a bundle's parts; a stylesheet's relative url()s are re-rooted at its library
    (served from /assets/bundle/, leaflet.css's images/layers.png is ../leaflet/images/...)."""
    chunks = []
    for lib, filename in BUNDLES[name]:
        text = (libs[lib].directory / filename).read_text(encoding="utf-8")
        if lib == "app":
            text = minified(name, text)
        if name.endswith(".css"):
            folder = "/".join([lib, *filename.split("/")[:-1]])
            text = _CSS_REL_URL.sub(lambda m, f=folder: f"url({m[1]}../{f}/{m[2]}{m[1]})", text)
        # ";" and newlines: a minified file without a trailing ";" must not run into the next.
        chunks.append(f"/* {lib}/{filename} */\n{text}\n" + (";\n" if name.endswith(".js") else ""))
    body = "".join(chunks).encode("utf-8")
    return Bundle(body, hashlib.sha256(body).hexdigest()[:10],
                  "text/css" if name.endswith(".css") else "application/javascript")


def minified(name: str, text: str) -> str:
    """Our own sources ship minified (the libraries come minified already); kept readable here."""
    return rcssmin.cssmin(text) if name.endswith(".css") else rjsmin.jsmin(text)


def own_parts(name: str) -> dict[str, bytes]:
    """The app's own files in a bundle, as served (the rest is shared library code): for the
    benchmark's page weight."""
    return {filename: minified(name, (STATIC_DIR / filename).read_text(encoding="utf-8")).encode("utf-8")
            for lib, filename in BUNDLES[name] if lib == "app"}


def _libs() -> dict[str, Library]:
    return current_app.extensions["hokkaido_map_assets"]


@bp.record_once
def _setup(setup_state) -> None:  # type: ignore[no-untyped-def]
    app: Flask = setup_state.app
    npm_dir = Path(app.config.get("NPM_ASSETS") or NPM_DIR)
    libs = libraries(npm_dir)
    for name, lib in libs.items():
        if not lib.directory.is_dir():
            # Without it every map is blank: refuse to start, and say how to fix it.
            raise DataError(f"browser library {name} is not installed; run ./setup.sh", path=lib.directory)
    app.extensions["hokkaido_map_assets"] = libs
    # A fixed, small set: built once here, never evicted (bounded by BUNDLES).
    app.extensions["hokkaido_map_bundles"] = {name: build_bundle(name, libs) for name in BUNDLES}
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["bundle_url"] = bundle_url
    app.jinja_env.globals["icon_url"] = icon_url


# At the site's root from every edition's pages (geo.web.editions): one cached copy for all.
def asset_url(lib: str, filename: str) -> str:
    return site_url("assets.asset", lib=lib, filename=filename, v=_libs()[lib].version)


def bundle_url(name: str) -> str:
    bundle = current_app.extensions["hokkaido_map_bundles"][name]
    return site_url("assets.bundle", name=name, v=bundle.version)


@bp.get("/assets/bundle/<name>")
def bundle(name: str) -> Response:
    found = current_app.extensions["hokkaido_map_bundles"].get(name)
    if found is None:
        abort(404)
    response = Response(found.body, mimetype=found.mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = 31536000
    return response


@bp.get("/assets/<lib>/<path:filename>")
def asset(lib: str, filename: str):  # type: ignore[no-untyped-def]
    library = _libs().get(lib)
    if library is None:
        abort(404)
    # send_from_directory refuses paths leaving the directory (../).
    return send_from_directory(library.directory, filename, max_age=31536000)


# --- the site's icon ----------------------------------------------------------------------------
# The pages link the SVG (versioned, so it is cached for good); /favicon.ico is for what asks
# the root for it anyway (old browsers, bookmarks, feed readers): without it, a 404 per visit.
ICONS = {"favicon.svg": "image/svg+xml", "favicon.ico": "image/vnd.microsoft.icon"}


def icon_url() -> str:
    return site_url("assets.icon", name="favicon.svg", v=_icon_version())


@functools.cache  # one file of the package: read once
def _icon_version() -> str:
    return hashlib.sha256((STATIC_DIR / "favicon.svg").read_bytes()).hexdigest()[:10]


@bp.get("/<any(favicon.svg, favicon.ico):name>", endpoint="icon")
def icon(name: str) -> Response:
    response = Response((STATIC_DIR / name).read_bytes(), mimetype=ICONS[name])
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
