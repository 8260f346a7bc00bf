"""Skips for a missing tool are never silent: the summary names the tool, and CI fails on them.

A test that needs an outside program calls :func:`require_tool` (or uses :func:`missing`
in a ``skipif``). Every such skip has a reason starting with ``missing tool:``; at the end of
the run the summary lists them, and when ``CI`` or ``HOKKAIDO_MAP_REQUIRE_TOOLS`` is set (as
``.ci/run`` does) the run fails, because there the tool must have been installed.
"""

from __future__ import annotations

import os
import shutil

import pytest

PREFIX = "missing tool: "


def missing(tool: str, install: str) -> str | None:
    """The skip reason if ``tool`` is not on PATH (or not an existing path), else None."""
    found = os.path.exists(tool) if os.sep in tool else shutil.which(tool)
    return None if found else f"{PREFIX}{tool} ({install})"


def require_tool(tool: str, install: str) -> None:
    """Skip the calling test (with a reason the summary reports) when ``tool`` is missing."""
    reason = missing(tool, install)
    if reason:
        pytest.skip(reason)


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("HOKKAIDO_MAP_REQUIRE_TOOLS"))


def _missing_tools(terminalreporter) -> dict[str, int]:
    tools: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(PREFIX):
            tool = reason.removeprefix(PREFIX)
            tools[tool] = tools.get(tool, 0) + 1
    return tools


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    tools = _missing_tools(terminalreporter)
    if not tools:
        return
    terminalreporter.section("skipped for a missing tool", sep="=", red=True, bold=True)
    for tool, count in sorted(tools.items()):
        terminalreporter.line(f"{tool}: {count} test(s) skipped")
    if _required():
        terminalreporter.line("CI / HOKKAIDO_MAP_REQUIRE_TOOLS is set: these tools must be installed; "
                              "the run fails.", red=True)


def pytest_sessionfinish(session, exitstatus) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _required() and _missing_tools(reporter) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
