"""An embed inside an <iframe> on a page of another origin (another localhost port) draws its map."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser
MIN_PATHS = 179


@pytest.fixture()
def host_page(live_server, tmp_path) -> Iterator[str]:
    """A static page on its own port that embeds the app's /embed/ in an iframe."""
    (tmp_path / "host.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>host</title><h1>某市の報告書</h1>'
        f'<iframe id="map" src="{live_server}/embed/" width="800" height="600" '
        'title="北海道 地域政策マップ"></iframe>',
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/host.html"
    server.shutdown()


def test_embed_draws_inside_iframe_of_another_origin(page, host_page, live_server):
    assert host_page.split("/")[2] != live_server.split("/")[2]  # another port: another origin
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(host_page)
    frame = page.frame_locator("#map")
    frame.locator("path.leaflet-interactive").nth(MIN_PATHS - 1).wait_for(state="attached", timeout=15000)
    assert frame.locator("path.leaflet-interactive").count() >= MIN_PATHS
    # The credit line travels with the map.
    from geo.sources import CREDIT

    assert CREDIT in frame.locator("body").inner_text()
    assert all(u.startswith("http://127.0.0.1:") for u in requests), requests
