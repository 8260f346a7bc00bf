"""Fiscal years (年度, April–March): how a planner types them, and how the document writes them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from geo.plan.kpi import ERAS, era_year

_ERA_NAMES = {"令和": "R", "平成": "H", "昭和": "S", **{e: e for e in ERAS}}
_FY_ERA = re.compile(r"^(?P<era>令和|平成|昭和|[RHS])(?P<y>\d{1,2}|元)(?:年度|年)?$")
_FY_WEST = re.compile(r"^(?:FY)?(?P<y>\d{4})(?:年度|年)?$")
FY_MIN, FY_MAX = 1989, 2100


def parse_fiscal_year(text: object) -> int:
    """``2021``, ``2021年度``, ``FY2021``, ``R3``, ``令和3年度``, ``R元``, ``H30``, ``平成30年度`` → 2021 …

    Full-width digits are accepted (NFKC). Raises ``ValueError`` saying what is expected.
    """
    if isinstance(text, bool):
        raise ValueError(f"fiscal year {text!r} is not like 2021, R3 or 令和3年度")
    if isinstance(text, int):
        year = text
    elif isinstance(text, float) and text.is_integer():
        year = int(text)
    else:
        s = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
        if m := _FY_WEST.match(s):
            year = int(m["y"])
        elif m := _FY_ERA.match(s):
            year = era_year(_ERA_NAMES[m["era"]], m["y"])
        else:
            raise ValueError(f"fiscal year {str(text)!r} is not like 2021, R3 or 令和3年度")
    if not FY_MIN <= year <= FY_MAX:
        raise ValueError(f"fiscal year {year} is outside {FY_MIN}–{FY_MAX}")
    return year


def fiscal_label(year: int) -> str:
    """2019 → ``R1(2019)``; 2014 → ``H26(2014)``: how the document writes years, and the number."""
    if year >= 2019:
        return f"R{year - ERAS['R']}({year})"
    return f"H{year - ERAS['H']}({year})"


def fiscal_year_ja(year: int) -> str:
    """2016 → ``平成28年度``, 2019 → ``令和元年度``: a fiscal year as the document's prose writes it."""
    era, name = ("R", "令和") if year >= 2019 else ("H", "平成")
    n = year - ERAS[era]
    return f"{name}{'元' if n == 1 else n}年度"


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year ``day`` falls in: 2021-03-31 is in 2020, 2021-04-01 in 2021."""
    return day.year if day.month >= 4 else day.year - 1
