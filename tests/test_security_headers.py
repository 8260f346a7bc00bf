"""Issue #6 (hardening): CSP without unsafe-inline scripts, frame rules, nosniff, no cookies.

Every route of the real app (discovered from its URL map) is requested with real data; the
inline-script hashes are checked with the standard library's HTML parser, not the regex the
app uses, so a tag the regex misses shows up here as a missing hash.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from html.parser import HTMLParser

import pytest
from flask import Flask

from geo.errors import DataError
from geo.web import security

# Sample values for URL parameters, by name; real codes/ids so views answer 200 where they can.
SAMPLES = {
    "code": "01100",
    "level": "municipalities",
    "filename": "nonexistent.css",
    "region": "doo",
    "id": "donan-shinkansen-exchange",
    "project_id": "donan-shinkansen-exchange",
    "kpi_id": "1",
}


def route_urls(app: Flask) -> list[str]:
    """One URL per rule of the app, parameters filled with :data:`SAMPLES`."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        values = {arg: SAMPLES.get(arg, "x") for arg in rule.arguments}
        try:
            path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        except Exception:  # a converter that refuses the sample: skip, the fuzz tests cover it
            continue
        urls.append(path)
    return sorted(set(urls))


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.bodies: list[str] = []
        self._inside = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        # Data blocks (JSON, JSON-LD on /data) are not run by a browser: nothing for the policy to allow.
        data_block = dict(attrs).get("type") in ("application/json", "application/ld+json")
        if tag == "script" and "src" not in dict(attrs) and not data_block:
            self._inside, self._text = True, []

    def handle_data(self, data):
        if self._inside:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._inside:
            self._inside = False
            self.bodies.append("".join(self._text))


def inline_scripts(html: str) -> list[str]:
    parser = _InlineScripts()
    parser.feed(html)
    return [b for b in parser.bodies if b.strip()]


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture()
def urls(app) -> list[str]:
    return route_urls(app)


def test_every_route_has_the_headers(client, urls):
    assert "/" in urls
    for url in [*urls, "/no/such/page", "/api/no-such-thing"]:
        resp = client.get(url)
        assert resp.status_code < 500, url
        h = resp.headers
        assert h["X-Content-Type-Options"] == "nosniff", url
        assert h["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer"), url
        csp = csp_directives(h["Content-Security-Policy"])
        assert "'unsafe-inline'" not in csp["script-src"], url
        assert "'unsafe-eval'" not in csp["script-src"], url
        assert csp["img-src"] == ["'self'", "data:"], url
        assert csp["connect-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"], url
        assert "Set-Cookie" not in h, url
        # Left out on purpose (docs/hardening.md): it cost every first visit a process swap.
        assert "Cross-Origin-Opener-Policy" not in h, url
        if url.startswith("/embed/"):
            assert csp["frame-ancestors"] == ["*"], url
            assert "X-Frame-Options" not in h, url
        else:
            assert csp["frame-ancestors"] == ["'self'"], url
            assert h["X-Frame-Options"] == "SAMEORIGIN", url


@pytest.mark.parametrize("accept", ["identity", "gzip"])
def test_inline_scripts_are_hashed_into_the_policy(app, client, urls, accept):
    """Each inline script of each HTML page is allowed by its hash, and the hashes are those of the
    scripts the app ships (its templates, hashed once at start), the same on every page: never
    computed from the body being sent (issue 26)."""
    shipped = set(app.extensions["csp_script_hashes"])
    pages = 0
    for url in urls:
        resp = client.get(url, headers={"Accept-Encoding": accept})
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        pages += 1
        body = resp.get_data()
        if resp.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        allowed = set(csp_directives(resp.headers["Content-Security-Policy"])["script-src"])
        for script in inline_scripts(body.decode()):
            assert sha256_source(script) in allowed, (url, script[:80])
        assert {s for s in allowed if s.startswith("'sha256-")} == shipped, url
    assert pages >= 1


def test_not_modified_keeps_the_cached_policy(client):
    """A 304 must not carry a hash-less CSP: browsers merge it into the cached page's headers."""
    first = client.get("/")
    etag = first.headers.get("ETag")
    if not etag:
        pytest.skip("no ETag on / (caching not active)")
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "Content-Security-Policy" not in again.headers
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_embed_frame_ancestors_setting(app):
    """EMBED_FRAME_ANCESTORS restricts who may frame /embed/...; other pages stay 'self'."""
    from app import create_app

    origins = "https://www.pref.hokkaido.lg.jp https://www.town.kutchan.hokkaido.jp"
    custom = create_app({**app.config, "EMBED_FRAME_ANCESTORS": origins}).test_client()
    embed_urls = [u for u in route_urls(app) if u.startswith("/embed/")] or ["/embed/none"]
    for url in embed_urls:
        csp = csp_directives(custom.get(url).headers["Content-Security-Policy"])
        assert csp["frame-ancestors"] == origins.split(), url
    csp = csp_directives(custom.get("/").headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"]


def test_bad_embed_setting_fails_at_start(app):
    from app import create_app

    with pytest.raises(DataError, match="EMBED_FRAME_ANCESTORS"):
        create_app({**app.config, "EMBED_FRAME_ANCESTORS": "https://a.example; script-src *"})


def test_frame_ancestors_parsing():
    assert security.frame_ancestors(None) == "*"
    assert security.frame_ancestors("https://www.pref.hokkaido.lg.jp https://a.example") == (
        "https://www.pref.hokkaido.lg.jp https://a.example"
    )
    assert security.frame_ancestors(["'self'", "https://a.example"]) == "'self' https://a.example"
    assert security.frame_ancestors([]) == "'none'"
    for bad in ["https://a.example; script-src *", "https://a.example,https://b", "'unsafe-inline'"]:
        with pytest.raises(DataError, match="HOKKAIDO_MAP_EMBED_FRAME_ANCESTORS"):
            security.frame_ancestors(bad)


def test_bad_frame_ancestors_setting_is_one_line_at_start():
    import os
    import subprocess
    import sys

    from conftest import ROOT, boundaries_path

    env = {**os.environ, "HOKKAIDO_MAP_EMBED_FRAME_ANCESTORS": "https://a.example; script-src *"}
    done = subprocess.run([sys.executable, "-m", "geo.cli", "serve", "--boundaries", str(boundaries_path()),
                           "--port", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "hokkaido-map: error: HOKKAIDO_MAP_EMBED_FRAME_ANCESTORS: not an origin")


def test_hashes_skip_external_and_empty_scripts():
    html = (
        b'<script src="/static/a.js"></script><script>  </script>'
        b"<script>var a=1;</script><SCRIPT type=\"module\">b()</SCRIPT ><script>var a=1;</script>"
    )
    assert security.inline_script_hashes(html) == [sha256_source("var a=1;"), sha256_source("b()")]
