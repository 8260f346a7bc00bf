"""Colours, font and sizes shared by every printed map.

Japanese text uses IPAexGothic shipped by the PyPI package ``matplotlib-fontja``, so no system
font is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no display here, ever

import matplotlib_fontja
from matplotlib import font_manager

Format = Literal["png", "svg"]
FORMATS: tuple[Format, ...] = ("png", "svg")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
FONT_FILE = Path(matplotlib_fontja.get_font_ttf_path())
FONT_FAMILY = "IPAexGothic"
SIZE_INCHES = (8.0, 7.0)
DPI = 150  # PNG: 1200 × 1050 px, sharp on a slide
COUNT_COLOURS = ("#f0f0f0", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
MISSING = "#d9d9d9"
COVERED = "#3182bd"
NOT_COVERED = "#eeeeee"
EDGE = "#ffffff"
BORDER = "#555555"
TOWN_OUTLINE = "#d7301f"  # red-orange, as on the web town map
TOWN_FILL = "#fdd0a2"
REGION_OUTLINE = "#252525"
ZOOM_MARGIN = 0.08  # of the covered extent, on each side

font_manager.fontManager.addfont(str(FONT_FILE))  # idempotent; explicit so tests can rely on it
RC = {"font.family": FONT_FAMILY, "svg.fonttype": "path", "svg.hashsalt": "hokkaido-map"}


def font_path() -> Path:
    """The file matplotlib actually uses for our family (a CJK font, not DejaVu)."""
    return Path(font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY)))
