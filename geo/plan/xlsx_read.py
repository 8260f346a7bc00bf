"""Reading a .xlsx sheet that may be hostile or broken: every failure one ``DataError`` line.

A workbook is a zip of XML parts, and openpyxl reads its cells lazily, as the rows are iterated:
a broken part used to surface as a traceback from the row loop, long after the file was opened.
So a workbook is checked in three steps before a row is handed on, each naming what it found:

1. the zip: readable, at most ``MAX_PARTS`` parts expanding to at most ``MAX_EXPANDED`` bytes
   (a zip bomb is refused before anything is decompressed);
2. every XML part well-formed and without a DOCTYPE (``defusedxml``, ``forbid_dtd``): no entity
   declaration, internal or external, ever reaches a parser (openpyxl itself parses through
   defusedxml when it is installed, which ``pyproject.toml`` makes sure of);
3. the first sheet's cells (:func:`_cell_problem`): each reference (``C2``) inside the sheet's
   bounds, in its own row and in order; each type one of the seven the format has; each style an
   index of the workbook's styles; each value readable as its type says. The message names the
   sheet and the cell.

What openpyxl still raises after that is caught too (``_read_rows``) and named by sheet and row.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from geo.errors import DataError

MAX_EXPANDED = 50_000_000  # bytes of all parts together, uncompressed
MAX_PARTS = 1_000  # a workbook from Excel has a dozen
MAX_SHEET_ROW = 1_048_576  # the format's own bounds (Excel's too)
MAX_SHEET_COLUMN = 16_384  # XFD
CELL_TYPES = frozenset({"b", "d", "e", "inlineStr", "n", "s", "str"})  # ECMA-376 ST_CellType
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_XML_SUFFIXES = (".xml", ".rels", ".vml")

Cells = list[object]
Line = tuple[int, Cells]


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line (openpyxl's span several)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- 1 and 2: the zip and its XML parts ------------------------------------------------------


def _zip_problem(path: Path) -> str | None:
    """Why the file is not a zip of bounded size, if it is not."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"not a readable .xlsx workbook ({_one_line(exc)})"
    if len(infos) > MAX_PARTS:
        return f"workbook has {len(infos):,} parts; at most {MAX_PARTS:,} are read"
    expanded = sum(i.file_size for i in infos)
    if expanded > MAX_EXPANDED:
        return f"workbook expands to {expanded:,} bytes; at most {MAX_EXPANDED:,} are read"
    return None


def _part_problem(z: zipfile.ZipFile, name: str) -> str | None:
    """Why one XML part cannot be read safely: broken XML, a DOCTYPE, a broken zip entry."""
    try:
        with z.open(name) as stream:
            for _event, element in iterparse(stream, forbid_dtd=True):
                element.clear()  # only well-formedness is wanted here: keep nothing
    except DefusedXmlException:
        return f"{name}: declares a DTD or entities (<!DOCTYPE …>), which a workbook never needs"
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        return f"{name}:{line}:{column}: broken XML ({_one_line(exc).split(':')[0]})"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        return f"{name}: cannot be decompressed ({_one_line(exc)})"
    return None


def _parts_problem(path: Path) -> str | None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            wrong = _part_problem(z, name) if name.lower().endswith(_XML_SUFFIXES) else None
            if wrong is not None:
                return wrong
    return None


# --- 3: the cells of the sheet ---------------------------------------------------------------


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _reference(ref: str, row: int) -> tuple[int, str | None]:
    """The column of a cell reference, or why the reference is impossible in ``row``."""
    m = _REF.fullmatch(ref)
    if m is None:
        return 0, f"impossible cell reference {ref!r}"
    column = _column_number(m[1])
    if column > MAX_SHEET_COLUMN or int(m[2]) > MAX_SHEET_ROW:
        return 0, f"cell reference {ref!r} is outside a sheet (A1:XFD1048576)"
    if int(m[2]) != row:
        return 0, f"cell {ref} is written inside row {row}"
    return column, None


def _value_problem(kind: str, value: str | None, strings: int) -> str | None:
    """Why the text of a ``<v>`` cannot be a value of type ``kind``."""
    if value is None or kind in ("e", "str", "inlineStr"):
        return None
    if kind == "n":
        try:
            float(value)
        except ValueError:
            return f"value {value[:40]!r} of a number cell is not a number"
    elif kind == "b" and value not in ("0", "1"):
        return f"value {value[:40]!r} of a true/false cell is not 0 or 1"
    elif kind == "s" and not (value.isdigit() and int(value) < strings):
        return f"shared string {value[:40]!r} does not exist (the workbook has {strings})"
    elif kind == "d":
        from openpyxl.utils.datetime import from_ISO8601

        try:
            from_ISO8601(value)
        except (ValueError, TypeError):
            return f"value {value[:40]!r} of a date cell is not a date"
    return None


class _SheetCheck:
    """Walks the rows and cells of one sheet part, in order, remembering where it is."""

    def __init__(self, strings: int, styles: int | None) -> None:
        self.strings = strings
        self.styles = styles
        self.row = 0
        self.column = 0

    def start_row(self, r: str | None) -> str | None:
        number = self.row + 1 if r is None else int(r) if r.isdigit() else 0
        if not 0 < number <= MAX_SHEET_ROW or number <= self.row:
            return f"impossible row number {r!r} after row {self.row}"
        self.row, self.column = number, 0
        return None

    def cell(self, c: Any) -> str | None:
        """Why the cell is impossible here (named by its reference), if it is."""
        ref = c.get("r")
        column, wrong = (self.column + 1, None) if ref is None else _reference(ref, self.row)
        if wrong is not None:
            return wrong
        if column <= self.column:
            return f"cell {ref} comes after column {self.column} of row {self.row}"
        self.column = column
        content = self._content_problem(c)
        name = ref or f"row {self.row}, column {column}"
        return None if content is None else f"cell {name}: {content}"

    def _content_problem(self, c: Any) -> str | None:
        kind, style = c.get("t", "n"), c.get("s")
        if kind not in CELL_TYPES:
            return f"impossible cell type {kind[:20]!r} (known: {', '.join(sorted(CELL_TYPES))})"
        if style is not None and not (style.isdigit() and (self.styles is None or int(style) < self.styles)):
            return f"impossible style {style[:20]!r} (the workbook has {self.styles} cell styles)"
        value = next((ch.text for ch in c if _local(ch.tag) == "v"), None)
        return _value_problem(kind, value, self.strings)


def _cells_problem(stream: Any, check: _SheetCheck) -> str | None:
    """The first impossible row or cell of a sheet part, as ``cell C2: …``."""
    for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
        tag = _local(element.tag)
        if event == "start" and tag == "row":
            if (wrong := check.start_row(element.get("r"))) is not None:
                return wrong
        elif event == "end" and tag == "c":
            if (wrong := check.cell(element)) is not None:
                return wrong
        elif event == "end" and tag == "row":
            element.clear()
    return None


def _sheet_problem(book: Any, sheet: Any) -> str | None:
    # openpyxl keeps the sheet's part, the shared strings and the styles on private attributes;
    # without them (another openpyxl) the cells are left to openpyxl and the backstop below.
    part = getattr(sheet, "_worksheet_path", None)
    strings = getattr(sheet, "_shared_strings", None)
    if part is None or strings is None:
        return None
    styles = getattr(book, "_cell_styles", None)
    check = _SheetCheck(len(strings), None if styles is None else len(styles))
    with book._archive.open(part) as stream:
        return _cells_problem(stream, check)


# --- reading -------------------------------------------------------------------------------


def _read_rows(sheet: Any, max_rows: int, max_columns: int) -> Iterator[Line]:
    # A sheet's <dimension> may understate it (openpyxl would stop there): read what is there.
    sheet.reset_dimensions()
    for n, cells in enumerate(sheet.iter_rows(values_only=True, max_col=max_columns), start=1):
        yield n, list(cells)
        if n > max_rows:
            return


def _rows(path: Path, max_rows: int, max_columns: int) -> list[Line]:
    """The checked workbook's first sheet as (row number, cells); ``DataError`` on any failure."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its parsers raise
        raise DataError(f"not a readable .xlsx workbook ({_one_line(exc)})", path=path) from None
    try:
        if not book.worksheets:
            raise DataError("the workbook has no sheet", path=path)
        sheet = book.worksheets[0]
        where = f"sheet {sheet.title!r}"
        try:
            wrong = _sheet_problem(book, sheet)
        except Exception as exc:  # a part openpyxl found but cannot open again: as unreadable
            wrong = f"cannot be read ({_one_line(exc)})"
        if wrong is not None:
            raise DataError(f"{where}, {wrong}", path=path)
        rows: list[Line] = []
        try:
            rows.extend(_read_rows(sheet, max_rows, max_columns))
        except Exception as exc:  # the backstop: whatever openpyxl still raises
            raise DataError(f"{where}, after row {len(rows)}: cannot be read ({_one_line(exc)})",
                            path=path) from None
        return rows
    finally:
        book.close()


def xlsx_rows(path: Path, max_rows: int, max_columns: int) -> list[Line]:
    """The first sheet of a .xlsx as (row number, cells), up to ``max_rows`` + 1 rows.

    Raises ``DataError`` (one line, naming the file, and the part, sheet or cell where known).
    """
    if (wrong := _zip_problem(path)) is not None:
        raise DataError(wrong, path=path)
    try:
        wrong = _parts_problem(path)
    except (zipfile.BadZipFile, OSError) as exc:
        wrong = f"not a readable .xlsx workbook ({_one_line(exc)})"
    if wrong is not None:
        raise DataError(wrong, path=path)
    with warnings.catch_warnings():
        # openpyxl warns on stderr about styles and extensions it does not know: not our reader's
        # business, and a second line of output after a one-line error.
        warnings.simplefilter("ignore")
        return _rows(path, max_rows, max_columns)
