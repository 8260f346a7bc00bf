"""The API's OpenAPI description, as written (YAML) and as JSON: ``/api/openapi.{yaml,json}``.

The YAML file next to this module is the source; the fuzz tests (schemathesis) drive the API from
it, so a route that answers outside its description fails CI.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response

SPEC = Path(__file__).with_name("openapi.yaml")

bp = Blueprint("docs", __name__, url_prefix="/api")


@cache
def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(spec_text())


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    return Response(spec_text(), mimetype="application/yaml")


@bp.get("/openapi.json")
def openapi_json() -> dict[str, Any]:
    return spec()
