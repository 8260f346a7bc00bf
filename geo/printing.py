"""Static maps for reports and slides: PNG and SVG of every map, with title, legend and credit.

Maps (ids are URL-safe, used by ``/print/<id>.png|.svg`` and ``hokkaido-map print``):

- ``overview-municipalities`` / ``overview-subprefectures`` / ``overview-regions``: each unit
  coloured by how many named projects reach it;
- ``project-<id>``: the municipalities a project covers;
- ``kpi-<project id>-<n>``: the n-th KPI (1-based) of a project, over the area it is measured in;
- ``town-<code>`` (179, 5-digit code): the projects reaching a municipality, its 振興局 coloured by
  how many of them cover each, the town outlined, zoomed to the covered 振興局;
- ``family-<key>``: a KPI family (``family-観光入込客数``; the key is Japanese, the URL is
  percent-encoded UTF-8), 振興局 coloured by how many of the family's KPIs cover them;
- ``overlap``: 振興局 coloured by how many multi-振興局 projects include them (the /overlap page's
  measure), cross-region projects outlined.

Ids are enumerated cheaply (no geometry, no rendering); a map is drawn only when asked for.

Japanese text uses IPAexGothic shipped by the PyPI package ``matplotlib-fontja``, so no system
font is needed. Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state), and
a :class:`Printer` memoizes rendered bytes: a map is drawn once per process and format.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

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
TOWN_OUTLINE = "#d7301f"  # red-orange, as on the web town map
TOWN_FILL = "#fdd0a2"
REGION_OUTLINE = "#252525"
ZOOM_MARGIN = 0.08  # of the covered extent, on each side

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


MEMO_SIZE = 64


class Printer:
    """Renders the maps of one atlas + plan; thread-safe memo of rendered bytes."""

    def __init__(self, atlas: Atlas, plan: Plan, coverage: Coverage | None = None) -> None:
        from geo.coverage import coverage_for_atlas

        self.atlas = atlas
        self.plan = plan
        self.coverage = coverage or coverage_for_atlas(plan, atlas)
        self._memo: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
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

    def map_ids(self) -> list[str]:
        return [s.id for s in self.specs()]

    def spec(self, map_id: str) -> MapSpec:
        if self._spec_index is None:  # built once: /print/<id> need not scan ~260 specs
            self._spec_index = {s.id: s for s in self.specs()}
        return self._spec_index[map_id]

    def _families(self):
        from geo.views import families

        return families(self.plan)

    # -- rendering ----------------------------------------------------------------------
    def render(self, map_id: str, fmt: Format, *, memo: bool = True) -> bytes:
        """PNG or SVG bytes of a map; KeyError for an unknown id or format.

        The last ``MEMO_SIZE`` results are kept: a re-requested map is free, and a web process
        that is asked for all ~500 files stays bounded (all of them are ~250 MB).
        """
        if fmt not in MEDIA_TYPES:
            raise KeyError(fmt)
        key = (map_id, fmt)
        spec = self.spec(map_id)
        with self._lock:  # matplotlib's rc and font caches are process-global: one at a time
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit
            hit = self._draw(spec, fmt)
            self.renders += 1
            if memo:
                self._memo[key] = hit
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        return hit

    def figure(self, map_id: str) -> Figure:
        """The map drawn but not saved (not memoized): tests read its axes' transform."""
        spec = self.spec(map_id)
        with self._lock, matplotlib.rc_context(_RC):
            return self._figure(spec)

    def _figure(self, spec: MapSpec) -> Figure:
        fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.02, 0.08, 0.96, 0.80))
        ax.set_axis_off()
        kind, _, rest = spec.id.partition("-")
        if kind == "overview":
            self._draw_counts(fig, ax, rest)
        elif kind == "project":
            self._draw_coverage(ax, rest, None)
        elif kind == "kpi":
            pid, _, n = rest.rpartition("-")
            self._draw_coverage(ax, pid, int(n))
        elif kind == "town":
            self._draw_town(ax, rest)
        elif kind == "family":
            self._draw_family(ax, rest)
        elif kind == "overlap":
            self._draw_overlap(ax)
        else:
            raise KeyError(spec.id)
        fig.text(0.5, 0.965, spec.title, ha="center", va="top", fontsize=15)
        fig.text(0.5, 0.915, spec.subtitle, ha="center", va="top", fontsize=10, color="#333")
        fig.text(0.99, 0.015, CREDIT, ha="right", va="bottom", fontsize=7.5, color="#333")
        return fig

    def _draw(self, spec: MapSpec, fmt: Format) -> bytes:
        with matplotlib.rc_context(_RC):
            fig = self._figure(spec)
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

    # -- 振興局-level count maps (town, family, overlap) -----------------------------------
    def _draw_sub_counts(self, ax, counts: dict[str, int], legend_title: str, *,
                         avoid=None, loc: str = "upper left") -> None:
        """振興局 filled by ``counts`` (the web maps' YlGnBu classes; 0 stays pale grey), labelled
        with short name and count away from ``avoid`` (a geometry), municipal lines faint, and
        a legend of the classes in the upper left."""
        from geo.views import count_classes

        classes = count_classes(counts)
        subs = self.atlas.layers.subprefectures
        subs.plot(ax=ax, color=[classes.color(counts.get(s, 0)) for s in subs.index],
                  edgecolor="none", linewidth=0)
        self._base().boundary.plot(ax=ax, color=EDGE, linewidth=0.3, alpha=0.8)
        self._outline(ax)
        for short, geom in zip(subs.index, subs.geometry, strict=True):
            x, y = _label_point(geom, avoid)
            ax.annotate(f"{short}\n{counts.get(short, 0)}", (x, y), ha="center", va="center",
                        fontsize=8, color="#111", linespacing=1.1, zorder=6,
                        path_effects=[withStroke(linewidth=2.5, foreground="white")])
        handles = [Patch(facecolor=c, edgecolor="#999", label=f"{lab} 件")
                   for c, lab in zip(classes.colors, classes.labels, strict=True)]
        legend = ax.legend(handles=handles, title=legend_title, loc=loc, fontsize=8,
                           title_fontsize=9, frameon=True, framealpha=0.92)
        legend.set_zorder(10)
        ax.add_artist(legend)  # a second ax.legend() (lines) must not replace it

    @staticmethod
    def _lines_legend(ax, handles: list, title: str | None = None, loc: str = "lower right") -> None:
        legend = ax.legend(handles=handles, title=title, loc=loc, fontsize=8,
                           title_fontsize=9, frameon=True, framealpha=0.92)
        legend.set_zorder(10)

    def _draw_town(self, ax, code: str) -> None:
        from geo.views import projects_for_municipality

        if code not in self.coverage.by_municipality:  # the 179 only, as specs() lists them
            raise KeyError(code)
        town = self.atlas.municipality(code)
        projects = projects_for_municipality(self.plan, self.coverage, town)
        counts = {s: sum(s in p.subprefectures for p in projects) for s in self._sub_shorts()}
        town_frame = self._base().loc[[code]]
        lon, lat = town.label_point
        covered = [s for s, n in counts.items() if n] or [town.subprefecture]
        # Zoom first: the legends go to the corners away from the town.
        self._zoom(ax, self.atlas.layers.subprefectures.loc[covered].total_bounds)
        fx, fy = ax.transAxes.inverted().transform(ax.transData.transform((lon, lat)))
        self._draw_sub_counts(ax, counts, "このまちのプロジェクトが\n及ぶ件数（振興局別）",
                              avoid=town_frame.geometry.iloc[0],
                              loc="upper right" if fx < 0.4 and fy > 0.55 else "upper left")
        town_frame.plot(ax=ax, facecolor=TOWN_FILL, edgecolor=TOWN_OUTLINE, linewidth=2.5, zorder=4)
        ax.annotate(town.name, (lon, lat), xytext=(0, 9), textcoords="offset points", ha="center",
                    va="bottom", fontsize=11, color=TOWN_OUTLINE, zorder=7,
                    path_effects=[withStroke(linewidth=3, foreground="white")])
        self._lines_legend(ax, [Patch(facecolor=TOWN_FILL, edgecolor=TOWN_OUTLINE, linewidth=2.5,
                                      label=town.full_name)],
                           loc="lower left" if fx > 0.6 and fy < 0.45 else "lower right")

    def _draw_family(self, ax, key: str) -> None:
        entries = self._families()[key]  # KeyError for an unknown family
        counts = {s: sum(s in e.project.subprefectures for e in entries) for s in self._sub_shorts()}
        self._draw_sub_counts(ax, counts, "この指標のKPIが\n重なる数（振興局別）")

    def _draw_overlap(self, ax) -> None:
        import geopandas as gpd

        from geo.views import OKABE_ITO, overlap_json

        data = overlap_json(self.atlas, self.plan)  # the /overlap page's numbers
        counts = {s: v["shared"] for s, v in data["subprefectures"].items()}
        subs = self.atlas.layers.subprefectures
        self.atlas.layers.regions.boundary.plot(ax=ax, color=REGION_OUTLINE, linewidth=1.4, zorder=3)
        lines = []
        for i, p in enumerate(data["cross_region_projects"]):
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            style = ("-", (0, (6, 3)), (0, (2, 2)))[i % 3]
            width = 4.0 - 1.2 * (i % 3)  # later lines thinner: both stay visible where they meet
            area = gpd.GeoSeries([subs.loc[list(p["subprefectures"])].union_all()], crs=subs.crs)
            area.boundary.plot(ax=ax, color=colour, linewidth=width, linestyle=style, zorder=4)
            lines.append(Line2D([], [], color=colour, linewidth=width, linestyle=style,
                                label=p["name"]))
        lines.append(Line2D([], [], color=REGION_OUTLINE, linewidth=1.4, label="連携地域の境界"))
        self._draw_sub_counts(ax, counts, "複数の振興局にまたがる\nプロジェクト数")
        self._lines_legend(ax, lines, "連携地域をまたぐプロジェクト（線）")

    def _sub_shorts(self) -> list[str]:
        return [s.short for s in self.atlas.hierarchy.subprefectures]

    @staticmethod
    def _zoom(ax, bounds) -> None:
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


def _label_point(geom, avoid=None) -> tuple[float, float]:
    """Where a 振興局's label goes: inside its largest part, clear of ``avoid`` when possible."""
    from shapely.geometry import MultiPolygon
    from shapely.ops import polylabel

    def largest(g):
        return max(g.geoms, key=lambda part: part.area) if isinstance(g, MultiPolygon) else g

    part = largest(geom)
    if avoid is not None and part.intersects(avoid.buffer(0.15)):
        rest = part.difference(avoid.buffer(0.12))
        if not rest.is_empty:
            part = largest(rest)
    p = polylabel(part, tolerance=1e-3) if part.geom_type == "Polygon" else part.representative_point()
    return p.x, p.y


def _short(level: str, name: str, printer: Printer) -> str:
    if level == "subprefectures":
        return str(name).replace("総合振興局", "").replace("振興局", "")
    return str(name).replace("連携地域", "")
