"""Error responses shared by the blueprints: JSON under /api, the exception's headers kept."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException


def passthrough_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The exception's own headers (a 405's ``Allow``) minus Content-Type: the body is ours."""
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def json_error(exc: HTTPException) -> tuple[dict, int, list[tuple[str, str]]]:
    """``{"error": …}``; a 404 of a project another edition has also says where (``elsewhere``)."""
    from geo.web.editions import elsewhere_json

    code = exc.code or 500
    return elsewhere_json({"error": exc.description or exc.name}, code), code, passthrough_headers(exc)
