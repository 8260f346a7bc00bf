"""An embed inside an <iframe> on a page of another origin (another localhost port) draws its map."""

from __future__ import annotations

import html
import re
import threading
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser
MIN_PATHS = 179


def snippet_of(page, live_server: str, path: str) -> str:
    """The <iframe> HTML a web editor copies from a full page's 「この地図を使う」 box: as the
    browser shows it (the server writes a relative src, never one from the Host header; the page
    script makes it this page's own absolute address)."""
    body = urllib.request.urlopen(live_server + path, timeout=10).read().decode("utf-8")
    match = re.search(r'<textarea class="embed-code"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, f"no embed snippet on {path}"
    assert 'src="/embed/' in html.unescape(match.group(1))  # relative as served
    page.goto(live_server + path)
    box = page.locator("textarea.embed-code").first
    page.wait_for_function("b => /src=\"http/.test(b.value)", arg=box.element_handle(), timeout=10000)
    return box.input_value()


@pytest.fixture()
def host_page(page, live_server, tmp_path) -> Iterator[str]:
    """A long static article on its own port with the overview's embed snippet pasted in."""
    snippet = snippet_of(page, live_server, "/").replace("<iframe ", '<iframe id="map" ', 1)
    filler = "<p>" + "地域の取組を紹介します。" * 40 + "</p>"
    (tmp_path / "host.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>host</title><h1>某市の報告書</h1>'
        f"{filler}{snippet}{filler * 6}",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/host.html"
    server.shutdown()


def test_snippet_names_the_embed_with_a_title(page, live_server):
    snippet = snippet_of(page, live_server, "/town/01400")
    assert f'src="{live_server}/embed/town/01400"' in snippet
    assert 'title="虻田郡倶知安町に及ぶプロジェクト"' in snippet


def test_embed_draws_inside_iframe_of_another_origin(page, host_page, live_server):
    assert host_page.split("/")[2] != live_server.split("/")[2]  # another port: another origin
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(host_page)
    frame = page.frame_locator("#map")
    frame.locator("path.leaflet-interactive").nth(MIN_PATHS - 1).wait_for(state="attached", timeout=15000)
    assert frame.locator("path.leaflet-interactive").count() >= MIN_PATHS
    # The credit line travels with the map.
    from geo.atlas.sources import CREDIT

    assert CREDIT in frame.locator("body").inner_text()
    assert all(u.startswith("http://127.0.0.1:") for u in requests), requests


def test_wheel_over_embed_scrolls_the_host_page_not_the_map(page, host_page):
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(host_page)
    frame = page.frame_locator("#map")
    frame.locator("path.hm-area").nth(MIN_PATHS - 1).wait_for(state="attached", timeout=15000)
    page.locator("#map").scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # fitBounds animation
    box = page.locator("#map").bounding_box()
    zoom_before = frame.locator(".leaflet-proxy").get_attribute("style")
    scroll_before = page.evaluate("() => window.scrollY")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(600)
    # Leaflet.GestureHandling: the map says how to zoom (Ctrl+wheel) and keeps its zoom …
    assert frame.locator(".leaflet-gesture-handling-scroll-warning").count() == 1
    assert frame.locator(".leaflet-proxy").get_attribute("style") == zoom_before
    # … and the reader's page scrolled on.
    assert page.evaluate("() => window.scrollY") > scroll_before
