"""Drawing each kind of printed map into an axes: counts by level, a project's or KPI's coverage,
a town, a KPI family, the overlap of 振興局.

Each ``draw_*`` takes the :class:`Sources` and the axes and draws map and legends; the page
around it (title, credit) is :mod:`.figure`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from geo.render.printing.figure import zoom
from geo.render.printing.legends import (
    LabelPlacer,
    class_legend,
    count_bins,
    count_legend,
    label_point,
    lines_legend,
    short_name,
)
from geo.render.printing.style import (
    BORDER,
    COUNT_COLOURS,
    COVERED,
    EDGE,
    MISSING,
    NOT_COVERED,
    REGION_OUTLINE,
    TOWN_FILL,
    TOWN_OUTLINE,
)

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan.coverage import Coverage
    from geo.plan.model import Plan


@dataclass(frozen=True)
class Sources:
    """What every printed map is drawn from."""

    atlas: Atlas
    plan: Plan
    coverage: Coverage

    def sub_shorts(self) -> list[str]:
        return [s.short for s in self.atlas.hierarchy.subprefectures]


def _outline(src: Sources, ax: Axes) -> None:
    src.atlas.layers.subprefectures.boundary.plot(ax=ax, color=BORDER, linewidth=0.6)


def draw_counts(src: Sources, ax: Axes, level: str) -> None:
    """Municipalities, 振興局 or 連携地域 coloured by how many projects reach each."""
    from geo.plan.queries import counts_by_municipality, counts_by_region, counts_by_subprefecture

    layers = src.atlas.layers
    if level == "municipalities":
        frame = layers.municipalities
        by = counts_by_municipality(src.coverage)
        values = [by.get(code) for code in frame.index]
    elif level == "subprefectures":
        frame = layers.subprefectures
        by = counts_by_subprefecture(src.plan)
        values = [by.get(s) for s in frame.index]
    elif level == "regions":
        frame = layers.regions
        by_r = counts_by_region(src.plan)
        values = [by_r[r].reaching if r in by_r else None for r in frame.index]
    else:
        raise KeyError(level)
    top = max((v for v in values if v is not None), default=0)
    bounds = count_bins(top)
    colours = ListedColormap(list(COUNT_COLOURS[: len(bounds) - 1]))
    plotted = frame.assign(value=values)
    missing = plotted[plotted["value"].isna()]
    present = plotted[plotted["value"].notna()]
    present.plot(ax=ax, column="value", cmap=colours, norm=BoundaryNorm(bounds, colours.N),
                 edgecolor=EDGE, linewidth=0.3)
    if not missing.empty:
        missing.plot(ax=ax, color=MISSING, edgecolor=EDGE, linewidth=0.3, hatch="///")
    _outline(src, ax)
    if level != "municipalities":
        names = frame["name"] if "name" in frame else frame.index.to_series()
        for geom, name, value in zip(frame.geometry, names, values, strict=True):
            p = geom.representative_point()
            ax.annotate(f"{short_name(level, name)}\n{value}", (p.x, p.y), ha="center", va="center",
                        fontsize=8, color="#111", linespacing=1.1)
    count_legend(ax, bounds, colours, with_missing=not missing.empty)


def draw_coverage(src: Sources, ax: Axes, project_id: str, kpi_number: int | None) -> None:
    """The municipalities a project (or one of its KPIs, numbered from 1) covers."""
    project = src.plan.project(project_id)
    if kpi_number is not None and not 1 <= kpi_number <= len(project.kpis):
        raise KeyError(f"{project_id}-{kpi_number}")
    codes = set(src.coverage.row(project.id).municipalities)
    frame = src.atlas.layers.municipalities
    inside = frame.index.isin(list(codes))
    frame[~inside].plot(ax=ax, color=NOT_COVERED, edgecolor=EDGE, linewidth=0.3)
    frame[inside].plot(ax=ax, color=COVERED, edgecolor=EDGE, linewidth=0.3)
    _outline(src, ax)
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


def draw_sub_counts(src: Sources, ax: Axes, counts: dict[str, int], legend_title: str, *,
                    avoid=None, loc: str = "upper left", obstacles: Sequence[Artist] = ()) -> None:
    """振興局 filled by ``counts`` (the web maps' YlGnBu classes; 0 stays pale grey), labelled
    with short name and count away from ``avoid`` (a geometry) and clear of the legend and the
    ``obstacles`` (e.g. a town's name), municipal lines faint, and a legend of the classes."""
    from geo.render.views import count_classes

    classes = count_classes(counts)
    subs = src.atlas.layers.subprefectures
    subs.plot(ax=ax, color=[classes.color(counts.get(s, 0)) for s in subs.index],
              edgecolor="none", linewidth=0)
    src.atlas.layers.municipalities.boundary.plot(ax=ax, color=EDGE, linewidth=0.3, alpha=0.8)
    _outline(src, ax)
    legend = class_legend(ax, list(classes.colors), list(classes.labels), legend_title, loc)
    # Biggest areas first, at their own point; a smaller one whose label would run into a placed
    # one (or the legend, or a town's name: オホーツク's count under 訓子府町) is nudged.
    areas = sorted(zip(subs.index, subs.geometry, strict=True), key=lambda a: (-a[1].area, a[0]))
    anchors = {short: label_point(geom, avoid) for short, geom in areas}
    placer = LabelPlacer(ax, anchors.values(), [legend, *obstacles])
    for short, _ in areas:
        placer.place(f"{short}\n{counts.get(short, 0)}", anchors[short], fontsize=8, color="#111",
                     linespacing=1.1, zorder=6, path_effects=[withStroke(linewidth=2.5, foreground="white")])


def draw_town(src: Sources, ax: Axes, code: str) -> None:
    """A town outlined over its neighbourhood, 振興局 coloured by how many of its projects reach them."""
    from geo.render.views import projects_for_municipality

    if code not in src.coverage.by_municipality:  # the 179 only, as the catalogue lists them
        raise KeyError(code)
    town = src.atlas.municipality(code)
    projects = projects_for_municipality(src.plan, src.coverage, town)
    counts = {s: sum(s in p.subprefectures for p in projects) for s in src.sub_shorts()}
    town_frame = src.atlas.layers.municipalities.loc[[code]]
    lon, lat = town.label_point
    covered = [s for s, n in counts.items() if n] or [town.subprefecture]
    # Zoom first: the legends go to the corners away from the town.
    zoom(ax, src.atlas.layers.subprefectures.loc[covered].total_bounds)
    fx, fy = ax.transAxes.inverted().transform(ax.transData.transform((lon, lat)))
    # The town's name first: the 振興局 labels keep clear of it.
    name = ax.annotate(town.name, (lon, lat), xytext=(0, 9), textcoords="offset points", ha="center",
                       va="bottom", fontsize=11, color=TOWN_OUTLINE, zorder=7,
                       path_effects=[withStroke(linewidth=3, foreground="white")])
    draw_sub_counts(src, ax, counts, "このまちのプロジェクトが\n及ぶ件数（振興局別）",
                    avoid=town_frame.geometry.iloc[0],
                    loc="upper right" if fx < 0.4 and fy > 0.55 else "upper left", obstacles=[name])
    town_frame.plot(ax=ax, facecolor=TOWN_FILL, edgecolor=TOWN_OUTLINE, linewidth=2.5, zorder=4)
    lines_legend(ax, [Patch(facecolor=TOWN_FILL, edgecolor=TOWN_OUTLINE, linewidth=2.5,
                            label=town.full_name)],
                 loc="lower left" if fx > 0.6 and fy < 0.45 else "lower right")


def draw_family(src: Sources, ax: Axes, entries) -> None:
    """振興局 coloured by how many KPIs of one family (same indicator) cover them."""
    counts = {s: sum(s in e.project.subprefectures for e in entries) for s in src.sub_shorts()}
    draw_sub_counts(src, ax, counts, "この指標のKPIが\n重なる数（振興局別）")


def draw_overlap(src: Sources, ax: Axes) -> None:
    """The /overlap page's measure per 振興局, and each cross-region project's area as a line."""
    import geopandas as gpd

    from geo.render.views import OKABE_ITO, overlap_json

    data = overlap_json(src.atlas, src.plan)  # the /overlap page's numbers
    counts = {s: v["shared"] for s, v in data["subprefectures"].items()}
    subs = src.atlas.layers.subprefectures
    src.atlas.layers.regions.boundary.plot(ax=ax, color=REGION_OUTLINE, linewidth=1.4, zorder=3)
    lines = []
    for i, p in enumerate(data["cross_region_projects"]):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        style = ("-", (0, (6, 3)), (0, (2, 2)))[i % 3]
        width = 4.0 - 1.2 * (i % 3)  # later lines thinner: both stay visible where they meet
        area = gpd.GeoSeries([subs.loc[list(p["subprefectures"])].union_all()], crs=subs.crs)
        area.boundary.plot(ax=ax, color=colour, linewidth=width, linestyle=style, zorder=4)
        lines.append(Line2D([], [], color=colour, linewidth=width, linestyle=style, label=p["name"]))
    lines.append(Line2D([], [], color=REGION_OUTLINE, linewidth=1.4, label="連携地域の境界"))
    draw_sub_counts(src, ax, counts, "複数の振興局にまたがる\nプロジェクト数")
    lines_legend(ax, lines, "連携地域をまたぐプロジェクト（線）")


def draw_area(src: Sources, ax: Axes, kind: str, key: str) -> None:
    """A 連携地域 or 振興局: its 振興局 coloured by how many projects reach them (others pale),
    its outline, and its 中核都市 — the printed twin of the /region and /subprefecture maps."""
    from shapely.geometry import Point

    from geo.render.areas import find_area, reaching

    area = find_area(src.atlas, kind, key)
    if area.id != key:  # one printed map per area, under its id
        raise KeyError(key)
    reach = reaching(src.plan, area)
    # Every 振興局: how many of the projects reaching the area name it (how far they extend).
    counts = {s: sum(s in r.project.subprefectures for r in reach) for s in src.sub_shorts()}
    subs = src.atlas.layers.subprefectures
    zoom(ax, subs.loc[sorted(area.sub_shorts)].total_bounds)
    city = next(c for c in src.atlas.core_cities if c.region == area.region.id)
    draw_sub_counts(src, ax, counts, f"{area.short}に及ぶプロジェクトの\n対象の件数（振興局別）",
                    avoid=Point(city.point).buffer(0.25))  # the 振興局 label clear of the city's
    outline = src.atlas.layers.regions.loc[[area.region.id]] if kind == "region" \
        else subs.loc[sorted(area.sub_shorts)]
    outline.boundary.plot(ax=ax, color=REGION_OUTLINE, linewidth=2.2, zorder=5)
    if src.atlas.municipality(city.code).subprefecture not in area.sub_shorts:
        lines_legend(ax, [Line2D([], [], color=REGION_OUTLINE, linewidth=2.2, label=area.name)])
        return
    ax.plot(*city.point, marker="o", markersize=7, markerfacecolor="white", markeredgecolor="black",
            markeredgewidth=1.5, zorder=8)
    ax.annotate(f"{city.name}（中核都市）", city.point, xytext=(0, -12), textcoords="offset points",
                ha="center", va="top", fontsize=9, zorder=8,
                path_effects=[withStroke(linewidth=3, foreground="white")])
    lines_legend(ax, [Line2D([], [], color=REGION_OUTLINE, linewidth=2.2, label=area.name)])
