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

from geo.atlas.model import load_atlas
from geo.atlas.sources import resolve_boundaries
from geo.atlas.topology import Topology, topology_bytes
from geo.errors import DataError
from geo.plan.actuals import load_actuals
from geo.plan.coverage import coverage_for_atlas
from geo.plan.edition import EDITIONS_DIR, EditionFolder, hierarchy_file, load_editions
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


def _pick_edition(data_dir: Path, wanted: str | None) -> tuple[EditionFolder, tuple[EditionFolder, ...]]:
    """The edition to serve (``EDITION``, else the newest) and all of them."""
    editions = load_editions(data_dir)
    if wanted is None:
        return editions[-1], editions
    for ef in editions:
        if ef.edition.id == wanted:
            return ef, editions
    known = "、".join(ef.edition.id for ef in editions)
    raise DataError(f"no edition {wanted!r} (known: {known})", path=data_dir / EDITIONS_DIR, field="EDITION")


def load_state(config: Mapping[str, Any]) -> State:
    root = Path(config.get("DATA_DIR") or DEFAULT_DATA_DIR)
    chosen, editions = _pick_edition(root, config.get("EDITION"))
    data_dir = chosen.folder
    # The hierarchy travels with the plan data: a DATA_DIR copy is validated as a whole.
    hierarchy = config.get("HIERARCHY") or hierarchy_file(data_dir)
    atlas = load_atlas(resolve_boundaries(config.get("BOUNDARIES")), hierarchy)
    plan = load_plan(data_dir, atlas.hierarchy)
    topology = topology_bytes(atlas)
    actuals = load_actuals(data_dir, plan)
    thresholds = load_thresholds(data_dir)
    digest = hashlib.sha256(plan.model_dump_json().encode())
    digest.update(actuals.model_dump_json().encode() + thresholds.model_dump_json().encode())
    for ef in editions:  # every page names its edition and links the others
        digest.update(ef.edition.model_dump_json().encode())
    plan_digest = digest.hexdigest()[:8]
    return State(
        atlas=atlas,
        plan=plan,
        coverage=coverage_for_atlas(plan, atlas),
        topology=topology,
        version=f"{topology.version[:8]}{plan_digest}",
        actuals=actuals,
        thresholds=thresholds,
        edition=chosen.edition,
        editions=tuple(ef.edition for ef in editions),
    )


def state() -> State:
    return current_app.extensions["hokkaido_map"]
