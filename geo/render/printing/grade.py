"""The printed map of one KPI's 推進管理 grade: its 振興局 in the grade's colour, the grade in words.

The print twin of :func:`geo.render.progress_maps.kpi_progress_map`: the same colours, and the
grade written on the sheet and in the legend (symbol and words), so it reads in black and white.
"""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from geo.atlas.model import Atlas
from geo.plan.edition import Edition
from geo.plan.fiscal import fiscal_label
from geo.plan.progress import GRADE_LABEL, GRADE_SYMBOL, KpiProgress
from geo.render.printing.figure import save, zoom
from geo.render.printing.style import BORDER, EDGE, NOT_COVERED, Format
from geo.render.progress import GRADE_COLORS, NO_ACTUAL_COLOR
from geo.render.progress_maps import NO_ACTUALS_LABEL


def grade_text(row: KpiProgress) -> str:
    """``◎ 達成（R1(2019)・最終）`` or 実績なし: the latest evaluation in words."""
    ev = row.latest
    if ev.year is None:
        return f"{GRADE_SYMBOL[ev.grade]} {NO_ACTUALS_LABEL}"
    final = "・最終" if ev.final else ""
    return f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade]}（{fiscal_label(ev.year)}{final}）"


def draw_grade(atlas: Atlas, ax: Axes, row: KpiProgress) -> None:
    """The KPI's 振興局 filled with its grade's colour, the others pale, zoomed to the KPI's area."""
    ev = row.latest
    colour = GRADE_COLORS[ev.grade] if ev.year is not None else NO_ACTUAL_COLOR
    frame = atlas.layers.subprefectures
    covered = frame.index.isin(list(row.project.subprefectures))
    frame[~covered].plot(ax=ax, color=NOT_COVERED, edgecolor=EDGE, linewidth=0.6)
    frame[covered].plot(ax=ax, color=colour, edgecolor=EDGE, linewidth=0.6)
    frame.boundary.plot(ax=ax, color=BORDER, linewidth=0.6)
    zoom(ax, frame[covered].total_bounds)
    handles = [Patch(facecolor=colour, edgecolor="#999", label=f"評価：{grade_text(row)}"),
               Patch(facecolor=NOT_COVERED, edgecolor="#999", label="対象外")]
    ax.legend(handles=handles, title="KPI の評価", loc="upper left", fontsize=8, title_fontsize=9,
              frameon=True, framealpha=0.92)
    ax.text(0.98, 0.02, "\n".join(textwrap.wrap(row.kpi.title, 30)), transform=ax.transAxes,
            ha="right", va="bottom", fontsize=9,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#999"})


def grade_print(atlas: Atlas, row: KpiProgress, fmt: Format, *, edition: Edition | None = None) -> bytes:
    """PNG or SVG of one KPI's grade map; drawn every time (the web layer memoizes). With the
    plan's ``edition``, the page and the file's metadata name it and its period."""

    def draw(fig: Figure, ax: Axes) -> None:
        draw_grade(atlas, ax, row)

    # The indicator heads the sheet; its scope (often a long parenthesis) goes in the box below.
    title = f"推進管理：{row.kpi.indicator}の評価"
    return save(title, f"{row.project.name}・{grade_text(row)}", draw, fmt, edition)
