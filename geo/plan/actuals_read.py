"""Reading an actuals sheet (実績値の表): a .csv or .xlsx file → rows of canonical fields.

Two layouts are read:

* **long** (the folder's own format): one row per KPI and fiscal year, columns
  ``kpi_id, 年度, 実績値, 速報/確報, 出典, URL/資料, 公表日, 備考``;
* **wide** (what ``hokkaido-map progress template`` writes): one row per KPI, and per fiscal
  year a group of columns ``R1(2019) 実績値``, ``R1(2019) 出典`` ….

A CSV is UTF-8 with or without BOM, or CP932 as Excel on Japanese Windows saves it. The cells
are not checked here, only the file and its columns: see :mod:`geo.plan.actuals_check`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.csvfile import formula_unguard
from geo.errors import DataError, Problems
from geo.plan.fiscal import fiscal_label, parse_fiscal_year
from geo.plan.xlsx_read import xlsx_rows

# A data file may come from anywhere: bound what one file can make us read and hold.
MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 5_000
MAX_CELL_CHARS = 2_000
MAX_COLUMNS = 300  # the template has 8 + 6 per fiscal year

# Canonical header (Japanese, as a planner reads it) → accepted spellings, compared normalized.
FIELDS: dict[str, tuple[str, ...]] = {
    "kpi_id": ("kpi_id", "KPI", "KPI id", "KPI ID", "kpi"),
    "年度": ("年度", "fiscal_year", "year", "FY"),
    "実績値": ("実績値", "実績", "value", "actual"),
    "速報/確報": ("速報/確報", "速報・確報", "速報確報", "status"),
    "出典": ("出典", "source"),
    "URL/資料": ("URL/資料", "URL", "資料", "reference", "url"),
    "公表日": ("公表日", "published", "publication_date"),
    "備考": ("備考", "note", "notes"),
}
REQUIRED = ("kpi_id", "年度", "実績値", "出典", "URL/資料", "公表日")
PER_YEAR_FIELDS = ("実績値", "速報/確報", "出典", "URL/資料", "公表日", "備考")
# Columns the template adds so a planner sees what a row is about; read back and ignored.
INFO_COLUMNS = ("連携地域", "プロジェクト", "KPI（記載）", "指標", "単位", "基準値", "目標値")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


_ALIASES = {_norm(a): name for name, aliases in FIELDS.items() for a in aliases}
_INFO = {_norm(c) for c in INFO_COLUMNS}

Line = tuple[int, list[object]]  # (line number, cells) of one row of a file
Lines = list[Line]


@dataclass(frozen=True)
class SheetRow:
    """One filled row of a sheet by canonical field (a wide row gives one per fiscal year)."""

    path: Path
    line: int
    cells: dict[str, object]  # canonical field → cell (str, number or date)
    year_label: str | None = None  # a wide row's year, ``R1(2019)``: its columns start so

    def problem(self, field: str, message: str) -> DataError:
        """A problem of one field, named as its column is in the sheet (``R1(2019) 実績値``)."""
        if self.year_label is not None and field != "kpi_id":
            field = f"{self.year_label} {field}"
        return DataError(message, path=self.path, line=self.line, field=field)


@dataclass(frozen=True)
class Columns:
    """Which column holds what: a field (long layout) or a fiscal year's field (wide layout)."""

    long: dict[int, str]  # column index → canonical field
    wide: dict[int, tuple[int, str]]  # column index → (fiscal year, canonical field)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: object) -> object:
    """A cell as its value: trimmed, and without the formula guard a spreadsheet file carries
    (:func:`geo.csvfile.formula_unguard`), so export → edit → import changes nothing."""
    if isinstance(value, str):
        value = formula_unguard(value.strip()).strip()
        return value or None
    return value


# --- the file: bytes → (line, cells) ---------------------------------------------------------


def _size_problem(path: Path) -> DataError | None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        return DataError(f"cannot read: {exc.strerror}", path=path)
    if size > MAX_FILE_BYTES:
        return DataError(f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read", path=path)
    return None


def _read_table(path: Path, problems: Problems) -> tuple[list[object], Iterator[Line]] | None:
    """Header and (line, cells) rows of a .csv or .xlsx; None after adding why it cannot."""
    if (too_big := _size_problem(path)) is not None:
        problems.add(too_big)
        return None
    rows = _xlsx_rows(path, problems) if path.suffix.lower() == ".xlsx" else _csv_rows(path, problems)
    if rows is None:
        return None
    if len(rows) > MAX_ROWS + 1:
        problems.add(DataError(f"more than {MAX_ROWS:,} rows", path=path))
        return None
    if not rows:
        problems.add(DataError("empty file: the first row must name the columns", path=path))
        return None
    return rows[0][1], iter(rows[1:])


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(path: Path, problems: Problems) -> Lines | None:
    text = _decode(path.read_bytes())
    if text is None:
        problems.add(DataError("not UTF-8 or CP932 (Shift_JIS) text", path=path))
        return None
    rows: Lines = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        for cells in reader:
            rows.append((start, list(cells)))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        problems.add(DataError(f"CSV: {exc}", path=path, line=start))
        return None
    return rows


def _xlsx_rows(path: Path, problems: Problems) -> Lines | None:
    try:
        return xlsx_rows(path, MAX_ROWS, MAX_COLUMNS)
    except DataError as exc:  # one line naming the file, and its part, sheet or cell
        problems.add(exc)
        return None


# --- the header: which column holds what -----------------------------------------------------


def _column(text: str) -> str | tuple[int, str] | None:
    """What a header names: a field, a fiscal year's field, or None (a column to ignore).

    Raises ``ValueError`` for a header that is none of them.
    """
    key = _norm(text)
    if key in _ALIASES:
        return _ALIASES[key]
    if key in _INFO:
        return None
    head, _, tail = text.rpartition(" ")
    field = _ALIASES.get(_norm(tail)) if head else None
    if field not in PER_YEAR_FIELDS:
        known = "、".join([*FIELDS, *INFO_COLUMNS])
        raise ValueError(f"unknown column {text!r} (known: {known}, or '<年度> 実績値' …)")
    return parse_fiscal_year(re.sub(r"\(\d{4}\)$", "", head.strip())), field


def _layout_problem(path: Path, columns: Columns) -> DataError | None:
    """What keeps the columns from being one of the two layouts, if anything."""
    fields = set(columns.long.values())
    if columns.wide:
        if fields - {"kpi_id"}:
            return DataError(
                "mixes per-year columns ('R1(2019) 実績値') with a 年度 or 実績値 column", path=path, line=1
            )
        if "kpi_id" not in fields:
            return DataError("missing column kpi_id", path=path, line=1, field="kpi_id")
        return None
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        return DataError(f"missing column(s): {'、'.join(missing)}", path=path, line=1)
    return None


def _columns(path: Path, header: Sequence[object], problems: Problems) -> Columns | None:
    """The columns of ``header``; None after adding what is wrong with them."""
    found = Problems()
    columns = Columns(long={}, wide={})
    for i, name in enumerate(header):
        if is_blank(name):
            continue
        text = str(name).strip()
        try:
            meaning = _column(text)
        except ValueError as exc:
            found.add(DataError(str(exc), path=path, line=1, field=text))
            continue
        if isinstance(meaning, str):
            if meaning in columns.long.values():
                found.add(DataError(f"column {text!r} appears twice", path=path, line=1, field=text))
            columns.long[i] = meaning
        elif meaning is not None:
            columns.wide[i] = meaning
    problems.extend(found)
    if len(found):
        return None
    if (wrong := _layout_problem(path, columns)) is not None:
        problems.add(wrong)
        return None
    return columns


# --- the rows ----------------------------------------------------------------------------


def _year_rows(path: Path, line: int, base: dict[str, object], cells: list[object],
               wide: dict[int, tuple[int, str]]) -> Iterator[SheetRow]:
    """A wide row's filled fiscal years, one row each, in year order."""
    years: dict[int, dict[str, object]] = {}
    for i, (year, field) in wide.items():
        if i < len(cells) and not is_blank(cells[i]):
            years.setdefault(year, {})[field] = cells[i]
    for year, fields in sorted(years.items()):
        yield SheetRow(path, line, {**base, "年度": year, **fields}, fiscal_label(year))


def sheet_rows(path: Path, problems: Problems) -> Iterator[SheetRow]:
    """Each filled row of the file as canonical fields (a wide row gives one per year).

    A problem of the file, its header or a row is added to ``problems`` as it is met.
    """
    table = _read_table(path, problems)
    if table is None:
        return
    header, body = table
    columns = _columns(path, header, problems)
    if columns is None:
        return
    for line, raw in body:
        cells = [_cell(c) for c in raw]
        if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
            too_long = f"a cell is longer than {MAX_CELL_CHARS} characters"
            problems.add(DataError(too_long, path=path, line=line))
            continue
        base = {f: cells[i] for i, f in columns.long.items() if i < len(cells)}
        if columns.wide:
            yield from _year_rows(path, line, base, cells, columns.wide)
        elif not all(is_blank(base.get(f)) for f in ("年度", "実績値", "出典", "URL/資料", "公表日")):
            yield SheetRow(path, line, base)  # (an all-blank row is an unfilled template row)
