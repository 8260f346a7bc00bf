"""KPI actuals (実績値): the sheets a 振興局 keeps in an edition's ``actuals/`` → validated records.

Files are ``.csv`` (UTF-8 with or without BOM, or CP932 as Excel on Japanese Windows saves it)
or ``.xlsx``, in the long or the wide layout (:mod:`geo.plan.actuals_read`). Each row is
checked against the plan's KPIs (:mod:`geo.plan.actuals_check`); every problem is collected as
``file:line: field: message`` and, when there is any, nothing is loaded. Writing is
:mod:`geo.plan.actuals_write`; the records themselves are :mod:`geo.plan.actuals_model`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geo.errors import DataError, DataErrors, Problems
from geo.plan.actuals_check import check_row
from geo.plan.actuals_model import Actual, Actuals, plan_kpis
from geo.plan.actuals_read import sheet_rows
from geo.plan.edition import edition_folder
from geo.plan.fiscal import fiscal_label
from geo.plan.model import Plan

ACTUALS_DIR = "actuals"
CANONICAL_FILE = "actuals.csv"  # where ``progress import`` writes


@dataclass(frozen=True)
class ActualsRead:
    """What reading some sheets found: the records, in file order, and every problem."""

    records: tuple[Actual, ...]
    problems: tuple[DataError, ...]


def _duplicate(rec: Actual, first: Actual) -> DataError:
    return DataError(
        f"duplicate: {rec.kpi_id} {fiscal_label(rec.fiscal_year)} is already at {first.file}:{first.line}",
        path=rec.file,
        line=rec.line,
        field="年度",
    )


def check_actuals(paths: Iterable[str | Path], plan: Plan, *, today: dt.date | None = None) -> ActualsRead:
    """Every record of the files and every problem of them; a (KPI, year) is kept once."""
    today = today or dt.date.today()
    kpis = plan_kpis(plan)
    problems = Problems()
    seen: dict[tuple[str, int], Actual] = {}
    for path in map(Path, paths):
        for row in sheet_rows(path, problems):
            rec = check_row(row, kpis, today, problems)
            if rec is None:
                continue
            key = (rec.kpi_id, rec.fiscal_year)
            if key in seen:
                problems.add(_duplicate(rec, seen[key]))
            else:
                seen[key] = rec
    return ActualsRead(tuple(seen.values()), tuple(problems))


def read_actuals(paths: Iterable[str | Path], plan: Plan, *, today: dt.date | None = None) -> list[Actual]:
    """The records of the files, in file order; ``DataErrors`` listing every problem, if any."""
    found = check_actuals(paths, plan, today=today)
    if found.problems:
        raise DataErrors(list(found.problems))
    return list(found.records)


def actual_files(data_dir: str | Path) -> list[Path]:
    """The sheets of an edition's ``actuals/``, by name (Excel's ``~$`` lock files left out).

    ``data_dir`` is the edition's folder, or a data folder (its newest edition)."""
    folder = edition_folder(data_dir) / ACTUALS_DIR
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
