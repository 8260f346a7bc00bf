"""Printed progress maps (推進管理): 振興局 or 連携地域 by the share of their KPIs on track.

The same classes and colours as the web map (:mod:`geo.render.progress_maps`); each area is
labelled with its share and counts in words, and the legend has the 「実績なし」 class, so the
print reads in black and white too. Rendered bytes are kept in a small LRU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from geo.atlas.model import Atlas
from geo.plan.edition import Edition
from geo.plan.fiscal import fiscal_label
from geo.plan.progress import AreaSummary
from geo.render.printing.figure import DRAWING, compose, save
from geo.render.printing.legends import LabelPlacer, label_point, short_name
from geo.render.printing.style import BORDER, EDGE, RC, Format
from geo.render.progress_maps import NO_ACTUALS_LABEL, PROGRESS_LEVELS, SHARE_CLASSES, share_color

if TYPE_CHECKING:
    from geopandas import GeoDataFrame


def _draw(atlas: Atlas, ax: Axes, level: str, summaries: Mapping[str, AreaSummary]) -> None:
    frame = getattr(atlas.layers, level)
    frame.plot(
        ax=ax, color=[share_color(summaries[k].share) for k in frame.index], edgecolor=EDGE, linewidth=0.6
    )
    missing = frame[[summaries[k].share is None for k in frame.index]]
    if not missing.empty:  # hatched as well as grey: 実績なし reads without colour
        missing.plot(ax=ax, color="none", edgecolor="#999999", hatch="///", linewidth=0)
    atlas.layers.subprefectures.boundary.plot(ax=ax, color=BORDER, linewidth=0.6)
    handles = [Patch(facecolor=c, edgecolor="#999", label=f"順調以上 {lab}") for _, c, lab in SHARE_CLASSES]
    handles.append(Patch(facecolor=share_color(None), edgecolor="#999", hatch="///", label=NO_ACTUALS_LABEL))
    legend = ax.legend(
        handles=handles,
        title="達成・A 順調の KPI の割合",
        loc="upper left",
        fontsize=8,
        title_fontsize=9,
        frameon=True,
        framealpha=0.92,
    )
    _labels(ax, [legend], frame, level, summaries)


def _labels(
    ax: Axes, obstacles: list[Artist], frame: GeoDataFrame, level: str, summaries: Mapping[str, AreaSummary]
) -> None:
    """Each area's name and share. Labels of small areas are nudged, not big ones: the biggest
    areas are placed first at their own point (檜山's label moves off 渡島's, 留萌's off 上川's)."""
    names = frame["name"] if "name" in frame else frame.index.to_series()
    areas = sorted(zip(frame.index, frame.geometry, names, strict=True), key=lambda a: (-a[1].area, a[0]))
    anchors = {key: label_point(geom) for key, geom, _ in areas}
    placer = LabelPlacer(ax, anchors.values(), obstacles)
    for key, _, name in areas:
        s = summaries[key]
        share = NO_ACTUALS_LABEL if s.share is None else f"{s.on_track}/{s.graded}（{s.share:.0%}）"
        placer.place(
            f"{short_name(level, name)}\n{share}",
            anchors[key],
            fontsize=7.5,
            color="#111",
            linespacing=1.1,
            zorder=6,
            path_effects=[withStroke(linewidth=2.5, foreground="white")],
        )


def _page(
    atlas: Atlas, level: str, year: int, summaries: Mapping[str, AreaSummary]
) -> tuple[str, str, Callable[[Figure, Axes], None]]:
    """Title, subtitle and drawer of the progress map; KeyError for a bad level."""
    if level not in PROGRESS_LEVELS:
        raise KeyError(level)
    title = f"推進管理：KPI の進捗（{PROGRESS_LEVELS[level]}別・{fiscal_label(year)}年度）"
    subtitle = "及ぶプロジェクトの KPI のうち、達成・A 順調のものの数／評価できる数（割合）"

    def draw(fig: Figure, ax: Axes) -> None:
        _draw(atlas, ax, level, summaries)

    return title, subtitle, draw


def progress_figure(atlas: Atlas, level: str, year: int, summaries: Mapping[str, AreaSummary], *,
                    edition: Edition | None = None) -> Figure:
    """The map drawn but not saved: tests measure its labels."""
    with DRAWING, matplotlib.rc_context(RC):
        return compose(*_page(atlas, level, year, summaries), edition)


def progress_print(
    atlas: Atlas, level: str, year: int, summaries: Mapping[str, AreaSummary], fmt: Format, *,
    edition: Edition | None = None,
) -> bytes:
    """PNG or SVG of the progress map of ``level`` for fiscal ``year``; KeyError for a bad level.
    With the plan's ``edition``, the page and the file's metadata name it and its period.

    Draws every time: the web layer memoizes (bounded, per app) and limits concurrent drawing."""
    return save(*_page(atlas, level, year, summaries), fmt, edition)
