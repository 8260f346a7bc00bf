"""KPI (重要業績評価指標) text → indicator, unit, baseline and target in base units.

The document writes each KPI as one line, e.g.::

    観光入込客数(天塩川周辺地域) 308万人(H26)→313万人(R2)
    地域産業への新規就業者数 新規就農者 124人(H25)→150人(R1)
    個別相談会等での商談成約件数 260件(H27～R1累計)
    女性キャリアデザインロールモデル輩出数(累計)50件(R1)

Grammar (whitespace around → is optional; the baseline is optional)::

    KPI    := INDICATOR [ "(" SCOPE ")" ] [ " " SUB_LABEL ] VALUE [ "→" VALUE ]
    VALUE  := [ "(" 累計|合計|平均 ")" ] NUMBER UNIT [ 以上|以下|超|未満 ] "(" YEAR ")"
    NUMBER := digits with optional "," thousands separators and "." decimals
    UNIT   := [ 億|万|千 ] BASE [ "/年" ]
    YEAR   := ERA n                 one fiscal year: H26 → 2014, R1 → 2019 (R元 too)
            | ERA n "." m "卒"      graduates of month m, e.g. H27.3卒 (see ``parse_year``)
            | ERA n "～" [ERA] n' [累計|合計|平均]   a span of fiscal years, e.g. H27～R1累計

Years are read as fiscal years (年度, April–March) because that is how the plan's
statistics are kept. Values are converted to base units (万人 → 人 ×10⁴) with exact
decimals, so 1,023.6万人 is 10,236,000 人, not a float approximation.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from geo.frozen import FrozenModel

Aggregate = Literal["累計", "合計", "平均"]
Number = int | float

# Era → offset to the Gregorian year (平成元年 = 1989, 令和元年 = 2019).
ERAS: dict[str, int] = {"S": 1925, "H": 1988, "R": 2018}
# Last year of an era, so "H35" is caught as a typo rather than read as 2023.
_ERA_LAST = {"S": 64, "H": 31}

PREFIXES: dict[str, int] = {"億": 10**8, "万": 10**4, "千": 10**3}
# Base units that a 億/万/千 prefix may scale; "%" and "kW" are used as they are.
COUNT_UNITS = ("人", "件", "社", "店", "団体", "品目", "日", "か所", "事業", "円", "㎡", "トン")
PLAIN_UNITS = ("%", "kW")
BASE_UNITS = COUNT_UNITS + PLAIN_UNITS
PER_YEAR = "/年"


class KPIError(ValueError):
    """A KPI text that does not follow the grammar; the message quotes the text."""

    def __init__(self, text: str, why: str) -> None:
        self.text = text
        self.why = why
        super().__init__(f"cannot parse KPI {text!r}: {why}")


class YearLabel(FrozenModel):
    """A year as written (``H26``) and as fiscal year(s) (``2014`` or ``(2015, 2019)``)."""

    label: str
    start: int
    end: int
    aggregate: Aggregate | None = None
    graduation_month: int | None = None  # only for "卒" labels

    @property
    def fiscal_year(self) -> int | tuple[int, int]:
        return self.start if self.start == self.end else (self.start, self.end)

    @property
    def is_period(self) -> bool:
        return self.start != self.end

    @property
    def midpoint(self) -> float:
        return (self.start + self.end) / 2


class Value(FrozenModel):
    """One end of a KPI: ``2,240万人(H26)`` → value 22,400,000 (人), year H26 = FY2014."""

    written: str  # the number and unit as written, e.g. "2,240万人"
    value: Number  # in base units
    year: YearLabel
    aggregate: Aggregate | None = None  # 累計 / 合計 / 平均 from "(累計)50件" or "H27～R1累計"
    qualifier: str | None = None  # 以上 etc.

    @property
    def label(self) -> str:
        return self.year.label

    @property
    def fiscal_year(self) -> int | tuple[int, int]:
        return self.year.fiscal_year


class Change(FrozenModel):
    """Planned change from baseline to target (base units, and percent)."""

    absolute: Number
    percent: float | None  # None when the baseline is 0
    years: float | None  # fiscal years between the ends; None when either end is a total
    annual_rate: float | None  # CAGR as a fraction, e.g. 0.045 = +4.5 %/year


class KPI(FrozenModel):
    """A parsed KPI line; ``raw`` is exactly the document's text."""

    raw: str
    indicator: str
    scope: str | None = None  # "(天塩川周辺地域)" after the indicator, without the brackets
    sub_label: str | None = None  # "新規就農者" in "地域産業への新規就業者数 新規就農者 …"
    unit: str  # base unit of ``value`` fields: 人, 円, ㎡, %, 人/年 …
    unit_as_written: str  # the target's unit as printed: 万人, 億円, 千㎡ …
    baseline: Value | None
    target: Value

    @property
    def title(self) -> str:
        """How a page names the KPI: ``観光入込客数（天塩川周辺地域） 新規就農者``."""
        return (
            self.indicator
            + (f"（{self.scope}）" if self.scope else "")
            + (f" {self.sub_label}" if self.sub_label else "")
        )

    @property
    def per_year(self) -> bool:
        return self.unit.endswith(PER_YEAR)

    @property
    def change(self) -> Change | None:
        return planned_change(self.baseline, self.target) if self.baseline else None


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A number starts after no digit, "," or ".", so "22,40" cannot be read as "40".
_VALUE = (
    r"(?:\((?P<@agg>累計|合計|平均)\))?"
    r"(?<![\d,.])(?P<@num>" + _NUMBER + r")"
    r"(?P<@unit>[^\d\s(),.→～]+?)"
    r"(?P<@qual>以上|以下|超|未満)?"
    r"\((?P<@year>[^()]+)\)"
)
_KPI = re.compile(
    r"^(?P<head>.+?)\s*"
    r"(?:" + _VALUE.replace("@", "b") + r"\s*→\s*)?"
    + _VALUE.replace("@", "t")
    + r"$"
)
_YEAR_ONE = re.compile(r"^(?P<era>[A-Z])(?P<y>\d+|元)$")
_YEAR_GRAD = re.compile(r"^(?P<era>[A-Z])(?P<y>\d+|元)\.(?P<m>\d{1,2})卒$")
_YEAR_SPAN = re.compile(
    r"^(?P<era>[A-Z])(?P<y>\d+|元)[～〜~](?P<era2>[A-Z])?(?P<y2>\d+|元)(?P<agg>累計|合計|平均)?$"
)


def era_year(era: str, year: str) -> int:
    """Gregorian year of a Japanese era year: ``era_year("H", "26") == 2014``."""
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r} (known: {', '.join(ERAS)})")
    n = 1 if year == "元" else int(year)
    if n < 1 or n > _ERA_LAST.get(era, 99):
        raise ValueError(f"{era}{year} is not a year of that era")
    return ERAS[era] + n


def parse_year(label: str) -> YearLabel:
    """Read a year label.

    ``H26`` is fiscal year 2014. A span ``H27～R1累計`` is fiscal years 2015–2019; an era-less
    end (``H21～25``) stays in the starting era. ``H27.3卒`` means "those graduating in March
    of H27 (2015)": a school year ends in March, so graduation in months 1–3 belongs to the
    fiscal year before (FY2014, like the other KPIs' H26 baselines), months 4–12 to that year.
    """
    text = label.strip()
    if m := _YEAR_ONE.match(text):
        year = era_year(m["era"], m["y"])
        return YearLabel(label=text, start=year, end=year)
    if m := _YEAR_GRAD.match(text):
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} in {text!r} is not 1–12")
        year = era_year(m["era"], m["y"]) - (1 if month <= 3 else 0)
        return YearLabel(label=text, start=year, end=year, graduation_month=month)
    if m := _YEAR_SPAN.match(text):
        start = era_year(m["era"], m["y"])
        end = era_year(m["era2"] or m["era"], m["y2"])
        if end <= start:
            raise ValueError(f"period {text!r} does not run forwards ({start}–{end})")
        return YearLabel(label=text, start=start, end=end, aggregate=m["agg"])
    raise ValueError(
        f"year {text!r} is not like H26, R1, H27.3卒 or H27～R1累計"
    )


def parse_unit(unit: str) -> tuple[str, int]:
    """``"万人"`` → ``("人", 10000)``; ``"人/年"`` → ``("人/年", 1)``."""
    per_year = unit.endswith(PER_YEAR)
    core = unit.removesuffix(PER_YEAR) if per_year else unit
    factor = 1
    for prefix, mult in PREFIXES.items():
        if core.startswith(prefix) and core[len(prefix) :] in COUNT_UNITS:
            core, factor = core[len(prefix) :], mult
            break
    if core not in BASE_UNITS:
        raise ValueError(
            f"unknown unit {unit!r} (known: optional 億/万/千, then one of "
            f"{' '.join(BASE_UNITS)}, optionally {PER_YEAR})"
        )
    return core + (PER_YEAR if per_year else ""), factor


def parse_number(text: str) -> Decimal:
    """``"1,023.6"`` → ``Decimal("1023.6")``; separators must group by three."""
    if not re.fullmatch(_NUMBER, text):
        raise ValueError(f"malformed number {text!r}")
    return Decimal(text.replace(",", ""))


def _plain(value: Decimal) -> Number:
    # Keep integers as int so JSON shows 22400000, not 22400000.0.
    return int(value) if value == value.to_integral_value() else float(value)


def _value(m: re.Match[str], p: str) -> tuple[Value, str]:
    base_unit, factor = parse_unit(m[f"{p}unit"])
    year = parse_year(m[f"{p}year"])
    aggregate = m[f"{p}agg"]
    if aggregate and year.aggregate and aggregate != year.aggregate:
        raise ValueError(f"({aggregate}) contradicts {year.label}")
    value = Value(
        written=m[f"{p}num"] + m[f"{p}unit"],
        value=_plain(parse_number(m[f"{p}num"]) * factor),
        year=year,
        aggregate=aggregate or year.aggregate,
        qualifier=m[f"{p}qual"],
    )
    return value, base_unit


def _split_head(head: str) -> tuple[str, str | None, str | None]:
    """``"観光入込客数(天塩川周辺地域)"`` → indicator, scope, sub-label."""
    head = head.strip()
    sub_label = None
    depth = 0
    last_space = None
    for i, ch in enumerate(head):
        depth += ch in "(（"
        depth -= ch in ")）"
        if ch.isspace() and depth == 0:
            last_space = i
    if last_space is not None:
        head, sub_label = head[:last_space].rstrip(), head[last_space + 1 :].strip()
    scope = None
    if head.endswith(")"):
        depth = 0
        for i in range(len(head) - 1, -1, -1):
            depth += head[i] == ")"
            depth -= head[i] == "("
            if depth == 0:
                head, scope = head[:i], head[i + 1 : -1]
                break
    return head, scope, sub_label


def parse_kpi(text: str) -> KPI:
    """Parse one KPI line; raises ``KPIError`` quoting the text and saying why."""
    raw = text
    body = text.strip().removeprefix("○").strip()
    if not body:
        raise KPIError(raw, "empty")
    if body.count("→") > 1:
        raise KPIError(raw, "more than one → (expected 'baseline→target')")
    m = _KPI.match(body)
    if not m:
        raise KPIError(raw, _why_no_match(body))
    if "→" in body and m["bnum"] is None:
        raise KPIError(raw, _why_no_match(body))
    try:
        target, unit = _value(m, "t")
        baseline = None
        if m["bnum"] is not None:
            baseline, base_unit = _value(m, "b")
            if base_unit != unit:
                raise ValueError(f"baseline unit {base_unit!r} differs from target unit {unit!r}")
            if baseline.year.end > target.year.start and not target.year.is_period:
                raise ValueError(
                    f"baseline year {baseline.label} is after target year {target.label}"
                )
    except ValueError as exc:
        raise KPIError(raw, str(exc)) from None
    indicator, scope, sub_label = _split_head(m["head"])
    if not indicator:
        raise KPIError(raw, "no indicator name before the value")
    return KPI(
        raw=raw,
        indicator=indicator,
        scope=scope,
        sub_label=sub_label,
        unit=unit,
        unit_as_written=m["tunit"],
        baseline=baseline,
        target=target,
    )


def _why_no_match(body: str) -> str:
    # The regex says only "no"; guess the most likely slip so the planner knows what to fix.
    if not re.search(r"\d", body):
        return "no number"
    if bad := re.search(r"\d,(?:\d{0,2}|\d{4,})(?!\d)", body):
        return f"malformed thousands separator near {bad.group()!r} (use 1,234 or 1234)"
    if not re.search(r"\([^()]*\)\s*$", body):
        return "the target must end with its year in brackets, e.g. 50件(R1)"
    if "→" in body and not re.search(r"\)\s*→", body):
        return "the baseline before → needs its year in brackets, e.g. 14店(H26)→50店(R1)"
    return "expected 'indicator number+unit(year)→number+unit(year)'"


def planned_change(baseline: Value, target: Value) -> Change:
    """Absolute and percent change, and CAGR when both ends are comparable annual figures.

    CAGR needs two positive levels a whole number of years apart: a total (累計/合計) is not a
    level, so no rate; an average (平均) over a span stands for its midpoint year.
    """
    b, t = Decimal(str(baseline.value)), Decimal(str(target.value))
    percent = float((t / b - 1) * 100) if b else None
    years: float | None = None
    rate: float | None = None
    totals = ("累計", "合計")
    if baseline.aggregate not in totals and target.aggregate not in totals:
        years = target.year.midpoint - baseline.year.midpoint
        if years > 0 and b > 0 and t > 0:
            rate = float(t / b) ** (1 / years) - 1
    return Change(absolute=_plain(t - b), percent=percent, years=years, annual_rate=rate)


def value_to_json(value: Value | None) -> dict[str, object] | None:
    """``{"value": 22400000, "label": "H26", "fiscal_year": 2014, ...}``; None stays None."""
    if value is None:
        return None
    fy = value.fiscal_year
    return {
        "value": value.value,
        "label": value.label,
        "fiscal_year": list(fy) if isinstance(fy, tuple) else fy,
        "written": value.written,
        "aggregate": value.aggregate,
        "qualifier": value.qualifier,
    }


def kpi_to_json(kpi: KPI) -> dict[str, object]:
    """The KPI object served by the API and written by ``dump-plan --json``."""
    change = kpi.change
    return {
        "raw": kpi.raw,
        "indicator": kpi.indicator,
        "scope": kpi.scope,
        "sub_label": kpi.sub_label,
        "unit": kpi.unit,
        "unit_as_written": kpi.unit_as_written,
        "per_year": kpi.per_year,
        "baseline": value_to_json(kpi.baseline),
        "target": value_to_json(kpi.target),
        "change": change.model_dump() if change else None,
    }
