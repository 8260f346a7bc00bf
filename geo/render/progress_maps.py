"""Progress maps (推進管理): 振興局 / 連携地域 by the share of their KPIs on track, a KPI by its grade.

Built with the Folium helpers of :mod:`geo.render.maps` (``new_map``, ``TopoLayer``, ``Feature``,
``layer_options``, ``Legend``); the tooltip and the page's table carry the counts per grade, so
nothing is told by colour alone. Every legend has a 「実績なし」 class. Given the edition, a year
outside its period is named 「対象期間外」 in the tooltip, the legend and the summary.
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.plan.edition import Edition
from geo.plan.fiscal import fiscal_label
from geo.plan.model import Project
from geo.plan.progress import GRADE_LABEL, GRADE_SYMBOL, GRADES, AreaSummary, Evaluation
from geo.render.maps import (
    Feature,
    Features,
    Legend,
    LegendItem,
    MapContext,
    MapView,
    TopoLayer,
    _view,
    layer_options,
    new_map,
)
from geo.render.progress import GRADE_COLORS, NO_ACTUAL_COLOR, period_mark

PROGRESS_LEVELS = {"subprefectures": "振興局", "regions": "連携地域"}
# Share of graded KPIs that are 達成 or A 順調: four classes on a colour-blind-safe ramp.
# ColorBrewer PuOr (colour-blind safe), orange = few on track, purple = many; distinct from the grey.
SHARE_CLASSES = (
    (0.25, "#e08214", "25%未満"),
    (0.5, "#fdb863", "25〜50%未満"),
    (0.75, "#b2abd2", "50〜75%未満"),
    (1.0, "#5e3c99", "75〜100%"),
)
NO_ACTUALS_LABEL = "実績なし"


def share_color(share: float | None) -> str:
    if share is None:
        return NO_ACTUAL_COLOR
    for upper, color, _ in SHARE_CLASSES:
        if share < upper:
            return color
    return SHARE_CLASSES[-1][1]


def share_text(s: AreaSummary) -> str:
    if s.share is None:
        return f"{NO_ACTUALS_LABEL}（KPI {len(s.kpis)}件）"
    return f"順調以上（◎達成・○A）{s.on_track}/{s.graded}件（{s.share:.0%}）"


def counts_text(s: AreaSummary) -> list[str]:
    return [f"{GRADE_SYMBOL[g]} {GRADE_LABEL[g]}：{n}件" for g in GRADES if (n := s.counts[g])]


def _options(ctx: MapContext, key: str, obj: str, feats: Features, base: dict, **extra: object) -> dict:
    # A progress map names its own credit per layer, and a 振興局 links only where ``links`` says.
    return layer_options(ctx, key, obj, feats, base, link_subprefectures=False, credit=ctx.credit, **extra)


def area_progress_map(
    ctx: MapContext,
    level: str,
    year: int,
    summaries: Mapping[str, AreaSummary],
    links: Mapping[str, str] | None = None,
    *,
    embed: bool = False,
    edition: Edition | None = None,
) -> MapView:
    """振興局 or 連携地域 coloured by the share of their KPIs on track in ``year`` (named
    「対象期間外」 when outside ``edition``'s period)."""
    h = ctx.atlas.hierarchy
    names = (
        {s.short: s.name for s in h.subprefectures}
        if level == "subprefectures"
        else {r.id: r.full_name for r in h.regions}
    )
    when = f"{fiscal_label(year)}年度{period_mark(year, edition)}"  # H27(2015)年度（対象期間外）
    feats = {}
    for key, s in summaries.items():
        tip = (names[key], when, share_text(s), *counts_text(s))
        feats[key] = Feature(tip, href=(links or {}).get(key), color=share_color(s.share))
    m = new_map(f"progress-{level}-{year}", embed=embed)
    TopoLayer(
        f"KPIの進捗（{PROGRESS_LEVELS[level]}）",
        _options(
            ctx,
            f"progress-{level}",
            level,
            feats,
            {"color": "#636363", "weight": 1.2, "fillOpacity": 0.85},
            fit=True,
        ),
        overlay=False,
    ).add_to(m)
    items = tuple(LegendItem(c, f"順調以上の割合 {lab}") for _, c, lab in SHARE_CLASSES)
    legend = Legend(
        f"順調以上（達成・A）の KPI の割合（{when}）",
        (*items, LegendItem(NO_ACTUAL_COLOR, f"{NO_ACTUALS_LABEL}（評価できる KPI がない）")),
    )
    graded = sum(s.share is not None for s in summaries.values())
    summary = (
        f"{PROGRESS_LEVELS[level]}ごとに、及ぶプロジェクトの KPI のうち{when}に"
        f"順調以上（達成・A 順調）のものの割合で色分けした地図。{len(summaries)}地域のうち"
        f"{graded}地域に評価できる実績があります。"
    )
    return _view(m, [legend], summary)


def kpi_progress_map(
    ctx: MapContext, kid: str, project: Project, ev: Evaluation, *, embed: bool = False
) -> MapView:
    """The KPI's 振興局 coloured by its latest grade (text and symbol in the tooltip)."""
    h = ctx.atlas.hierarchy
    color = GRADE_COLORS[ev.grade] if ev.year is not None else NO_ACTUAL_COLOR
    grade = f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade]}"
    when = f"（{fiscal_label(ev.year)}{'・最終' if ev.final else ''}）" if ev.year else ""
    feats = {}
    for s in h.subprefectures:
        tip = (s.name, h.region_of(s.short).full_name)
        if s.short in project.subprefectures:
            feats[s.short] = Feature((*tip, f"評価：{grade}{when}", ev.reason or ""), color=color)
        else:
            feats[s.short] = Feature(tip)
    m = new_map(f"kpiprogress-{kid}", embed=embed)
    TopoLayer(
        "KPIの評価",
        _options(
            ctx,
            "kpi-progress",
            "subprefectures",
            feats,
            {"color": "#636363", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.85},
            fit=list(project.subprefectures),
        ),
        overlay=False,
    ).add_to(m)
    items = [LegendItem(GRADE_COLORS[g], f"{GRADE_SYMBOL[g]} {GRADE_LABEL[g]}") for g in GRADES if g != "−"]
    items += [
        LegendItem(NO_ACTUAL_COLOR, f"{NO_ACTUALS_LABEL}・評価なし（−）"),
        LegendItem("#ffffff", "対象外"),
    ]
    summary = f"KPI {kid} の対象の振興局を、評価 {grade}{when} の色で塗った地図。"
    return _view(m, [Legend("KPI の評価", tuple(items))], summary)
