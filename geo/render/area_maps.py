"""Folium map of a 連携地域 or 振興局 page: its 振興局 coloured by how many projects reach them,
its municipalities (each a link to its page), the region's outline and the 中核都市.

Built from :mod:`geo.render.maps`' building blocks (a new builder beside the others, so that
module's own maps stay as they are).
"""

from __future__ import annotations

import folium

from geo.render.areas import Area, municipalities, reaching
from geo.render.maps import (
    REGION_OUTLINE,
    Feature,
    Legend,
    LegendItem,
    MapContext,
    MapView,
    TopoLayer,
    _core_cities,
    _outline_base,
    _sub_tip,
    _view,
    core_city_legend,
    layer_options,
    new_map,
)
from geo.render.views import count_classes


def area_map(ctx: MapContext, area: Area, *, embed: bool = False,
             links: dict[str, str] | None = None) -> MapView:
    """``links``: URL of each municipality (code) and 振興局 (short name) page, for clicks."""
    h = ctx.atlas.hierarchy
    links = links or {}
    reach = reaching(ctx.plan, area)
    # Every 振興局 by how many of the projects reaching the area name it: the area's own count,
    # and how far those projects extend beyond it.
    per_sub = {s.short: sum(s.short in r.project.subprefectures for r in reach) for s in h.subprefectures}
    classes = count_classes(per_sub)
    m = new_map(f"{area.kind}-{area.id}", embed=embed)
    sub_feats = {}
    for s in h.subprefectures:
        n = per_sub[s.short]
        inside = s.short in area.sub_shorts
        line = f"及ぶプロジェクト：{n} 件" if inside else f"{area.short}に及ぶプロジェクトのうち {n} 件が対象"
        sub_feats[s.short] = Feature((*_sub_tip(ctx, s.short), line), href=links.get(s.short),
                                     color=classes.color(n))
    TopoLayer("振興局", layer_options(
        ctx, f"{area.kind}-subs", "subprefectures", sub_feats,
        {"color": "#636363", "weight": 1.2, "fillOpacity": 0.85},
        fit=sorted(area.sub_shorts), back=True), overlay=False).add_to(m)
    towns = municipalities(ctx.atlas, area)
    muni_feats = {t.code: Feature((t.full_name, h.subprefecture(t.subprefecture).name,
                                   f"及ぶプロジェクト：{per_sub[t.subprefecture]} 件"),
                                  href=links.get(t.code))
                  for t in towns}
    TopoLayer("市町村", layer_options(
        ctx, f"{area.kind}-munis", "municipalities", muni_feats,
        {"color": "#ffffff", "weight": 0.8, "fillOpacity": 0.01, "opacity": 0.9}, only=True),
        overlay=True).add_to(m)
    TopoLayer(area.region.full_name, layer_options(
        ctx, f"{area.kind}-region", "regions", {area.region.id: Feature()},
        _outline_base(REGION_OUTLINE, 3, None if area.kind == "region" else "6 4"), only=True,
        interactive=False), overlay=True).add_to(m)
    _core_cities(ctx, m, links)
    folium.LayerControl(collapsed=True).add_to(m)
    legends = (
        Legend(f"{area.short}に及ぶプロジェクトが対象とする件数（振興局別）",
               tuple(LegendItem(c, f"{lab} 件") for c, lab in zip(classes.colors, classes.labels,
                                                                  strict=True))),
        Legend("表示", (LegendItem(REGION_OUTLINE, f"連携地域の境界：{area.region.full_name}",
                                 "line" if area.kind == "region" else "dashed"),
                      core_city_legend())),
    )
    subs = "、".join(s.name for s in area.subprefectures)
    summary = (f"{area.name}の地図：{subs}と{len(towns)}市町村（太線が{area.region.full_name}）。"
               f"振興局は、ここに及ぶ{len(reach)}件のプロジェクトのうちその振興局を対象とする件数で"
               "色分けし、市町村を選ぶとそのページに移ります。")
    return _view(m, legends, summary)
