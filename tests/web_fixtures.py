"""One app per test module for the web tests: loading the atlas and plan takes ~0.7 s."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app():
    from app import create_app
    from tests.conftest import boundaries_path

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
