"""``/print/<map>.png|.svg``: the static maps of :mod:`geo.render.printing` for reports and slides.

Register with ``app.register_blueprint(printing.bp)``. One :class:`Printer` per app, built on
first use (matplotlib is not imported by requests that never print); it memoizes every map.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app

from geo.web.state import state

bp = Blueprint("printing", __name__, url_prefix="/print")
_lock = threading.Lock()


def get_printer():
    """The app's Printer (atlas + plan of the app's state)."""
    from geo.render.printing import Printer

    ext = current_app.extensions
    if "printer" not in ext:
        with _lock:
            if "printer" not in ext:
                st = state()
                ext["printer"] = Printer(st.atlas, st.plan, st.coverage)
    return ext["printer"]


@bp.get("/")
def index() -> dict:
    """The printable maps, with their URLs."""
    printer = get_printer()
    return {
        "maps": [
            {"id": s.id, "title": s.title, "subtitle": s.subtitle,
             "png": f"/print/{s.id}.png", "svg": f"/print/{s.id}.svg"}
            for s in printer.specs()
        ]
    }


@bp.get("/<map_id>.<fmt>")
def map_file(map_id: str, fmt: str) -> Response:
    from geo.render.printing import MEDIA_TYPES

    if fmt not in MEDIA_TYPES:
        abort(404)
    try:
        data = get_printer().render(map_id, fmt)  # type: ignore[arg-type]
    except KeyError:
        abort(404)
    response = Response(data, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = _disposition(f"{map_id}.{fmt}")
    return response


def _disposition(filename: str) -> str:
    """``inline`` with the file name; a Japanese name (family-観光入込客数.png) goes in RFC 6266's
    ``filename*`` (header values are Latin-1), with an ASCII fallback for old clients."""
    if filename.isascii():
        return f'inline; filename="{filename}"'
    fallback = filename.encode("ascii", "ignore").decode("ascii") or "map"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
