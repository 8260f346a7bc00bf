"""Writing actuals (実績値の書き出し): the folder's CSV, the sheet a 振興局 fills in, and JSON.

Both CSVs open in Excel on Japanese Windows as they are (:func:`geo.csvfile.excel_csv`), and
every free-text cell is written so a spreadsheet shows it rather than runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from geo.csvfile import excel_csv, formula_safe
from geo.plan.actuals_model import Actual, plan_kpis, year_range
from geo.plan.actuals_read import INFO_COLUMNS, PER_YEAR_FIELDS
from geo.plan.fiscal import fiscal_label
from geo.plan.kpi import KPI
from geo.plan.model import Plan, Project

LONG_HEADER = ("kpi_id", "年度", "実績値", "速報/確報", "出典", "URL/資料", "公表日", "備考")


def actual_row(a: Actual) -> list[str]:
    """One record as a row of the long layout (:data:`LONG_HEADER`)."""
    return [
        a.kpi_id,
        fiscal_label(a.fiscal_year).split("(")[0],
        formula_safe(a.written),
        "速報" if a.provisional else "確報",
        formula_safe(a.source),
        formula_safe(a.reference),
        a.published.isoformat(),
        formula_safe(a.note or ""),
    ]


def actuals_csv(records: Iterable[Actual]) -> str:
    """The long layout, by KPI id and fiscal year: what ``progress import`` writes."""
    rows = sorted(records, key=lambda r: (r.kpi_id, r.fiscal_year))
    return excel_csv(LONG_HEADER, (actual_row(a) for a in rows))


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


def _template_row(kid: str, project: Project, kpi: KPI, region_names: Mapping[str, str]) -> list[str]:
    """What a planner reads about a KPI (the template's info columns, read back and ignored)."""
    base = f"{kpi.baseline.written}({kpi.baseline.label})" if kpi.baseline else ""
    target = f"{kpi.target.written}({kpi.target.label})"
    return [kid, region_names.get(project.region, project.region), project.name, kpi.raw.strip(),
            kpi.title, kpi.unit_as_written, base, target]


def template_csv(plan: Plan, region_names: Mapping[str, str]) -> str:
    """The wide sheet a 振興局 fills in: one row per KPI, per year 実績値 / 速報/確報 / 出典 …"""
    years = template_years(plan)
    header = ["kpi_id", *INFO_COLUMNS, *(f"{fiscal_label(y)} {f}" for y in years for f in PER_YEAR_FIELDS)]
    blanks = ["" for _ in years for _f in PER_YEAR_FIELDS]
    rows = (
        [*_template_row(kid, project, kpi, region_names), *blanks]
        for kid, (project, kpi) in plan_kpis(plan).items()
    )
    return excel_csv(header, rows)


def records_to_json(records: Iterable[Actual]) -> list[dict[str, Any]]:
    """Records as the JSON the API and the pages send (no file or line: those are local)."""
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
