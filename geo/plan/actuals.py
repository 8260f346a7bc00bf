"""KPI actuals (実績値): the sheet a 振興局 keeps in Excel → validated, immutable records.

Files live in ``data/actuals/`` as ``.csv`` (UTF-8 with or without BOM, or CP932 as Excel on
Japanese Windows saves it) or ``.xlsx`` (read with openpyxl). Two layouts are read:

* **long** (the folder's own format): one row per KPI and fiscal year, columns
  ``kpi_id, 年度, 実績値, 速報/確報, 出典, URL/資料, 公表日, 備考``;
* **wide** (what ``hokkaido-map progress template`` writes): one row per KPI, and per fiscal
  year a group of columns ``R1(2019) 実績値``, ``R1(2019) 出典`` ….

Values are read by the KPI parser's own number and unit rules (:mod:`geo.plan.kpi`) into base
units, and must measure what the KPI measures. Every problem is collected as
``file:line: field: message``; when there is any, nothing is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from geo.errors import DataError, DataErrors
from geo.plan.kpi import ERAS, KPI, PER_YEAR, Number, era_year, parse_number, parse_unit
from geo.plan.model import Plan, Project

_Frozen = ConfigDict(frozen=True, extra="forbid")

ACTUALS_DIR = "actuals"
CANONICAL_FILE = "actuals.csv"  # where ``progress import`` writes
# 「平成28年度（2016年度）からスタートした「北海道総合計画」」 (the document's first lines):
# a KPI without a base year takes actuals from the plan's first year on.
PLAN_START = 2016
# A data file may come from anywhere: bound what one file can make us read and hold.
MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 5_000
MAX_CELL_CHARS = 2_000
MAX_COLUMNS = 300  # the template has 8 + 6 per fiscal year
MAX_XLSX_EXPANDED = 50_000_000

Status = Literal["速報", "確報"]

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


class Actual(BaseModel):
    """One actual value of one KPI for one fiscal year, with where it was published."""

    model_config = _Frozen
    kpi_id: str
    fiscal_year: int
    value: Number  # base units of the KPI (人, 円, ㎡ …)
    written: str  # as entered: "2,512万人"
    provisional: bool  # 速報 (True) or 確報
    source: str  # publication title
    reference: str  # URL or document reference
    published: dt.date
    note: str | None = None
    file: str  # where it was read, for messages and the import diff
    line: int

    @property
    def is_url(self) -> bool:
        return self.reference.startswith(("https://", "http://"))

    def same_content(self, other: Actual) -> bool:
        keep = {"file", "line"}
        return self.model_dump(exclude=keep) == other.model_dump(exclude=keep)


class Actuals(BaseModel):
    """Every actual of the data folder, by (KPI id, fiscal year)."""

    model_config = _Frozen
    records: tuple[Actual, ...] = ()

    def of(self, kpi_id: str) -> tuple[Actual, ...]:
        return tuple(sorted((a for a in self.records if a.kpi_id == kpi_id), key=lambda a: a.fiscal_year))

    @property
    def empty(self) -> bool:
        return not self.records

    @property
    def as_of(self) -> dt.date | None:
        """Date of the newest publication: what the figures are "as of"."""
        return max((a.published for a in self.records), default=None)


# --- KPI ids --------------------------------------------------------------------------------


def kpi_id(project_id: str, index: int) -> str:
    """``<project id>-<n>``, n from 1 in the project's order (the id of /kpi/<id>)."""
    return f"{project_id}-{index + 1}"


def plan_kpis(plan: Plan) -> dict[str, tuple[Project, KPI]]:
    return {kpi_id(p.id, i): (p, k) for p in plan.projects for i, k in enumerate(p.kpis)}


# --- fiscal years, values, dates ------------------------------------------------------------

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


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


# Full-width digits and separators as typed on a Japanese keyboard; NFKC would also turn ㎡
# into m2, which the unit table does not know, so only these are mapped.
_HALF = str.maketrans("０１２３４５６７８９，．％", "0123456789,.%")
_VALUE = re.compile(r"^(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>[^\d\s]*)$")


def _plain(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else float(value)


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
        if text != text or text < 0:  # NaN or negative
            raise ValueError(f"{text!r} is not a count or amount")
        number = Decimal(str(text))
        written = f"{_plain(number)}{kpi.unit_as_written}"
        _, factor = parse_unit(kpi.unit_as_written)
        return _plain(number * factor), written
    raw = str(text).strip()
    s = raw.translate(_HALF)
    m = _VALUE.match(s)
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
    return _plain(value), raw


_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")


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


def year_range(kpi: KPI) -> tuple[int, int | None]:
    """First and last fiscal year an actual of ``kpi`` may have (None: no last year).

    A period target (H27～R1累計) takes yearly values inside its period; otherwise from the base
    year (the first year of a 平均 base), or from the plan's first year without a base.
    """
    if kpi.target.year.is_period:
        return kpi.target.year.start, kpi.target.year.end
    if kpi.baseline is not None:
        return kpi.baseline.year.start, None
    return PLAN_START, None


# --- reading files --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, object]  # canonical field → cell (str, number or date)


def _cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_table(
    path: Path, errors: list[DataError]
) -> tuple[list[object], Iterator[tuple[int, list[object]]]] | None:
    """Header and (line, cells) rows of a .csv or .xlsx; None after recording why it cannot."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        errors.append(DataError(f"cannot read: {exc.strerror}", path=path))
        return None
    if size > MAX_FILE_BYTES:
        errors.append(DataError(f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read", path=path))
        return None
    rows: list[tuple[int, list[object]]]
    if path.suffix.lower() == ".xlsx":
        rows_or_none = _xlsx_rows(path, errors)
        if rows_or_none is None:
            return None
        rows = rows_or_none
    else:
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            errors.append(DataError("not UTF-8 or CP932 (Shift_JIS) text", path=path))
            return None
        rows = []
        try:
            reader = csv.reader(io.StringIO(text, newline=""))
            start = 1
            for cells in reader:
                rows.append((start, list(cells)))
                start = reader.line_num + 1
                if len(rows) > MAX_ROWS + 1:
                    break
        except csv.Error as exc:
            errors.append(DataError(f"CSV: {exc}", path=path, line=start))
            return None
    if len(rows) > MAX_ROWS + 1:
        errors.append(DataError(f"more than {MAX_ROWS:,} rows", path=path))
        return None
    if not rows:
        errors.append(DataError("empty file: the first row must name the columns", path=path))
        return None
    header = rows[0][1]
    return header, iter(rows[1:])


def _xlsx_rows(path: Path, errors: list[DataError]) -> list[tuple[int, list[object]]] | None:
    import zipfile

    from openpyxl import load_workbook

    # A .xlsx is a zip: bound what it expands to before openpyxl reads it (a zip bomb).
    try:
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        errors.append(DataError(f"not a readable .xlsx workbook ({exc})", path=path))
        return None
    if expanded > MAX_XLSX_EXPANDED:
        errors.append(
            DataError(
                f"workbook expands to {expanded:,} bytes; at most {MAX_XLSX_EXPANDED:,} are read", path=path
            )
        )
        return None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        errors.append(DataError(f"not a readable .xlsx workbook ({exc})", path=path))
        return None
    try:
        sheet = book.worksheets[0]
        rows = []
        for n, cells in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            rows.append((n, list(cells)))
            if n > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _columns(
    path: Path, header: Sequence[object], errors: list[DataError]
) -> tuple[dict[int, str], dict[int, tuple[int, str]]] | None:
    """Column index → canonical field (long layout) and → (fiscal year, field) (wide layout)."""
    long: dict[int, str] = {}
    wide: dict[int, tuple[int, str]] = {}
    ok = True
    for i, name in enumerate(header):
        if _blank(name):
            continue
        text = str(name).strip()
        key = _norm(text)
        if key in _ALIASES:
            field = _ALIASES[key]
            if field in long.values():
                errors.append(DataError(f"column {text!r} appears twice", path=path, line=1, field=text))
                ok = False
            long[i] = field
            continue
        if key in _INFO:
            continue
        head, _, tail = text.rpartition(" ")
        field = _ALIASES.get(_norm(tail)) if head else None
        if field in PER_YEAR_FIELDS:
            try:
                year = parse_fiscal_year(re.sub(r"\(\d{4}\)$", "", head.strip()))
            except ValueError as exc:
                errors.append(DataError(str(exc), path=path, line=1, field=text))
                ok = False
                continue
            wide[i] = (year, field)
            continue
        known = "、".join([*FIELDS, *INFO_COLUMNS])
        errors.append(
            DataError(
                f"unknown column {text!r} (known: {known}, or '<年度> 実績値' …)",
                path=path,
                line=1,
                field=text,
            )
        )
        ok = False
    if not ok:
        return None
    fields = set(long.values())
    if wide:
        if fields - {"kpi_id"}:
            errors.append(
                DataError(
                    "mixes per-year columns ('R1(2019) 実績値') with a 年度 or 実績値 column",
                    path=path,
                    line=1,
                )
            )
            return None
        if "kpi_id" not in fields:
            errors.append(DataError("missing column kpi_id", path=path, line=1, field="kpi_id"))
            return None
        return long, wide
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        errors.append(DataError(f"missing column(s): {'、'.join(missing)}", path=path, line=1))
        return None
    return long, wide


def _rows(path: Path, errors: list[DataError]) -> Iterator[_Row]:
    """Each filled row of the file as canonical fields (a wide row gives one per year)."""
    table = _read_table(path, errors)
    if table is None:
        return
    header, body = table
    cols = _columns(path, header, errors)
    if cols is None:
        return
    long, wide = cols
    for line, raw in body:
        cells = [_cell(c) for c in raw]
        if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
            errors.append(
                DataError(f"a cell is longer than {MAX_CELL_CHARS} characters", path=path, line=line)
            )
            continue
        base = {f: cells[i] for i, f in long.items() if i < len(cells)}
        if not wide:
            if all(_blank(base.get(f)) for f in ("年度", "実績値", "出典", "URL/資料", "公表日")):
                continue  # an unfilled template row
            yield _Row(line, base)
            continue
        years: dict[int, dict[str, object]] = {}
        for i, (year, field) in wide.items():
            if i < len(cells) and not _blank(cells[i]):
                years.setdefault(year, {})[field] = cells[i]
        for year, fields in sorted(years.items()):
            yield _Row(line, {**base, "年度": year, **fields, "_wide": fiscal_label(year)})


def _record(
    path: Path, row: _Row, kpis: Mapping[str, tuple[Project, KPI]], today: dt.date, errors: list[DataError]
) -> Actual | None:
    c = row.cells
    prefix = f"{c['_wide']} " if "_wide" in c else ""
    n_before = len(errors)

    def err(field: str, message: str) -> None:
        errors.append(
            DataError(
                message, path=path, line=row.line, field=prefix + field if field not in ("kpi_id",) else field
            )
        )

    for field in REQUIRED:
        if _blank(c.get(field)):
            err(field, "required")
    if _blank(c.get("kpi_id")):
        return None
    kid = str(c["kpi_id"]).strip()
    if kid not in kpis:
        near = [k for k in kpis if k.rsplit("-", 1)[0] == kid.rsplit("-", 1)[0]]
        hint = f" (this project has: {'、'.join(near)})" if near else " (ids are <project>-<n>, see /kpi)"
        err("kpi_id", f"unknown KPI {kid!r}{hint}")
        return None
    kpi = kpis[kid][1]

    def parsed(field: str, parse: Any) -> Any:
        # A blank required field was reported above; a bad one is reported here, once.
        if _blank(c.get(field)):
            return None
        try:
            return parse(c[field])
        except ValueError as exc:
            err(field, str(exc))
            return None

    year: int | None = parsed("年度", parse_fiscal_year)
    if year is not None:
        first, last = year_range(kpi)
        if year < first:
            what = (
                "the period " + kpi.target.label
                if kpi.target.year.is_period
                else f"the base year {kpi.baseline.label}"
                if kpi.baseline
                else "the plan's first year"
            )
            err("年度", f"{fiscal_label(year)} is before {what} (FY{first})")
        elif last is not None and year > last:
            err(
                "年度",
                f"{fiscal_label(year)} is after the period {kpi.target.label} "
                f"({fiscal_label(last)}): enter yearly values inside it",
            )
        elif year > fiscal_year_of(today):
            err("年度", f"{fiscal_label(year)} has not begun (today is {today.isoformat()})")
    value, written = parsed("実績値", lambda v: parse_actual_value(v, kpi)) or (None, None)
    published = parsed("公表日", parse_date)
    if published is not None:
        if published > today:
            err("公表日", f"{published.isoformat()} is in the future")
        elif year is not None and published < dt.date(year, 4, 1):
            err("公表日", f"{published.isoformat()} is before {fiscal_label(year)} began")
    provisional = False
    try:
        provisional = parse_status(c.get("速報/確報"))
    except ValueError as exc:
        err("速報/確報", str(exc))
    if len(errors) > n_before:
        return None
    assert year is not None and value is not None and written is not None and published is not None
    note = c.get("備考")
    return Actual(
        kpi_id=kid,
        fiscal_year=year,
        value=value,
        written=written,
        provisional=provisional,
        source=str(c["出典"]).strip(),
        reference=str(c["URL/資料"]).strip(),
        published=published,
        note=str(note).strip() if not _blank(note) else None,
        file=str(path),
        line=row.line,
    )


def read_actuals(
    paths: Iterable[str | Path],
    plan: Plan,
    *,
    today: dt.date | None = None,
    errors: list[DataError] | None = None,
) -> list[Actual]:
    """Records of the files, in file order; problems go to ``errors`` (raise if not given)."""
    own = errors is None
    errs: list[DataError] = [] if errors is None else errors
    today = today or dt.date.today()
    kpis = plan_kpis(plan)
    out: list[Actual] = []
    seen: dict[tuple[str, int], Actual] = {}
    for p in paths:
        path = Path(p)
        for row in _rows(path, errs):
            rec = _record(path, row, kpis, today, errs)
            if rec is None:
                continue
            key = (rec.kpi_id, rec.fiscal_year)
            if key in seen:
                first = seen[key]
                errs.append(
                    DataError(
                        f"duplicate: {rec.kpi_id} {fiscal_label(rec.fiscal_year)} is already at "
                        f"{first.file}:{first.line}",
                        path=path,
                        line=row.line,
                        field="年度",
                    )
                )
                continue
            seen[key] = rec
            out.append(rec)
    if own and errs:
        raise DataErrors(errs)
    return out


def actual_files(data_dir: str | Path) -> list[Path]:
    folder = Path(data_dir) / ACTUALS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith(("~$", ".")) and p.is_file()
    )


def load_actuals(data_dir: str | Path, plan: Plan, *, today: dt.date | None = None) -> Actuals:
    """Every actual in ``data_dir/actuals``; ``DataErrors`` listing every problem, if any."""
    return Actuals(records=tuple(read_actuals(actual_files(data_dir), plan, today=today)))


# --- writing --------------------------------------------------------------------------------

LONG_HEADER = ("kpi_id", "年度", "実績値", "速報/確報", "出典", "URL/資料", "公表日", "備考")


def _csv_text(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection, OWASP).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def actual_row(a: Actual) -> list[str]:
    return [
        a.kpi_id,
        fiscal_label(a.fiscal_year).split("(")[0],
        _csv_text(a.written),
        "速報" if a.provisional else "確報",
        _csv_text(a.source),
        _csv_text(a.reference),
        a.published.isoformat(),
        _csv_text(a.note or ""),
    ]


def actuals_csv(records: Iterable[Actual]) -> str:
    """The long layout as UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(LONG_HEADER)
    for a in sorted(records, key=lambda r: (r.kpi_id, r.fiscal_year)):
        writer.writerow(actual_row(a))
    return "\ufeff" + buf.getvalue()


def write_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write to a temporary file in the same folder, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def template_years(plan: Plan) -> list[int]:
    """The fiscal years a template offers: the first year any KPI takes after its base, to the
    last target year."""
    firsts, lasts = [], []
    for _, kpi in plan_kpis(plan).values():
        first, _ = year_range(kpi)
        if kpi.baseline is not None and not kpi.target.year.is_period:
            first = kpi.baseline.year.end + 1
        firsts.append(first)
        lasts.append(kpi.target.year.end)
    return list(range(min(firsts), max(lasts) + 1))


def template_csv(plan: Plan, region_names: Mapping[str, str]) -> str:
    """The wide sheet a 振興局 fills in: one row per KPI, per year 実績値 / 速報/確報 / 出典 …"""
    years = template_years(plan)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(
        ["kpi_id", *INFO_COLUMNS, *(f"{fiscal_label(y)} {f}" for y in years for f in PER_YEAR_FIELDS)]
    )
    for kid, (project, kpi) in plan_kpis(plan).items():
        base = f"{kpi.baseline.written}({kpi.baseline.label})" if kpi.baseline else ""
        target = f"{kpi.target.written}({kpi.target.label})"
        indicator = (
            kpi.indicator
            + (f"({kpi.scope})" if kpi.scope else "")
            + (f" {kpi.sub_label}" if kpi.sub_label else "")
        )
        writer.writerow(
            [
                kid,
                region_names.get(project.region, project.region),
                project.name,
                kpi.raw.strip(),
                indicator,
                kpi.unit_as_written,
                base,
                target,
                *("" for _ in years for _f in PER_YEAR_FIELDS),
            ]
        )
    return "\ufeff" + buf.getvalue()


def records_to_json(records: Iterable[Actual]) -> list[dict[str, Any]]:
    return [
        {
            "kpi_id": a.kpi_id,
            "fiscal_year": a.fiscal_year,
            "label": fiscal_label(a.fiscal_year),
            "value": a.value,
            "written": a.written,
            "provisional": a.provisional,
            "source": a.source,
            "reference": a.reference,
            "published": a.published.isoformat(),
            "note": a.note,
        }
        for a in records
    ]
