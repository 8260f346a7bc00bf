"""Static maps for reports and slides: PNG and SVG of every map, with title, legend and credit.

Maps (ids are URL-safe, used by ``/print/<id>.png|.svg`` and ``hokkaido-map print``):

- ``overview-municipalities`` / ``overview-subprefectures`` / ``overview-regions``: each unit
  coloured by how many named projects reach it;
- ``project-<id>``: the municipalities a project covers;
- ``kpi-<project id>-<n>``: the n-th KPI (1-based) of a project, over the area it is measured in.

Japanese text uses IPAexGothic shipped by the PyPI package ``matplotlib-fontja``, so no system
font is needed. Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state), and
a :class:`Printer` memoizes rendered bytes: a map is drawn once per process and format.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no display here, ever

import matplotlib_fontja
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from geo.sources import CREDIT

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.coverage import Coverage
    from geo.model import Atlas
    from geo.plan import Plan

Format = Literal["png", "svg"]
FORMATS: tuple[Format, ...] = ("png", "svg")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
FONT_FILE = Path(matplotlib_fontja.get_font_ttf_path())
FONT_FAMILY = "IPAexGothic"
SIZE_INCHES = (8.0, 7.0)
DPI = 150  # PNG: 1200 × 1050 px, sharp on a slide
COUNT_COLOURS = ("#f0f0f0", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
COVERED = "#3182bd"
NOT_COVERED = "#eeeeee"
EDGE = "#ffffff"
BORDER = "#555555"

font_manager.fontManager.addfont(str(FONT_FILE))  # idempotent; explicit so tests can rely on it
_RC = {"font.family": FONT_FAMILY, "svg.fonttype": "path", "svg.hashsalt": "hokkaido-map"}


@dataclass(frozen=True)
class MapSpec:
    id: str
    title: str
    subtitle: str


def font_path() -> Path:
    """The file matplotlib actually uses for our family (a CJK font, not DejaVu)."""
    return Path(font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY)))


class Printer:
    """Renders the maps of one atlas + plan; thread-safe memo of rendered bytes."""

    def __init__(self, atlas: Atlas, plan: Plan, coverage: Coverage | None = None) -> None:
        from geo.coverage import coverage_for_atlas

        self.atlas = atlas
        self.plan = plan
        self.coverage = coverage or coverage_for_atlas(plan, atlas)
        self._memo: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        self.renders = 0

    # -- what there is ------------------------------------------------------------------
    def specs(self) -> Iterator[MapSpec]:
        yield MapSpec("overview-municipalities", "地域重点政策ユニット：市町村別プロジェクト数",
                      "各市町村に及ぶプロジェクトの数（179市町村）")
        yield MapSpec("overview-subprefectures", "地域重点政策ユニット：振興局別プロジェクト数",
                      "各振興局を対象に含むプロジェクトの数（14振興局）")
        yield MapSpec("overview-regions", "地域重点政策ユニット：連携地域別プロジェクト数",
                      "各連携地域の振興局に及ぶプロジェクトの数（6連携地域）")
        for p in self.plan.projects:
            yield MapSpec(f"project-{p.id}", p.name, f"対象：{p.coverage_label}")
        for p in self.plan.projects:
            for i, kpi in enumerate(p.kpis, start=1):
                yield MapSpec(f"kpi-{p.id}-{i}", kpi.indicator, p.name)

    def map_ids(self) -> list[str]:
        return [s.id for s in self.specs()]

    def spec(self, map_id: str) -> MapSpec:
        for s in self.specs():
            if s.id == map_id:
                return s
        raise KeyError(map_id)

    # -- rendering ----------------------------------------------------------------------
    def render(self, map_id: str, fmt: Format) -> bytes:
        """PNG or SVG bytes of a map; KeyError for an unknown id or format."""
        if fmt not in MEDIA_TYPES:
            raise KeyError(fmt)
        key = (map_id, fmt)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        spec = self.spec(map_id)
        with self._lock:  # matplotlib's rc and font caches are process-global: one at a time
            hit = self._memo.get(key)
            if hit is None:
                hit = self._memo[key] = self._draw(spec, fmt)
                self.renders += 1
        return hit

    def _draw(self, spec: MapSpec, fmt: Format) -> bytes:
        with matplotlib.rc_context(_RC):
            fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
            FigureCanvasAgg(fig)
            ax = fig.add_axes((0.02, 0.08, 0.96, 0.80))
            ax.set_axis_off()
            kind, _, rest = spec.id.partition("-")
            if kind == "overview":
                self._draw_counts(fig, ax, rest)
            elif kind == "project":
                self._draw_coverage(ax, rest, None)
            else:
                pid, _, n = rest.rpartition("-")
                self._draw_coverage(ax, pid, int(n))
            fig.text(0.5, 0.965, spec.title, ha="center", va="top", fontsize=15)
            fig.text(0.5, 0.915, spec.subtitle, ha="center", va="top", fontsize=10, color="#333")
            fig.text(0.99, 0.015, CREDIT, ha="right", va="bottom", fontsize=7.5, color="#333")
            buf = io.BytesIO()
            # Metadata carries title and credit as text too: SVG glyphs are drawn as paths (they
            # look the same in every viewer), and a search for the title should still find it.
            meta = {"Title": spec.title, "Description": CREDIT} if fmt == "svg" else {
                "Title": spec.title, "Source": CREDIT}
            fig.savefig(buf, format=fmt, metadata=meta)
            return buf.getvalue()

    def _base(self) -> gpd.GeoDataFrame:
        return self.atlas.layers.municipalities

    def _outline(self, ax) -> None:
        self.atlas.layers.subprefectures.boundary.plot(ax=ax, color=BORDER, linewidth=0.6)

    def _draw_counts(self, fig: Figure, ax, level: str) -> None:
        from geo.queries import counts_by_municipality, counts_by_region, counts_by_subprefecture

        layers = self.atlas.layers
        if level == "municipalities":
            frame = layers.municipalities
            by = counts_by_municipality(self.coverage)
            values = [by.get(code) for code in frame.index]
        elif level == "subprefectures":
            frame = layers.subprefectures
            by = counts_by_subprefecture(self.plan)
            values = [by.get(s) for s in frame.index]
        elif level == "regions":
            frame = layers.regions
            by_r = counts_by_region(self.plan)
            values = [by_r[r].reaching if r in by_r else None for r in frame.index]
        else:
            raise KeyError(level)
        top = max((v for v in values if v is not None), default=0)
        bounds = _count_bins(top)
        colours = ListedColormap(list(COUNT_COLOURS[: len(bounds) - 1]))
        norm = BoundaryNorm(bounds, colours.N)
        plotted = frame.assign(value=values)
        missing = plotted[plotted["value"].isna()]
        present = plotted[plotted["value"].notna()]
        present.plot(ax=ax, column="value", cmap=colours, norm=norm, edgecolor=EDGE, linewidth=0.3)
        if not missing.empty:
            missing.plot(ax=ax, color="#d9d9d9", edgecolor=EDGE, linewidth=0.3, hatch="///")
        self._outline(ax)
        if level != "municipalities":
            names = frame["name"] if "name" in frame else frame.index.to_series()
            for geom, name, value in zip(frame.geometry, names, values, strict=True):
                p = geom.representative_point()
                label = _short(level, name, self)
                ax.annotate(f"{label}\n{value}", (p.x, p.y), ha="center", va="center", fontsize=8,
                            color="#111", linespacing=1.1)
        handles = [
            Patch(facecolor=colours(i), edgecolor="#999", label=_bin_label(bounds, i))
            for i in range(colours.N)
        ]
        if not missing.empty:
            handles.append(
                Patch(facecolor="#d9d9d9", hatch="///", edgecolor="#999", label="対象外（北方領土）"))
        ax.legend(handles=handles, title="プロジェクト数", loc="upper left", fontsize=8, title_fontsize=9,
                  frameon=True)

    def _draw_coverage(self, ax, project_id: str, kpi_number: int | None) -> None:
        project = self.plan.project(project_id)
        if kpi_number is not None and not 1 <= kpi_number <= len(project.kpis):
            raise KeyError(f"{project_id}-{kpi_number}")
        codes = set(self.coverage.row(project.id).municipalities)
        frame = self._base()
        inside = frame.index.isin(list(codes))
        frame[~inside].plot(ax=ax, color=NOT_COVERED, edgecolor=EDGE, linewidth=0.3)
        frame[inside].plot(ax=ax, color=COVERED, edgecolor=EDGE, linewidth=0.3)
        self._outline(ax)
        handles = [
            Patch(facecolor=COVERED, label=f"対象の市町村（{len(codes)}）"),
            Patch(facecolor=NOT_COVERED, edgecolor="#999", label="対象外"),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=True)
        if kpi_number is not None:
            kpi = project.kpis[kpi_number - 1]
            base = f"{kpi.baseline.written}（{kpi.baseline.label}）→ " if kpi.baseline else ""
            text = f"{base}{kpi.target.written}（{kpi.target.label}）"
            if kpi.scope:
                text = f"{kpi.scope}\n{text}"
            ax.text(0.98, 0.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=10,
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#999"})

    def write_all(self, out_dir: Path, progress: bool = True) -> list[Path]:
        """Every map in both formats into ``out_dir`` (created); returns the written files."""
        from tqdm import tqdm

        out_dir.mkdir(parents=True, exist_ok=True)
        jobs = [(s.id, fmt) for s in self.specs() for fmt in FORMATS]
        written = []
        for map_id, fmt in tqdm(jobs, desc="print", unit="file", disable=not progress):
            path = out_dir / f"{map_id}.{fmt}"
            path.write_bytes(self.render(map_id, fmt))
            written.append(path)
        return written


def _count_bins(top: int) -> list[float]:
    """Class edges for integer counts: one class per value up to 7 classes, else even ranges."""
    classes = min(top + 1, len(COUNT_COLOURS))
    if top + 1 <= len(COUNT_COLOURS):
        return [i - 0.5 for i in range(classes + 1)]
    step = (top + 1) / classes
    return [-0.5 + round(i * step) for i in range(classes)] + [top + 0.5]


def _bin_label(bounds: list[float], i: int) -> str:
    lo, hi = int(bounds[i] + 0.5), int(bounds[i + 1] - 0.5)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _short(level: str, name: str, printer: Printer) -> str:
    if level == "subprefectures":
        return str(name).replace("総合振興局", "").replace("振興局", "")
    return str(name).replace("連携地域", "")
