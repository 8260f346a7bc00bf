"""The printable maps of the map kinds registry, and the memo of their rendered bytes.

Ids are enumerated cheaply (no geometry, no rendering); a map is drawn only when asked for.
Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state), and a
:class:`Printer` memoizes rendered bytes: a map is drawn once per process and format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from geo.lru import BoundedLRU
from geo.render.printing import levels
from geo.render.printing.figure import DRAWING, compose, save
from geo.render.printing.style import FORMATS, MEDIA_TYPES, RC, Format

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan.coverage import Coverage
    from geo.plan.edition import Edition
    from geo.plan.model import Plan
    from geo.render.kinds import MapKinds, PrintSpec

MEMO_SIZE = 64
MEMO_BYTES = 64 * 1024 * 1024  # a town PNG is ~0.5 MB, the big SVGs a few MB


class Printer:
    """Renders the printable maps of one atlas + plan; thread-safe memo of rendered bytes.

    Which maps there are, and what draws each, comes from the map kinds registry
    (:mod:`geo.render.kinds`): every kind's ``prints`` and ``draw``. With the plan's ``edition``
    every page names it and its period (and so do the files' metadata); without one (a model
    built without an edition) nothing is added.

    Two locks: the memo's (a lookup, never held while drawing: a stored map is served at once)
    and the drawing lock (matplotlib's rc and font caches are process-global: one at a time)."""

    def __init__(self, atlas: Atlas, plan: Plan, coverage: Coverage | None = None,
                 kinds: MapKinds | None = None, edition: Edition | None = None) -> None:
        from geo.render.catalogue import builtin_kinds
        from geo.render.model import model_of

        self.model = replace(model_of(atlas, plan, coverage), edition=edition)
        self.atlas, self.plan, self.coverage = atlas, plan, self.model.coverage
        self.kinds = kinds if kinds is not None else builtin_kinds()
        self._sources = levels.Sources(atlas, plan, self.coverage)
        self._memo: BoundedLRU[bytes] = BoundedLRU(MEMO_SIZE, MEMO_BYTES, len)
        self._spec_index: dict[str, PrintSpec] | None = None
        self.renders = 0

    # -- what there is ------------------------------------------------------------------
    def specs(self) -> Iterator[PrintSpec]:
        return self.kinds.print_specs(self.model)

    def map_ids(self) -> list[str]:
        return [s.id for s in self.specs()]

    def spec(self, map_id: str) -> PrintSpec:
        if self._spec_index is None:  # built once: /print/<id> need not scan ~260 specs
            self._spec_index = {s.id: s for s in self.specs()}
        return self._spec_index[map_id]

    def _drawer(self, spec: PrintSpec) -> Callable[[Figure, Axes], None]:
        """What draws the map of ``spec`` into an axes (its kind's ``draw``)."""
        draw = self.kinds[spec.kind].draw
        if draw is None:
            raise KeyError(spec.id)
        return lambda fig, ax: draw(self._sources, ax, spec.subject)

    # -- rendering ----------------------------------------------------------------------
    def render(self, map_id: str, fmt: Format, *, memo: bool = True) -> bytes:
        """PNG or SVG bytes of a map; KeyError for an unknown id or format.

        The last ``MEMO_SIZE`` results are kept: a re-requested map is free, and a web process
        that is asked for all ~500 files stays bounded (all of them are ~250 MB).
        """
        if fmt not in MEDIA_TYPES:
            raise KeyError(fmt)
        spec = self.spec(map_id)  # KeyError first: the memo is keyed on known ids only
        key = (spec.id, fmt)
        hit = self.stored(spec.id, fmt)
        if hit is not None:
            return hit
        with DRAWING:  # one drawing per process (figure.DRAWING); re-check the memo inside
            hit = self._memo.get(key)  # drawn by the thread we waited for?
            if hit is not None:
                return hit
            hit = save(spec.title, spec.subtitle, self._drawer(spec), fmt, self.model.edition)
            self.renders += 1
            # Kept before the lock is let go: the next waiter finds it instead of drawing again.
            return self._memo.put(key, hit) if memo else hit

    def stored(self, map_id: str, fmt: Format) -> bytes | None:
        """The memoized bytes of a map, or None; never waits for a drawing."""
        return self._memo.get((map_id, fmt))

    def figure(self, map_id: str) -> Figure:
        """The map drawn but not saved (not memoized): tests read its axes' transform."""
        spec = self.spec(map_id)
        with DRAWING, matplotlib.rc_context(RC):
            return compose(spec.title, spec.subtitle, self._drawer(spec), self.model.edition)

    def write_all(self, out_dir: Path, progress: bool = True) -> list[Path]:
        """Every map in both formats into ``out_dir`` (created); returns the written files."""
        from tqdm import tqdm

        out_dir.mkdir(parents=True, exist_ok=True)
        jobs = [(s.id, fmt) for s in self.specs() for fmt in FORMATS]
        written = []
        for map_id, fmt in tqdm(jobs, desc="print", unit="file", disable=not progress):
            path = out_dir / f"{map_id}.{fmt}"
            path.write_bytes(self.render(map_id, fmt, memo=False))  # written once: keep nothing
            written.append(path)
        return written
