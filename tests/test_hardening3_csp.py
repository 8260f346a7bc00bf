"""Issue 26, item 7: the CSP allows only the inline scripts the app itself ships.

The hashes come from the templates, once, at start; a script that reaches a response any other
way (data that slipped past escaping, a view that writes markup) is not in the policy, so a
browser refuses to run it."""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

import pytest
from flask import Flask, render_template

from geo.web import security

SHIPPED = "window.SHIPPED = 1;"
INJECTED = "alert(document.domain)"


def _source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _script_src(header: str) -> list[str]:
    for part in header.split(";"):
        words = part.split()
        if words and words[0] == "script-src":
            return words[1:]
    raise AssertionError(header)


@pytest.fixture()
def tiny(tmp_path: Path, caplog):
    """A Flask app with templates of its own and the app's security hooks."""
    (tmp_path / "page.html").write_text(
        f"<!doctype html><title>t</title><script>{SHIPPED}</script>"
        '<script type="application/json" id="data">{"a": 1}</script>'
        "<p>{{ text }}</p>", encoding="utf-8")
    (tmp_path / "dynamic.html").write_text(
        "<script>var who = {{ who|tojson }};</script>", encoding="utf-8")
    app = Flask(__name__, template_folder=str(tmp_path))

    @app.get("/page")
    def page():
        return render_template("page.html", text=f"<script>{INJECTED}</script>")  # escaped

    @app.get("/slipped")
    def slipped():
        # As if some markup had slipped past escaping: the body carries a script of its own.
        return render_template("page.html", text="x") + f"<script>{INJECTED}</script>"

    @app.get("/dynamic")
    def dynamic():
        return render_template("dynamic.html", who="x")

    with caplog.at_level(logging.WARNING):
        security.init_app(app)
    return app, [r.getMessage() for r in caplog.records]


def test_only_the_shipped_script_is_allowed(tiny):
    app, _ = tiny
    client = app.test_client()
    assert app.extensions["csp_script_hashes"] == (_source(SHIPPED),)
    for url in ("/page", "/slipped", "/dynamic"):
        allowed = _script_src(client.get(url).headers["Content-Security-Policy"])
        assert allowed == ["'self'", _source(SHIPPED)], url
    body = client.get("/slipped").get_data(as_text=True)
    assert f"<script>{INJECTED}</script>" in body  # the script is there ...
    # ... and not allowed to run
    assert _source(INJECTED) not in client.get("/slipped").headers["Content-Security-Policy"]


def test_a_template_script_with_template_syntax_is_not_allowed_and_said_so(tiny):
    app, logged = tiny
    assert any("dynamic.html" in m and "static file" in m for m in logged), logged
    allowed = _script_src(app.test_client().get("/dynamic").headers["Content-Security-Policy"])
    assert _source('var who = "x";') not in allowed


def test_data_islands_and_external_scripts_need_no_hash():
    html = (b'<script src="/a.js"></script><script type="application/json">{"a":1}</script>'
            b"<script type=\"module\">m()</script><script type='text/javascript'>j()</script>")
    assert security.inline_script_hashes(html) == [_source("m()"), _source("j()")]


def test_real_app_policy_never_follows_the_body(app, client):
    """The real app ships no inline script: every page, an error page that echoes a hostile path
    included, gets the same script-src, and nothing in it is a hash of the body."""
    shipped = list(app.extensions["csp_script_hashes"])
    hostile = "/town/%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    for url in ("/", "/town/01224", "/kpi", hostile, "/embed/map"):
        resp = client.get(url)
        assert _script_src(resp.headers["Content-Security-Policy"]) == ["'self'", *shipped], url
    assert _source("alert(1)") not in client.get(hostile).headers["Content-Security-Policy"]
