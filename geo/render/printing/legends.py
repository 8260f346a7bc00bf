"""Legends and labels of printed maps: count classes, line legends, where a name goes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.legend import Legend
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from shapely.geometry import MultiPolygon
from shapely.ops import polylabel

from geo.render.printing.style import COUNT_COLOURS, MISSING


def count_bins(top: int) -> list[float]:
    """Class edges for integer counts: one class per value up to 7 classes, else even ranges."""
    classes = min(top + 1, len(COUNT_COLOURS))
    if top + 1 <= len(COUNT_COLOURS):
        return [i - 0.5 for i in range(classes + 1)]
    step = (top + 1) / classes
    return [-0.5 + round(i * step) for i in range(classes)] + [top + 0.5]


def bin_label(bounds: list[float], i: int) -> str:
    lo, hi = int(bounds[i] + 0.5), int(bounds[i + 1] - 0.5)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def count_legend(ax: Axes, bounds: list[float], colours: ListedColormap, with_missing: bool) -> None:
    """The legend of a count map: one patch per class, and 対象外 when some units have no value."""
    handles = [Patch(facecolor=colours(i), edgecolor="#999", label=bin_label(bounds, i))
               for i in range(colours.N)]
    if with_missing:
        handles.append(Patch(facecolor=MISSING, hatch="///", edgecolor="#999", label="対象外（北方領土）"))
    ax.legend(handles=handles, title="プロジェクト数", loc="upper left", fontsize=8, title_fontsize=9,
              frameon=True)


def class_legend(ax: Axes, colours: list[str], labels: list[str], title: str, loc: str) -> Legend:
    """A legend of count classes that a later :func:`lines_legend` does not replace."""
    handles = [Patch(facecolor=c, edgecolor="#999", label=f"{lab} 件")
               for c, lab in zip(colours, labels, strict=True)]
    legend = ax.legend(handles=handles, title=title, loc=loc, fontsize=8,
                       title_fontsize=9, frameon=True, framealpha=0.92)
    legend.set_zorder(10)
    ax.add_artist(legend)  # a second ax.legend() (lines) must not replace it
    return legend


def lines_legend(ax: Axes, handles: list, title: str | None = None, loc: str = "lower right") -> None:
    legend = ax.legend(handles=handles, title=title, loc=loc, fontsize=8,
                       title_fontsize=9, frameon=True, framealpha=0.92)
    legend.set_zorder(10)


def label_point(geom, avoid=None) -> tuple[float, float]:
    """Where a 振興局's label goes: inside its largest part, clear of ``avoid`` when possible."""

    def largest(g):
        return max(g.geoms, key=lambda part: part.area) if isinstance(g, MultiPolygon) else g

    part = largest(geom)
    if avoid is not None and part.intersects(avoid.buffer(0.15)):
        rest = part.difference(avoid.buffer(0.12))
        if not rest.is_empty:
            part = largest(rest)
    p = polylabel(part, tolerance=1e-3) if part.geom_type == "Polygon" else part.representative_point()
    return p.x, p.y


# Where a label that would run into another goes instead: away from what it runs into, each
# direction tried out to the farthest step before the next (offsets in points from its anchor),
# so 檜山's label moves out to sea west of 渡島's rather than onto 渡島 below it.
NUDGE_DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1))
NUDGE_STEPS = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0)
ANCHOR_CLEARANCE = 3.0  # points around another label's anchor that a label keeps clear of
MIN_LEADER = 8.0  # points: a shorter leader line reads as a stray mark next to the text
LEADER = {"arrowstyle": "-", "color": "#333333", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0}


def nudges(away: tuple[float, float]) -> Iterator[tuple[float, float]]:
    """The anchor itself, then :data:`NUDGE_STEPS` along each of :data:`NUDGE_DIRECTIONS`, the
    ones closest to ``away`` first (ties, and ``away`` = (0, 0), in the listed order)."""
    yield 0.0, 0.0

    def alignment(d: tuple[int, int]) -> float:
        return (d[0] * away[0] + d[1] * away[1]) / math.hypot(*d)

    for dx, dy in sorted(NUDGE_DIRECTIONS, key=alignment, reverse=True):
        for step in NUDGE_STEPS:
            yield dx * step, dy * step


class LabelPlacer:
    """Puts centred labels one at a time where they overlap nothing placed before (nor the
    ``obstacles``, e.g. a legend), cover no other label's anchor and stay inside the axes; a
    label nudged off its own anchor gets a thin leader line to a dot there, so it still points at
    its area. Same input, same places: no randomness."""

    def __init__(self, ax: Axes, anchors: Iterable[tuple[float, float]],
                 obstacles: Iterable[Artist] = ()) -> None:
        self.ax = ax
        # The axes box shrinks to the map's aspect only when drawn; apply it now so extents
        # measured here are the ones on the page.
        ax.apply_aspect()
        self.renderer = ax.get_figure(root=True).canvas.get_renderer()
        self.frame = ax.get_window_extent(self.renderer)
        self.taken: list[Bbox] = [o.get_window_extent(self.renderer) for o in obstacles]
        # Every anchor is kept clear of the other labels: a leader line must end in its own
        # area, not under a neighbour's text (檜山's point lies close to 渡島's label).
        clear = self.renderer.points_to_pixels(ANCHOR_CLEARANCE)
        self.anchors = {xy: Bbox.from_extents(*self._px(xy), *self._px(xy)).padded(clear) for xy in anchors}

    def place(self, text: str, xy: tuple[float, float], **style: Any) -> Annotation:
        """Annotate ``text`` centred at ``xy`` (data), or at the first nudge where it fits."""
        box = self._extent(text, xy, style)
        to_px = self.renderer.points_to_pixels(1.0)
        others = self.taken + [b for a, b in self.anchors.items() if a != xy]

        def moved(o: tuple[float, float]) -> Bbox:
            return box.translated(o[0] * to_px, o[1] * to_px)

        anchor = self._px(xy)
        offset = next((o for o in nudges(away(box, others)) if self._fits(moved(o), others, anchor)),
                      (0.0, 0.0))  # nowhere free: at the anchor, as before
        self.taken.append(moved(offset))
        if moved(offset).contains(*anchor):  # still over its own point: no line needed
            return self.ax.annotate(text, xy, xytext=offset, textcoords="offset points", ha="center",
                                    va="center", **style)
        self.ax.plot(*xy, marker="o", markersize=2, color=LEADER["color"], zorder=style.get("zorder"),
                     scalex=False, scaley=False)  # the map's limits are set: a dot must not move them
        return self.ax.annotate(text, xy, xytext=offset, textcoords="offset points", ha="center",
                                va="center", arrowprops=LEADER, **style)

    def _px(self, xy: tuple[float, float]) -> tuple[float, float]:
        x, y = self.ax.transData.transform(xy)
        return float(x), float(y)

    def _extent(self, text: str, xy: tuple[float, float], style: dict[str, Any]) -> Bbox:
        """The label's extent at its anchor (pixels): its glyph boxes, whose bearings and leading
        leave room for the white halo, so touching extents still read apart."""
        probe = self.ax.annotate(text, xy, ha="center", va="center", **style)
        box = probe.get_window_extent(self.renderer)
        probe.remove()
        return box

    def _fits(self, box: Bbox, others: list[Bbox], anchor: tuple[float, float]) -> bool:
        """Inside the axes, clear of ``others``, and on its anchor or far enough from it for the
        leader line to be seen."""
        inside = (self.frame.x0 <= box.x0 and box.x1 <= self.frame.x1
                  and self.frame.y0 <= box.y0 and box.y1 <= self.frame.y1)
        readable = box.contains(*anchor) or gap(box, anchor) >= self.renderer.points_to_pixels(MIN_LEADER)
        return inside and readable and not any(box.overlaps(other) for other in others)


def gap(box: Bbox, point: tuple[float, float]) -> float:
    """How far ``point`` is from ``box`` (0 inside)."""
    dx = max(box.x0 - point[0], 0.0, point[0] - box.x1)
    dy = max(box.y0 - point[1], 0.0, point[1] - box.y1)
    return math.hypot(dx, dy)


def away(box: Bbox, others: Iterable[Bbox]) -> tuple[float, float]:
    """The sum of unit vectors from the centres of the ``others`` that ``box`` overlaps to its own."""
    x, y = 0.0, 0.0
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    for other in (o for o in others if box.overlaps(o)):
        dx, dy = cx - (other.x0 + other.x1) / 2, cy - (other.y0 + other.y1) / 2
        norm = math.hypot(dx, dy) or 1.0
        x, y = x + dx / norm, y + dy / norm
    return x, y


def short_name(level: str, name: str) -> str:
    """振興局 and 連携地域 names without their suffix, for labels on the map."""
    if level == "subprefectures":
        return str(name).replace("総合振興局", "").replace("振興局", "")
    return str(name).replace("連携地域", "")
