"""In a real browser (issue 22): every embed (one per map kind) shows its licence line inside the
iframe's viewport at 360 and 1280 px, and its データ link answers the map's own CSV. (/data's
axe-core audit is in test_a11y.py's PAGES.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import url_for

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser


def embeds() -> list[tuple[str, str]]:
    """(kind, embed URL) of the first subject of every registered kind."""
    from app import create_app
    from geo.web.state import state
    from tests.conftest import boundaries_path

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
    with app.test_request_context():
        s = state()
        return [(k.name, k.embed.url(url_for, next(iter(k.subjects(s))))) for k in s.kinds]


EMBEDS = embeds()


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A static host on another port (another origin) whose pages frame our embeds."""
    root = tmp_path_factory.mktemp("host")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize(("kind", "url"), EMBEDS, ids=[k for k, _ in EMBEDS])
def test_embed_shows_licence_line_in_view_and_data_link_works(browser, live_server, host, guard, kind: str,
                                                              url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 480 if width > 400 else 420},
                                  locale="ja-JP")
    pg = context.new_page()
    pg.on("console", lambda msg: guard.errors.append(msg.text) if msg.type == "error" else None)
    try:
        # The embed as a host page frames it: an iframe of the snippet's fixed height.
        origin, root = host
        (root / f"{kind}.html").write_text(
            '<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">'
            f'<iframe src="{live_server}{url}" '
            'title="地図" width="100%" height="480" style="border:0"></iframe>', encoding="utf-8")
        pg.goto(f"{origin}/{kind}.html")
        frame = pg.frame_locator("iframe")
        line = frame.locator(".embed-foot .licence")
        line.wait_for(state="visible", timeout=15000)
        wait_for_map(pg.frames[1])
        box = line.bounding_box()
        iframe = pg.locator("iframe").bounding_box()
        assert box and iframe and box["height"] > 0
        assert iframe["y"] <= box["y"] and box["y"] + box["height"] <= iframe["y"] + iframe["height"] + 0.5, \
            f"{kind} at {width}px: the licence line is outside the iframe ({box}, {iframe})"
        assert box["x"] >= iframe["x"] - 0.5
        assert box["x"] + box["width"] <= iframe["x"] + iframe["width"] + 0.5
        assert "政府標準利用規約" in line.inner_text()
        link = line.get_by_role("link", name="データ（CSV）")
        href = link.get_attribute("href")
        r = pg.request.get(live_server + href)
        assert r.status == 200 and r.headers["content-type"].startswith("text/csv"), href
        assert len(r.body().decode("utf-8-sig").splitlines()) > 1, f"{href}: no rows"
        # Clicking it downloads (attachment): the host page stays where it is.
        with pg.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".csv")
    finally:
        context.close()
    guard.check()
