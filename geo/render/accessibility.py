"""The accessibility report (/accessibility): ウェブアクセシビリティ方針 and 試験結果表.

Two inputs, kept apart on purpose:

- ``data/accessibility/criteria.yaml`` (hand-written, validated here): the policy, the 38
  success criteria of JIS X 8341-3:2016 (WCAG 2.0) levels A and AA, and what people checked by
  hand (``manual:``), with who and when.
- the results file the test suite writes (``tests/a11y_results.py``): per test, its outcome and
  the criteria it covers (axe-core's own ``wcag…`` tags, or a test's ``@pytest.mark.wcag``).

A criterion's result is the worst of what covers it (不適合 > 未試験 > 適合); one nothing covers,
or whose only cover is a results file that is missing, is 未試験: the page never claims a
result no test or person produced.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from geo.errors import Problems
from geo.plan.model import DEFAULT_DATA_DIR
from geo.yamlfile import Name, Sentence, load_validated

CRITERIA_FILE = Path(DEFAULT_DATA_DIR) / "accessibility" / "criteria.yaml"
RESULTS_FORMAT = "hokkaido-map/a11y-results/1"
MAX_RESULTS_BYTES = 8 * 1024 * 1024  # one run writes ~100 KB

PASS, FAIL, UNTESTED = "適合", "不適合", "未試験"
_WORST = {FAIL: 0, UNTESTED: 1, PASS: 2}
_OUTCOME = {"passed": PASS, "failed": FAIL}

CriterionId = Annotated[str, StringConstraints(pattern=r"^[1-4]\.[1-9]\.[1-9][0-9]?$")]
_TAG = re.compile(r"^wcag([1-4])([1-9])([1-9][0-9]?)$")


def criterion_of_tag(tag: str) -> str | None:
    """``wcag111`` → ``1.1.1``, ``wcag1410`` → ``1.4.10``; None for other tags (``wcag2aa``…).
    axe-core names a criterion by its digits: principle, guideline (one digit each), then the rest."""
    m = _TAG.match(tag)
    return ".".join(m.groups()) if m else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Policy(_Strict):
    standard: Name
    target: Literal["A", "AA", "AAA"]
    scope: Sentence
    statement: Sentence
    exceptions: Sentence | None = None
    contact: Sentence | None = None


class ManualChecks(_Strict):
    date: dt.date
    by: Name


class Criterion(_Strict):
    id: CriterionId
    name: Name
    level: Literal["A", "AA"]
    applies: bool = True
    note: Sentence | None = None
    manual: Literal["適合", "不適合"] | None = None  # only what a person did check

    @model_validator(mode="after")
    def _not_applicable_says_why(self) -> Criterion:
        if not self.applies and not self.note:
            raise ValueError("applies: false needs a note: saying why (which content is absent)")
        return self


class ReportData(_Strict):
    policy: Policy
    manual_checks: ManualChecks
    criteria: list[Criterion] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _ids_unique_and_in_order(self) -> ReportData:
        keys = [tuple(int(p) for p in c.id.split(".")) for c in self.criteria]
        if len(set(keys)) != len(keys):
            raise ValueError("a criterion id is listed twice")
        if keys != sorted(keys):
            raise ValueError("criteria must be listed in the standard's order (1.1.1, 1.2.1, …)")
        return self


def load_report_data(path: str | Path = CRITERIA_FILE) -> ReportData:
    """The validated criteria file; every problem raised at once as ``file:line`` errors."""
    problems = Problems()
    _, data = load_validated(Path(path), ReportData, problems)
    problems.raise_any()
    return data


# --- the results file ----------------------------------------------------------------------


class TestRecord(BaseModel):
    """One test of a run: its outcome and each criterion it checked with that criterion's outcome."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    outcome: Literal["passed", "failed", "skipped"]
    criteria: dict[str, Literal["passed", "failed"]] = {}
    url: str | None = None


class Results(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    format: Literal["hokkaido-map/a11y-results/1"]
    finished: dt.datetime
    commit: str | None = None
    dirty: bool | None = None
    axe: str | None = None  # axe-core's version
    tests: list[TestRecord]


def load_results(path: str | Path | None) -> tuple[Results | None, str | None]:
    """The results file, or (None, why) when there is none or it cannot be read: the page then
    says 未試験 for every automated check and shows why."""
    if not path:
        return None, "結果ファイルが設定されていません"
    path = Path(path)
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            return None, f"結果ファイル {path.name} が大きすぎます"
        return Results.model_validate(json.loads(path.read_text(encoding="utf-8"))), None
    except FileNotFoundError:
        return None, "自動試験の結果ファイルがありません（テストが実行されていません）"
    except (OSError, ValueError, ValidationError) as exc:  # ValidationError is a ValueError too
        return None, f"結果ファイル {path.name} を読めません：{str(exc).splitlines()[0]}"


def criterion_outcomes(results: Results | None) -> dict[str, tuple[str, list[TestRecord]]]:
    """Per criterion: 適合 when every test that checked it passed it, 不適合 when one failed it;
    with the tests that checked it. Skipped tests checked nothing."""
    out: dict[str, tuple[str, list[TestRecord]]] = {}
    for test in results.tests if results else ():
        if test.outcome == "skipped":
            continue
        for cid, outcome in test.criteria.items():
            was, tests = out.get(cid, (PASS, []))
            out[cid] = (worst(was, _OUTCOME[outcome]), [*tests, test])
    return out


def worst(*results: str) -> str:
    return min(results, key=_WORST.__getitem__)


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    criterion: Criterion
    result: str
    automated: str | None  # the tests' result, None when no test covered it
    tests: list[TestRecord] = field(default_factory=list)
    manual: str | None = None

    @property
    def axe_rules(self) -> list[str]:
        """The axe-core rules that checked this criterion (from the tests' records)."""
        extras = [(t.model_extra or {}).get("rules", {}) for t in self.tests]
        return sorted({r for rules in extras for r in rules.get(self.criterion.id, [])})

    @property
    def test_files(self) -> list[str]:
        return sorted({t.id.split("::")[0].rsplit("/", 1)[-1] for t in self.tests})


def report_rows(data: ReportData, results: Results | None) -> list[Row]:
    """One row per criterion of ``data``: the worst of its automated and its manual result."""
    outcomes = criterion_outcomes(results)
    rows = []
    for c in data.criteria:
        automated, tests = outcomes.get(c.id, (None, []))
        found = [r for r in (automated, c.manual) if r is not None]
        rows.append(Row(c, worst(*found) if found else UNTESTED, automated, tests, c.manual))
    return rows


def tested_pages(results: Results | None) -> list[str]:
    """The URLs the run audited (axe-core), in the order first seen."""
    return list(dict.fromkeys(t.url for t in results.tests if t.url)) if results else []


def summary_counts(rows: list[Row]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, UNTESTED: 0}
    for row in rows:
        counts[row.result] += 1
    return counts


def results_path(config: Any, root: Path) -> Path | None:
    """Where the app reads the run's results: ``A11Y_RESULTS`` (env HOKKAIDO_MAP_A11Y_RESULTS),
    else ``build/a11y-results.json`` beside the app (a build output: ``build/`` is not committed)."""
    value = config.get("A11Y_RESULTS")
    if value is None:
        return root / "build" / "a11y-results.json"
    return Path(value) if value else None

