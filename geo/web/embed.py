"""``/embed/...``: map, legend, credit and a link back; nothing else."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed")
