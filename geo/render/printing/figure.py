"""The page of a printed map: figure and axes, title and subtitle, credit line, zoom, and saving."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo.atlas.sources import CREDIT
from geo.render.printing.style import DPI, RC, SIZE_INCHES, ZOOM_MARGIN, Format

# matplotlib's rc and font caches are process-global: one figure is drawn at a time in a process,
# whoever draws it (the Printer, the progress maps). Re-entrant: the Printer holds it around its
# memo check and the drawing (save) takes it again.
DRAWING = threading.RLock()


def compose(title: str, subtitle: str, draw: Callable[[Figure, Axes], None]) -> Figure:
    """A figure with the map drawn by ``draw`` in its axes, the title above and the credit below.

    Call inside :func:`matplotlib.rc_context` with :data:`~.style.RC` (see :func:`save`)."""
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.08, 0.96, 0.80))
    ax.set_axis_off()
    draw(fig, ax)
    fig.text(0.5, 0.965, title, ha="center", va="top", fontsize=15)
    fig.text(0.5, 0.915, subtitle, ha="center", va="top", fontsize=10, color="#333")
    fig.text(0.99, 0.015, CREDIT, ha="right", va="bottom", fontsize=7.5, color="#333")
    return fig


def save(title: str, subtitle: str, draw: Callable[[Figure, Axes], None], fmt: Format) -> bytes:
    """PNG or SVG bytes of the composed figure."""
    with DRAWING, matplotlib.rc_context(RC):
        fig = compose(title, subtitle, draw)
        buf = io.BytesIO()
        # Metadata carries title and credit as text too: SVG glyphs are drawn as paths (they
        # look the same in every viewer), and a search for the title should still find it.
        meta = {"Title": title, "Description": CREDIT} if fmt == "svg" else {
            "Title": title, "Source": CREDIT}
        fig.savefig(buf, format=fmt, metadata=meta)
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
