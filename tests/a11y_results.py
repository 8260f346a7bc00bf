"""pytest plugin: what the accessibility tests checked, written for /accessibility's 試験結果表.

A test says which success criteria of JIS X 8341-3:2016 (WCAG 2.0) it covers with
``@pytest.mark.wcag("2.1.1", "2.4.3")``. An axe-core audit is marked ``@pytest.mark.wcag(axe=True)``
and hands axe's results to :func:`record_axe`: its criteria are then those of axe's own tags
(``wcag111`` → 1.1.1) on the rules that applied to the page, a violated rule failing its
criteria, so no hand-kept rule → criterion table can drift from axe's.

At the end of a session that ran any marked test, the results file is written (whole, atomically)
to ``HOKKAIDO_MAP_A11Y_RESULTS`` or ``build/a11y-results.json``: the app reads it at runtime. A
run of a few files writes only what it checked; the rest of the page then says 未試験, honestly.

Tests marked ``a11y_report`` run last (they check the page against what the run recorded).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from geo.atomic import write_atomic
from geo.render.accessibility import RESULTS_FORMAT, criterion_of_tag

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "build" / "a11y-results.json"


def results_file() -> Path:
    return Path(os.environ.get("HOKKAIDO_MAP_A11Y_RESULTS") or DEFAULT_FILE)


class Recorder:
    """The records of one session: test id → record (outcome, criteria, axe's details)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.axe_version: str | None = None
        self.current: pytest.Item | None = None

    # --- what a test reports --------------------------------------------------------------

    def record_axe(self, result: dict[str, Any]) -> None:
        if self.current is None:
            return
        self.axe_version = (result.get("testEngine") or {}).get("version") or self.axe_version
        record = self.records.setdefault(self.current.nodeid, self._new(self.current))
        rules: dict[str, set[str]] = {}
        failed: set[str] = set()
        for kind in ("passes", "violations"):  # "inapplicable" checked nothing; "incomplete" is a doubt
            for rule in result.get(kind, []):
                for cid in filter(None, map(criterion_of_tag, rule.get("tags", []))):
                    rules.setdefault(cid, set()).add(rule["id"])
                    if kind == "violations":
                        failed.add(cid)
        for cid in rules:
            was = record["axe_criteria"].get(cid)
            record["axe_criteria"][cid] = "failed" if cid in failed or was == "failed" else "passed"
        for cid, ids in rules.items():
            record["rules"][cid] = sorted(set(record["rules"].get(cid, [])) | ids)

    # --- pytest's side ----------------------------------------------------------------------

    @staticmethod
    def _marked(item: pytest.Item) -> tuple[list[str], bool] | None:
        marks = list(item.iter_markers("wcag"))
        if not marks:
            return None
        return [c for m in marks for c in m.args], any(m.kwargs.get("axe") for m in marks)

    def _new(self, item: pytest.Item) -> dict[str, Any]:
        params = getattr(getattr(item, "callspec", None), "params", {})
        url = params.get("url") if isinstance(params.get("url"), str) else None
        return {"id": item.nodeid, "outcome": "passed", "declared": [], "axe": False, "axe_criteria": {},
                "rules": {}, "url": url, "width": params.get("width")}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
        marked = self._marked(item)
        if marked is not None:
            record = self.records.setdefault(item.nodeid, self._new(item))
            record["declared"], record["axe"] = marked
        self.current = item if marked is not None else None
        yield
        self.current = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        # A failure in any phase fails the test (the page fixture's guard fails in teardown).
        if report.failed:
            record["outcome"] = "failed"
        elif report.skipped and record["outcome"] != "failed":
            record["outcome"] = "skipped"

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: item.get_closest_marker("a11y_report") is not None)  # stable

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if any(r["outcome"] != "skipped" for r in self.records.values()):
            write_atomic(results_file(), json.dumps(self.results(), ensure_ascii=False, indent=1) + "\n")

    # --- the file -----------------------------------------------------------------------------

    def results(self) -> dict[str, Any]:
        """The results document of what ran so far (the format :mod:`geo.render.accessibility` reads)."""
        commit, dirty = _commit()
        return {"format": RESULTS_FORMAT, "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "commit": commit, "dirty": dirty, "axe": self.axe_version,
                "tests": [_test(r) for r in self.records.values()]}


def _test(record: dict[str, Any]) -> dict[str, Any]:
    outcome = record["outcome"]
    own = "failed" if outcome == "failed" else "passed"
    criteria = {cid: own for cid in record["declared"]}
    for cid, axe_outcome in record["axe_criteria"].items():
        # axe's verdict per criterion; a test that failed otherwise (a console error, a page that
        # did not load) fails every criterion it covered: nothing it covered is known to hold.
        criteria[cid] = "failed" if "failed" in (axe_outcome, own, criteria.get(cid)) else "passed"
    if outcome == "skipped":
        criteria = {}
    out = {"id": record["id"], "outcome": outcome, "criteria": dict(sorted(criteria.items()))}
    if record["axe"]:
        out.update(url=record["url"], width=record["width"], rules=record["rules"])
    return out


def _commit() -> tuple[str | None, bool | None]:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None  # not a git checkout (an sdist): the file just has no commit
    return head or None, bool(status.strip())


RECORDER = Recorder()


def record_axe(result: dict[str, Any]) -> None:
    """Hand axe.run()'s result to the run's records (called by an audit marked wcag(axe=True))."""
    RECORDER.record_axe(result)


def register(config: pytest.Config) -> None:
    """Install the plugin and its markers (called from tests/conftest.py's pytest_configure)."""
    config.addinivalue_line("markers", "wcag(*criteria, axe=False): the JIS X 8341-3 / WCAG 2.0 success "
                            "criteria a test covers (axe=True: those of axe-core's tags on its results)")
    config.addinivalue_line("markers",
                            "a11y_report: checks /accessibility against this run's records; runs last")
    if not config.pluginmanager.has_plugin("a11y_results"):
        config.pluginmanager.register(RECORDER, "a11y_results")
