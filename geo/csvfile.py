"""CSV for spreadsheet apps (表計算ソフト): the formula guard and one Excel-friendly writer.

Every CSV the site and the command line write goes through :func:`excel_csv`, so they all open
in Excel on Japanese Windows the same way, and every cell of free text through
:func:`formula_safe`. The guard belongs to the file, not to the value: a sheet read back (the
actuals a 振興局 fills in, the folder's own ``actuals.csv``) passes each cell through
:func:`formula_unguard`, so what is kept and shown is the value as it was given.

**What a table is of.** A table can name what all of it is about — the plan edition and its
period, ``方針`` = 連携地域別政策展開方針（平成28年度〜）and ``対象期間`` = 平成28年度〜概ね令和2年度
(:func:`geo.plan.edition.csv_columns`) — as ``about``: columns that lead the header and
repeat the same value on every row. Columns rather than a title line above the header, because:

- the first row of a CSV is read as its header by Excel's filters and tables, pandas and R,
  ``csv.DictReader`` and data portals' previews; open-data guidance for CSV (デジタル庁
  「自治体標準オープンデータセット」, 総務省's rules for machine-readable tables) asks for
  exactly that — the first row names the columns, one record per row, nothing above or below;
- a value on every row survives what a planner does to a sheet: filtering, sorting, copying
  rows into another workbook; and the CSVs of two editions stacked into one table still tell
  their rows apart (filter on 方針);
- leading, as those datasets lead with 全国地方公共団体コード・地方公共団体名: the context
  first, and every other column keeps its name and order, so a reader by column name sees no
  change.

The cost is ~95 bytes a row of UTF-8 (the largest table, project ↔ municipality, grows from 111
to 184 KB). A table without rows (a filter that matches nothing) has nowhere to name it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _needs_guard(text: str) -> bool:
    """A formula start, or one behind apostrophes: ``'=x`` must be told apart from a guarded
    ``=x``, so it is guarded too (``''=x``) and reading back gives exactly what was written."""
    return text.lstrip(GUARD)[:1] in FORMULA_STARTS


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it, not runs it: an apostrophe before a formula start.

    Only for a file meant for a spreadsheet; :func:`formula_unguard` undoes it exactly."""
    return GUARD + text if _needs_guard(text) else text


def formula_unguard(text: str) -> str:
    """A cell read back from such a file: the value :func:`formula_safe` was given.

    ``formula_unguard(formula_safe(t)) == t`` for every text; a cell no guard was put on (one
    that does not start with ``'`` before a formula start) is left as it is."""
    if text[:1] == GUARD and _needs_guard(text):
        return text[1:]
    return text


def excel_csv(header: Sequence[object], rows: Iterable[Sequence[object]], *,
              about: Sequence[tuple[str, str]] = ()) -> str:
    """A header and rows as CSV text: UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines.

    ``about``: (column, value) pairs that lead the header and every row (see above). The values
    come from data files (an edition's title), so they pass the formula guard like any free text.
    """
    lead = [formula_safe(str(value)) for _, value in about]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*(name for name, _ in about), *header])
    writer.writerows([*lead, *row] for row in rows)
    return "\ufeff" + buf.getvalue()
