"""Checking one row of an actuals sheet (実績値の検証): canonical fields → an :class:`Actual`.

Values are read by the KPI parser's own number and unit rules (:mod:`geo.plan.kpi`) into base
units, and must measure what the KPI measures; years and dates must fit the KPI and today.
Every problem of a row is reported, each naming its column as the sheet does.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from geo.errors import Problems
from geo.plan.actuals_model import Actual, year_range
from geo.plan.actuals_read import REQUIRED, SheetRow, is_blank
from geo.plan.fiscal import fiscal_label, fiscal_year_of, parse_fiscal_year
from geo.plan.kpi import KPI, PER_YEAR, Number, parse_number, parse_unit
from geo.plan.model import Project
from geo.yamlfile import control_problem

T = TypeVar("T")

# Full-width digits and separators as typed on a Japanese keyboard; NFKC would also turn ㎡
# into m2, which the unit table does not know, so only these are mapped.
_HALF = str.maketrans("０１２３４５６７８９，．％", "0123456789,.%")
_VALUE = re.compile(r"^(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>[^\d\s]*)$")
_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")


# The largest value one fiscal year of a KPI in a base unit can plausibly have, Hokkaido-wide
# and with room to spare (issue 26: 999999999999999999999999件 was accepted). Population 5.1 M,
# ~150 M visits a year, and no count of people beyond the world's (人); ~200,000 firms (社, 店,
# 団体 …); gross product ~2×10¹³ 円; area 8.3×10¹⁰ ㎡; a food self-sufficiency rate of 200 %
# (%). A value beyond is a typo or a wrong unit, and is refused.
VALUE_BOUNDS: dict[str, int] = {
    "人": 10**10, "件": 10**9, "日": 10**9, "社": 10**7, "店": 10**7, "団体": 10**7, "品目": 10**7,
    "か所": 10**7, "事業": 10**7, "円": 10**15, "㎡": 10**11, "トン": 10**10, "kW": 10**9, "%": 1_000,
}


def _plain(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else float(value)


def _bounded(value: Decimal, kpi: KPI, written: str) -> Number:
    """``value`` (base units) as a number, if it is one a KPI of this unit can have."""
    base = kpi.unit.removesuffix(PER_YEAR)
    # A unit not listed yet (a new edition's 回, ha …) still has a bound: the largest one listed.
    bound = VALUE_BOUNDS.get(base, max(VALUE_BOUNDS.values()))
    if not value.is_finite() or value > bound:
        raise ValueError(
            f"{written!r} is beyond any plausible value of a KPI in {base} (at most {bound:,}"
            f"{base}); check the number and its unit"
        )
    return _plain(value)


def _cell_number(number: int | float, kpi: KPI) -> tuple[Number, str]:
    """A spreadsheet number cell, read in the unit the KPI's target is written in."""
    if number != number or number < 0:  # NaN or negative
        raise ValueError(f"{number!r} is not a count or amount")
    value = Decimal(str(number))
    written = f"{_plain(value) if value.is_finite() else number}{kpi.unit_as_written}"
    _, factor = parse_unit(kpi.unit_as_written)
    return _bounded(value * factor, kpi, written), written


def parse_actual_value(text: object, kpi: KPI) -> tuple[Number, str]:
    """``"2,512万人"`` for a 人 KPI → ``(25120000, "2,512万人")``.

    The number and unit follow the KPI grammar (:func:`geo.plan.kpi.parse_number`,
    :func:`geo.plan.kpi.parse_unit`). A bare number is read in the unit the KPI's target is
    written in (a cell typed ``2512`` for a 万人 KPI is 2,512万人). ``人`` and ``人/年`` measure
    the same thing, one value per fiscal year. Raises ``ValueError``.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a number")
    if isinstance(text, int | float):
        return _cell_number(text, kpi)
    raw = str(text).strip()
    m = _VALUE.match(raw.translate(_HALF))
    if not m:
        raise ValueError(f"{raw!r} is not a number with a unit, e.g. 2,512万人 or 81.0%")
    number = parse_number(m["num"])
    unit = m["unit"] or kpi.unit_as_written
    base, factor = parse_unit(unit)
    if base.removesuffix(PER_YEAR) != kpi.unit.removesuffix(PER_YEAR):
        raise ValueError(
            f"unit {unit!r} cannot measure this KPI (its unit is {kpi.unit_as_written!r}, "
            f"base unit {kpi.unit!r})"
        )
    try:
        value = number * factor
    except InvalidOperation as exc:  # pragma: no cover - Decimal of a checked number
        raise ValueError(str(exc)) from None
    return _bounded(value, kpi, raw), raw


def parse_date(value: object) -> dt.date:
    """``2020-03-31``, ``2020/3/31`` or a spreadsheet date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = unicodedata.normalize("NFKC", str(value)).strip()
    m = _DATE.match(s)
    if not m:
        raise ValueError(f"{s!r} is not a date like 2020-03-31 or 2020/3/31")
    return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))


def parse_status(value: object) -> bool:
    """True for 速報 (provisional); empty means 確報."""
    s = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    if s in ("", "確報", "final"):
        return False
    if s in ("速報", "provisional"):
        return True
    raise ValueError(f"{value!r} is not 速報 or 確報")


# --- one row ------------------------------------------------------------------------------


def _kpi_problem(kid: str, kpis: Mapping[str, tuple[Project, KPI]]) -> str | None:
    if kid in kpis:
        return None
    near = [k for k in kpis if k.rsplit("-", 1)[0] == kid.rsplit("-", 1)[0]]
    hint = f" (this project has: {'、'.join(near)})" if near else " (ids are <project>-<n>, see /kpi)"
    return f"unknown KPI {kid!r}{hint}"


def _first_year_text(kpi: KPI) -> str:
    if kpi.target.year.is_period:
        return "the period " + kpi.target.label
    if kpi.baseline:
        return f"the base year {kpi.baseline.label}"
    return "the plan's first year"


def year_problem(year: int, kpi: KPI, today: dt.date) -> str | None:
    """Why ``kpi`` takes no actual for fiscal ``year`` (before its range, after it, not begun)."""
    first, last = year_range(kpi)
    if year < first:
        return f"{fiscal_label(year)} is before {_first_year_text(kpi)} (FY{first})"
    if last is not None and year > last:
        return (
            f"{fiscal_label(year)} is after the period {kpi.target.label} "
            f"({fiscal_label(last)}): enter yearly values inside it"
        )
    if year > fiscal_year_of(today):
        return f"{fiscal_label(year)} has not begun (today is {today.isoformat()})"
    return None


def published_problem(published: dt.date, year: int | None, today: dt.date) -> str | None:
    """Why ``published`` cannot be the publication date of an actual of fiscal ``year``."""
    if published > today:
        return f"{published.isoformat()} is in the future"
    if year is not None and published < dt.date(year, 4, 1):
        return f"{published.isoformat()} is before {fiscal_label(year)} began"
    return None


class _RowCheck:
    """The problems of one row, each named as the sheet names its column."""

    def __init__(self, row: SheetRow) -> None:
        self.row = row
        self.found = Problems()

    def add(self, field: str, message: str | None) -> None:
        if message is not None:
            self.found.add(self.row.problem(field, message))

    def printable(self) -> None:
        """Every text cell free of control and bidirectional characters (issue 26)."""
        for field, cell in self.row.cells.items():
            if isinstance(cell, str):
                self.add(field, control_problem(cell))

    def parsed(self, field: str, parse: Callable[[object], T]) -> T | None:
        """The field parsed, or None: blank (reported as required already) or wrong (reported)."""
        cell = self.row.cells.get(field)
        if is_blank(cell):
            return None
        try:
            return parse(cell)
        except ValueError as exc:
            self.add(field, str(exc))
            return None


def check_row(
    row: SheetRow, kpis: Mapping[str, tuple[Project, KPI]], today: dt.date, problems: Problems
) -> Actual | None:
    """The actual a row records, or None after adding each of its problems to ``problems``."""
    c, check = row.cells, _RowCheck(row)
    for field in REQUIRED:
        check.add(field, "required" if is_blank(c.get(field)) else None)
    check.printable()
    kid = None if is_blank(c.get("kpi_id")) else str(c["kpi_id"]).strip()
    if kid is not None:
        check.add("kpi_id", _kpi_problem(kid, kpis))
    if kid is None or kid not in kpis:
        problems.extend(check.found)
        return None
    kpi = kpis[kid][1]
    year = check.parsed("年度", parse_fiscal_year)
    if year is not None:
        check.add("年度", year_problem(year, kpi, today))
    value, written = check.parsed("実績値", lambda v: parse_actual_value(v, kpi)) or (None, None)
    published = check.parsed("公表日", parse_date)
    if published is not None:
        check.add("公表日", published_problem(published, year, today))
    provisional = check.parsed("速報/確報", parse_status) or False
    problems.extend(check.found)
    if len(check.found) or year is None or value is None or written is None or published is None:
        return None
    return Actual(
        kpi_id=kid,
        fiscal_year=year,
        value=value,
        written=written,
        provisional=provisional,
        source=str(c["出典"]).strip(),
        reference=str(c["URL/資料"]).strip(),
        published=published,
        note=None if is_blank(c.get("備考")) else str(c["備考"]).strip(),
        file=str(row.path),
        line=row.line,
    )
