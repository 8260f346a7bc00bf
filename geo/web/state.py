"""What the app loads once at start: atlas, plan, coverage and topology. Shared by requests.

Everything here is immutable except ``maps``, a memo of rendered map scripts and JSON bodies: a
page and its ``/maps/...js`` request render the same deterministic map, so the second one is a
lookup. The memo is bounded (entries and bytes) and its callers key it on canonical ids only
(``geo.web.pages.canonical_arg``), never on what a client typed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from geo.atlas.model import Atlas, load_atlas
from geo.atlas.sources import resolve_boundaries
from geo.atlas.topology import Topology, topology_bytes
from geo.lru import BoundedLRU
from geo.plan.actuals import Actuals, load_actuals
from geo.plan.coverage import Coverage, coverage_for_atlas
from geo.plan.model import DEFAULT_DATA_DIR, Plan, load_plan
from geo.plan.progress import Thresholds, load_thresholds

MEMO_ENTRIES = 2048
MEMO_BYTES = 96 * 1024 * 1024


@dataclass(frozen=True)
class State:
    atlas: Atlas
    plan: Plan
    coverage: Coverage
    topology: Topology
    version: str  # changes whenever the data does: part of every cacheable URL
    actuals: Actuals = field(default_factory=Actuals)  # data/actuals (推進管理); none → 実績未登録
    thresholds: Thresholds = field(default_factory=Thresholds)  # data/progress.yaml
    # The whole site has ~800 map scripts + JSON bodies (~30 MB): all fit, a flood cannot grow it.
    maps: BoundedLRU[Any] = field(default_factory=lambda: BoundedLRU(MEMO_ENTRIES, MEMO_BYTES),
                                  compare=False, repr=False)

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()`` once per ``key``; the key must hold canonical ids only."""
        return self.maps.get_or_build(key, build)


def load_state(config: Mapping[str, Any]) -> State:
    data_dir = Path(config.get("DATA_DIR") or DEFAULT_DATA_DIR)
    # The hierarchy travels with the plan data: a DATA_DIR copy is validated as a whole.
    hierarchy = config.get("HIERARCHY") or data_dir / "hierarchy.yaml"
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
