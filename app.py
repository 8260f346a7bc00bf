"""Flask application factory (flaskr style): ``create_app(config)``; no module-level state.

Run: ``hokkaido-map serve --boundaries PATH`` (waitress) or ``flask --app app run``.
The atlas (boundaries + hierarchy) is loaded once here and shared read-only by every request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder="templates")
    app.config.from_mapping(
        BOUNDARIES=os.environ.get("HOKKAIDO_MAP_BOUNDARIES"),
        HIERARCHY=None,  # default: DATA_DIR/hierarchy.yaml
        DATA_DIR=os.environ.get("HOKKAIDO_MAP_DATA"),
        EDITION=None,  # the edition served (data/editions/*/edition.yaml id); default: the newest
        PRINT_LINKS=True,  # pages link their PNG/SVG; a static export without prints turns it off
        PUBLIC_URL=None,  # the only source of absolute URLs (HOKKAIDO_MAP_PUBLIC_URL); never Host
        PRINT_DIR=None,  # files of `hokkaido-map print DIR`, served before drawing (geo/web/printing.py)
    )
    app.config.from_prefixed_env("HOKKAIDO_MAP")
    if config:
        app.config.from_mapping(config)
    from geo.web.editions import EditionJSON, EditionMounts
    from geo.web.state import EDITIONS_KEY, load_states

    app.json = EditionJSON(app)  # every JSON answer names its edition; ensure_ascii False

    app.extensions["hokkaido_map"], app.extensions[EDITIONS_KEY] = load_states(app.config)
    # /editions/<id>/… serves that edition with every blueprint below (geo/web/editions.py).
    app.wsgi_app = EditionMounts(app.wsgi_app, app.extensions[EDITIONS_KEY])  # type: ignore[method-assign]

    from geo.web import (
        accessibility,
        api,
        areas,
        assets,
        caching,
        compare,
        data,
        docs,
        editions,
        embed,
        maps,
        oembed,
        pages,
        printing,
        progress,
        security,
        templating,
    )

    blueprints = (pages.bp, maps.bp, areas.bp, api.bp, docs.bp, embed.bp, assets.bp, printing.bp, progress.bp,
                  editions.bp, compare.bp, accessibility.bp, oembed.bp, data.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    templating.init_app(app)  # the helpers every template shares
    security.init_app(app)  # headers: CSP, frame-ancestors, nosniff
    caching.init_app(app)  # compression once, cache headers
    return app
