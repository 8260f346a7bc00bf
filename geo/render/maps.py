"""Folium map builders: one function per map, each a pure function of the model.

Folium gives the scaffold (Map, layer control, 中核都市 markers); geometry is not inlined:
:class:`TopoLayer` draws an object of the shared TopoJSON topology with small per-map data
(ids, colours, tooltip lines) via ``static/hokkaido.js``. A map renders to (div id, script);
the script is served as an external, cacheable .js, so pages carry no inline map code.
Folium's CDN assets are cleared per instance (the page loads Leaflet from the app itself).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from geo.atlas.model import Atlas, Municipality
from geo.plan.coverage import Coverage
from geo.plan.model import Plan, Project
from geo.plan.queries import cross_region_projects
from geo.render.views import (
    LEVEL_LABELS,
    NO_DATA,
    OKABE_ITO,
    Classes,
    KpiEntry,
    change_classes,
    count_classes,
    families,
    level_counts,
    measures,
    overlap_json,
    projects_for_municipality,
)

HOKKAIDO_CENTER = (43.45, 142.8)
REGION_OUTLINE = "#252525"


@dataclass(frozen=True)
class MapContext:
    atlas: Atlas
    plan: Plan
    coverage: Coverage
    topology_url: str
    credit: str
    # 振興局 short name → its page: a click on a 振興局 area that has no popup goes there.
    subprefecture_links: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LegendItem:
    color: str
    label: str
    kind: str = "fill"  # fill | line | dashed | point


@dataclass(frozen=True)
class Legend:
    title: str
    items: tuple[LegendItem, ...]


@dataclass(frozen=True)
class TextTable:
    """The map as a table (its text alternative): one row per area the map colours or names."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class MapView:
    name: str  # the map div's id
    script: str  # JavaScript that builds the map (served as /maps/....js)
    legends: tuple[Legend, ...]
    summary: str  # one sentence for screen readers
    table: TextTable | None = None


def _js(value: object) -> str:
    """JSON safe inside a script: no </script>, no HTML-significant characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class TopoLayer(Layer):
    """A layer of areas from the shared topology: ``object`` with per-id colours and text."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup();
HokkaidoMap.topoLayer({{ this._parent.get_name() }}, {{ this.get_name() }}, {{ this.options_js }});
{%- if this.show %}
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{%- endif %}
{% endmacro %}
""")

    def __init__(self, name: str, options: dict, *, overlay: bool = True, show: bool = True,
                 control: bool = True) -> None:
        # Leaflet's layer control shows names as HTML: escape data text here.
        super().__init__(name=html.escape(name), overlay=overlay, show=show, control=control)
        self._name = "TopoLayer"
        self.options_js = _js(options)


class TextTooltip(MacroElement):
    """A tooltip from plain text lines (folium.Tooltip would inject its text as HTML)."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindTooltip(HokkaidoMap.lines({{ this.lines_js }}));
{%- if this.href_js %}
{{ this._parent.get_name() }}.on("click", function () { window.location.href = {{ this.href_js }}; });
{%- endif %}
{% endmacro %}
""")

    def __init__(self, lines: Iterable[str], href: str | None = None) -> None:
        super().__init__()
        self._name = "TextTooltip"
        self.lines_js = _js(list(lines))
        self.href_js = _js(href) if href else ""


# --- rendering ------------------------------------------------------------------------------


GESTURE_TEXT = {
    "touch": "地図を動かすには指2本で操作してください",
    "scroll": "地図を拡大・縮小するには Ctrl キーを押しながらスクロールしてください",
    "scrollMac": "地図を拡大・縮小するには ⌘ キーを押しながらスクロールしてください",
}


def new_map(key: str, *, embed: bool = False) -> folium.Map:
    m = folium.Map(location=HOKKAIDO_CENTER, zoom_start=6, tiles=None, control_scale=not embed,
                   prefer_canvas=False, zoom_snap=0.25,
                   # Leaflet.GestureHandling: the wheel scrolls the host page (an embed's, or
                   # our own long pages); Ctrl/⌘+wheel or two fingers move the map.
                   gesture_handling=True,
                   # duration: our options replace the plugin's defaults, and without one the
                   # "use Ctrl" hint is removed at once (setTimeout(…, undefined)).
                   gesture_handling_options={"text": GESTURE_TEXT, "duration": 1500})
    # Instance lists: the class attributes are shared by every Map (toolchain.md); the page
    # itself loads Leaflet etc. from /assets, so the map asks for nothing.
    m.default_js = []
    m.default_css = []
    m._id = re.sub(r"[^0-9A-Za-z_]", "_", key)  # part of a JS variable name
    return m


def _fix_ids(root: folium.Map) -> None:
    # Folium names elements with random uuids; fixed ids make the render deterministic, so a
    # page and its map script agree and the script's ETag is stable.
    counter = 0
    stack = list(root._children.values())
    while stack:
        el = stack.pop(0)
        counter += 1
        el._id = f"{counter:03d}"
        stack.extend(el._children.values())


def render(m: folium.Map) -> tuple[str, str]:
    _fix_ids(m)
    figure = m.get_root()
    figure.render()
    return m.get_name(), figure.script.render()


def _view(m: folium.Map, legends: Iterable[Legend], summary: str, table: TextTable | None = None) -> MapView:
    name, script = render(m)
    return MapView(name=name, script=script, legends=tuple(legends), summary=summary, table=table)


def tip_table(caption: str, feats: dict) -> TextTable:
    """What the tooltips say, as a table: the area's name, then the rest of its lines."""
    rows = tuple((f["t"][0], "・".join(f["t"][1:])) for f in feats.values() if f.get("t"))
    return TextTable(caption, ("地域", "地図が示す内容"), rows)


def _layer(ctx: MapContext, key: str, obj: str, feats: dict, base: dict, **extra: object) -> dict:
    # The credit line is not repeated per layer: the page's figure carries it (hokkaido.js shows
    # it in the map's attribution box).
    if obj == "subprefectures" and not extra.get("select"):
        for short, feat in feats.items():
            if "p" not in feat and "h" not in feat and short in ctx.subprefecture_links:
                feat["h"] = ctx.subprefecture_links[short]
    return {"key": key, "topology": ctx.topology_url, "object": obj, "feats": feats, "base": base,
            **extra}


def _sub_tip(ctx: MapContext, short: str) -> list[str]:
    h = ctx.atlas.hierarchy
    return [h.subprefecture(short).name, h.region_of(short).full_name]


def _core_cities(ctx: MapContext, m: folium.Map, links: dict[str, str] | None = None) -> None:
    group = folium.FeatureGroup(name="中核都市", overlay=True, show=True)
    for city in ctx.atlas.core_cities:
        region = ctx.atlas.hierarchy.region(city.region)
        marker = folium.CircleMarker(
            location=(city.point[1], city.point[0]), radius=6, color="#000000", weight=2,
            fill=True, fill_color="#ffffff", fill_opacity=1,
        )
        marker.add_child(TextTooltip([f"{city.name}（中核都市）", region.full_name],
                                     (links or {}).get(city.code)))
        group.add_child(marker)
    group.add_to(m)


def _outline_base(color: str, weight: float = 3, dash: str | None = None) -> dict:
    base = {"color": color, "weight": weight, "fill": False, "opacity": 1}
    if dash:
        base["dashArray"] = dash
    return base


def core_city_legend() -> LegendItem:
    return LegendItem("#ffffff", "中核都市", "point")


# --- the maps -------------------------------------------------------------------------------


def overview_map(ctx: MapContext, town_links: dict[str, str], *, embed: bool = False,
                 level: str = "municipalities", measure: str = "all") -> MapView:
    """The Hokkaido map: three levels, ``level`` shown and coloured by ``measure``'s project counts.

    The full page recolours it from /api/overview when the user switches; an embed is fixed.
    """
    atlas, h = ctx.atlas, ctx.atlas.hierarchy
    m = new_map("overview", embed=embed)
    counts = level_counts(atlas, ctx.plan, measure)
    label = dict(measures(ctx.plan))[measure]
    muni_feats = {}
    for mu in (*atlas.municipalities, *atlas.northern_territories):
        tip = [mu.full_name, h.subprefecture(mu.subprefecture).name, h.region(mu.region).full_name]
        if mu.northern_territory:
            tip.append("北方領土（179市町村に含まれない）")
        muni_feats[mu.code] = {"t": tip, "h": town_links.get(mu.code)}
    sub_feats = {s.short: {"t": _sub_tip(ctx, s.short)} for s in h.subprefectures}
    reg_feats = {r.id: {"t": [r.full_name, f"中核都市：{r.core_city.name}"]} for r in h.regions}
    base = {"color": "#636363", "weight": 0.6, "fillColor": NO_DATA, "fillOpacity": 0.85}
    classes = {key: count_classes(values) for key, values in counts.items()}
    for key, feats in (("municipalities", muni_feats), ("subprefectures", sub_feats),
                       ("regions", reg_feats)):
        for fid, feat in feats.items():
            if fid in counts[key]:  # the 北方領土 have no count: they keep the no-data grey
                n = counts[key][fid]
                feat["c"] = classes[key].color(n)
                if embed:  # the full page's script adds the count line itself, per measure
                    feat["t"] = [*feat["t"], f"{label}：{n} 件"]
    for key, feats, show, extra in (
        ("municipalities", muni_feats, level == "municipalities", {"fit": True}),
        ("subprefectures", sub_feats, level == "subprefectures", {}),
        ("regions", reg_feats, level == "regions", {}),
    ):
        weight = {"municipalities": 0.6, "subprefectures": 1.2, "regions": 1.8}[key]
        TopoLayer(f"{key}", _layer(ctx, key, key, feats, {**base, "weight": weight}, select=True, **extra),
                  overlay=False, show=show, control=False).add_to(m)
    _core_cities(ctx, m, town_links)
    summary = (f"北海道の地図。{LEVEL_LABELS[level]}ごとに、及ぶプロジェクト（{label}）の数で"
               f"色分けしています（{len(atlas.municipalities)}市町村・{len(h.subprefectures)}振興局・"
               f"{len(h.regions)}連携地域）。")
    # The full page draws its own colour legend, which follows the switches; an embed needs this one.
    markers = Legend("表示", (core_city_legend(),))
    legends = [markers] if not embed else [Legend(
        f"影響するプロジェクト数（{label}・{LEVEL_LABELS[level]}）",
        tuple(LegendItem(c, f"{lab} 件") for c, lab in zip(classes[level].colors, classes[level].labels,
                                                            strict=True)),
    ), markers]
    shown = {"municipalities": muni_feats, "subprefectures": sub_feats, "regions": reg_feats}[level]
    table = TextTable(
        f"{LEVEL_LABELS[level]}ごとの及ぶプロジェクト数（{label}）",
        (LEVEL_LABELS[level], "所属・説明", "件数"),
        tuple((f["t"][0], "・".join(f["t"][1:-1] if embed and fid in counts[level] else f["t"][1:]),
               str(counts[level][fid]) if fid in counts[level] else "—")
              for fid, f in shown.items()))
    return _view(m, legends, summary, table)


def town_map(ctx: MapContext, town: Municipality, *, embed: bool = False) -> MapView:
    """The town highlighted, its neighbours in grey, and each covering project's area outlined."""
    h = ctx.atlas.hierarchy
    projects = projects_for_municipality(ctx.plan, ctx.coverage, town)
    m = new_map(f"town{town.code}", embed=embed)
    per_sub = {s.short: sum(s.short in p.subprefectures for p in projects) for s in h.subprefectures}
    classes = count_classes({k: v for k, v in per_sub.items()})
    sub_feats = {
        s: {"c": classes.color(n), "t": [*_sub_tip(ctx, s), f"このまちのプロジェクトのうち {n} 件が及ぶ"]}
        for s, n in per_sub.items()
    }
    # Zoomed to the town's 振興局: the town stays in view with the areas around it.
    TopoLayer("プロジェクトが及ぶ範囲（振興局）", _layer(
        ctx, "town-subs", "subprefectures", sub_feats,
        {"color": "#737373", "weight": 1.5, "fillOpacity": 0.8}, back=True, fit=[town.subprefecture]),
        overlay=True).add_to(m)
    TopoLayer("市町村の境界", _layer(
        ctx, "town-munis", "municipalities", {}, {"color": "#ffffff", "weight": 0.6, "fill": False,
                                                  "opacity": 0.7}, interactive=False),
        overlay=True).add_to(m)
    muni_feats = {town.code: {"t": [town.full_name, h.subprefecture(town.subprefecture).name]}}
    TopoLayer(town.full_name, _layer(
        ctx, "town", "municipalities", muni_feats,
        {"color": "#d7301f", "weight": 3.5, "fillColor": "#fdd0a2", "fillOpacity": 0.9},
        only=True), overlay=True).add_to(m)
    for i, p in enumerate(projects):
        color = OKABE_ITO[i % len(OKABE_ITO)]
        TopoLayer(p.name, _layer(
            ctx, f"p-{p.id}", "subprefectures", {s: {} for s in p.subprefectures},
            _outline_base(color, 2.5, "6 4" if i % 2 else None), only=True, merge=True,
            mergeTip=[p.name, f"【{p.coverage_label}】"]), overlay=True, show=False).add_to(m)
    _core_cities(ctx, m)
    folium.LayerControl(collapsed=True).add_to(m)
    legend = Legend("このまちのプロジェクトが及ぶ件数（振興局別）",
                    tuple(LegendItem(c, f"{lab} 件") for c, lab in zip(classes.colors, classes.labels,
                                                                           strict=True)))
    legends = (legend, Legend("表示", (LegendItem("#d7301f", town.full_name, "line"), core_city_legend())))
    summary = (f"{town.full_name}（{h.subprefecture(town.subprefecture).name}）を中心にした地図。"
               f"このまちに及ぶ{len(projects)}件のプロジェクトの範囲を振興局ごとに色分けしています。")
    table = tip_table(f"振興局ごとの、{town.full_name}のプロジェクトが及ぶ件数", sub_feats)
    return _view(m, legends, summary, table)


def project_map(ctx: MapContext, project: Project, *, embed: bool = False) -> MapView:
    """Its 振興局 filled (other regions' in another hue), its home 連携地域 outlined."""
    h = ctx.atlas.hierarchy
    home = h.region(project.region)
    home_subs = {s.short for s in home.subprefectures}
    inside, outside = "#2171b5", "#e08214"
    m = new_map(f"project-{project.id}", embed=embed)
    feats = {}
    for s in h.subprefectures:
        tip = _sub_tip(ctx, s.short)
        if s.short in project.subprefectures:
            cross = s.short not in home_subs
            tip.append("対象（他の連携地域）" if cross else "対象")
            feats[s.short] = {"c": outside if cross else inside, "t": tip,
                              "s": {"dashArray": "5 3"} if cross else {}}
        else:
            feats[s.short] = {"t": tip}
    TopoLayer("振興局", _layer(ctx, "project-subs", "subprefectures", feats,
                            {"color": "#636363", "weight": 1, "fillColor": "#f0f0f0", "fillOpacity": 0.85},
                            fit=list(project.subprefectures)), overlay=False).add_to(m)
    TopoLayer(f"{home.full_name}（ホーム）", _layer(
        ctx, "project-home", "regions", {home.id: {}}, _outline_base(REGION_OUTLINE, 3.5), only=True,
        interactive=False), overlay=True).add_to(m)
    _core_cities(ctx, m)
    items = [LegendItem(inside, "対象の振興局")]
    if project.cross_region:
        items.append(LegendItem(outside, "対象の振興局（他の連携地域・連携地域をまたぐ）", "dashed"))
    items += [LegendItem(REGION_OUTLINE, f"ホームの連携地域：{home.full_name}", "line"), core_city_legend()]
    names = "、".join(h.subprefecture(s).name for s in project.subprefectures)
    summary = (f"{project.name}の対象地域の地図：{names}。"
               + ("連携地域をまたぐプロジェクトです。" if project.cross_region else ""))
    table = tip_table(f"{project.name}の対象地域（振興局）", feats)
    return _view(m, [Legend("凡例", tuple(items))], summary, table)


def _kpi_popup(entry: KpiEntry) -> list[str]:
    kpi = entry.kpi
    out = [kpi.indicator + (f"（{kpi.scope}）" if kpi.scope else ""), entry.project.name]
    if kpi.sub_label:
        out.append(kpi.sub_label)
    if kpi.baseline:
        out.append(f"基準値：{kpi.baseline.written}（{kpi.baseline.label}）")
    out.append(f"目標値：{kpi.target.written}（{kpi.target.label}）")
    change = kpi.change
    if change and change.percent is not None:
        out.append(f"計画上の変化：{change.percent:+.1f}%")
    if change and change.years:
        out.append(f"期間：{change.years:g}年")
    return out


def kpi_change_text(entry: KpiEntry) -> str:
    p = entry.percent
    return "基準値なし" if p is None else f"{p:+.1f}%"


def _classes_legend(title: str, classes: Classes, extra: Iterable[LegendItem] = ()) -> Legend:
    items = [LegendItem(c, lab) for c, lab in zip(classes.colors, classes.labels, strict=True)]
    return Legend(title, (*items, *extra))


def kpi_map(ctx: MapContext, entry: KpiEntry, *, embed: bool = False) -> MapView:
    """The KPI's coverage (its project's 振興局) filled by planned change (%)."""
    h = ctx.atlas.hierarchy
    classes = change_classes(ctx.plan)
    color = classes.color(entry.percent)
    popup = _kpi_popup(entry)
    m = new_map(f"kpi-{entry.id}", embed=embed)
    feats = {}
    for s in h.subprefectures:
        if s.short in entry.project.subprefectures:
            tip = [*_sub_tip(ctx, s.short), f"{entry.kpi.indicator}：{kpi_change_text(entry)}"]
            feats[s.short] = {"c": color, "t": tip, "p": popup}
        else:
            feats[s.short] = {"t": _sub_tip(ctx, s.short)}
    base = {"color": "#636363", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.85}
    TopoLayer("KPIの対象地域", _layer(ctx, "kpi", "subprefectures", feats, base,
                                  fit=list(entry.project.subprefectures)), overlay=False).add_to(m)
    _core_cities(ctx, m)
    legend = _classes_legend("計画上の変化率（基準値→目標値）", classes,
                             [LegendItem(NO_DATA, "基準値なし（変化率を計算できない）"),
                              LegendItem("#ffffff", "対象外"), core_city_legend()])
    summary = (f"KPI「{entry.kpi.indicator}」の対象地域（{'、'.join(entry.project.subprefectures)}）を、"
               f"計画上の変化率 {kpi_change_text(entry)} の色で塗った地図。")
    return _view(m, [legend], summary, tip_table(f"KPI「{entry.kpi.indicator}」の対象地域（振興局）", feats))


def family_map(ctx: MapContext, key: str, *, embed: bool = False) -> MapView:
    """One indicator across projects: 振興局 by how many of the family's KPIs cover them (all
    listed in the tooltip), plus one outline layer per KPI so overlaps stay visible."""
    h = ctx.atlas.hierarchy
    entries = families(ctx.plan)[key]
    change = change_classes(ctx.plan)
    per_sub: dict[str, list[KpiEntry]] = {s.short: [] for s in h.subprefectures}
    for e in entries:
        for s in e.project.subprefectures:
            per_sub[s].append(e)
    counts = {s: len(es) for s, es in per_sub.items()}
    classes = count_classes(counts)
    m = new_map("family" + hashlib.sha1(key.encode()).hexdigest()[:8], embed=embed)
    feats = {}
    for s, es in per_sub.items():
        tip = [*_sub_tip(ctx, s), f"{key}：{len(es)} 件のKPI"]
        tip += [f"・{e.project.name}：{kpi_change_text(e)}" for e in es]
        feats[s] = {"c": classes.color(len(es)), "t": tip}
    TopoLayer("重なり（KPIの数）", _layer(ctx, "family", "subprefectures", feats,
                                     {"color": "#737373", "weight": 1, "fillOpacity": 0.8}, back=True,
                                     fit=[s for s, es in per_sub.items() if es]), overlay=False).add_to(m)
    line_items = []
    for i, e in enumerate(entries):
        color = OKABE_ITO[i % len(OKABE_ITO)]
        dash = (None, "8 4", "2 4", "12 4 2 4")[i % 4]
        TopoLayer(f"{e.project.name}（{kpi_change_text(e)}）", _layer(
            ctx, f"fam-{e.id}", "subprefectures", {s: {} for s in e.project.subprefectures},
            _outline_base(color, 3 + (i % 3), dash), only=True, merge=True,
            mergeTip=[*_kpi_popup(e)]), overlay=True).add_to(m)
        line_items.append(LegendItem(color, f"{e.project.name}：{kpi_change_text(e)}",
                                     "line" if dash is None else "dashed"))
    _core_cities(ctx, m)
    folium.LayerControl(collapsed=True).add_to(m)
    counted = Classes(classes.breaks, classes.colors, tuple(f"{lab} 件" for lab in classes.labels))
    legends = (_classes_legend(f"この指標のKPIが重なる数（{key}）", counted),
               Legend("各KPIの範囲（線）と計画上の変化率", (*line_items, core_city_legend())))
    del change
    summary = (f"指標「{key}」を持つ{len(entries)}件のKPIの対象地域を重ねた地図。"
               "色は重なっているKPIの数、線は各KPIの範囲です。")
    return _view(m, legends, summary, tip_table(f"振興局ごとの、指標「{key}」のKPIの数", feats))


def overlap_map(ctx: MapContext, *, embed: bool = False) -> MapView:
    """振興局 by shared (multi-振興局) projects; each cross-region project as a switchable outline."""
    h = ctx.atlas.hierarchy
    data = overlap_json(ctx.atlas, ctx.plan)["subprefectures"]
    shared = {s: v["shared"] for s, v in data.items()}
    classes = count_classes(shared)
    feats = {
        s: {"c": classes.color(v["shared"]),
            "t": [*_sub_tip(ctx, s), f"プロジェクト {v['projects']} 件", f"うち複数振興局 {v['shared']} 件",
                  f"うち連携地域をまたぐ {v['cross_region']} 件"]}
        for s, v in data.items()
    }
    m = new_map("overlap", embed=embed)
    TopoLayer("複数の振興局にまたがるプロジェクト数", _layer(
        ctx, "overlap", "subprefectures", feats, {"color": "#636363", "weight": 1, "fillOpacity": 0.85},
        fit=True, back=True), overlay=False).add_to(m)
    TopoLayer("連携地域の境界", _layer(ctx, "overlap-regions", "regions", {r.id: {} for r in h.regions},
                                  _outline_base(REGION_OUTLINE, 2.5), only=True, interactive=False),
              overlay=True).add_to(m)
    items = []
    for i, (p, _regions) in enumerate(cross_region_projects(ctx.plan)):
        color = OKABE_ITO[i % len(OKABE_ITO)]
        dash = (None, "8 4", "2 4")[i % 3]
        TopoLayer(p.name, _layer(ctx, f"cross-{p.id}", "subprefectures", {s: {} for s in p.subprefectures},
                                 _outline_base(color, 4, dash), only=True, merge=True,
                                 mergeTip=[p.name, f"【{p.coverage_label}】"]), overlay=True).add_to(m)
        items.append(LegendItem(color, p.name, "line" if dash is None else "dashed"))
    _core_cities(ctx, m)
    folium.LayerControl(collapsed=True).add_to(m)
    legends = (
        _classes_legend("複数の振興局にまたがるプロジェクト数", Classes(
            classes.breaks, classes.colors, tuple(f"{lab} 件" for lab in classes.labels))),
        Legend("連携地域をまたぐプロジェクト（線・切り替え可）",
               (*items, LegendItem(REGION_OUTLINE, "連携地域の境界", "line"), core_city_legend())),
    )
    summary = ("振興局ごとに、複数の振興局にまたがるプロジェクトの数で色分けした地図。"
               f"連携地域をまたぐ{len(items)}件のプロジェクトを線で重ねています。")
    return _view(m, legends, summary, tip_table("振興局ごとの、プロジェクトの重なり", feats))
