"""Library assets (Leaflet, d3 v3, jQuery …) served from installed packages, never a CDN."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assets", __name__)
