"""Plan editions (版) on the web: every edition under ``/editions/<id>/``, the list, the switcher.

- :class:`EditionMounts` is WSGI middleware in front of Flask: a request for
  ``/editions/<known id>/rest`` is served as ``/rest`` with ``/editions/<id>`` added to
  ``SCRIPT_NAME`` and the id in the environ, so :func:`~geo.web.state.state` answers that
  edition's State, every blueprint serves it unchanged and ``url_for`` writes links under the
  mount. A published link to an edition keeps working when a newer one becomes the default.
- ``/editions/`` and ``/api/editions`` list the editions; ``/editions/<unknown>/…`` is a 404 that
  names the known ids.
- :class:`EditionJSON` adds ``"edition"`` (id, title, period, ended) to every JSON object the
  app answers, whichever view wrote it: one place, so no answer can forget it.
- :func:`edition_url` links the same page in another edition (the switcher on every page, the
  "replaced by" link); :func:`site_url` a page of the site's root from inside a mount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.ctx import RequestContext
from flask.json.provider import DefaultJSONProvider

from geo.plan.edition import EDITIONS_DIR, Edition, period_label
from geo.web.errors import fail
from geo.web.state import EDITION_ENVIRON, SITE_ROOT_ENVIRON, State, edition_states, state

bp = Blueprint("editions", __name__)

_PREFIX = f"/{EDITIONS_DIR}/"
# View arguments that name something every edition has (a town, an area): switching edition
# keeps the page. Any other (a project, a KPI) may not exist in the other edition: its top page.
SHARED_SUBJECTS = frozenset({"code", "rid", "key"})
SHARED_ENDPOINTS = frozenset({"pages.index", "pages.town", "pages.overlap", "pages.kpi_index",
                              "areas.region", "areas.subprefecture", "progress.index"})
PROJECT_ENDPOINTS = frozenset({"pages.project", "api.project"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class EditionMounts:
    """Serve ``/editions/<id>/…`` of the known edition ids as the app mounted there."""

    def __init__(self, app: WsgiApp, ids: Iterable[str]) -> None:
        self.app = app
        self.ids = frozenset(ids)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(_PREFIX):
            edition, slash, rest = path[len(_PREFIX):].partition("/")
            if slash and edition in self.ids:  # "/editions/h28" (no slash) is redirected by a view
                script = environ.get("SCRIPT_NAME", "")
                environ[SITE_ROOT_ENVIRON] = script
                environ[EDITION_ENVIRON] = edition
                environ["SCRIPT_NAME"] = f"{script}{_PREFIX}{edition}"
                environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


def edition_request_context(app: Flask, edition_id: str | None) -> RequestContext:
    """A request context under ``/editions/<id>/`` as :class:`EditionMounts` makes one (for
    code that builds URLs outside a request: the export); ``None``: the bare URLs."""
    if edition_id is None:
        return app.test_request_context("/")
    return app.test_request_context("/", base_url=f"http://localhost{_PREFIX}{edition_id}/",
                                    environ_overrides={EDITION_ENVIRON: edition_id, SITE_ROOT_ENVIRON: ""})


# --- links across editions ---------------------------------------------------------------------


def _site_root() -> str:
    """The SCRIPT_NAME of the site (without this request's edition mount)."""
    return request.environ.get(SITE_ROOT_ENVIRON, request.script_root)


def _path_of(url: str) -> str:
    """``url`` (from ``url_for``) without this request's script root."""
    root = request.script_root
    return url[len(root):] if root and url.startswith(root) else url


def site_url(endpoint: str, **values: Any) -> str:
    """``url_for`` at the site's root: the same from every edition's pages (``/editions/``)."""
    return _site_root() + _path_of(url_for(endpoint, **values))


def _mount_of(s: State, edition_id: str) -> str:
    return "" if edition_id == s.default_edition else f"{_PREFIX}{edition_id}"


def edition_url(edition_id: str, endpoint: str | None = None, **values: Any) -> str:
    """The page ``endpoint`` (default: the top page) of edition ``edition_id``: at the bare URLs
    for the default edition, else under ``/editions/<id>/``."""
    path = _path_of(url_for(endpoint or "pages.index", **values))
    return _site_root() + _mount_of(state(), edition_id) + path


def same_page_in(edition_id: str) -> str:
    """This page in edition ``edition_id`` when every edition has it, else that edition's top."""
    endpoint, args = request.endpoint, request.view_args or {}
    if endpoint in SHARED_ENDPOINTS and set(args) <= SHARED_SUBJECTS:
        return edition_url(edition_id, endpoint, **args)
    return edition_url(edition_id)


def elsewhere() -> list[tuple[Edition, str]]:
    """For a 404 of a project's page: the other editions that have that project, and its page
    there (an old link to a project the newest edition dropped)."""
    pid = (request.view_args or {}).get("pid") if request.endpoint in PROJECT_ENDPOINTS else None
    if not isinstance(pid, str):
        return []
    here, found = state(), []
    for other in reversed(list(edition_states().values())):
        if other.edition is None or other.edition == here.edition:
            continue
        try:
            canonical = other.plan.project(pid).id
        except KeyError:
            continue
        found.append((other.edition, edition_url(other.edition.id, request.endpoint, pid=canonical)))
    return found


def elsewhere_json(body: dict[str, Any], status: int) -> dict[str, Any]:
    """A JSON 404 ``body`` with the editions that have the project (``elsewhere``), if any."""
    others = elsewhere() if status == 404 else []
    if others:
        body = {**body, "elsewhere": [{"edition": e.id, "title": e.title, "url": url} for e, url in others]}
    return body


# --- the list --------------------------------------------------------------------------------


def edition_json(s: State, edition: Edition, today: dt.date) -> dict[str, Any]:
    """What a JSON answer says about an edition: id, title, period, whether it is over."""
    p = edition.period
    return {
        "id": edition.id,
        "title": edition.title,
        "period": {"from": p.start, "to": p.end, "approximate": p.approximate,
                   "label": period_label(edition)},
        "ended": edition.ended(today),
        "default": edition.id == s.default_edition,
        "adopted": edition.adopted.date,
        "source": edition.source,
    }


def editions_data(today: dt.date) -> dict[str, Any]:
    """The JSON twin of ``/editions/``: every edition, newest first, with its address."""
    s = state()
    states = list(edition_states().values())[::-1]
    return {
        "default": s.default_edition,
        "editions": [{**edition_json(s, x.edition, today), "url": edition_url(x.edition.id),
                      "api": edition_url(x.edition.id, "api.overview"),
                      "projects": len(x.plan.projects)}
                     for x in states if x.edition is not None],
    }


class EditionJSON(DefaultJSONProvider):
    """Flask's JSON, plus the request's edition in every object answered (``app.json``)."""

    ensure_ascii = False

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        if isinstance(obj, dict) and "edition" not in obj and has_request_context():
            s = state()
            if s.edition is not None:
                obj = {**obj, "edition": edition_json(s, s.edition, dt.date.today())}
        return super().response(obj)


@bp.get(_PREFIX)
def index() -> str:
    today = dt.date.today()
    data = editions_data(today)
    pairs = list(zip(data["editions"][1:], data["editions"][:-1], strict=False))  # (older, newer)
    return render_template("editions.html", data=data, pairs=pairs, json_url=site_url("editions.api_index"))


@bp.get("/api/editions")
def api_index() -> dict[str, Any]:
    return editions_data(dt.date.today())


@bp.get(f"{_PREFIX}<edition>")
def edition_root(edition: str) -> Response:
    """``/editions/h28`` → ``/editions/h28/``; an unknown id is a 404 naming the known ones."""
    _known_or_404(edition)
    return redirect(f"{_site_root()}{_PREFIX}{edition}/", 308)  # type: ignore[return-value]


@bp.get(f"{_PREFIX}<edition>/", endpoint="unknown")
@bp.get(f"{_PREFIX}<edition>/<path:rest>", endpoint="unknown")
def unknown(edition: str, rest: str = "") -> Response:
    """Only reached for an id :class:`EditionMounts` did not mount (or one mount inside another)."""
    _known_or_404(edition)
    abort(404)


def _known_or_404(edition: str) -> None:
    if EDITION_ENVIRON in request.environ:
        abort(404)  # /editions/<id>/editions/…: an edition has no editions of its own
    if edition not in edition_states():
        known = "、".join(edition_states())
        fail(404, f"no edition {edition!r} (known: {known})", f"版「{edition}」はありません。版：{known}。")
