"""Issue 13 over HTTP, against `hokkaido-map serve` (waitress) on 127.0.0.1: bounded caches under a
flood of non-canonical URLs, prints that cannot starve /healthz, no Host header poisoning, slow
clients. Every load here is bounded in requests and seconds."""

from __future__ import annotations

import http.client
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import boundaries_path
from tests.web_fixtures import bench_load

ROOT = Path(__file__).resolve().parents[1]
EVIL = "evil.example"


def _get(port: int, path: str, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server():
    load = bench_load()
    with load.Server("waitress", boundaries_path(), env={"HOKKAIDO_MAP_CHANNEL_TIMEOUT": "3"}) as s:
        yield s


@pytest.fixture(scope="module")
def version(server) -> str:
    status, _, body = _get(server.port, "/town/01100")
    assert status == 200
    import re

    return re.search(rb"/maps/page/town/01100\.js\?v=([0-9a-f]+)", body).group(1).decode()


# --- 1. bounded memo: a flood of other spellings ----------------------------------------------

CODES = ["01100", "01202", "01203", "01204", "01205", "01206", "01207", "01208", "01209", "01210",
         "01211", "01212", "01213", "01214", "01215", "01216", "01217", "01218", "01219", "01220"]


def _spellings(version: str, n: int) -> list[str]:
    """``n`` distinct URLs that all name a known subject in a non-canonical way."""
    out = []
    k = 1
    while len(out) < n:
        for code in CODES:
            pad = "%20" * k
            out += [f"/maps/page/town/{pad}{code}.js?v={version}", f"/maps/embed/town/{code}%09{pad}.js",
                    f"/town/{pad}{code}", f"/embed/town/{code}{pad}", f"/api/municipalities/{pad}{code}",
                    f"/town/{code}?junk={k}", f"/?sub={k}{code}"]
        k += 1
    return out[:n]


def _run(port: int, paths: list[str], connections: int = 4) -> list[int]:
    def one(chunk: list[str]) -> list[int]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        statuses = []
        for path in chunk:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            statuses.append(r.status)
        conn.close()
        return statuses

    chunks = [paths[i::connections] for i in range(connections)]
    with ThreadPoolExecutor(connections) as pool:
        return [s for part in pool.map(one, chunks) for s in part]


FLOOD = 3000
RSS_BOUND_MB = 25


def test_flood_of_non_canonical_urls_keeps_rss_flat(server, version):
    # Warm up with the canonical forms of the same subjects (memo and page cache fill once).
    canonical = [u for code in CODES for u in (f"/maps/page/town/{code}.js?v={version}",
                                                f"/maps/embed/town/{code}.js?v={version}",
                                                f"/town/{code}", f"/embed/town/{code}",
                                                f"/api/municipalities/{code}", "/")]
    assert set(_run(server.port, canonical * 3)) == {200}
    before = server.rss_kb()
    statuses = _run(server.port, _spellings(version, FLOOD))
    grown_mb = (server.rss_kb() - before) / 1024
    print(f"RSS {before / 1024:.0f} MB → +{grown_mb:.1f} MB over {FLOOD} non-canonical requests")
    assert grown_mb < RSS_BOUND_MB
    assert set(statuses) <= {200, 308}, set(statuses)
    assert statuses.count(308) > FLOOD // 2


def test_non_canonical_spellings_redirect_relative(server, version):
    for path, target in [("/maps/page/town/%2001100.js", f"/maps/page/town/01100.js?v={version}"),
                         ("/town/011002", "/town/01100"), ("/embed/town/01106", "/embed/town/01100"),
                         ("/api/municipalities/01100%20", "/api/municipalities/01100")]:
        status, headers, _ = _get(server.port, path, {"Host": EVIL})
        assert (status, headers["location"]) == (308, target), path


# --- 3. Host header poisoning -------------------------------------------------------------

PAGES = ["/", "/town/01400", "/project/yotei-nishiiburi", "/kpi/yotei-nishiiburi-1", "/overlap",
         "/embed/", "/embed/town/01400", "/api/municipalities/01400", "/api/overview"]
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https",
          "X-Forwarded-Server": EVIL, "Forwarded": f"host={EVIL};proto=https"}


def _no_evil(status: int, headers: dict[str, str], body: bytes, path: str) -> None:
    assert EVIL.encode() not in body, (path, status)
    assert not any(EVIL in v for v in headers.values()), (path, headers)


def test_no_response_carries_a_forged_host(server):
    redirects = ["/embed", "/town/011002", "/maps/page/town/%2001100.js", "/kpi/", "/nope/"]
    for path in PAGES + redirects:  # first visits: rendered with the forged headers
        _no_evil(*_get(server.port, path, FORGED), path)
    # Try to flush the page cache (1,200 cheap distinct URLs), then poison again.
    _run(server.port, [f"/?flush={i}" for i in range(600)] + [f"/town/01400?x={i}" for i in range(600)])
    for path in PAGES + redirects:
        _no_evil(*_get(server.port, path, FORGED), path)
    for path in PAGES + redirects:  # what an honest visitor gets afterwards, cached or not
        _no_evil(*_get(server.port, path), path)


def test_public_url_is_the_only_absolute_address():
    load = bench_load()
    public = "https://map.example.lg.jp"
    with load.Server("waitress", boundaries_path(), env={"HOKKAIDO_MAP_PUBLIC_URL": public}) as s:
        for path in ["/town/01400", "/", "/project/yotei-nishiiburi"]:
            status, headers, body = _get(s.port, path, FORGED)
            assert status == 200
            _no_evil(status, headers, body, path)
            assert f"{public}/embed/".encode() in body, path


# --- 2. prints cannot starve the pages ----------------------------------------------------

PRINT_CLIENTS = 24
PRINTS_EACH = 3
HEALTH_PROBES = 150


def test_healthz_p99_while_clients_fetch_different_prints(server):
    _get(server.port, "/print/town-01100.png", timeout=60)  # matplotlib imported, fonts loaded
    _, _, body = _get(server.port, "/print/")
    ids = [m["id"] for m in __import__("json").loads(body)["maps"] if m["id"].startswith("town-")]
    assert len(ids) >= PRINT_CLIENTS * PRINTS_EACH
    results: list[tuple[int, dict[str, str]]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        for i in range(PRINTS_EACH):
            status, headers, _ = _get(server.port, f"/print/{ids[1 + n * PRINTS_EACH + i]}.png", timeout=60)
            results.append((status, headers))

    latencies = []

    def probe() -> None:
        for _ in range(HEALTH_PROBES):
            t = time.perf_counter()
            status, _, body = _get(server.port, "/healthz", timeout=30)
            latencies.append(time.perf_counter() - t)
            assert status == 200 and body == b"ok"
            time.sleep(0.01)
            if stop.is_set():
                break

    clients = [threading.Thread(target=client, args=(n,)) for n in range(PRINT_CLIENTS)]
    prober = threading.Thread(target=probe)
    for t in clients:
        t.start()
    prober.start()
    for t in clients:
        t.join(120)
    stop.set()
    prober.join(60)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    statuses = [s for s, _ in results]
    print(f"/healthz p99 {p99:.0f} ms over {len(latencies)} probes; prints: "
          f"{statuses.count(200)} × 200, {statuses.count(503)} × 503")
    assert set(statuses) <= {200, 503}
    assert all(h.get("retry-after") for s, h in results if s == 503)
    assert statuses.count(200) >= 1
    assert p99 < 100, p99


# --- 4. slow clients ----------------------------------------------------------------------

SLOW_SOCKETS = 150


def test_slow_clients_neither_lock_out_healthz_nor_stay(server):
    socks = []
    for _ in range(SLOW_SOCKETS):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        socks.append(s)
    try:
        worst = 0.0
        for _ in range(5):  # the slow ones keep trickling a header line
            for s in socks[: SLOW_SOCKETS // 2]:
                s.sendall(b"X-Slow: 1\r\n")
            t = time.perf_counter()
            status, _, _ = _get(server.port, "/healthz", timeout=5)
            worst = max(worst, time.perf_counter() - t)
            assert status == 200
            time.sleep(0.5)
        print(f"/healthz with {SLOW_SOCKETS} slow sockets open: worst {worst * 1000:.0f} ms")
        assert worst < 1.0
        # The silent half is dropped after channel_timeout (3 s here; default 20 s).
        silent = socks[SLOW_SOCKETS // 2]
        silent.settimeout(15)
        started = time.perf_counter()
        assert silent.recv(1024) == b""
        print(f"silent socket closed by the server after {time.perf_counter() - started:.1f} s more")
    finally:
        for s in socks:
            s.close()


# --- the pieces behind the figures --------------------------------------------------------


def test_memo_is_bounded_in_entries_and_bytes():
    from geo.lru import BoundedLRU

    memo: BoundedLRU[bytes] = BoundedLRU(max_entries=10, max_bytes=1000, sizeof=len)
    for i in range(100):
        memo.get_or_build(i, lambda: b"x" * 30)
    assert len(memo) == 10 and memo.get(99) and memo.get(0) is None
    for i in range(100):
        memo.get_or_build(("big", i), lambda: b"x" * 400)
    assert memo.nbytes <= 1000 and len(memo) == 2
    assert memo.get_or_build("huge", lambda: b"x" * 5000) == b"x" * 5000 and memo.get("huge") is None


def test_stored_prints_are_sent_without_drawing(tmp_path):
    from app import create_app

    (tmp_path / "town-01400.png").write_bytes(b"\x89PNG stored by hokkaido-map print")
    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "PRINT_DIR": str(tmp_path)})
    client = app.test_client()
    r = client.get("/print/town-01400.png")
    assert r.status_code == 200 and r.data == b"\x89PNG stored by hokkaido-map print"
    assert r.mimetype == "image/png" and 'filename="town-01400.png"' in r.headers["Content-Disposition"]
    assert app.extensions["printer"].renders == 0
    assert client.get("/print/..%2Fetc.png").status_code == 404  # only known map ids
    assert client.get("/print/town-99999.png").status_code == 404


def test_print_queue_full_is_503_with_retry_after():
    from app import create_app

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "RESPONSE_CACHE": False})
    client = app.test_client()
    client.get("/print/")  # builds the printer and the slots
    from tests.conftest import print_slots_taken

    with print_slots_taken(app) as taken:
        r = client.get("/print/town-01202.png")
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit()
        assert "no-store" in r.headers["Cache-Control"]
    assert taken == 3  # PRINT_WORKERS + PRINT_QUEUE


def test_forwarded_headers_only_behind_a_configured_proxy():
    from app import create_app
    from geo.web.serving import behind_proxy, wsgi_app

    seen = {}
    for proxies in (0, 1):
        app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})

        @app.get("/t/where")
        def where():
            from flask import request

            return f"{request.scheme}://{request.host}"

        wsgi_app(app, proxies)
        seen[proxies] = app.test_client().get(
            "/t/where", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example"}).text
    assert seen == {0: "http://localhost", 1: "https://proxy.example"}
    assert behind_proxy(None, {"HOKKAIDO_MAP_BEHIND_PROXY": "2"}) == 2
    assert behind_proxy(None, {}) == 0


def test_bad_settings_are_one_line_errors():
    import subprocess

    for env in ({"HOKKAIDO_MAP_PUBLIC_URL": 'https://x.example/"><script>'},
                {"HOKKAIDO_MAP_BEHIND_PROXY": "yes"}, {"HOKKAIDO_MAP_CHANNEL_TIMEOUT": "0"}):
        done = subprocess.run([sys.executable, "-m", "geo.cli", "serve", "--port", "1"], cwd=ROOT,
                              env={**__import__("os").environ, "PYTHONPATH": str(ROOT),
                                   "HOKKAIDO_MAP_BOUNDARIES": str(boundaries_path()), **env},
                              capture_output=True, text=True, timeout=60)
        name = next(iter(env))
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-1000:]
        assert done.stderr.strip().splitlines()[-1].startswith(f"hokkaido-map: error: {name}: "), done.stderr


def test_serve_freezes_the_loaded_heap(monkeypatch):
    """Before serving, what start-up loaded is out of the collector's sight: a full collection
    no longer scans the model (~115 ms with every thread stopped; docs/performance.md, b)."""
    import gc

    import waitress

    from geo import cli
    from geo.web.state import state

    seen: dict[str, object] = {}

    def serve_once(wsgi, **options):  # instead of serving forever: look at the heap, return
        with wsgi.app_context():
            loaded = state()
        in_sight = {id(o) for o in gc.get_objects()}
        seen.update(frozen=gc.get_freeze_count(), tracked=gc.is_tracked(loaded),
                    in_sight=id(loaded) in in_sight or id(loaded.plan) in in_sight)

    monkeypatch.setattr(waitress, "serve", serve_once)
    try:
        assert cli.main(["serve", "--boundaries", str(boundaries_path()), "--port", "0"]) == 0
    finally:
        gc.unfreeze()
    assert seen["tracked"] and not seen["in_sight"], seen
    assert seen["frozen"] > 100_000, seen
