"""KPI actuals (実績値) as records: one value of one KPI for one fiscal year, and a folder of them.

Also the KPI ids the records refer to, and which fiscal years a KPI takes actuals for.
"""

from __future__ import annotations

import datetime as dt

from geo.frozen import FrozenModel
from geo.plan.kpi import KPI, Number
from geo.plan.model import Plan, Project

# 「平成28年度（2016年度）からスタートした「北海道総合計画」」 (the document's first lines):
# a KPI without a base year takes actuals from the plan's first year on.
PLAN_START = 2016


class Actual(FrozenModel):
    """One actual value of one KPI for one fiscal year, with where it was published."""

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


class Actuals(FrozenModel):
    """Every actual of the data folder, by (KPI id, fiscal year)."""

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


def kpi_id(project_id: str, index: int) -> str:
    """``<project id>-<n>``, n from 1 in the project's order (the id of /kpi/<id>)."""
    return f"{project_id}-{index + 1}"


def plan_kpis(plan: Plan) -> dict[str, tuple[Project, KPI]]:
    """Every KPI of the plan with its project, by KPI id, in document order."""
    return {kpi_id(p.id, i): (p, k) for p in plan.projects for i, k in enumerate(p.kpis)}


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
