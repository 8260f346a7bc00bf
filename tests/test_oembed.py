"""oEmbed (issue 22): ``/api/oembed`` and the discovery files for every map kind, the snippet and
``/embed.js``. The kinds and subjects come from the app's registry, never copied from the code."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.conftest import boundaries_path

REQUIRED = {"type": str, "version": str, "html": str, "width": int, "height": int}
PUBLIC = "https://maps.example.jp/hokkaido"


def _app(**config):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), **config})


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    return _app()


@pytest.fixture(scope="module")
def public_app():  # type: ignore[no-untyped-def]
    return _app(PUBLIC_URL=PUBLIC)


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


class Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == name]


def maps_of(app, per_kind: int = 2) -> list[tuple[str, str, str, str, str, set[str]]]:  # type: ignore[no-untyped-def]
    """(kind, subject, page URL, embed URL, title, the embeds of every subject of the kind with
    that page URL) of the first and last subjects of every kind. One page may show many maps
    (``/`` every overview, switched in the page): its answer is one of those."""
    from flask import url_for

    from geo.web.state import state

    out = []
    with app.test_request_context("/"):
        s = state()
        for kind in s.kinds:
            subjects = list(kind.subjects(s))
            assert subjects, f"kind {kind.name} has no subject"
            pages: dict[str, set[str]] = {}
            for subject in subjects:
                pages.setdefault(kind.page.url(url_for, subject), set()).add(kind.embed.url(url_for, subject))
            for subject in dict.fromkeys([subjects[0], subjects[-1]][:per_kind]):
                page = kind.page.url(url_for, subject)
                out.append((kind.name, subject, page, kind.embed.url(url_for, subject),
                            kind.title(s, subject), pages[page]))
    return out


def check_answer(body: dict, embed_url: str, title: str) -> dict[str, str | None]:
    """The oEmbed rules (type rich: version, html, width, height) and our iframe; its attributes."""
    for name, kind in REQUIRED.items():
        assert isinstance(body.get(name), kind), (name, body)
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["width"] > 0 and body["height"] > 0
    assert body["title"] == title
    assert body["provider_name"] == "北海道 地域政策マップ" and body["provider_url"]
    assert isinstance(body["cache_age"], int)
    tags = Tags(body["html"])
    (frame,) = tags.all("iframe")
    (script,) = tags.all("script")
    assert frame["src"] == embed_url and frame["title"] == title
    assert "data-hokkaido-map" in frame and frame["loading"] == "lazy"
    assert frame["width"] == str(body["width"]) and frame["height"] == str(body["height"])
    assert script["src"].endswith("/embed.js") and "async" in script
    return frame


def test_every_map_kind_page_and_embed_has_an_oembed_answer_whose_html_loads(app, client) -> None:
    for kind, subject, page, embed, title, shared in maps_of(app):
        r = client.get("/api/oembed", query_string={"url": embed, "format": "json"})
        assert r.status_code == 200, (kind, subject, embed, r.get_json())
        assert r.mimetype == "application/json"
        check_answer(r.get_json(), embed, title)
        # The discovery file of the map says the same.
        assert client.get(f"/api/oembed/{kind}/{subject}.json").get_json() == r.get_json()
        r = client.get("/api/oembed", query_string={"url": page})
        assert r.status_code == 200, (kind, subject, page, r.get_json())
        answer = r.get_json()
        if len(shared) == 1:
            check_answer(answer, embed, title)
        src = Tags(answer["html"]).all("iframe")[0]["src"]
        assert src in shared, (page, src)
        # Its html loads: the iframe's src is an embed page with this map on it.
        for url in {embed, src}:
            r = client.get(url)
            assert r.status_code == 200, url
            body = r.get_data(as_text=True)
            assert 'class="map"' in body and "/maps/embed/" in body, url


def test_other_spellings_and_the_pages_defaults_name_the_same_map(app, client) -> None:
    def title(url: str) -> str:
        r = client.get("/api/oembed", query_string={"url": url})
        assert r.status_code == 200, url
        return r.get_json()["title"]

    assert title("/town/014001") == title("/town/01400") == title("/embed/town/01400")
    assert title("/town/01101") == title("/town/01100")  # a ward's page shows the city's map
    assert title("/") == title("/?level=municipalities&measure=all") == title("/embed/")
    assert title("/?level=subprefectures&measure=all") != title("/")
    assert title("/town/01400?level=x&q=y") == title("/town/01400")  # what does not pick the map
    assert title("/embed") == title("/embed/")  # the slash redirect is followed
    assert title("/progress") == title("/embed/progress")


def test_maxwidth_and_maxheight_are_honoured(client) -> None:
    big = client.get("/api/oembed", query_string={"url": "/town/01400"}).get_json()
    r = client.get("/api/oembed", query_string={"url": "/town/01400", "maxwidth": 300, "maxheight": 200})
    small = r.get_json()
    assert (small["width"], small["height"]) == (300, 200)
    frame = check_answer(small, "/embed/town/01400", big["title"])
    assert "max-width:300px" in (frame["style"] or "")
    r = client.get("/api/oembed", query_string={"url": "/town/01400", "maxwidth": 5000, "maxheight": 9000})
    assert (r.get_json()["width"], r.get_json()["height"]) == (big["width"], big["height"])
    for bad in ("abc", "0", "-1", "1e3", "99999999", "３００", "49"):
        r = client.get("/api/oembed", query_string={"url": "/town/01400", "maxwidth": bad})
        assert r.status_code == 400, bad
        assert bad not in r.get_data(as_text=True) or bad in ("0", "1")
    r = client.get("/api/oembed/town/01400.json", query_string={"maxheight": 250})
    assert r.get_json()["height"] == 250


@pytest.mark.parametrize(("query", "status"), [
    ({}, 400),
    ({"url": ""}, 400),
    ({"url": "/" + "a" * 3000}, 400),
    ({"url": "/town/01400", "format": "xml"}, 501),
    ({"url": "/town/01400", "format": "yaml"}, 501),
    ({"url": "/kpi"}, 404),  # a page without a map
    ({"url": "/api/overview"}, 404),
    ({"url": "/nowhere"}, 404),
    ({"url": "/town/99999"}, 404),
    ({"url": "/project/no-such-project"}, 404),
    ({"url": "http://evil.example/town/01400"}, 404),  # no PUBLIC_URL: no absolute URL is ours
    ({"url": "town/01400"}, 404),
])
def test_errors(client, query: dict, status: int) -> None:
    r = client.get("/api/oembed", query_string=query)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json" and "error" in r.get_json()


HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(document.domain)//", "data:text/html,<script>alert(1)</script>",
    '"><script>alert(1)</script>', "/town/<script>alert(1)</script>",
    "/town/01400?level=<svg/onload=alert(1)>",
    "//evil.example/town/01400", "/\\evil.example/town/01400", "http://evil.example/embed/",
    "/%00", "/%", "/town/%E3%81", "/embed/progress?year=<b>&level=x", "/progress?year=R1",
    "/progress?level=regions&level=municipalities", "/editions/../town/01400", "/editions/<x>/town/01400",
    "/" + "x" * 2047, "/print/town-01400.png", "/maps/page/town/01400.js", "file:///etc/passwd",
    "\u202e/town/01400", "/town/01400\r\nSet-Cookie: a=b", "/kpi/family/" + "観" * 500,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_never_reflected_and_never_a_500(client, url: str) -> None:
    r = client.get("/api/oembed", query_string={"url": url})
    assert r.status_code in (200, 400, 404), (url, r.status_code)
    text = r.get_data(as_text=True)
    if r.status_code == 200:  # our own answer: one iframe and our script, whatever was asked
        html = r.get_json()["html"]
        assert [t for t, _ in Tags(html).tags] == ["iframe", "script"]
        text = text.replace(json_text(html), "")
    for bad in ("<script", "<svg", "<b>", "javascript:", "evil.example", "Set-Cookie", "passwd"):
        assert bad.lower() not in text.lower(), (url, text[:300])
    assert "Set-Cookie" not in r.headers


def test_absolute_urls_come_from_public_url_never_from_host(public_app) -> None:
    client = public_app.test_client()
    for url in (f"{PUBLIC}/town/01400", "http://maps.example.jp/hokkaido/town/01400", "/town/01400",
                "HTTPS://MAPS.EXAMPLE.JP/hokkaido/town/01400"):
        r = client.get("/api/oembed", query_string={"url": url}, headers={"Host": "evil.example"})
        assert r.status_code == 200, url
        body = r.get_json()
        check_answer(body, f"{PUBLIC}/embed/town/01400", body["title"])
        assert body["provider_url"] == f"{PUBLIC}/"
        assert 'src="https://maps.example.jp/hokkaido/embed.js"' in body["html"]
        assert "evil" not in r.get_data(as_text=True)
    for url in ("https://evil.example/hokkaido/town/01400", "https://maps.example.jp/other/town/01400",
                "https://maps.example.jp:8443/hokkaido/town/01400", "https://maps.example.jp/hokkaidoX/town/01400",
                "ftp://maps.example.jp/hokkaido/town/01400"):
        r = client.get("/api/oembed", query_string={"url": url}, headers={"Host": "maps.example.jp"})
        assert r.status_code == 404, url
    # Host spoofed as the URL's host: still not ours without PUBLIC_URL naming it.
    plain = _app().test_client()
    r = plain.get("/api/oembed", query_string={"url": "http://evil.example/town/01400"},
                  headers={"Host": "evil.example"})
    assert r.status_code == 404
    r = plain.get("/api/oembed", query_string={"url": "/town/01400"}, headers={"Host": "evil.example"})
    assert "evil" not in r.get_data(as_text=True)


def json_text(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)[1:-1]


def _discovery(text: str) -> dict[str, str | None]:
    links = [a for a in Tags(text).all("link") if a.get("type") == "application/json+oembed"]
    assert len(links) == 1, links
    assert links[0]["rel"] == "alternate" and links[0]["title"]
    return links[0]


def test_discovery_link_on_every_map_page_and_embed_answers(app, client) -> None:
    for _kind, _subject, page, embed, _title, shared in maps_of(app, per_kind=1):
        for url in (page, embed):
            r = client.get(url)
            assert r.status_code == 200, url
            link = _discovery(r.get_data(as_text=True))
            href = link["href"] or ""
            assert urlsplit(href).query == ""  # a static host has no query strings
            answer = client.get(href)
            assert answer.status_code == 200, href
            assert link["title"] == answer.get_json()["title"]
            src = Tags(answer.get_json()["html"]).all("iframe")[0]["src"] or ""
            check_answer(answer.get_json(), src, answer.get_json()["title"])
            assert src == embed if len(shared) == 1 or url == embed else src in shared
    assert "json+oembed" not in client.get("/kpi").get_data(as_text=True)  # no map, no link


def test_discovery_file_of_an_unknown_or_other_spelling_is_a_404(client) -> None:
    for path in ("/api/oembed/town/99999.json", "/api/oembed/town/014001.json", "/api/oembed/nokind/x.json",
                 "/api/oembed/project/%3Cscript%3E.json"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "<script" not in r.get_data(as_text=True)


def test_the_snippet_has_title_height_marker_lazy_and_the_script(client) -> None:
    import html
    import re

    text = client.get("/town/01400").get_data(as_text=True)
    box = re.search(r'<textarea class="embed-code"[^>]*>(.*?)</textarea>', text, re.S)
    assert box
    tags = Tags(html.unescape(box.group(1)))
    (frame,) = tags.all("iframe")
    (script,) = tags.all("script")
    assert frame["title"] == "虻田郡倶知安町に及ぶプロジェクト"
    assert frame["height"] == "480" and frame["width"] == "100%"
    assert "data-hokkaido-map" in frame and frame["loading"] == "lazy"
    assert script["src"] == "/embed.js" and "async" in script


def test_embed_js_is_served_small_with_an_etag_and_frame_js_only_on_embeds(client) -> None:
    r = client.get("/embed.js")
    assert r.status_code == 200 and r.mimetype == "application/javascript"
    assert r.cache_control.public and r.cache_control.max_age == 3600
    assert r.headers["ETag"] and len(r.data) < 4000
    again = client.get("/embed.js", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert b"hokkaido-map" in r.data and b"postMessage" in r.data
    embed = client.get("/embed/town/01400").get_data(as_text=True)
    page = client.get("/town/01400").get_data(as_text=True)
    assert "/assets/bundle/frame.js" in embed and "/assets/bundle/frame.js" not in page


def test_an_older_editions_page_is_answered_in_that_edition(tmp_path) -> None:
    from edition_fixtures import OLD, make_second_edition

    data, _ = make_second_edition(tmp_path)
    client = _app(DATA_DIR=str(data)).test_client()  # the newer edition is the default
    r = client.get("/api/oembed", query_string={"url": f"/editions/{OLD}/town/01400"})
    assert r.status_code == 200
    frame = check_answer(r.get_json(), f"/editions/{OLD}/embed/town/01400", r.get_json()["title"])
    assert r.get_json()["edition"]["id"] == OLD
    assert client.get(frame["src"] or "").status_code == 200
    link = _discovery(client.get(f"/editions/{OLD}/town/01400").get_data(as_text=True))
    assert (link["href"] or "").startswith(f"/editions/{OLD}/api/oembed/")
    assert client.get(link["href"]).get_json() == r.get_json()
    assert client.get("/api/oembed", query_string={"url": "/editions/nope/town/01400"}).status_code == 404
