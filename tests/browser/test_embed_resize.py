"""Self-sizing embeds (issue 22): a host page of another origin with two of our embeds and
/embed.js ends with each iframe as tall as its content, at 360 and 1280 px; without the script
each keeps the snippet's fixed height; a message from another frame, or a bogus height, changes
nothing. The static export carries embed.js, frame.js and the oEmbed discovery files, and works
from a static host and file:// with no failed request."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.conftest import SUB_PATH

pytestmark = pytest.mark.browser

FIXED = 480  # the snippet's height (templating.embed_snippet)
EMBEDS = ("embed/", "embed/town/01400")
TOLERANCE = 3


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def _snippet(site: str, path: str, title: str, script: bool) -> str:
    tag = f'<script src="{site}embed.js" async></script>' if script else ""
    return (f'<iframe src="{site}{path}" title="{title}" width="100%" height="{FIXED}" style="border:0" '
            f'loading="lazy" data-hokkaido-map></iframe>\n{tag}')


def write_host_pages(folder: Path, site: str, paths: tuple[str, ...] = EMBEDS) -> None:
    """host.html: the embeds and the script, then a frame of the host's own origin that claims
    to be one of ours; plain.html: the same embeds without the script."""
    frames = "".join(f"<h2>地図 {i}</h2>" + _snippet(site, p, f"地図 {i}", False)
                     for i, p in enumerate(paths))
    head = ('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title>'
            '<h1>某市の報告書</h1>')
    (folder / "host.html").write_text(
        head + frames + f'<script src="{site}embed.js" async></script>'
        '<iframe id="liar" src="liar.html" data-hokkaido-map height="100"></iframe>', encoding="utf-8")
    (folder / "plain.html").write_text(head + frames, encoding="utf-8")
    # Another origin's frame, marked as ours, posting what an embed posts: never obeyed.
    (folder / "liar.html").write_text(
        '<!doctype html><script>setInterval(function () {'
        'parent.postMessage({"hokkaido-map": {"height": 1234}}, "*");'
        'parent.postMessage({"hokkaido-map": {"height": 1234}}, "*");}, 50);</script>', encoding="utf-8")


@pytest.fixture(scope="module")
def host(live_server, tmp_path_factory) -> Iterator[str]:
    """Host pages on another port (another origin) embedding the live app."""
    folder = tmp_path_factory.mktemp("host")
    write_host_pages(folder, live_server + "/")
    server, url = _serve(folder)
    yield url
    server.shutdown()


class Watch:
    """Failed requests (network error or HTTP ≥ 400) and console errors of a page and its frames."""

    def __init__(self, pg) -> None:  # type: ignore[no-untyped-def]
        self.failed: list[str] = []
        pg.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        pg.on("response", lambda r: self.failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
        pg.on("console", lambda m: self.failed.append(f"console: {m.text}") if m.type == "error" else None)
        pg.on("pageerror", lambda e: self.failed.append(f"pageerror: {e}"))


@pytest.fixture(params=[360, 1280], ids=lambda w: f"{w}px")
def viewer(browser, request) -> Iterator[tuple[object, Watch]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": request.param, "height": 800}, locale="ja-JP")
    pg = context.new_page()
    watch = Watch(pg)
    yield pg, watch
    context.close()


def _frames(pg) -> list[tuple[object, object]]:  # type: ignore[no-untyped-def]
    """(iframe element, its frame) of each of our embeds, once its map is drawn."""
    out = []
    for handle in pg.query_selector_all("iframe[data-hokkaido-map]:not(#liar)"):
        handle.scroll_into_view_if_needed()
        frame = handle.content_frame()
        assert frame is not None
        frame.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=15000)
        out.append((handle, frame))
    return out


def _heights(handle, frame) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    outer = handle.bounding_box()["height"]
    inner = frame.evaluate("() => document.documentElement.getBoundingClientRect().height")
    return outer, inner


def _settled(pg, frames) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """The (iframe, content) heights once they have matched and held for a few frames."""
    deadline = time.monotonic() + 10
    last = None
    while time.monotonic() < deadline:
        now = [_heights(h, f) for h, f in frames]
        if now == last and all(abs(a - b) <= TOLERANCE for a, b in now):
            return now
        last = now
        pg.wait_for_timeout(250)
    return last or []


def test_each_iframe_ends_as_tall_as_its_content(viewer, host) -> None:
    pg, watch = viewer
    pg.goto(host + "host.html")
    frames = _frames(pg)
    assert len(frames) == 2
    for _handle, frame in frames:
        frame.wait_for_selector("html.hm-autosize", state="attached", timeout=10000)
    heights = _settled(pg, frames)
    for (outer, inner), path in zip(heights, EMBEDS, strict=True):
        assert abs(outer - inner) <= TOLERANCE, (path, outer, inner)
        assert outer != FIXED, path
    # The frame of the host's own origin, marked as ours, was not obeyed.
    assert pg.locator("#liar").bounding_box()["height"] < 200
    # Bogus heights from the right frame, and any height from the host window itself: ignored.
    handle, frame = frames[1]
    before = handle.bounding_box()["height"]
    for bogus in ("1e9", "-5", "12.5", "'500px'", "null", "[500]", "new Number(500)", "99", "8001"):
        frame.evaluate(f"() => parent.postMessage({{'hokkaido-map': {{height: {bogus}}}}}, '*')")
    pg.evaluate("() => window.postMessage({'hokkaido-map': {height: 777}}, '*')")
    pg.wait_for_timeout(400)
    assert handle.bounding_box()["height"] == before
    assert not watch.failed, watch.failed


def test_without_the_script_each_iframe_keeps_its_fixed_height(viewer, host) -> None:
    pg, watch = viewer
    pg.goto(host + "plain.html")
    frames = _frames(pg)
    pg.wait_for_timeout(500)
    for handle, frame in frames:
        assert handle.bounding_box()["height"] == FIXED
        # The embed fills its box as before: the map takes what legend and foot leave.
        assert frame.query_selector("html.hm-autosize") is None
        outer, inner = _heights(handle, frame)
        assert abs(outer - inner) <= TOLERANCE
    assert not watch.failed, watch.failed


def test_the_resize_follows_the_content_when_the_table_opens(browser, host) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    try:
        pg.goto(host + "host.html")
        frames = _frames(pg)
        _settled(pg, frames)
        handle, frame = frames[1]
        before = handle.bounding_box()["height"]
        frame.locator("details.data-table summary").first.click()
        pg.wait_for_timeout(300)
        (outer, inner), = _settled(pg, [frames[1]])
        assert outer > before + 50 and abs(outer - inner) <= TOLERANCE
    finally:
        context.close()


# --- the static export ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_host(exported: Path) -> Iterator[str]:
    server, url = _serve(exported)
    yield url + SUB_PATH + "/"
    server.shutdown()


def test_the_export_has_embed_js_frame_js_and_a_discovery_file_per_map(exported) -> None:
    out = exported / SUB_PATH
    assert b"hokkaido-map" in (out / "embed.js").read_bytes()
    assert list((out / "assets" / "bundle").glob("frame*.js"))
    from app import create_app
    from tests.conftest import boundaries_path

    app = create_app({"BOUNDARIES": str(boundaries_path())})
    from flask import url_for

    from geo.web.state import state

    with app.test_request_context("/"):
        s = state()
        for kind in s.kinds:
            for subject in kind.subjects(s):
                path = unquote(url_for("oembed.oembed_file", kind=kind.name, subject=subject)).lstrip("/")
                body = json.loads((out / path).read_text(encoding="utf-8"))
                assert body["type"] == "rich" and body["version"] == "1.0", path


@pytest.mark.parametrize("how", ["file", "static-host"])
def test_exported_pages_discover_their_oembed_file_without_a_failed_request(browser, exported, static_host,
                                                                           how: str) -> None:
    base = (exported / SUB_PATH).as_uri() + "/" if how == "file" else static_host
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    watch = Watch(pg)
    try:
        for page in ("town/01400.html", "index.html", "embed/town/01400.html"):
            pg.goto(base + page)
            href = pg.get_attribute("link[type='application/json+oembed']", "href")
            assert href and "?" not in href
            target = pg.evaluate("(h) => new URL(h, document.baseURI).href", href)
            assert target.startswith(base)
            local = exported / SUB_PATH / unquote(urlsplit(target).path.split(SUB_PATH + "/", 1)[1])
            assert json.loads(local.read_text(encoding="utf-8"))["type"] == "rich"
            if how == "static-host":
                assert pg.request.get(target).ok
        pg.goto(base + "town/01400.html")
        snippet = pg.locator("textarea.embed-code").first.input_value()
        assert f'src="{base}embed/town/01400.html"' in snippet
        assert f'src="{base}embed.js"' in snippet
    finally:
        context.close()
    assert not watch.failed, watch.failed


def test_embeds_of_the_static_host_resize_on_another_origin(browser, static_host, tmp_path) -> None:
    write_host_pages(tmp_path, static_host, ("embed/index.html", "embed/town/01400.html"))
    server, url = _serve(tmp_path)
    context = browser.new_context(viewport={"width": 360, "height": 800})
    pg = context.new_page()
    watch = Watch(pg)
    try:
        pg.goto(url + "host.html")
        frames = _frames(pg)
        for (outer, inner) in _settled(pg, frames):
            assert abs(outer - inner) <= TOLERANCE and outer != FIXED
    finally:
        context.close()
        server.shutdown()
    assert not watch.failed, watch.failed
