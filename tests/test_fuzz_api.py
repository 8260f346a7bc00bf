"""Issue #6 (hardening): every route fuzzed — zero 500s, unknown → 404, malformed → 400 as JSON.

Two drivers over the real app and data:
- schemathesis, from the OpenAPI description the app serves (``/api/openapi.json``): valid and
  invalid parameters per the description, responses checked against it;
- hypothesis over *every* rule of the URL map (pages, embeds, assets too) with hostile strings:
  NaN/inf/huge numbers, NUL, invalid UTF-8 (an escaped lone surrogate), RTL marks, emoji, 10,000
  characters, codes of every length, path traversal raw and percent-encoded.
Bounded in time: a fixed number of examples per route, no deadline per example.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import quote

import pytest
import schemathesis
from conftest import boundaries_path
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE = [
    "", " ", "\x00", "%00", "a\x00b", "\n", "\r\nSet-Cookie: x=1", "\t",
    "..", "../", "../../app.py", "..%2f..%2fapp.py", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5c..%5c", "....//", "%252e%252e%252f", "/etc/passwd", "..\\..\\app.py", "%2F", "a/b",
    "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-0", "0x1F",
    "1_000", "４２", "४२", "٤٣", "42.9.1", "42,9", " 42.9", "42.9 ", "+42.9", "9" * 400,
    "0", "01", "011", "0110", "01100", "011002", "011003", "0110000", "00000", "99999", "01999",
    "０１１００", "01100 ", " 01100", "01100\n", "-1100",
    "\u202eevil", "\u200f\u200e", "\ufeff01100", "🗾", "🇯🇵" * 50, "北海道", "札幌市南区", "道央広域",
    "'\"<>&", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "%s%n", "' OR 1=1 --",
    "a" * 10_000, "北" * 3_000,
]
# Percent-encoded raw bytes the URL may carry: an escaped lone surrogate (invalid UTF-8), 0xFF …
RAW = ["%ED%A0%80", "%FF", "%C0%AE%C0%AE%2F", "%E2%80%AE", "%F0%9F%97%BE"]
# Out-of-range, odd and valid coordinates (valid ones on land, at sea, outside Hokkaido).
COORDS = ["42.9", "140.75", "43.06", "141.35", "0", "-90", "90", "90.0001", "-180", "180",
          "180.5", "1e3", "45.5", "150", "35.68", "139.76"]

COMPARE = ("/api/compare", "/compare", "/compare/changes.csv", "/compare/map.js")
REQUIRED = {"/api/search": ("q",), "/api/locate": ("lat", "lon"), "/api/oembed": ("url",),
            **dict.fromkeys(COMPARE, ("from", "to"))}

FINITE = st.floats(allow_nan=False, allow_infinity=False)
NUMBERS = st.one_of(
    st.floats().map(repr), FINITE.map(lambda x: f"{x:.17g}"), st.integers().map(str),
    st.sampled_from(COORDS),
)
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Nd", "Cf", "Zs", "So", "Lo"]), max_size=12),
    st.integers(min_value=0, max_value=12).map(lambda n: "0" * (n % 2) + "1234567890123"[:n]),
)


@pytest.fixture(scope="module")
def fuzz_app() -> Flask:
    from app import create_app
    from geo.web import docs

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
    if "docs" not in app.blueprints:  # until app.py registers it
        app.register_blueprint(docs.bp)
    return app


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app):
    return fuzz_app.test_client()


def encode(value: str, *, path: bool = False) -> str:
    """Percent-encode text for a URL; ``%XX`` already in the value stays (it *is* the payload)."""
    return quote(value, safe="%/" if path else "%")


def check(resp, url: str, names: tuple[str, ...] = ()) -> None:
    """The contract for any response to any input."""
    status = resp.status_code
    assert status < 500, f"{status} for {url!r}"
    body = resp.get_data()
    assert b"Traceback" not in body and b"werkzeug" not in body.lower(), url
    assert b"def create_app" not in body and b"root:x:0:0" not in body, f"file leaked: {url!r}"
    assert "Set-Cookie" not in resp.headers, url
    path = url.split("?", 1)[0]
    if path.startswith("/api/") and status >= 400:
        assert resp.mimetype == "application/json", f"{status} {resp.mimetype} for {url!r}"
        doc = json.loads(body)
        assert isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"], url
        assert status in (400, 404, 405), f"{status} for {url!r}"
        if status == 400 and names:
            assert any(n in doc["error"] for n in names), f"400 names no parameter: {doc} ({url!r})"
    if resp.mimetype == "text/html" and status >= 400:
        # A reflected payload must come back escaped, never as markup.
        assert b"<script>alert(1)</script>" not in body, url


def get_rules(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]


def build(rule, values: dict[str, str]) -> str:
    """Substitute raw (already encoded) values into the rule's text: no converter gets a say."""
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", lambda _m, v=value: v, url)
    return url


def test_every_rule_with_hostile_path_values(fuzz_app, fuzz_client):
    """Each hostile value in each path parameter of each route (a deterministic sweep)."""
    rules = [r for r in get_rules(fuzz_app) if r.arguments]
    assert rules, "no parameterised routes"
    for rule in rules:
        is_path = {n: "path:" in rule.rule.split(f"{n}>")[0].rsplit("<", 1)[-1] for n in rule.arguments}
        for value in [*HOSTILE, *RAW]:
            for name in rule.arguments:
                values = {n: "01100" for n in rule.arguments}
                values[name] = encode(value, path=is_path[name]) if value not in RAW else value
                url = build(rule, values)
                check(fuzz_client.get(url), url, tuple(rule.arguments))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_rule_random(fuzz_app, fuzz_client, data):
    rules = get_rules(fuzz_app)
    rule = data.draw(st.sampled_from(rules), label="rule")
    values = {n: encode(data.draw(TEXT, label=n)) for n in rule.arguments}
    query = data.draw(st.dictionaries(st.sampled_from(["q", "lat", "lon", "v", "x", "level"]),
                                      st.one_of(TEXT, NUMBERS), max_size=3), label="query")
    url = build(rule, values)
    if query:
        url += "?" + "&".join(f"{encode(k)}={encode(v)}" for k, v in query.items())
    # A 400 may name a required parameter the draw left out (?q= of /api/search).
    check(fuzz_client.get(url), url, (*rule.arguments, *query, *REQUIRED.get(rule.rule, ())))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(lat=st.one_of(NUMBERS, TEXT), lon=st.one_of(NUMBERS, TEXT))
def test_locate(fuzz_client, lat, lon):
    url = f"/api/locate?lat={encode(lat)}&lon={encode(lon)}"
    resp = fuzz_client.get(url)
    check(resp, url, ("lat", "lon"))
    try:
        la, lo = float(lat), float(lon)
        valid = math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180
    except ValueError:
        valid = False
    if not valid:
        assert resp.status_code == 400, f"{resp.status_code} for {url!r}"


def test_locate_missing_and_repeated(fuzz_client):
    for url, name in [("/api/locate", "lat"), ("/api/locate?lat=42.9", "lon"),
                      ("/api/locate?lon=140.75", "lat"), ("/api/locate?lat=&lon=", "lat")]:
        resp = fuzz_client.get(url)
        assert resp.status_code == 400, url
        assert name in resp.get_json()["error"], url
    check(fuzz_client.get("/api/locate?lat=42.9&lat=99&lon=140.75"), "repeated", ("lat",))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=TEXT)
def test_search(fuzz_client, q):
    url = f"/api/search?q={encode(q)}"
    check(fuzz_client.get(url), url, ("q",))


def test_search_bounds(fuzz_client):
    assert fuzz_client.get("/api/search").status_code == 400
    for q in ["a" * 10_000, "北" * 3_000]:
        resp = fuzz_client.get(f"/api/search?q={encode(q)}")
        check(resp, "long q", ("q",))
        assert resp.status_code in (200, 400)
        assert len(resp.get_data()) < 1_000_000  # no echo amplification


@pytest.mark.parametrize("code", [
    "0", "01", "011", "0110", "011000", "0110000", "01100000", "1", "abcde", "０１１０", "-0110",
])
def test_malformed_codes_are_400_naming_code(fuzz_client, code):
    resp = fuzz_client.get(f"/api/municipalities/{encode(code)}")
    check(resp, code, ("code",))
    assert resp.status_code in (400, 404), code
    if not re.fullmatch(r"\d{5,6}", code):  # full-width digits are read as digits
        assert resp.status_code == 400, code


@pytest.mark.parametrize("code", ["99999", "00000", "13101", "011003"])
def test_unknown_or_bad_check_digit(fuzz_client, code):
    resp = fuzz_client.get(f"/api/municipalities/{code}")
    check(resp, code, ("code",))
    # 011003: well-formed length but the wrong check digit → malformed (400); others unknown (404).
    assert resp.status_code == (400 if code == "011003" else 404), code


def test_unknown_api_routes_are_json_404(fuzz_client):
    for url in ["/api/nope", "/api/projects/no-such-project", "/api/geo/towns.geojson",
                "/api/geo/..%2f..%2fapp.py", "/api/", "/api"]:
        resp = fuzz_client.get(url)
        check(resp, url)
        assert resp.status_code == 404, url


def test_path_traversal_never_reads_files(fuzz_client):
    for prefix in ["/static/", "/assets/leaflet/", "/assets/", "/embed/", "/town/", "/api/geo/"]:
        for trail in ["../app.py", "..%2fapp.py", "%2e%2e/%2e%2e/app.py", "..%2F..%2F..%2Fetc%2Fpasswd",
                      "....//....//app.py", "%252e%252e/app.py", "..\\..\\app.py", "/etc/passwd",
                      "%2e%2e%2f%2e%2e%2fpyproject.toml"]:
            url = prefix + trail
            resp = fuzz_client.get(url)
            check(resp, url)
            assert b"[build-system]" not in resp.get_data(), url


# -- schemathesis: the API against its own description -----------------------------------------


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_openapi(case):
    # The 405-without-Allow finding is asserted once, by test_405_lists_allowed_methods; Flask's
    # automatic HEAD and OPTIONS are standard and not worth declaring per operation.
    # identity: schemathesis asks for gzip like requests does, but reads WSGI bodies undecoded.
    excluded = [schemathesis.checks.unsupported_method, schemathesis.checks.allow_header_conformance]
    if case.operation.path == "/api/municipalities/{code}":
        # A 6-digit code with a wrong check digit matches the pattern yet is rightly a 400.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if case.operation.path == "/api/oembed":
        response = case.call(headers={"Accept-Encoding": "identity"})
        if response.status_code == 501:  # oEmbed's own rule: a format it does not serve is a 501
            assert (case.query or {}).get("format") != "json", case.query
            return
        case.validate_response(response, excluded_checks=excluded)
        return
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=excluded)


def test_405_lists_allowed_methods(fuzz_client):
    """RFC 9110: a 405 names the allowed methods. Bug: geo/web/api.py ``_http_error`` turns the
    HTTPException into ``({"error": ...}, code)`` and drops ``exc.get_headers()`` (Allow)."""
    for url in ["/api/regions", "/api/geo/topology.json", "/api/municipalities/01100"]:
        for method in ("POST", "DELETE", "TRACE"):
            resp = fuzz_client.open(url, method=method)
            assert resp.status_code == 405, (method, url)
            assert resp.get_json()["error"], (method, url)
            assert "GET" in resp.headers.get("Allow", ""), (method, url)


def test_openapi_lists_every_api_route(fuzz_app, fuzz_client):
    """A route added to the API without describing it would escape the schemathesis run."""
    spec = fuzz_client.get("/api/openapi.json").get_json()
    described = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in spec["paths"]}
    served = {re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"<\1>", r.rule) for r in get_rules(fuzz_app)
              if r.rule.startswith("/api/")}
    internal = {"/api/healthz", "/api/openapi.json", "/api/openapi.yaml", "/api/<rest>"}  # catch-all 404
    assert served - internal - described == set(), "API routes missing from openapi.yaml"
    assert described - served == set(), "openapi.yaml describes routes the app does not serve"
