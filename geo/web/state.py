"""What the app loads once at start: the model (atlas, plan, coverage, actuals) and the topology.

:class:`State` is a :class:`~geo.render.model.Model` with what only the server needs: the served
topology and the data version. Everything is immutable except the model's bounded memo of
rendered map scripts and JSON bodies: a page and its ``/maps/...js`` request render the same
deterministic map, so the second one is a lookup. Its callers key it on canonical ids only (the
map kinds' ``canonical``), never on what a client typed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from geo.atlas.hierarchy import HIERARCHY_FILE
from geo.atlas.model import load_atlas
from geo.atlas.sources import resolve_boundaries
from geo.atlas.topology import Topology, topology_bytes
from geo.plan.actuals import load_actuals
from geo.plan.coverage import coverage_for_atlas
from geo.plan.model import DEFAULT_DATA_DIR, load_plan
from geo.plan.progress import load_thresholds
from geo.render.catalogue import builtin_kinds
from geo.render.kinds import MapKinds
from geo.render.model import Model


@dataclass(frozen=True)
class State(Model):
    topology: Topology = field(kw_only=True)
    version: str = field(kw_only=True)  # changes whenever the data does: part of every cacheable URL
    # The app's map kinds (geo.render.kinds): a fresh registry per app, so one can add kinds.
    kinds: MapKinds = field(default_factory=builtin_kinds, kw_only=True, compare=False, repr=False)


def load_state(config: Mapping[str, Any]) -> State:
    data_dir = Path(config.get("DATA_DIR") or DEFAULT_DATA_DIR)
    # The hierarchy travels with the plan data: a DATA_DIR copy is validated as a whole.
    hierarchy = config.get("HIERARCHY") or data_dir / HIERARCHY_FILE
    atlas = load_atlas(resolve_boundaries(config.get("BOUNDARIES")), hierarchy)
    plan = load_plan(data_dir, atlas.hierarchy)
    topology = topology_bytes(atlas)
    actuals = load_actuals(data_dir, plan)
    thresholds = load_thresholds(data_dir)
    digest = hashlib.sha256(plan.model_dump_json().encode())
    digest.update(actuals.model_dump_json().encode() + thresholds.model_dump_json().encode())
    plan_digest = digest.hexdigest()[:8]
    return State(
        atlas=atlas,
        plan=plan,
        coverage=coverage_for_atlas(plan, atlas),
        topology=topology,
        version=f"{topology.version[:8]}{plan_digest}",
        actuals=actuals,
        thresholds=thresholds,
    )


def state() -> State:
    return current_app.extensions["hokkaido_map"]
