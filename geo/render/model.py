"""The loaded model every page, map and print is a function of, and what it derives once.

:class:`Model` is what the app loads at start (atlas, plan, coverage, actuals, thresholds) plus a
bounded memo for what is derived from it: the 推進管理 rows and grades, rendered maps, JSON
bodies. It is immutable; the memo is keyed on canonical ids only (a map kind's ``canonical``),
never on what a client typed. The web layer's state is a Model with the served topology added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geo.atlas.model import Atlas
from geo.lru import BoundedLRU
from geo.plan.actuals_model import Actuals
from geo.plan.actuals_write import template_years
from geo.plan.coverage import Coverage, coverage_for_atlas
from geo.plan.edition import Edition
from geo.plan.model import Plan
from geo.plan.progress import Evaluation, KpiProgress, Thresholds, grades_for_year, plan_progress

MEMO_ENTRIES = 2048
MEMO_BYTES = 96 * 1024 * 1024


@dataclass(frozen=True)
class Model:
    """Atlas + plan + coverage + KPI actuals (推進管理) and grade thresholds, loaded once."""

    atlas: Atlas
    plan: Plan
    coverage: Coverage
    actuals: Actuals = field(default_factory=Actuals)  # none → every screen says 実績未登録
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Which plan this is (版) and every edition the data folder holds, oldest first.
    edition: Edition | None = None
    editions: tuple[Edition, ...] = ()
    # The whole site has ~800 map scripts + JSON bodies (~30 MB): all fit, a flood cannot grow it.
    maps: BoundedLRU[Any] = field(default_factory=lambda: BoundedLRU(MEMO_ENTRIES, MEMO_BYTES),
                                  compare=False, repr=False)

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()`` once per ``key``; the key must hold canonical ids only."""
        return self.maps.get_or_build(key, build)


def model_of(atlas: Atlas, plan: Plan, coverage: Coverage | None = None) -> Model:
    """A model without actuals (the printer and commands that need no 推進管理)."""
    return Model(atlas=atlas, plan=plan, coverage=coverage or coverage_for_atlas(plan, atlas))


# --- 推進管理, derived once per model ------------------------------------------------------------


def progress_rows(model: Model) -> tuple[KpiProgress, ...]:
    """Every KPI's progress row (基準値 … 目標値, actuals, latest grade), in plan order."""
    return model.memo(("progress-rows",),
                      lambda: plan_progress(model.plan, model.actuals, model.thresholds))


def progress_row(model: Model, kid: str) -> KpiProgress:
    """One KPI's row by id (a town's JSON asks for each of its KPIs: a lookup, not a scan)."""
    by_id = model.memo(("progress-rows-by-id",), lambda: {r.id: r for r in progress_rows(model)})
    return by_id[kid]


def progress_years(model: Model) -> list[int]:
    """The fiscal years a 推進管理 screen offers: the plan's own and every year with an actual."""
    return sorted(set(template_years(model.plan)) | {a.fiscal_year for a in model.actuals.records})


def default_year(model: Model) -> int:
    """The newest year with an actual; without any, the last target year."""
    return max((a.fiscal_year for a in model.actuals.records), default=progress_years(model)[-1])


def year_grades(model: Model, year: int) -> dict[str, Evaluation]:
    """KPI id → its evaluation for fiscal ``year``."""
    return model.memo(("progress-grades", year),
                      lambda: grades_for_year(model.plan, model.actuals, year, model.thresholds))
