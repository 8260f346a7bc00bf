"""Compression done once per response body and cache headers for assets."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register compression and caching (filled in by the performance work)."""
