"""The page of a printed map: figure and axes, title and subtitle, edition and credit lines, zoom,
and saving."""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Callable

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo.atlas.sources import CREDIT
from geo.plan.edition import Edition, period_label
from geo.render.printing.style import DPI, RC, SIZE_INCHES, ZOOM_MARGIN, Format

# matplotlib's rc and font caches are process-global: one figure is drawn at a time in a process,
# whoever draws it (the Printer, the progress maps). Re-entrant: the Printer holds it around its
# memo check and the drawing (save) takes it again.
DRAWING = threading.RLock()
# Full-width characters of the edition line that fit across the page at its 8.5 pt. The band
# below the map holds two such lines: titles of up to ~100 characters (the shipped one is 21).
EDITION_LINE_CHARS = 60


def edition_line(edition: Edition) -> str:
    """``連携地域別政策展開方針（平成28年度〜）・対象期間：平成28年度〜概ね令和2年度``."""
    return f"{edition.title}・対象期間：{period_label(edition)}"


def compose(title: str, subtitle: str, draw: Callable[[Figure, Axes], None],
            edition: Edition | None = None) -> Figure:
    """A figure with the map drawn by ``draw`` in its axes, the title above and the credit below;
    with an ``edition``, the line naming it and its period just above the credit.

    Call inside :func:`matplotlib.rc_context` with :data:`~.style.RC` (see :func:`save`)."""
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.08, 0.96, 0.80))
    ax.set_axis_off()
    draw(fig, ax)
    fig.text(0.5, 0.965, title, ha="center", va="top", fontsize=15)
    fig.text(0.5, 0.915, subtitle, ha="center", va="top", fontsize=10, color="#333")
    if edition is not None:
        # In the band below the map (y < 0.08), where no legend or label goes: which plan the map
        # is of reads with the credit, as a colophon. A longer title of a later edition wraps
        # upwards, still below the map (by characters: Japanese has no spaces to wrap at).
        text = "\n".join(textwrap.wrap(edition_line(edition), EDITION_LINE_CHARS))
        fig.text(0.99, 0.04, text, ha="right", va="bottom", fontsize=8.5, color="#333")
    fig.text(0.99, 0.015, CREDIT, ha="right", va="bottom", fontsize=7.5, color="#333")
    return fig


def metadata(title: str, fmt: Format, edition: Edition | None = None) -> dict[str, str]:
    """What the file says about itself besides its pixels or paths.

    Title and credit always: SVG glyphs are drawn as paths (they look the same in every viewer),
    and a search for the title should still find it. The edition in the fields each format
    has for it: a PNG's Description text chunk holds the printed line; an SVG's Dublin Core
    ``relation`` (the document the map is of) the edition's title and ``coverage`` (its
    temporal extent) its period."""
    if fmt == "svg":
        meta = {"Title": title, "Description": CREDIT}
        if edition is not None:
            meta |= {"Relation": edition.title, "Coverage": f"対象期間：{period_label(edition)}"}
        return meta
    meta = {"Title": title, "Source": CREDIT}
    if edition is not None:
        meta["Description"] = edition_line(edition)
    return meta


def save(title: str, subtitle: str, draw: Callable[[Figure, Axes], None], fmt: Format,
         edition: Edition | None = None) -> bytes:
    """PNG or SVG bytes of the composed figure."""
    with DRAWING, matplotlib.rc_context(RC):
        fig = compose(title, subtitle, draw, edition)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=metadata(title, fmt, edition))
        return buf.getvalue()


def zoom(ax: Axes, bounds) -> None:
    """Show ``bounds`` (+ margin) filling the whole axes box: the short side is widened to
    the box's shape, so a tall area gets its neighbours rather than a narrow strip. Limits
    set here stay put (later plots do not autoscale), with GeoPandas' 1/cos(lat) aspect."""
    minx, miny, maxx, maxy = bounds
    dx = (maxx - minx) * (1 + 2 * ZOOM_MARGIN)
    dy = (maxy - miny) * (1 + 2 * ZOOM_MARGIN)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    aspect = 1 / math.cos(math.radians(cy))
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (box.height * fig_h) / (box.width * fig_w)
    if dy * aspect / dx > box_ratio:
        dx = dy * aspect / box_ratio
    else:
        dy = dx * box_ratio / aspect
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)
    ax.set_aspect(aspect)
