"""The site's icon: every page links the SVG (versioned), and /favicon.ico answers at the root
for whatever asks for it (without it, a 404 on every visit of some browsers and tools)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from web_fixtures import app  # noqa: F401


@pytest.mark.parametrize("path", ["/", "/town/01400", "/embed/town/01400", "/editions/h28/kpi", "/nope"])
def test_every_page_links_the_icon(app, path: str) -> None:  # noqa: F811
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    (href,) = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert href.startswith("/favicon.svg?v=")  # at the site's root from every edition
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert "immutable" in icon.headers["Cache-Control"]
    assert icon.get_data(as_text=True).startswith("<svg xmlns=")


def test_favicon_ico_is_a_real_icon(app) -> None:  # noqa: F811
    r = app.test_client().get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
    image = Image.open(io.BytesIO(r.data))
    assert image.format == "ICO" and {(16, 16), (32, 32)} <= set(image.info["sizes"])
