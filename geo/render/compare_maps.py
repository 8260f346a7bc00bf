"""The map of a comparison of two editions (版の比較): each town by whether more or fewer projects
reach it in the newer edition (:class:`~geo.plan.compare.EditionDiff`).

Three classes, told apart by colour *and* by the words of each town's tooltip and of the text
table (never by colour alone): 増えた (more projects), 減った (fewer), 変わらない.
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.plan.compare import EditionDiff, TownRow
from geo.render.maps import (
    REGION_OUTLINE,
    Feature,
    Legend,
    LegendItem,
    MapContext,
    MapView,
    TextTable,
    TopoLayer,
    _outline_base,
    _view,
    layer_options,
    new_map,
)

# Purple / orange / light grey (PuOr ends): apart for every common colour vision.
STATUS_COLORS = {"gained": "#5e3c99", "lost": "#e66101", "same": "#f0f0f0"}
STATUS_LABELS = {"gained": "及ぶプロジェクトが増えた", "lost": "及ぶプロジェクトが減った",
                 "same": "変わらない"}


def _tip(t: TownRow) -> tuple[str, ...]:
    return (t.name, f"{STATUS_LABELS[t.status]}：{t.before} → {t.after} 件")


def compare_map(ctx: MapContext, diff: EditionDiff, town_links: Mapping[str, str]) -> MapView:
    """Towns coloured by gained / lost / same, with the 連携地域 outlines; a click opens the
    town's page in the newer edition."""
    feats = {t.code: Feature(_tip(t), href=town_links.get(t.code), color=STATUS_COLORS[t.status])
             for t in diff.towns}
    m = new_map("compare")
    TopoLayer("及ぶプロジェクトの数の増減", layer_options(
        ctx, "compare", "municipalities", feats, {"color": "#8c8c8c", "weight": 0.5, "fillOpacity": 0.85},
        fit=True, back=True), overlay=False).add_to(m)
    TopoLayer("連携地域の境界", layer_options(
        ctx, "compare-regions", "regions", {r.id: Feature() for r in ctx.atlas.hierarchy.regions},
        _outline_base(REGION_OUTLINE, 2), only=True, interactive=False), overlay=True).add_to(m)
    counts = {status: sum(t.status == status for t in diff.towns) for status in STATUS_COLORS}
    legend = Legend("及ぶプロジェクトの数（旧版 → 新版）", tuple(
        LegendItem(STATUS_COLORS[s], f"{STATUS_LABELS[s]}（{counts[s]}市町村）") for s in STATUS_COLORS))
    summary = (f"市町村ごとに、及ぶプロジェクトの数の増減で色分けした地図。増えた{counts['gained']}市町村、"
               f"減った{counts['lost']}市町村、変わらない{counts['same']}市町村。")
    moved = tuple((t.name, t.region_name, f"{t.before} → {t.after} 件", STATUS_LABELS[t.status])
                  for t in diff.towns if t.status != "same")
    columns = ("市町村", "連携地域", "旧版 → 新版", "増減")
    table = TextTable("及ぶプロジェクトの数が変わった市町村", columns, moved)
    return _view(m, (legend,), summary, table)

