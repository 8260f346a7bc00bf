"""Folium map builders: one function per map, each a pure function of the model.

Folium gives the scaffold (Map, layer control, 中核都市 markers); geometry is not inlined:
:class:`TopoLayer` draws an object of the shared TopoJSON topology with small per-map data
(ids, colours, tooltip lines) via ``static/hokkaido.js``. A map renders to (div id, script);
the script is served as an external, cacheable .js, so pages carry no inline map code.
Folium's CDN assets are cleared per instance (the page loads Leaflet from the app itself).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import branca.element
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

# branca wraps the output of every child it renders in ``Element(template=<that output>)``, i.e.
# it compiles the map's own JavaScript as a Jinja template, ~23 times a map: 40 % of an export's
# time. The texts recur from map to map (folium's ids are deterministic here), and a compiled
# Template is immutable, so the compile is memoized, bounded, keyed on the exact text.
branca.element.Template = functools.lru_cache(maxsize=4096)(Template)  # type: ignore[misc]



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


@dataclass(frozen=True)
class Feature:
    """What a map sends about one area (a municipality, 振興局 or 連携地域 of the topology).

    :meth:`to_wire` writes it with one-letter keys, read back by ``static/hokkaido.js`` (where
    the format is described too): a map script repeats them for up to ~190 areas. A field left
    unset is not sent, and the JavaScript reads a missing key as "none":

    - ``color`` → ``c``: fill colour (CSS string) over the layer's ``base`` style; unset: the
      base's fill (or the layer's ``values``/``classes``, as the overview's switches set them);
    - ``tip`` → ``t``: tooltip lines, the area's name first (also the map's text table);
    - ``popup`` → ``p``: popup lines; a click, Enter or Space opens them (instead of ``href``);
    - ``style`` → ``s``: more Leaflet path options for this area only (``{"dashArray": "5 3"}``);
      ``None`` is not sent, an empty mapping is sent as ``{}``;
    - ``href`` → ``h``: the page a click, Enter or Space opens. On a 振興局 layer,
      :func:`layer_options` fills in the 振興局's own page where there is neither popup nor link.
    """

    tip: tuple[str, ...] = ()
    href: str | None = None
    color: str | None = None
    popup: tuple[str, ...] = ()
    style: Mapping[str, object] | None = None

    def to_wire(self) -> dict[str, object]:
        """The JSON object of this area in a layer's ``feats``. The keys come in this order
        (c t p s h): the order the map scripts have always had, so their bytes (and ETags) stay."""
        wire: dict[str, object] = {}
        if self.color is not None:
            wire["c"] = self.color
        if self.tip:
            wire["t"] = list(self.tip)
        if self.popup:
            wire["p"] = list(self.popup)
        if self.style is not None:
            wire["s"] = dict(self.style)
        if self.href is not None:
            wire["h"] = self.href
        return wire


Features = Mapping[str, Feature]  # area id → what the map says of it


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


def tip_table(caption: str, feats: Features) -> TextTable:
    """What the tooltips say, as a table: the area's name, then the rest of its lines."""
    rows = tuple((f.tip[0], "・".join(f.tip[1:])) for f in feats.values() if f.tip)
    return TextTable(caption, ("地域", "地図が示す内容"), rows)


def layer_options(ctx: MapContext, key: str, obj: str, feats: Features, base: dict, *,
                  link_subprefectures: bool = True, **extra: object) -> dict:
    """The options of one :class:`TopoLayer`, as ``HokkaidoMap.topoLayer`` reads them.

    A 振興局 with neither popup nor link of its own links to its page, unless the layer selects
    areas instead (the overview's) or ``link_subprefectures`` is off (links only where given).
    The credit line is not repeated per layer: the page's figure carries it (hokkaido.js shows
    it in the map's attribution box).
    """
    if obj == "subprefectures" and link_subprefectures and not extra.get("select"):
        links = ctx.subprefecture_links
        feats = {short: replace(f, href=links[short]) if f.href is None and not f.popup and short in links
                 else f for short, f in feats.items()}
    wire = {fid: f.to_wire() for fid, f in feats.items()}
    return {"key": key, "topology": ctx.topology_url, "object": obj, "feats": wire, "base": base, **extra}


@dataclass(frozen=True)
class Outline:
    """One outline layer of a map's switchable outlines: the union of some 振興局 (a project's
    or a KPI's area), drawn as one line with a tooltip."""

    name: str  # in the layer control
    key: str  # the layer's key (HokkaidoMap.layers)
    subprefectures: Iterable[str]
    tip: Iterable[str]
    legend: str = ""  # its legend label (default: ``name``)


def outline_layers(ctx: MapContext, m: folium.Map, outlines: Iterable[Outline], *,
                   dashes: Sequence[str | None], weights: Sequence[float],
                   show: bool = True) -> list[LegendItem]:
    """Add one outline layer per item to ``m``: the i-th in the i-th Okabe–Ito colour, dash and
    weight (each cycled), so outlines differ by more than colour. Returns their legend items."""
    items = []
    for i, o in enumerate(outlines):
        color, dash = OKABE_ITO[i % len(OKABE_ITO)], dashes[i % len(dashes)]
        area = {s: Feature() for s in o.subprefectures}
        TopoLayer(o.name, layer_options(ctx, o.key, "subprefectures", area,
                                        _outline_base(color, weights[i % len(weights)], dash), only=True,
                                        merge=True, mergeTip=list(o.tip)), overlay=True, show=show).add_to(m)
        items.append(LegendItem(color, o.legend or o.name, "line" if dash is None else "dashed"))
    return items


def _project_outline(key: str, p: Project) -> Outline:
    return Outline(p.name, key, p.subprefectures, (p.name, f"【{p.coverage_label}】"))


def _sub_tip(ctx: MapContext, short: str) -> tuple[str, ...]:
    h = ctx.atlas.hierarchy
    return (h.subprefecture(short).name, h.region_of(short).full_name)


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


def _counted(feats: Features, counts: Mapping[str, int], classes: Classes,
             label: str | None) -> dict[str, Feature]:
    """``feats`` coloured by their count; with ``label``, the count as a last tooltip line
    ("{label}：{n} 件"). An area without a count (the 北方領土) keeps the no-data grey."""

    def counted(f: Feature, n: int) -> Feature:
        return replace(f, color=classes.color(n), tip=(*f.tip, f"{label}：{n} 件") if label else f.tip)

    return {fid: counted(f, counts[fid]) if fid in counts else f for fid, f in feats.items()}


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
        tip = (mu.full_name, h.subprefecture(mu.subprefecture).name, h.region(mu.region).full_name)
        if mu.northern_territory:
            tip = (*tip, "北方領土（179市町村に含まれない）")
        muni_feats[mu.code] = Feature(tip, href=town_links.get(mu.code))
    sub_feats = {s.short: Feature(_sub_tip(ctx, s.short)) for s in h.subprefectures}
    reg_feats = {r.id: Feature((r.full_name, f"中核都市：{r.core_city.name}")) for r in h.regions}
    base = {"color": "#636363", "weight": 0.6, "fillColor": NO_DATA, "fillOpacity": 0.85}
    classes = {key: count_classes(values) for key, values in counts.items()}
    # The full page's script adds the count line itself, per measure; an embed is fixed.
    feats_of = {key: _counted(feats, counts[key], classes[key], label if embed else None) for key, feats in
                (("municipalities", muni_feats), ("subprefectures", sub_feats), ("regions", reg_feats))}
    for key, weight, extra in (("municipalities", 0.6, {"fit": True}), ("subprefectures", 1.2, {}),
                               ("regions", 1.8, {})):
        TopoLayer(key, layer_options(ctx, key, key, feats_of[key], {**base, "weight": weight}, select=True,
                                     **extra), overlay=False, show=level == key, control=False).add_to(m)
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
    shown = feats_of[level]
    table = TextTable(
        f"{LEVEL_LABELS[level]}ごとの及ぶプロジェクト数（{label}）",
        (LEVEL_LABELS[level], "所属・説明", "件数"),
        tuple((f.tip[0], "・".join(f.tip[1:-1] if embed and fid in counts[level] else f.tip[1:]),
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
        s: Feature((*_sub_tip(ctx, s), f"このまちのプロジェクトのうち {n} 件が及ぶ"), color=classes.color(n))
        for s, n in per_sub.items()
    }
    # Zoomed to the town's 振興局: the town stays in view with the areas around it.
    TopoLayer("プロジェクトが及ぶ範囲（振興局）", layer_options(
        ctx, "town-subs", "subprefectures", sub_feats,
        {"color": "#737373", "weight": 1.5, "fillOpacity": 0.8}, back=True, fit=[town.subprefecture]),
        overlay=True).add_to(m)
    TopoLayer("市町村の境界", layer_options(
        ctx, "town-munis", "municipalities", {}, {"color": "#ffffff", "weight": 0.6, "fill": False,
                                                  "opacity": 0.7}, interactive=False),
        overlay=True).add_to(m)
    muni_feats = {town.code: Feature((town.full_name, h.subprefecture(town.subprefecture).name))}
    TopoLayer(town.full_name, layer_options(
        ctx, "town", "municipalities", muni_feats,
        {"color": "#d7301f", "weight": 3.5, "fillColor": "#fdd0a2", "fillOpacity": 0.9},
        only=True), overlay=True).add_to(m)
    outline_layers(ctx, m, (_project_outline(f"p-{p.id}", p) for p in projects), dashes=(None, "6 4"),
                   weights=(2.5,), show=False)
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
    feats: dict[str, Feature] = {}
    for s in h.subprefectures:
        tip = _sub_tip(ctx, s.short)
        if s.short in project.subprefectures:
            cross = s.short not in home_subs
            tip = (*tip, "対象（他の連携地域）" if cross else "対象")
            # An empty style for the home 振興局 (sent as "s":{}, as it always has been).
            feats[s.short] = Feature(tip, color=outside if cross else inside,
                                     style={"dashArray": "5 3"} if cross else {})
        else:
            feats[s.short] = Feature(tip)
    TopoLayer("振興局", layer_options(
        ctx, "project-subs", "subprefectures", feats,
        {"color": "#636363", "weight": 1, "fillColor": "#f0f0f0", "fillOpacity": 0.85},
        fit=list(project.subprefectures)), overlay=False).add_to(m)
    TopoLayer(f"{home.full_name}（ホーム）", layer_options(
        ctx, "project-home", "regions", {home.id: Feature()}, _outline_base(REGION_OUTLINE, 3.5), only=True,
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


def _kpi_popup(entry: KpiEntry) -> tuple[str, ...]:
    kpi = entry.kpi
    out = [kpi.title, entry.project.name]
    if kpi.baseline:
        out.append(f"基準値：{kpi.baseline.written}（{kpi.baseline.label}）")
    out.append(f"目標値：{kpi.target.written}（{kpi.target.label}）")
    change = kpi.change
    if change and change.percent is not None:
        out.append(f"計画上の変化：{change.percent:+.1f}%")
    if change and change.years:
        out.append(f"期間：{change.years:g}年")
    return tuple(out)


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
            tip = (*_sub_tip(ctx, s.short), f"{entry.kpi.indicator}：{kpi_change_text(entry)}")
            feats[s.short] = Feature(tip, color=color, popup=popup)
        else:
            feats[s.short] = Feature(_sub_tip(ctx, s.short))
    base = {"color": "#636363", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.85}
    TopoLayer("KPIの対象地域", layer_options(ctx, "kpi", "subprefectures", feats, base,
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
    per_sub: dict[str, list[KpiEntry]] = {s.short: [] for s in h.subprefectures}
    for e in entries:
        for s in e.project.subprefectures:
            per_sub[s].append(e)
    counts = {s: len(es) for s, es in per_sub.items()}
    classes = count_classes(counts)
    m = new_map("family" + hashlib.sha1(key.encode()).hexdigest()[:8], embed=embed)
    feats = {}
    for s, es in per_sub.items():
        tip = (*_sub_tip(ctx, s), f"{key}：{len(es)} 件のKPI",
               *(f"・{e.project.name}：{kpi_change_text(e)}" for e in es))
        feats[s] = Feature(tip, color=classes.color(len(es)))
    TopoLayer("重なり（KPIの数）", layer_options(
        ctx, "family", "subprefectures", feats, {"color": "#737373", "weight": 1, "fillOpacity": 0.8},
        back=True, fit=[s for s, es in per_sub.items() if es]), overlay=False).add_to(m)
    line_items = outline_layers(ctx, m, (
        Outline(f"{e.project.name}（{kpi_change_text(e)}）", f"fam-{e.id}", e.project.subprefectures,
                _kpi_popup(e), legend=f"{e.project.name}：{kpi_change_text(e)}") for e in entries),
        dashes=(None, "8 4", "2 4", "12 4 2 4"), weights=(3, 4, 5))
    _core_cities(ctx, m)
    folium.LayerControl(collapsed=True).add_to(m)
    counted = Classes(classes.breaks, classes.colors, tuple(f"{lab} 件" for lab in classes.labels))
    legends = (_classes_legend(f"この指標のKPIが重なる数（{key}）", counted),
               Legend("各KPIの範囲（線）と計画上の変化率", (*line_items, core_city_legend())))
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
        s: Feature((*_sub_tip(ctx, s), f"プロジェクト {v['projects']} 件", f"うち複数振興局 {v['shared']} 件",
                    f"うち連携地域をまたぐ {v['cross_region']} 件"), color=classes.color(v["shared"]))
        for s, v in data.items()
    }
    m = new_map("overlap", embed=embed)
    TopoLayer("複数の振興局にまたがるプロジェクト数", layer_options(
        ctx, "overlap", "subprefectures", feats, {"color": "#636363", "weight": 1, "fillOpacity": 0.85},
        fit=True, back=True), overlay=False).add_to(m)
    TopoLayer("連携地域の境界", layer_options(
        ctx, "overlap-regions", "regions", {r.id: Feature() for r in h.regions},
        _outline_base(REGION_OUTLINE, 2.5), only=True, interactive=False), overlay=True).add_to(m)
    cross = (_project_outline(f"cross-{p.id}", p) for p, _regions in cross_region_projects(ctx.plan))
    items = outline_layers(ctx, m, cross, dashes=(None, "8 4", "2 4"), weights=(4,))
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
