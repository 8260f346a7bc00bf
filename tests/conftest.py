"""Shared fixtures: the real shared files, a fresh app per test (flaskr style)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from missing_tools import pytest_sessionfinish, pytest_terminal_summary, require_tool

__all__ = ["pytest_sessionfinish", "pytest_terminal_summary", "require_tool"]  # hooks: see missing_tools


def pytest_configure(config: pytest.Config) -> None:
    from tests.a11y_results import register

    register(config)  # the wcag marker and the results file of /accessibility (tests/a11y_results.py)


ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HOKKAIDO_MAP_SHARED", ROOT.parent / "shared"))
BOUNDARIES_DIR = SHARED / "boundaries"
DOCUMENT = SHARED / "source" / "000_9ff3f2c4b2a3626f.txt"
HOKKAIDO_GEOJSON = BOUNDARIES_DIR / "N03-21_01_210101.geojson"
HOKKAIDO_TOPOJSON = BOUNDARIES_DIR / "N03-21_01_210101.topojson"
NATIONAL_GEOJSON = BOUNDARIES_DIR / "N03-21_210101_s0001.geojson"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def boundaries_path() -> Path:
    return Path(os.environ.get("HOKKAIDO_MAP_BOUNDARIES") or HOKKAIDO_GEOJSON)


@pytest.fixture(scope="session")
def document_text() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def atlas():
    from geo.atlas.model import load_atlas

    return load_atlas(boundaries_path())


@pytest.fixture()
def app():
    from app import create_app

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
    yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright, one per session (two sync Playwrights collide)."""
    require_tool(str(CHROMIUM), "apt-get install chromium")  # CI fails on it: see missing_tools
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def print_slots_taken(app) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """Every print slot of ``app`` held (drawing + queue, as concurrent prints would), released on
    exit; yields how many there were."""
    from geo.web.printing import _slots

    slots = _slots(app)
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        yield taken
    finally:
        for _ in range(taken):
            slots.release()
