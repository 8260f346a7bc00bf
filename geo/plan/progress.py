"""推進管理: how far each KPI has come — expected value, 進捗率 and grade, per fiscal year.

Pure functions of a KPI (:mod:`geo.plan.kpi`), its actuals (:mod:`geo.plan.actuals`) and the
thresholds (``data/editions/<edition>/progress.yaml``). ``docs/progress.md`` explains every case with a worked
example; the short version:

* **level** KPIs (観光入込客数 2,240万人(H26)→2,789万人(R1)) expect the straight line from the
  base (base year) to the target (target year). A 平均 base (8人(H21～25平均)) stands at the
  middle of its period, as in :func:`geo.plan.kpi.planned_change`.
* **period** KPIs (260件(H27～R1累計), 180件以上(H27～R1合計)) take one value per year; the
  actual is their running sum, and the expected value the target's pro-rata share of the
  years so far (base 0 before the period). A 平均 period target compares the running mean.
* 進捗率 = (actual − base) / (target − base): 1 at the target, 0 at the base, negative when the
  actual moved away; the same formula holds for a target below its base.
* Grade for a year: 達成 (target reached, in its direction), A 順調 (進捗率 ≥ the expected
  progress), B 概ね順調 (≥ ``b`` × expected, default 0.8), C やや遅れ (≥ ``c`` × expected,
  default 0.5), D 遅れ (less, or moving away), − (no actual, or no base, with the reason).
  From the target year on, the final grade compares the target year's actual with the target:
  達成 or 未達成 (with its 進捗率).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from geo.errors import DataError, DataErrors
from geo.frozen import FrozenModel
from geo.plan.actuals_model import Actual, Actuals, plan_kpis
from geo.plan.edition import edition_folder
from geo.plan.fiscal import fiscal_label
from geo.plan.kpi import KPI
from geo.plan.model import Plan, Project
from geo.yamlfile import load_located_yaml, pydantic_errors

SETTINGS_FILE = "progress.yaml"

Grade = Literal["達成", "A", "B", "C", "D", "未達成", "−"]
GRADES: tuple[Grade, ...] = ("達成", "A", "B", "C", "D", "未達成", "−")
# Text and symbol for every grade: a grade is never told by colour alone.
GRADE_LABEL: dict[str, str] = {
    "達成": "達成",
    "A": "A 順調",
    "B": "B 概ね順調",
    "C": "C やや遅れ",
    "D": "D 遅れ",
    "未達成": "未達成",
    "−": "評価なし",
}
GRADE_SYMBOL: dict[str, str] = {
    "達成": "◎",
    "A": "○",
    "B": "△",
    "C": "▲",
    "D": "▼",  # not ×: it would look like 未達成's ✕
    "未達成": "✕",
    "−": "－",
}
ON_TRACK: frozenset[str] = frozenset({"達成", "A"})
NO_ACTUALS = "実績未登録"


class Thresholds(FrozenModel):
    """Share of the expected progress a KPI needs for B and C (A needs all of it)."""

    b: float = Field(0.8, gt=0, lt=1, description="B 概ね順調: at least this share")
    c: float = Field(0.5, gt=0, lt=1, description="C やや遅れ: at least this share")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.c >= self.b:
            raise ValueError(f"c ({self.c}) must be below b ({self.b})")
        return self


class _SettingsFile(FrozenModel):
    thresholds: Thresholds = Thresholds()


def load_thresholds(data_dir: str | Path) -> Thresholds:
    """The edition's ``progress.yaml`` thresholds; the defaults when the file is absent."""
    path = edition_folder(data_dir) / SETTINGS_FILE
    if not path.exists():
        return Thresholds()
    doc = load_located_yaml(path)
    if doc.data is None:
        return Thresholds()
    if not isinstance(doc.data, dict):
        raise DataErrors([doc.error((), "expected a mapping with 'thresholds'")])
    try:
        return _SettingsFile.model_validate(doc.data).thresholds
    except ValidationError as exc:
        raise DataErrors(pydantic_errors(doc, exc)) from None


# --- the KPI's shape --------------------------------------------------------------------------


def is_period(kpi: KPI) -> bool:
    """A target over a span of years (H27～R1累計): actuals are yearly values inside it."""
    return kpi.target.year.is_period


def target_year(kpi: KPI) -> int:
    return kpi.target.year.end


def base_point(kpi: KPI) -> tuple[float, float] | None:
    """(fiscal year, value) progress is measured from; None without a base.

    A period total starts from 0 the year before its period. A 平均 base stands at the middle
    of its years (8人(H21～25平均) is the level of FY2011).
    """
    if is_period(kpi) and kpi.target.aggregate in ("累計", "合計"):
        return kpi.target.year.start - 1, 0.0
    if kpi.baseline is None:
        return None
    return kpi.baseline.year.midpoint, float(kpi.baseline.value)


def direction(kpi: KPI) -> int:
    """+1 when the target is above its base (or stated as 以上/超), −1 below (以下/未満)."""
    base = base_point(kpi)
    if base is not None and kpi.target.value != base[1]:
        return 1 if kpi.target.value > base[1] else -1
    return -1 if kpi.target.qualifier in ("以下", "未満") else 1


def reached(kpi: KPI, value: float) -> bool:
    t = float(kpi.target.value)
    if kpi.target.qualifier == "超":
        return value > t
    if kpi.target.qualifier == "未満":
        return value < t
    return value >= t if direction(kpi) > 0 else value <= t


def expected_share(kpi: KPI, year: int) -> float | None:
    """Share of the planned change expected by the end of ``year`` (0 at base, 1 at target)."""
    base = base_point(kpi)
    if base is None:
        return None
    end = target_year(kpi)
    span = end - base[0]
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (year - base[0]) / span))


def expected_value(kpi: KPI, year: int) -> float | None:
    """The straight line base → target at ``year`` (a period total: its pro-rata share)."""
    share = expected_share(kpi, year)
    base = base_point(kpi)
    if share is None or base is None:
        return None
    if is_period(kpi) and kpi.target.aggregate == "平均":
        return float(kpi.target.value)
    return _round(base[1] + (float(kpi.target.value) - base[1]) * share)


def progress_rate(kpi: KPI, value: float) -> float | None:
    """進捗率 = (actual − base) / (target − base); None without a base or with target = base."""
    base = base_point(kpi)
    if base is None or float(kpi.target.value) == base[1]:
        return None
    return (value - base[1]) / (float(kpi.target.value) - base[1])


def _round(x: float) -> float:
    # Decimal round-trip: 1,162万 + … shows as 12,548,000, not 12547999.999999998.
    return float(round(Decimal(repr(x)), 6))


def observed(kpi: KPI, by_year: Mapping[int, Actual], year: int) -> tuple[float | None, list[int]]:
    """The value to compare for ``year`` and the years missing to compute it.

    A level KPI: that year's actual. A period total: the sum of its years so far; a period mean:
    their mean. ``(None, [...])`` when a year needed is missing.
    """
    if not is_period(kpi):
        a = by_year.get(year)
        return (float(a.value), []) if a else (None, [year])
    start = kpi.target.year.start
    years = list(range(start, min(year, kpi.target.year.end) + 1))
    missing = [y for y in years if y not in by_year]
    if missing or not years:
        return None, missing
    values = [float(by_year[y].value) for y in years]
    if kpi.target.aggregate == "平均":
        return _round(sum(values) / len(values)), []
    return _round(sum(values)), []


# --- grades -----------------------------------------------------------------------------------


class Evaluation(FrozenModel):
    """A KPI's grade for one fiscal year, with the numbers behind it."""

    kpi_id: str
    year: int | None  # the fiscal year graded (the target year for a final grade)
    grade: Grade
    final: bool = False  # after the target year: 達成 / 未達成
    reason: str | None = None  # why "−", or what the grade rests on
    actual: float | None = None  # compared value (running sum/mean for a period KPI)
    record: Actual | None = None  # that year's actual (its source, 速報/確報)
    expected: float | None = None
    rate: float | None = None  # 進捗率
    expected_rate: float | None = None

    @property
    def label(self) -> str:
        return f"{GRADE_SYMBOL[self.grade]} {GRADE_LABEL[self.grade]}"

    @property
    def on_track(self) -> bool:
        return self.grade in ON_TRACK


def _by_year(records: Iterable[Actual]) -> dict[int, Actual]:
    return {a.fiscal_year: a for a in records}


def grade_year(
    kid: str, kpi: KPI, records: Sequence[Actual], year: int, thresholds: Thresholds | None = None
) -> Evaluation:
    """The grade of ``year``; after the target year, the final grade (see module docs)."""
    th = thresholds or Thresholds()
    end = target_year(kpi)
    if year >= end:
        return final_grade(kid, kpi, records)
    by_year = _by_year(records)
    expected = expected_value(kpi, year)
    exp_rate = expected_share(kpi, year)
    common = {
        "kpi_id": kid,
        "year": year,
        "expected": expected,
        "expected_rate": exp_rate,
        "record": by_year.get(year),
    }
    value, missing = observed(kpi, by_year, year)
    if value is None:
        if year in missing:
            return Evaluation(**common, grade="−", reason=f"{fiscal_label(year)}の実績なし")
        years = "、".join(fiscal_label(y) for y in missing)
        return Evaluation(**common, grade="−", reason=f"累計に必要な{years}の実績なし")
    rate = progress_rate(kpi, value)
    common.update(actual=value, rate=rate)
    if reached(kpi, value):
        return Evaluation(**common, grade="達成", reason="目標値に到達")
    if rate is None:
        why = "基準値がないため進捗を測れません" if base_point(kpi) is None else "目標値が基準値と同じです"
        return Evaluation(**common, grade="−", reason=why)
    if rate < 0:
        return Evaluation(**common, grade="D", reason="基準値から目標と逆の方向に動いています")
    assert exp_rate is not None
    if exp_rate <= 0 or rate >= exp_rate:
        return Evaluation(**common, grade="A", reason="見込みの線以上")
    share = rate / exp_rate
    grade: Grade = "B" if share >= th.b else "C" if share >= th.c else "D"
    return Evaluation(**common, grade=grade, reason=f"見込みの進捗の{share:.0%}")


def final_grade(kid: str, kpi: KPI, records: Sequence[Actual]) -> Evaluation:
    """After the target year: the target year's actual against the target, 達成 / 未達成."""
    end = target_year(kpi)
    by_year = _by_year(records)
    value, missing = observed(kpi, by_year, end)
    common = {
        "kpi_id": kid,
        "year": end,
        "final": True,
        "expected": float(kpi.target.value),
        "expected_rate": 1.0 if base_point(kpi) else None,
        "record": by_year.get(end),
    }
    if value is None:
        years = "、".join(fiscal_label(y) for y in missing)
        return Evaluation(**common, grade="−", reason=f"目標年度の評価に必要な{years}の実績なし")
    rate = progress_rate(kpi, value)
    if reached(kpi, value):
        return Evaluation(**common, grade="達成", actual=value, rate=rate, reason="目標年度に目標値に到達")
    why = f"進捗率 {rate:.0%}" if rate is not None else f"目標値の{value / float(kpi.target.value):.0%}"
    return Evaluation(**common, grade="未達成", actual=value, rate=rate, reason=why)


def latest(kid: str, kpi: KPI, records: Sequence[Actual], thresholds: Thresholds | None = None) -> Evaluation:
    """The grade of the newest actual's year (the final grade once the target year has one)."""
    if not records:
        return Evaluation(kpi_id=kid, year=None, grade="−", reason=NO_ACTUALS)
    newest = max(a.fiscal_year for a in records)
    return grade_year(kid, kpi, records, newest, thresholds)


# --- across the plan --------------------------------------------------------------------------


class KpiProgress(FrozenModel):
    """A KPI of the plan with its actuals and latest grade (one row of /progress)."""

    id: str
    project: Project
    kpi: KPI
    records: tuple[Actual, ...]
    latest: Evaluation


def plan_progress(
    plan: Plan, actuals: Actuals, thresholds: Thresholds | None = None
) -> tuple[KpiProgress, ...]:
    out = []
    for kid, (project, kpi) in plan_kpis(plan).items():
        records = actuals.of(kid)
        out.append(
            KpiProgress(
                id=kid,
                project=project,
                kpi=kpi,
                records=records,
                latest=latest(kid, kpi, records, thresholds),
            )
        )
    return tuple(out)


def grades_for_year(
    plan: Plan, actuals: Actuals, year: int, thresholds: Thresholds | None = None
) -> dict[str, Evaluation]:
    """KPI id → its grade for ``year`` (final grade for KPIs whose target year has passed)."""
    return {
        kid: grade_year(kid, kpi, actuals.of(kid), year, thresholds)
        for kid, (_, kpi) in plan_kpis(plan).items()
    }


class AreaSummary(FrozenModel):
    """Grades of the KPIs reaching one 振興局 or 連携地域 for a fiscal year."""

    kpis: tuple[str, ...]
    counts: dict[str, int]  # grade → number of KPIs, every grade present
    graded: int  # KPIs with a grade other than −
    on_track: int  # 達成 or A
    share: float | None  # on_track / graded; None: 実績なし


def summarize(grades: Mapping[str, Evaluation], kids: Iterable[str]) -> AreaSummary:
    kids = tuple(kids)
    counts = {g: 0 for g in GRADES}
    for k in kids:
        counts[grades[k].grade] += 1
    graded = len(kids) - counts["−"]
    on_track = sum(counts[g] for g in ON_TRACK)
    return AreaSummary(
        kpis=kids,
        counts=counts,
        graded=graded,
        on_track=on_track,
        share=on_track / graded if graded else None,
    )


def area_summaries(plan: Plan, grades: Mapping[str, Evaluation]) -> dict[str, dict[str, AreaSummary]]:
    """``{"subprefectures": {short: …}, "regions": {id: …}}``: KPIs of the projects reaching it."""
    kpis = plan_kpis(plan)
    h = plan.hierarchy
    subs = {
        s.short: summarize(grades, [k for k, (p, _) in kpis.items() if s.short in p.subprefectures])
        for s in h.subprefectures
    }
    regions = {
        r.id: summarize(grades, [k for k, (p, _) in kpis.items() if r.id in p.regions]) for r in h.regions
    }
    return {"subprefectures": subs, "regions": regions}


def check_settings(data_dir: str | Path) -> list[DataError]:
    """Problems of ``progress.yaml`` (for ``validate``-style reporting)."""
    try:
        load_thresholds(data_dir)
    except DataErrors as exc:
        return list(exc.errors)
    except DataError as exc:
        return [exc]
    return []


def value_text(kpi: KPI, value: float | None) -> str:
    """A base-unit value in the KPI's written unit: 25,120,000 人 for a 万人 KPI → 2,512万人."""
    if value is None:
        return "—"
    from geo.plan.kpi import parse_unit

    _, factor = parse_unit(kpi.unit_as_written)
    shown = Decimal(repr(float(value))) / factor
    text = f"{shown:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{kpi.unit_as_written}"
