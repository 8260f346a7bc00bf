"""Error responses shared by the blueprints: JSON under /api, the exception's headers kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from werkzeug.exceptions import HTTPException, default_exceptions


def passthrough_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The exception's own headers (a 405's ``Allow``) minus Content-Type: the body is ours."""
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def json_error(
    exc: HTTPException, annotate: Callable[[dict, int], dict] = lambda body, code: body
) -> tuple[dict, int, list[tuple[str, str]]]:
    """``{"error": …}``, passed through ``annotate`` (the callers give
    :func:`geo.web.editions.elsewhere_json`: a 404 of a project another edition has says where;
    a parameter, so that this module depends on no other of the web layer)."""
    code = exc.code or 500
    return annotate({"error": exc.description or exc.name}, code), code, passthrough_headers(exc)


def fail(code: int, message: str, page: str) -> NoReturn:
    """Abort with ``message`` for the JSON API and ``page``, the same said for people in the
    page's language, on the HTML error page (:mod:`geo.web.error_pages`)."""
    exc = default_exceptions[code](message)
    exc.page_message = page  # type: ignore[attr-defined]
    raise exc
