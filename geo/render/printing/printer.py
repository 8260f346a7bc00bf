"""The catalogue of printable maps and the memo of their rendered bytes.

Ids are enumerated cheaply (no geometry, no rendering); a map is drawn only when asked for.
Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state), and a
:class:`Printer` memoizes rendered bytes: a map is drawn once per process and format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    from geo.plan.model import Plan

MEMO_SIZE = 64
MEMO_BYTES = 64 * 1024 * 1024  # a town PNG is ~0.5 MB, the big SVGs a few MB


@dataclass(frozen=True)
class MapSpec:
    id: str
    title: str
    subtitle: str


class Printer:
    """Renders the maps of one atlas + plan; thread-safe memo of rendered bytes.

    Two locks: the memo's (a lookup, never held while drawing: a stored map is served at once)
    and the drawing lock (matplotlib's rc and font caches are process-global: one at a time)."""

    def __init__(self, atlas: Atlas, plan: Plan, coverage: Coverage | None = None) -> None:
        from geo.plan.coverage import coverage_for_atlas

        self.atlas = atlas
        self.plan = plan
        self.coverage = coverage or coverage_for_atlas(plan, atlas)
        self._sources = levels.Sources(atlas, plan, self.coverage)
        self._memo: BoundedLRU[bytes] = BoundedLRU(MEMO_SIZE, MEMO_BYTES, len)
        self._spec_index: dict[str, MapSpec] | None = None
        self.renders = 0

    # -- what there is ------------------------------------------------------------------
    def specs(self) -> Iterator[MapSpec]:
        yield MapSpec("overview-municipalities", "地域重点政策ユニット：市町村別プロジェクト数",
                      "各市町村に及ぶプロジェクトの数（179市町村）")
        yield MapSpec("overview-subprefectures", "地域重点政策ユニット：振興局別プロジェクト数",
                      "各振興局を対象に含むプロジェクトの数（14振興局）")
        yield MapSpec("overview-regions", "地域重点政策ユニット：連携地域別プロジェクト数",
                      "各連携地域の振興局に及ぶプロジェクトの数（6連携地域）")
        yield MapSpec("overlap", "複数の振興局にまたがるプロジェクト",
                      "振興局別の数と、連携地域をまたぐプロジェクトの範囲")
        for p in self.plan.projects:
            yield MapSpec(f"project-{p.id}", p.name, f"対象：{p.coverage_label}")
        for p in self.plan.projects:
            for i, kpi in enumerate(p.kpis, start=1):
                yield MapSpec(f"kpi-{p.id}-{i}", kpi.indicator, p.name)
        for key, entries in self._families().items():
            projects = len({e.project.id for e in entries})
            yield MapSpec(f"family-{key}", f"指標「{key}」のKPIの重なり",
                          f"{len(entries)}件のKPI（{projects}プロジェクト）の対象振興局")
        hierarchy = self.atlas.hierarchy
        for m in self.atlas.municipalities:
            n = len(self.coverage.by_municipality.get(m.code, ()))
            sub = hierarchy.subprefecture(m.subprefecture).name
            yield MapSpec(f"town-{m.code}", f"{m.full_name}に及ぶプロジェクト",
                          f"{sub}・このまちに及ぶ{n}件のプロジェクトの範囲")
        yield from self._area_specs()

    def _area_specs(self) -> Iterator[MapSpec]:
        """One map per 連携地域 and 振興局 (their pages' print links)."""
        from geo.render.areas import all_areas, reaching

        for area in all_areas(self.atlas):
            n = len(reaching(self.plan, area))
            yield MapSpec(f"{area.kind}-{area.id}", f"{area.name}に及ぶプロジェクト",
                          f"振興局別の件数（名前のあるプロジェクト{n}件）")

    def map_ids(self) -> list[str]:
        return [s.id for s in self.specs()]

    def spec(self, map_id: str) -> MapSpec:
        if self._spec_index is None:  # built once: /print/<id> need not scan ~260 specs
            self._spec_index = {s.id: s for s in self.specs()}
        return self._spec_index[map_id]

    def _families(self):
        from geo.render.views import families

        return families(self.plan)

    def _drawer(self, map_id: str) -> Callable[[Figure, Axes], None]:
        """What draws the map ``map_id`` into an axes; KeyError for an unknown kind."""
        src = self._sources
        kind, _, rest = map_id.partition("-")
        if kind == "overview":
            return lambda fig, ax: levels.draw_counts(src, ax, rest)
        if kind == "project":
            return lambda fig, ax: levels.draw_coverage(src, ax, rest, None)
        if kind == "kpi":
            pid, _, n = rest.rpartition("-")
            return lambda fig, ax: levels.draw_coverage(src, ax, pid, int(n))
        if kind == "town":
            return lambda fig, ax: levels.draw_town(src, ax, rest)
        if kind == "family":
            entries = self._families()[rest]
            return lambda fig, ax: levels.draw_family(src, ax, entries)
        if kind == "overlap":
            return lambda fig, ax: levels.draw_overlap(src, ax)
        if kind in ("region", "subprefecture"):
            return lambda fig, ax: levels.draw_area(src, ax, kind, rest)
        raise KeyError(map_id)

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
            hit = save(spec.title, spec.subtitle, self._drawer(spec.id), fmt)
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
            return compose(spec.title, spec.subtitle, self._drawer(spec.id))

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
