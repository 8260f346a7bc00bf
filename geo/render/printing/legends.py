"""Legends and labels of printed maps: count classes, line legends, where a name goes."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
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


def class_legend(ax: Axes, colours: list[str], labels: list[str], title: str, loc: str) -> None:
    """A legend of count classes that a later :func:`lines_legend` does not replace."""
    handles = [Patch(facecolor=c, edgecolor="#999", label=f"{lab} 件")
               for c, lab in zip(colours, labels, strict=True)]
    legend = ax.legend(handles=handles, title=title, loc=loc, fontsize=8,
                       title_fontsize=9, frameon=True, framealpha=0.92)
    legend.set_zorder(10)
    ax.add_artist(legend)  # a second ax.legend() (lines) must not replace it


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


def short_name(level: str, name: str) -> str:
    """振興局 and 連携地域 names without their suffix, for labels on the map."""
    if level == "subprefectures":
        return str(name).replace("総合振興局", "").replace("振興局", "")
    return str(name).replace("連携地域", "")
