"""``hokkaido-map progress template|import|report``: the yearly review from the command line.

Kept apart from :mod:`geo.cli` so each can be called (and tested) without argument parsing.
``import`` validates everything first and writes only when there is no error, atomically. Each
names the edition's period and marks a fiscal year outside it 「対象期間外」 (the report in its
first lines and its CSV columns; the template and import in what they print).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from geo.atomic import write_atomic
from geo.errors import DataError, DataErrors
from geo.plan.actuals import (
    ACTUALS_DIR,
    CANONICAL_FILE,
    ActualsRead,
    actual_files,
    check_actuals,
    read_actuals,
)
from geo.plan.actuals_model import Actual, Actuals
from geo.plan.actuals_write import actuals_csv, template_csv, template_years
from geo.plan.edition import Edition, edition_folder, edition_of
from geo.plan.fiscal import fiscal_label, parse_fiscal_year
from geo.plan.model import DEFAULT_DATA_DIR, load_plan
from geo.plan.progress import load_thresholds
from geo.render.progress import OUT_OF_PERIOD, build_report, edition_text, in_period, year_text


def _report(exc: DataError, err: TextIO) -> None:
    for problem in exc.errors if isinstance(exc, DataErrors) else [exc]:
        print(problem, file=err)


def _template_note(years: list[int], edition: Edition | None) -> str | None:
    """What the template's years are, against the edition's period (the columns stay: a year
    outside it may still have actuals)."""
    if edition is None:
        return None
    outside = "、".join(fiscal_label(y) for y in years if not in_period(edition, y))
    listed = f"。{OUT_OF_PERIOD}の年度：{outside}（列はそのまま、実績も記入できます）" if outside else ""
    return f"{edition_text(edition)}{listed}"


def run_template(
    out_path: str | Path, data_dir: str | Path | None = None, *, err: TextIO | None = None
) -> int:
    """Write the sheet a 振興局 fills in (UTF-8 with BOM, so Excel opens it as Japanese text)."""
    err = err or sys.stderr
    data = Path(data_dir or DEFAULT_DATA_DIR)
    try:
        plan = load_plan(data)
        edition = edition_of(data)
    except DataError as exc:
        _report(exc, err)
        return 1
    names = {r.id: r.name for r in plan.regions}
    write_atomic(Path(out_path), template_csv(plan, names))
    print(f"{out_path}: {len(plan.kpis)} KPIs", file=err)
    if (note := _template_note(template_years(plan), edition)) is not None:
        print(note, file=err)
    return 0


def _describe(a: Actual, edition: Edition | None = None) -> str:
    status = "速報" if a.provisional else "確報"
    when = a.published.isoformat()
    return f"{a.kpi_id} {year_text(a.fiscal_year, edition)}: {a.written}（{status}、{a.source}、{when}）"


@dataclass(frozen=True)
class ImportPlan:
    """What importing a sheet would do to the folder: records added, changed, already there."""

    added: tuple[Actual, ...]
    changed: tuple[tuple[Actual, Actual], ...]  # (the record now, the one replacing it)
    same: tuple[Actual, ...]
    problems: tuple[DataError, ...]


def plan_import(existing: list[Actual], incoming: ActualsRead, source: Path, target: Path) -> ImportPlan:
    """Compare the incoming records with the folder's. A record kept in another file than
    ``target`` cannot be changed from here: that is a problem, named at the incoming line."""
    by_key = {(a.kpi_id, a.fiscal_year): a for a in existing}
    added, changed, same, problems = [], [], [], list(incoming.problems)
    for a in incoming.records:
        old = by_key.get((a.kpi_id, a.fiscal_year))
        if old is None:
            added.append(a)
        elif old.same_content(a):
            same.append(a)
        elif Path(old.file).resolve() != target.resolve():
            problems.append(
                DataError(
                    f"{a.kpi_id} {fiscal_label(a.fiscal_year)} is kept in {old.file}:{old.line}; "
                    "change it there",
                    path=source,
                    line=a.line,
                    field="年度",
                )
            )
        else:
            changed.append((old, a))
    return ImportPlan(tuple(added), tuple(changed), tuple(same), tuple(problems))


def _source_problem(source: Path, folder: Path) -> str | None:
    if source.resolve() in {p.resolve() for p in actual_files(folder)}:
        return f"{source}: already in {folder / ACTUALS_DIR}; import a file from elsewhere"
    if not source.is_file():
        return f"{source}: file not found"
    return None


def _print_import(found: ImportPlan, out: TextIO, edition: Edition | None = None) -> None:
    for a in found.added:
        print(f"+ {_describe(a, edition)}", file=out)
    for old, a in found.changed:
        print(
            f"~ {_describe(old, edition)} → {a.written}（{'速報' if a.provisional else '確報'}、"
            f"{a.source}、{a.published.isoformat()}）",
            file=out,
        )
    print(f"追加 {len(found.added)}件、変更 {len(found.changed)}件、変更なし {len(found.same)}件", file=out)


def _write_import(existing: list[Actual], found: ImportPlan, target: Path) -> None:
    """Rewrite ``target``: its records not replaced, then the added and the changed ones."""
    replaced = {(a.kpi_id, a.fiscal_year) for _, a in found.changed}
    kept = [
        a
        for a in existing
        if Path(a.file).resolve() == target.resolve() and (a.kpi_id, a.fiscal_year) not in replaced
    ]
    write_atomic(target, actuals_csv([*kept, *found.added, *(a for _, a in found.changed)]))


def run_import(
    file: str | Path,
    data_dir: str | Path | None = None,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Validate ``file``, list what it adds or changes, then write the edition's ``actuals/actuals.csv``.

    Any error — in the file, or an existing record it would change that lives in another file
    of the folder — changes nothing and returns 1.
    """
    out, err = out or sys.stdout, err or sys.stderr
    source = Path(file)
    try:
        folder = edition_folder(Path(data_dir or DEFAULT_DATA_DIR))  # the newest edition's
        plan = load_plan(folder)
        existing = read_actuals(actual_files(folder), plan, today=today)
        edition = edition_of(folder)
    except DataError as exc:
        print("the data folder has errors; fix them first:", file=err)
        _report(exc, err)
        return 1
    target = folder / ACTUALS_DIR / CANONICAL_FILE
    if (wrong := _source_problem(source, folder)) is not None:
        print(wrong, file=err)
        return 1
    found = plan_import(existing, check_actuals([source], plan, today=today), source, target)
    if found.problems:
        _report(DataErrors(list(found.problems)), err)
        print(f"{source}: {len(found.problems)} error(s); nothing was written", file=err)
        return 1
    _print_import(found, out, edition)
    if dry_run:
        print("--dry-run: nothing was written", file=out)
    elif found.added or found.changed:
        _write_import(existing, found, target)
        print(f"{target}: written", file=out)
    return 0


def run_report(
    year: str,
    region: str | None,
    fmt: str,
    data_dir: str | Path | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    today: dt.date | None = None,
) -> int:
    """The 連携会議 material for one fiscal year (md, csv or html) on ``out``."""
    out, err = out or sys.stdout, err or sys.stderr
    data = Path(data_dir or DEFAULT_DATA_DIR)
    try:
        fy = parse_fiscal_year(year)
    except ValueError as exc:
        print(f"--year: {exc}", file=err)
        return 2
    try:
        plan = load_plan(data)
        actuals = Actuals(records=tuple(read_actuals(actual_files(data), plan, today=today)))
        thresholds = load_thresholds(data)
        edition = edition_of(data)
    except DataError as exc:
        _report(exc, err)
        return 1
    if region is not None:
        try:
            region = plan.region(region).id
        except KeyError:
            print(
                f"--region: no 連携地域 {region!r} (known: {', '.join(r.id for r in plan.regions)})", file=err
            )
            return 2
    text = build_report(plan, actuals, fy, region, thresholds, fmt, edition=edition)
    out.write(text if text.endswith("\n") else text + "\n")
    return 0
