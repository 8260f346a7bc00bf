"""HTML pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from geo.sources import CREDIT
from geo.web.state import state

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    atlas = state().atlas
    per_sub = atlas.codes_by_subprefecture()
    return render_template("index.html", atlas=atlas, per_sub=per_sub, credit=CREDIT)


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Trivial endpoint: the benchmark's baseline."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
