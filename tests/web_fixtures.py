"""One app per test module for the web tests: loading the atlas and plan takes ~0.7 s."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app():
    from app import create_app
    from tests.conftest import boundaries_path

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})


def bench_load():
    """bench/load.py as a module: its ``Server`` runs `hokkaido-map serve` in a subprocess."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "load.py"
    spec = importlib.util.spec_from_file_location("bench_load", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules.setdefault("bench_load", module)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module
