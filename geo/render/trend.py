"""A KPI's trend as server-side SVG: base, the expected line, the actuals and the target.

Drawn from :func:`geo.render.progress.trend_json`. Every series differs in shape, not only in
colour (base ■, target ◆, actual ●, provisional ○ 速報, expected dashed line); the ``<title>`` and
``<desc>`` say what the chart shows, and the page puts the same numbers in a table beside it.
Given the edition, the fiscal years outside its period are shaded and labelled 「対象期間外」 (the
words are on the chart; the shade only repeats them), and the ``<desc>`` names the period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from geo.plan.edition import Edition
from geo.plan.fiscal import fiscal_label
from geo.plan.progress import GRADE_LABEL, GRADE_SYMBOL
from geo.render.progress import OUT_OF_PERIOD, in_period, period_mark, period_text

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 84, 20, 24, 64
INK, EXPECTED, ACTUAL, TARGET = "#252525", "#737373", "#0072B2", "#D55E00"
OUTSIDE = "#ececec"  # the shade behind years outside the edition's period


def _fmt(value: float, factor: int, unit: str) -> str:
    shown = value / factor
    text = f"{shown:,.1f}".removesuffix(".0")
    return f"{text}{unit}"


Series = list[tuple[int, float, dict[str, Any]]]  # (fiscal year, value, the point) per actual


@dataclass(frozen=True)
class _Frame:
    """The plot area: fiscal years ``x0``–``x1`` across, values ``lo``–``hi`` up."""

    x0: float
    x1: float
    lo: float
    hi: float
    pw: int = W - LEFT - RIGHT
    ph: int = H - TOP - BOTTOM

    def x(self, year: float) -> float:
        return round(LEFT + (year - self.x0) / (self.x1 - self.x0) * self.pw, 1)

    def y(self, value: float) -> float:
        return round(TOP + (self.hi - value) / (self.hi - self.lo) * self.ph, 1)


def _series(data: dict[str, Any]) -> Series:
    """The actuals drawn: the period total so far for a period KPI, else each year's value."""
    key = "compared" if data["period"] else "actual"
    return [(p["year"], p[key], p) for p in data["points"] if p[key] is not None]


def _frame(data: dict[str, Any], series: Series, factor: int) -> tuple[_Frame, list[float]]:
    """Bounds that hold every value and year drawn, and the value axis's ticks."""
    pts, base, target = data["points"], data["base"], data["target"]
    values = [v for _, v, _ in series] + [target["value"]] + ([base["value"]] if base else [])
    values += [p["expected"] for p in pts if p["expected"] is not None]
    lo, hi, ticks = _axis(min(values), max(values), factor)
    years = [p["year"] for p in pts]
    x0 = min([*years, base["year"]] if base else years)
    x1 = max([*years, target["year"]])
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    return _Frame(x0, x1, lo, hi), ticks


def _axis_years(f: _Frame) -> range:
    """The fiscal years labelled under the plot."""
    return range(int(f.x0) + (0 if f.x0 == int(f.x0) else 1), int(f.x1) + 1)


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Consecutive years as (first, last) runs: [2014, 2015, 2021] → [(2014, 2015), (2021, 2021)]."""
    runs: list[tuple[int, int]] = []
    for y in years:
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


def _outside(f: _Frame, edition: Edition | None) -> list[int]:
    """The chart's years outside the edition's period."""
    return [y for y in _axis_years(f) if not in_period(edition, y)]


def _band_label(x0: float, x1: float) -> str:
    """The words 対象期間外 at the top of a shade: one line, or two (対象 / 期間外) in a narrow one."""
    cx, lines = round((x0 + x1) / 2, 1), [OUT_OF_PERIOD] if x1 - x0 >= 56 else ["対象", "期間外"]
    spans = "".join(f'<tspan x="{cx}" dy="{0 if i == 0 else 12}">{t}</tspan>' for i, t in enumerate(lines))
    return (f'<text class="period-band-label" x="{cx}" y="{TOP + 14}" text-anchor="middle" font-size="10" '
            f'fill="{INK}">{spans}</text>')


def _period_bands(f: _Frame, outside: list[int]) -> list[str]:
    """A shade over each run of years outside the period, with the words 対象期間外 at its top."""
    out = []
    for first, last in _runs(outside):
        x0, x1 = max(f.x(first - 0.5), LEFT), min(f.x(last + 0.5), LEFT + f.pw)
        out.append(
            f'<rect class="period-band" x="{x0}" y="{TOP}" width="{round(x1 - x0, 1)}" '
            f'height="{f.ph}" fill="{OUTSIDE}"/>'
        )
        out.append(_band_label(x0, x1))
    return out


def _grid(f: _Frame, ticks: list[float], factor: int, unit: str) -> list[str]:
    """Value grid lines with their labels, and the fiscal years under the plot."""
    out = []
    for v in ticks:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + f.pw}" y1="{f.y(v)}" y2="{f.y(v)}" stroke="#eeeeee"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{f.y(v) + 4}" text-anchor="end" font-size="11" fill="{INK}">'
            f"{escape(_fmt(v, factor, unit))}</text>"
        )
    for yr in _axis_years(f):
        label = fiscal_label(yr)
        out.append(
            f'<text x="{f.x(yr)}" y="{TOP + f.ph + 16}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(label.split("(")[0])}</text>'
        )
        out.append(
            f'<text x="{f.x(yr)}" y="{TOP + f.ph + 30}" text-anchor="middle" font-size="10" '
            f'fill="#636363">{yr}</text>'
        )
    return out


def _plan_marks(f: _Frame, base: dict[str, Any] | None, target: dict[str, Any], factor: int,
                unit: str) -> list[str]:
    """The base ■, the expected line base → target, and the target ◆."""
    out = []
    if base:
        out.append(
            f'<line class="expected" x1="{f.x(base["year"])}" y1="{f.y(base["value"])}" '
            f'x2="{f.x(target["year"])}" y2="{f.y(target["value"])}" stroke="{EXPECTED}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<rect class="base" x="{f.x(base["year"]) - 5}" y="{f.y(base["value"]) - 5}" width="10" '
            f'height="10" fill="{INK}"><title>基準値 {escape(_fmt(base["value"], factor, unit))}</title>'
            "</rect>"
        )
    tx, ty = f.x(target["year"]), f.y(target["value"])
    out.append(
        f'<path class="target" d="M{tx} {ty - 8}L{tx + 8} {ty}L{tx} {ty + 8}L{tx - 8} {ty}Z" '
        f'fill="{TARGET}"><title>目標値 {escape(target["written"])}（{escape(target["label"])}）'
        "</title></path>"
    )
    return out


def _actual_marks(f: _Frame, series: Series, factor: int, unit: str, edition: Edition | None) -> list[str]:
    """The actuals: a line through them, ● per 確報 and ○ with the word 速報 per provisional one;
    the tooltip of one outside the period says 対象期間外."""
    out = []
    if len(series) > 1:
        path = " ".join(f"{f.x(yr)},{f.y(v)}" for yr, v, _ in series)
        out.append(f'<polyline points="{path}" fill="none" stroke="{ACTUAL}" stroke-width="2"/>')
    for yr, v, p in series:
        prov = bool(p["provisional"])
        fill = "#ffffff" if prov else ACTUAL
        tip = f"実績 {p['label']}{period_mark(yr, edition)}：{_fmt(v, factor, unit)}"
        tip += "（速報）" if prov else ""
        cls = "actual provisional" if prov else "actual"
        out.append(
            f'<circle class="{cls}" cx="{f.x(yr)}" cy="{f.y(v)}" r="6" fill="{fill}" stroke="{ACTUAL}" '
            f'stroke-width="2.5"><title>{escape(tip)}</title></circle>'
        )
        if prov:
            out.append(
                f'<text x="{f.x(yr)}" y="{f.y(v) - 10}" text-anchor="middle" font-size="10" '
                f'fill="{INK}">速報</text>'
            )
    return out


_LEGEND = (
    ("rect", "基準値"),
    ("dash", "見込み（基準値→目標値の直線）"),
    ("dot", "実績"),
    ("ring", "速報"),
    ("diamond", "目標値"),
)


def _legend(outside: bool) -> list[str]:
    """Shapes and words under the chart, left to right (the shade's only when there is one)."""
    out, lx, ly = [], LEFT, H - 14
    for kind, text in (*_LEGEND, *((("shade", OUT_OF_PERIOD),) if outside else ())):
        out.append(_LEGEND_MARKS[kind].format(**_mark_args(lx, ly)))
        out.append(f'<text x="{lx + 18}" y="{ly}" font-size="11" fill="{INK}">{escape(text)}</text>')
        lx += 30 + len(text) * 11
    return out


def trend_svg(
    data: dict[str, Any], title: str, factor: int, unit: str, *, ident: str = "trend",
    edition: Edition | None = None,
) -> str:
    """The chart; ``factor`` and ``unit`` show values as the KPI writes them (万人 → ÷10⁴). With
    ``edition``, the years outside its period are shaded and labelled 対象期間外."""
    series = _series(data)
    frame, ticks = _frame(data, series, factor)
    outside = _outside(frame, edition)
    tid, did = f"{ident}-title", f"{ident}-desc"
    desc = _description(data, series, factor, unit) + _period_description(edition, outside)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" viewBox="0 0 {W} {H}" '
        # Up to 1.5× its drawn size: at 1280 px a chart of 640 used 40 % of the page, its text 10 px.
        f'width="100%" style="min-width:520px;max-width:{W * 3 // 2}px" aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{frame.pw}" height="{frame.ph}" fill="#ffffff" '
        'stroke="#bdbdbd"/>',
        *_period_bands(frame, outside),
        *_grid(frame, ticks, factor, unit),
        *_plan_marks(frame, data["base"], data["target"], factor, unit),
        *_actual_marks(frame, series, factor, unit, edition),
        *_legend(bool(outside)),
        "</svg>",
    ]
    return "\n".join(out)


# The legend's marks, one shape per series (never colour alone).
_LEGEND_MARKS = {
    "rect": '<rect x="{x}" y="{y9}" width="10" height="10" fill="{ink}"/>',
    "dash": '<line x1="{xm4}" x2="{x14}" y1="{y4}" y2="{y4}" stroke="{expected}" stroke-width="2" '
    'stroke-dasharray="6 4"/>',
    "dot": '<circle cx="{x5}" cy="{y4}" r="5" fill="{actual}"/>',
    "ring": '<circle cx="{x5}" cy="{y4}" r="5" fill="#ffffff" stroke="{actual}" stroke-width="2"/>',
    "diamond": '<path d="M{x5} {y11}L{x12} {y4}L{x5} {y3}L{xm2} {y4}Z" fill="{target}"/>',
    "shade": '<rect x="{x}" y="{y9}" width="10" height="10" fill="{outside}" stroke="#bdbdbd"/>',
}


def _mark_args(x: int, y: int) -> dict[str, object]:
    colours = {"ink": INK, "expected": EXPECTED, "actual": ACTUAL, "target": TARGET, "outside": OUTSIDE}
    return {
        **colours,
        "x": x,
        "x5": x + 5,
        "x12": x + 12,
        "x14": x + 14,
        "xm2": x - 2,
        "xm4": x - 4,
        "y4": y - 4,
        "y9": y - 9,
        "y11": y - 11,
        "y3": y + 3,
    }


def _axis(lo: float, hi: float, factor: int) -> tuple[float, float, list[float]]:
    """Bounds and ticks on round numbers of the written unit (0, 50, 100 … 件; 1,000 万人 …)."""
    a, b = lo / factor, hi / factor
    if b == a:
        a, b = a - 1, b + 1
    raw = (b - a) / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(a / step) * step
    if a >= 0 > start:
        start = 0.0
    end = math.ceil(b / step) * step
    n = round((end - start) / step)
    ticks = [(start + i * step) * factor for i in range(n + 1)]
    return start * factor, end * factor, ticks


def _description(data: dict[str, Any], series: Series, factor: int, unit: str) -> str:
    base, target = data["base"], data["target"]
    parts = []
    if base:
        parts.append(f"基準値 {_fmt(base['value'], factor, unit)}")
    else:
        parts.append("基準値なし")
    parts.append(f"目標値 {target['written']}（{target['label']}）")
    if data["period"]:
        parts.append(f"期間の{data['aggregate']}で評価（実績は年度ごとの値の{data['aggregate']}）")
    if series:
        parts.append(
            "実績 "
            + "、".join(
                f"{p['label']} {_fmt(v, factor, unit)}" + ("（速報）" if p["provisional"] else "")
                for _, v, p in series
            )
        )
        g = data["latest"]
        parts.append(f"評価 {GRADE_SYMBOL[g['grade']]} {GRADE_LABEL[g['grade']]}")
    else:
        parts.append("実績未登録")
    return "。".join(parts) + "。"


def _period_description(edition: Edition | None, outside: list[int]) -> str:
    """``対象期間：平成28年度〜概ね令和2年度（H26・H27 は対象期間外）。``; nothing without an edition."""
    if edition is None:
        return ""
    years = "・".join(fiscal_label(y).split("(")[0] for y in outside)
    return period_text(edition) + (f"（{years} は{OUT_OF_PERIOD}）" if outside else "") + "。"
