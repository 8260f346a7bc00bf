"""Compression once, ETags and cache headers (geo/web/caching.py), on the real app."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from flask import send_file

from geo.web.caching import IMMUTABLE, GzipCache, is_versioned, page_query


@pytest.fixture()
def cache(app) -> GzipCache:
    return app.extensions["gzip_cache"]


@pytest.fixture()
def page(client) -> bytes:
    body = client.get("/").data
    assert len(body) > 500, "the home page should be big enough to be worth compressing"
    return body


def test_gzip_when_asked_plain_when_not(client, page):
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == page
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(page)

    for accept in (None, "identity", "gzip;q=0", "br"):
        headers = {"Accept-Encoding": accept} if accept else {}
        plain = client.get("/", headers=headers)
        assert "Content-Encoding" not in plain.headers, accept
        assert plain.data == page
        assert "Accept-Encoding" in plain.headers["Vary"]


def test_second_request_is_not_gzipped_again(client, cache, page):
    before = cache.compressions
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    again = [client.get("/", headers={"Accept-Encoding": "gzip"}) for _ in range(5)]
    assert cache.compressions == before + 1
    assert {r.data for r in again} == {first.data}
    assert {r.headers["ETag"] for r in again} == {first.headers["ETag"]}


def test_etags_differ_by_encoding_and_give_304(client):
    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["ETag"] != zipped.headers["ETag"]
    assert plain.headers["Cache-Control"] == "no-cache"  # HTML: revalidate each time
    again = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    # The plain variant's tag does not validate the gzip variant.
    other = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]})
    assert other.status_code == 200


def _add_test_routes(app, tmp_path: Path) -> None:
    asset = tmp_path / "lib.js"
    asset.write_text("var x = 1;\n" * 400, encoding="utf-8")
    app.add_url_rule("/t/lib.js", "t_lib", lambda: send_file(asset))
    app.add_url_rule("/t/data.json", "t_data", lambda: {"features": list(range(300))})
    app.add_url_rule("/t/tiny.json", "t_tiny", lambda: {"ok": True})


def test_versioned_asset_is_immutable_and_compressed(app, tmp_path):
    _add_test_routes(app, tmp_path)
    client = app.test_client()
    r = client.get("/t/lib.js?v=1.9.3", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == IMMUTABLE
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.data) == (tmp_path / "lib.js").read_bytes()
    unversioned = client.get("/t/lib.js")
    assert "immutable" not in unversioned.headers["Cache-Control"]
    assert unversioned.headers["ETag"]


def test_data_gets_etag_and_max_age(app, tmp_path):
    _add_test_routes(app, tmp_path)
    client = app.test_client()
    r = client.get("/t/data.json", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert r.headers["ETag"] and r.headers["Content-Encoding"] == "gzip"
    tiny = client.get("/t/tiny.json", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers  # below MIN_SIZE: not worth it
    assert tiny.headers["ETag"]


def test_versioned_urls():
    assert is_versioned("/assets/leaflet.js", {"v": "1.9.3"})
    assert is_versioned("/static/app.3f2a9c1b.js", {})
    assert not is_versioned("/static/app.js", {})


def test_cache_is_bounded():
    cache = GzipCache(max_bytes=300, level=1)
    bodies = [bytes([i]) * 10_000 for i in range(10)]
    for i, body in enumerate(bodies):
        cache.get(str(i), body)
    assert cache._size <= 300
    assert "9" in cache._items and "0" not in cache._items


def test_rendered_page_is_kept(app, tmp_path):
    calls = []

    def view():
        calls.append(1)
        return "<p>" + "x" * 1000 + "</p>"

    app.add_url_rule("/t/page", "t_page", page_query("level")(view))
    app.add_url_rule("/t/private", "t_private", lambda: ("secret" * 100, 200, {"Cache-Control": "no-store"}))
    client = app.test_client()
    first = client.get("/t/page?level=1", headers={"Accept-Encoding": "gzip"})
    second = client.get("/t/page?level=1", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/t/page?level=1")
    other = client.get("/t/page?level=2")
    assert len(calls) == 2  # one render per distinct URL
    # A query the pages do not know is rendered but never kept: no flood can fill the cache.
    for _ in range(2):
        assert "X-Response-Cache" not in client.get("/t/page?level=1&made=up").headers
    assert len(calls) == 4
    assert second.headers["X-Response-Cache"] == "hit" and second.data == first.data
    assert gzip.decompress(first.data) == plain.data == other.data
    assert "Content-Security-Policy" in second.headers or "X-Content-Type-Options" in second.headers, \
        "the other after_request hooks still run on a cache hit"
    client.get("/t/private")
    assert "X-Response-Cache" not in client.get("/t/private").headers


def test_response_cache_can_be_turned_off():
    from app import create_app
    from tests.conftest import boundaries_path

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "RESPONSE_CACHE": False})
    client = app.test_client()
    client.get("/")
    assert "X-Response-Cache" not in client.get("/").headers


def test_query_a_view_does_not_read_is_never_kept(app):
    """``level`` selects the page of the overview's embed, not of a town page: made-up values on a
    view that ignores them are rendered but never stored (they would flush the real pages)."""
    client = app.test_client()
    for _ in range(2):
        assert "X-Response-Cache" not in client.get("/town/01100?level=zz").headers
        assert "X-Response-Cache" not in client.get("/?measure=zz").headers
    client.get("/embed/?level=regions")
    assert client.get("/embed/?level=regions").headers["X-Response-Cache"] == "hit"
    assert client.get("/embed/?level=zz").status_code == 400


def _headers(resp) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k != "X-Response-Cache"}


@pytest.mark.parametrize("url", ["/", "/embed/", "/api/overview", "/embed/?level=regions"])
def test_a_finished_response_is_served_as_it_was(client, monkeypatch, url):
    """The second unconditional request gets the first one's bytes and headers (ETag, gzip, CSP,
    frame rules) without running the after_request hooks again, per Accept-Encoding."""
    import geo.web.caching as caching

    firsts = {enc: client.get(url, headers={"Accept-Encoding": enc}) for enc in ("gzip", "identity")}
    assert firsts["gzip"].headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in firsts["identity"].headers
    calls = []
    monkeypatch.setattr(caching, "process", lambda *a: calls.append(a))  # would break any response
    for enc, first in firsts.items():
        again = client.get(url, headers={"Accept-Encoding": enc})
        assert again.headers["X-Response-Cache"] == "hit"
        assert again.data == first.data and _headers(again) == _headers(first), enc
    assert calls == []
    assert "Content-Security-Policy" in _headers(again)


def test_a_revalidation_still_ends_in_304(client):
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    client.get("/", headers={"Accept-Encoding": "gzip"})  # now finished and kept
    again = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Content-Security-Policy" not in again.headers  # it would replace the cached page's
    stale = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_finished_responses_are_bounded_and_keyed_on_the_normalized_url(app, client):
    pages = app.extensions["response_cache"]
    client.get("/")
    kept = pages.finished_count()
    for i in range(50):  # made-up queries and spellings: rendered, never kept
        client.get(f"/?x={i}")
        client.get(f"/?measure=zz{i}")
    assert pages.finished_count() == kept
    small = type(pages)(max_entries=3)
    for i in range(10):
        small.keep_finished(f"/p{i}?", True, app.response_class(b"x" * 600))
    assert small.finished_count() == 3 and small.finished("/p9?", True) is not None
    assert small.finished("/p9?", False) is None  # the other encoding is another entry
