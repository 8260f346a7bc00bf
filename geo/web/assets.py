"""Library assets (Leaflet, topojson-client …) and the app's own JS/CSS, served by the app.

Nothing comes from a CDN: Leaflet is the PyPI package ``xstatic-leaflet``; topojson-client is
installed from npm by setup.sh into ``vendor/npm`` (git-ignored). URLs carry the version
(``?v=``), so the caching layer marks them immutable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_gesturehandling as xs_gesture
from flask import Blueprint, Flask, abort, current_app, send_from_directory, url_for

from geo.errors import DataError

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
    app.jinja_env.globals["asset_url"] = asset_url


def asset_url(lib: str, filename: str) -> str:
    return url_for("assets.asset", lib=lib, filename=filename, v=_libs()[lib].version)


@bp.get("/assets/<lib>/<path:filename>")
def asset(lib: str, filename: str):  # type: ignore[no-untyped-def]
    library = _libs().get(lib)
    if library is None:
        abort(404)
    # send_from_directory refuses paths leaving the directory (../).
    return send_from_directory(library.directory, filename, max_age=31536000)
