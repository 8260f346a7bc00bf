"""The search index of each edition, and where a hit links: shared by ``/api/search``, the
search data the pages search in the browser, and the error pages' nearest matches."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, url_for

from geo.atlas.readings import READINGS_FILE, load_readings
from geo.plan.model import DEFAULT_DATA_DIR
from geo.plan.search import SearchIndex
from geo.web.state import state

_search_lock = threading.Lock()


def search_index() -> SearchIndex:
    """One per edition's mount, built on first use (the postal readings take ~0.1 s) and kept
    for the app's life: not in the evictable map memo, where a flood of map requests would push
    it out and the next search would read the postal data again. Bounded by the editions."""
    indexes = current_app.extensions.setdefault("search_index", {})
    s = state()
    if s.mount not in indexes:
        with _search_lock:
            if s.mount not in indexes:
                # The readings file travels with the plan data, like hierarchy.yaml (load_state).
                readings = Path(current_app.config.get("DATA_DIR") or DEFAULT_DATA_DIR) / READINGS_FILE
                indexes[s.mount] = SearchIndex(s.atlas, s.plan, load_readings(s.atlas, readings))
    return indexes[s.mount]


def hit_url(kind: str, ident: str) -> str:
    """The page of a search hit: a town, a project, a 振興局 or a 連携地域."""
    if kind == "municipality":
        return url_for("pages.town", code=ident)
    if kind == "project":
        return url_for("pages.project", pid=ident)
    if kind == "subprefecture":
        return url_for("areas.subprefecture", key=ident)
    return url_for("areas.region", rid=ident)
