"""What the app loads once at start: one model per plan edition, and the topology they share.

:class:`State` is a :class:`~geo.render.model.Model` with what only the server needs: the served
topology, the data version and where it is mounted. Everything is immutable except the bounded
memo of rendered map scripts and JSON bodies: a page and its ``/maps/...js`` request render the
same deterministic map, so the second one is a lookup. Its callers key it on canonical ids only
(the map kinds' ``canonical``), never on what a client typed.

Editions (版): the atlas is read once; each edition of ``data/editions`` gets its own State,
served under ``/editions/<id>/`` (:mod:`geo.web.editions` mounts it), and the default edition's
(the newest, or ``EDITION``) is also served at the bare URLs. All States share one memo, each
keying it under its own mount: the same map of two editions links to different pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request

from geo.atlas.model import Atlas, load_atlas
from geo.atlas.sources import resolve_boundaries
from geo.atlas.topology import Topology, topology_bytes
from geo.errors import DataError
from geo.lru import BoundedLRU
from geo.plan.actuals import load_actuals
from geo.plan.coverage import coverage_for_atlas
from geo.plan.edition import EDITIONS_DIR, EditionFolder, hierarchy_file, load_editions
from geo.plan.model import DEFAULT_DATA_DIR, load_plan
from geo.plan.progress import load_thresholds
from geo.render.catalogue import builtin_kinds
from geo.render.kinds import MapKinds
from geo.render.model import MEMO_BYTES, MEMO_ENTRIES, Model

EDITIONS_KEY = "hokkaido_map_editions"  # app.extensions: edition id → its mounted State
# The WSGI environ keys geo.web.editions sets on a request under /editions/<id>/.
EDITION_ENVIRON = "hokkaido_map.edition"
SITE_ROOT_ENVIRON = "hokkaido_map.site_root"  # SCRIPT_NAME before the mount: the site's root


@dataclass(frozen=True)
class State(Model):
    topology: Topology = field(kw_only=True)
    version: str = field(kw_only=True)  # changes whenever the data does: part of every cacheable URL
    # The app's map kinds (geo.render.kinds): a fresh registry per app, so one can add kinds.
    kinds: MapKinds = field(default_factory=builtin_kinds, kw_only=True, compare=False, repr=False)
    # Where this State is served: "" (the bare URLs) or "/editions/<id>".
    mount: str = field(default="", kw_only=True)
    default_edition: str = field(default="", kw_only=True)  # the id served at the bare URLs

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        """As :meth:`Model.memo`, under this State's mount (the memo is shared by all of them)."""
        return self.maps.get_or_build((self.mount, *key), build)


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


@dataclass
class _Loader:
    """What the editions' States share: one atlas (and topology) per hierarchy file, the map
    kinds, the memo and which edition is the default."""

    boundaries: Path
    hierarchy: str | None  # HIERARCHY: one file for every edition, else each edition's own
    default_edition: str
    kinds: MapKinds = field(default_factory=builtin_kinds)
    maps: BoundedLRU[Any] = field(default_factory=lambda: BoundedLRU(MEMO_ENTRIES, MEMO_BYTES))
    atlases: dict[Path, tuple[Atlas, Topology]] = field(default_factory=dict)

    def atlas(self, ef: EditionFolder) -> tuple[Atlas, Topology]:
        # The hierarchy travels with the plan data: a DATA_DIR copy is validated as a whole.
        path = Path(self.hierarchy or hierarchy_file(ef.folder))
        if path not in self.atlases:
            atlas = load_atlas(self.boundaries, path)
            self.atlases[path] = atlas, topology_bytes(atlas)
        return self.atlases[path]

    def state(self, ef: EditionFolder, editions: tuple[EditionFolder, ...]) -> State:
        """The State of one edition's files, mounted at /editions/<id>."""
        atlas, topology = self.atlas(ef)
        plan = load_plan(ef.folder, atlas.hierarchy)
        actuals = load_actuals(ef.folder, plan)
        thresholds = load_thresholds(ef.folder)
        digest = hashlib.sha256(plan.model_dump_json().encode())
        digest.update(actuals.model_dump_json().encode() + thresholds.model_dump_json().encode())
        for other in editions:  # every page names its edition and links the others
            digest.update(other.edition.model_dump_json().encode())
        return State(
            atlas=atlas, plan=plan, coverage=coverage_for_atlas(plan, atlas), topology=topology,
            version=f"{topology.version[:8]}{digest.hexdigest()[:8]}",
            actuals=actuals, thresholds=thresholds,
            edition=ef.edition, editions=tuple(other.edition for other in editions),
            mount=f"/{EDITIONS_DIR}/{ef.edition.id}", kinds=self.kinds, maps=self.maps,
            default_edition=self.default_edition,
        )


def load_states(config: Mapping[str, Any]) -> tuple[State, dict[str, State]]:
    """The State at the bare URLs and every edition's by id, oldest first (each is mounted at
    /editions/<id>). The default edition is loaded first: its errors are the ones to see first."""
    root = Path(config.get("DATA_DIR") or DEFAULT_DATA_DIR)
    chosen, editions = _pick_edition(root, config.get("EDITION"))
    loader = _Loader(resolve_boundaries(config.get("BOUNDARIES")), config.get("HIERARCHY"), chosen.edition.id)
    loaded = {ef.edition.id: loader.state(ef, editions)
              for ef in (chosen, *(e for e in editions if e is not chosen))}
    mounted = {ef.edition.id: loaded[ef.edition.id] for ef in editions}
    return replace(mounted[chosen.edition.id], mount=""), mounted


def load_state(config: Mapping[str, Any]) -> State:
    """The State of the default edition (at the bare URLs)."""
    return load_states(config)[0]


def state() -> State:
    """The State of this request's edition: its mount's, else the default one."""
    if has_request_context():
        edition = request.environ.get(EDITION_ENVIRON)
        if edition is not None:
            return current_app.extensions[EDITIONS_KEY][edition]
    return current_app.extensions["hokkaido_map"]


def edition_states() -> Mapping[str, State]:
    """Every edition's State by id, oldest first (each served under /editions/<id>/)."""
    return current_app.extensions[EDITIONS_KEY]
