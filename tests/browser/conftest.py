"""Real-browser fixtures: the app on a real server in a thread, Debian's Chromium via Playwright.

Every request the page makes that is not to 127.0.0.1 is aborted and fails the test: no CDN,
no font service, nothing leaves the app's origin.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest


@contextmanager
def serving(**config: str) -> Iterator[str]:
    """The app (real boundaries, ``config`` on top) on a real HTTP server in a thread; its URL."""
    from werkzeug.serving import make_server

    from app import create_app
    from tests.conftest import boundaries_path

    app = create_app({"BOUNDARIES": str(boundaries_path()), **config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    with serving() as url:
        yield url


class PageGuard:
    """What a page did that it must not: requests off 127.0.0.1, console errors, page errors."""

    def __init__(self) -> None:
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def check(self) -> None:
        assert not self.foreign, f"requests that left the app's origin: {self.foreign}"
        assert not self.errors, f"console/page errors: {self.errors}"


@pytest.fixture()
def guard() -> PageGuard:
    return PageGuard()


@pytest.fixture()
def page(browser, guard: PageGuard) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    pg = context.new_page()

    def route(r) -> None:  # type: ignore[no-untyped-def]
        host = urlsplit(r.request.url).hostname
        if host == "127.0.0.1" or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            guard.foreign.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda msg: guard.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    yield pg
    context.close()
    guard.check()  # fails the test on any foreign request or console error


def wait_for_map(pg) -> None:  # type: ignore[no-untyped-def]
    """Every layer built, and two frames drawn after it: the first fit is not animated, but the
    box may still settle as the rest of the page is laid out (the runtime refits it then)."""
    # A selector, not wait_for_function: the CSP (no 'unsafe-eval') forbids Playwright's eval.
    pg.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=15000)
    pg.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


# The static export under a sub-path of a static host (issue 21: https://example.org/maps/hokkaido/).
SUB_PATH = "maps/hokkaido"


@pytest.fixture(scope="session")
def exported(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One static export for the session (no prints), in SUB_PATH of a folder: the folder a
    static host serves. Read only: a test that changes an export makes its own."""
    from app import create_app
    from geo.export import export_site
    from tests.conftest import boundaries_path

    app = create_app({"BOUNDARIES": str(boundaries_path())})
    root = tmp_path_factory.mktemp("static")
    export_site(app, root / SUB_PATH, progress=False)
    return root

