"""What the app loads once at start: the atlas (and the plan). Immutable, shared by requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from geo.model import Atlas, load_atlas
from geo.sources import resolve_boundaries


@dataclass(frozen=True)
class State:
    atlas: Atlas


def load_state(config: Mapping[str, Any]) -> State:
    atlas = load_atlas(resolve_boundaries(config.get("BOUNDARIES")), config["HIERARCHY"])
    return State(atlas=atlas)


def state() -> State:
    return current_app.extensions["hokkaido_map"]
