"""Security headers: Content-Security-Policy, frame rules, nosniff, referrer policy."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the header hooks (filled in by the hardening work)."""
