"""CSV for spreadsheet apps (表計算ソフト): the formula guard and one Excel-friendly writer.

Every CSV the site and the command line write goes through :func:`excel_csv`, so they all open
in Excel on Japanese Windows the same way, and every cell of free text through
:func:`formula_safe`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it, not runs it: an apostrophe before a formula start."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def excel_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A header and rows as CSV text: UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buf.getvalue()
