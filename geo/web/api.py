"""JSON API: every page has a JSON twin. Errors are ``{"error": ...}`` with 400 or 404."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/healthz", endpoint="healthz_api")
def healthz() -> dict:
    return {"ok": True}
