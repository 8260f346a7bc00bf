"""``/print/<map>.png|.svg``: the static maps of :mod:`geo.render.printing` for reports and slides.

Register with ``app.register_blueprint(printing.bp)``. One :class:`Printer` per plan edition the
app serves (``/editions/<id>/print/…`` prints that edition, and every page names it), built on
first use (matplotlib is not imported by requests that never print); it memoizes every map.

Prints must never tie up the threads that serve pages (drawing one takes seconds; many clients
asking for different prints would otherwise leave ``/healthz`` waiting). So, in order:

1. a file made by ``hokkaido-map print DIR`` or ``export --with-print`` (``PRINT_DIR``, e.g.
   ``site/print``) is sent as it is, without any lock — for the default edition only: those
   commands print it, and a file names its edition;
2. a map already drawn by this process is sent from the printer's memo, without any lock;
3. otherwise it is drawn by one of ``PRINT_WORKERS`` drawing slots, with at most
   ``PRINT_QUEUE`` more requests waiting; past that the answer is at once
   ``503 Service Unavailable`` with ``Retry-After``, so at most ``PRINT_WORKERS + PRINT_QUEUE``
   of the server's threads are ever busy with prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, current_app, send_file
from werkzeug.security import safe_join

from geo.web.state import State, state

bp = Blueprint("printing", __name__, url_prefix="/print")
_lock = threading.Lock()
PRINT_WORKERS = 1  # matplotlib draws one map at a time per process anyway
PRINT_QUEUE = 2
RETRY_AFTER = 5  # s; a print takes 0.15–0.3 s, so the queue has drained by then


def _is_default(st: State) -> bool:
    """Whether ``st`` is of the edition the bare URLs serve (also mounted at /editions/<its id>)."""
    return st.edition == current_app.extensions["hokkaido_map"].edition


def get_printer():
    """The Printer of this request's edition (atlas + plan + edition of its state).

    The default edition's is ``extensions["printer"]``, the others' are in ``"edition_printers"``
    by id: a print names its edition, so two editions never share one."""
    from geo.render.printing import Printer

    st = state()
    ext = current_app.extensions
    if _is_default(st) or st.edition is None:
        printers, key = ext, "printer"
    else:
        printers, key = ext.setdefault("edition_printers", {}), st.edition.id
    if key not in printers:
        with _lock:
            if key not in printers:
                printers[key] = Printer(st.atlas, st.plan, st.coverage, kinds=st.kinds, edition=st.edition)
    return printers[key]


def _slots(app: Flask) -> threading.BoundedSemaphore:
    ext = app.extensions
    if "print_slots" not in ext:
        with _lock:
            if "print_slots" not in ext:
                workers = int(app.config.get("PRINT_WORKERS") or PRINT_WORKERS)
                queue = int(app.config.get("PRINT_QUEUE") or PRINT_QUEUE)
                ext["print_slots"] = threading.BoundedSemaphore(workers + queue)
    return ext["print_slots"]


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


def _stored_file(map_id: str, fmt: str) -> Path | None:
    folder = current_app.config.get("PRINT_DIR")
    if not folder or not _is_default(state()):
        return None
    joined = safe_join(str(folder), f"{map_id}.{fmt}")  # map_id is a known id; belt and braces
    return Path(joined) if joined and Path(joined).is_file() else None


@bp.get("/<map_id>.<fmt>")
def map_file(map_id: str, fmt: str) -> Response:
    from geo.render.printing import MEDIA_TYPES

    printer = get_printer()
    if fmt not in MEDIA_TYPES:
        abort(404)
    try:
        printer.spec(map_id)
    except KeyError:
        abort(404)
    disposition = _disposition(f"{map_id}.{fmt}")
    stored = _stored_file(map_id, fmt)
    if stored is not None:
        response = send_file(stored, mimetype=MEDIA_TYPES[fmt])
        response.headers["Content-Disposition"] = disposition
        return response
    data = printer.stored(map_id, fmt)
    if data is None:
        data = draw_in_slot(lambda: printer.render(map_id, fmt))  # type: ignore[arg-type]
        if isinstance(data, Response):
            return data
    response = Response(data, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = disposition
    return response


def memoized_print(key: tuple, name: str, fmt: str, draw: Callable[[str], bytes]) -> Response:
    """A print the app draws on request (the 推進管理 maps): from the app's bounded memo, or
    ``draw(fmt)`` in a drawing slot; 404 for an unknown format. ``key`` must be canonical.

    Kept per edition: the editions' states share one memo, and a print names its edition."""
    from geo.render.printing import MEDIA_TYPES

    if fmt not in MEDIA_TYPES:
        abort(404)
    s = state()
    stored = ("print", s.edition.id if s.edition else None, *key, fmt)
    body = s.maps.get(stored)
    if body is None:
        drawn = draw_in_slot(lambda: draw(fmt))
        if isinstance(drawn, Response):
            return drawn
        body = s.maps.put(stored, drawn)
    return Response(body, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"inline; filename={name}.{fmt}"})


def draw_in_slot(draw: Callable[[], bytes]) -> bytes | Response:
    """``draw()`` in one of the app's drawing slots, or at once a 503 with ``Retry-After`` when
    all slots and the queue are taken: every print route goes through here."""
    slots = _slots(current_app._get_current_object())  # type: ignore[attr-defined]
    if not slots.acquire(blocking=False):
        response = Response("地図の作成が混み合っています。しばらくしてからもう一度どうぞ。\n",
                            status=503, mimetype="text/plain")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response
    try:
        return draw()
    finally:
        slots.release()


def _disposition(filename: str) -> str:
    """``inline`` with the file name; a Japanese name (family-観光入込客数.png) goes in RFC 6266's
    ``filename*`` (header values are Latin-1), with an ASCII fallback for old clients."""
    if filename.isascii():
        return f'inline; filename="{filename}"'
    fallback = filename.encode("ascii", "ignore").decode("ascii") or "map"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
