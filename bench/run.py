"""Benchmark of issue #5 "Embeddable, light and fast": one run, all numbers, docs/performance.md.

    python bench/run.py [--boundaries PATH] [--quick] [--out docs/performance.md]

Measures (targets in brackets):
  a. bytes of the overview page and everything it loads except the shared library assets, raw
     and gzip, next to the gzip size of the TopoJSON of the boundaries [≤ 1.5×];
  b. wrk requests/s and p99 of ``/`` and ``/healthz`` on the production server (waitress via
     ``hokkaido-map serve``) [ratio ≥ 0.7];
  c. cold start: spawn the server, poll until the first 200 [< 3 s];
  d. ``/api/locate``: atlas.locate in process (p50/p99 over random points in Hokkaido's bbox)
     [p50 < 1 ms] and over HTTP;
  e. headless Chromium drawing the overview and its embed (≥ 179 ``path.leaflet-interactive``)
     next to a minimal Leaflet page drawing the same TopoJSON, in the same run [overview ≤ 1.2×,
     embed ≤ 1.1×]: the page's own clock from navigation start to the first frame rendered
     with the areas (the same probe in every page); the wall clock around Playwright is
     reported beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "boundaries" / "N03-21_01_210101.geojson"
BBOX = (139.3, 41.3, 148.9, 45.6)  # lon/lat of Hokkaido with the Northern Territories
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# URLs of shared library assets: excluded from the page weight (cached once for every page).
# The app's own registry says which they are: every /assets/<lib>/ but the app's own files.
@functools.cache  # libraries() hashes the static folder: once per run, not once per URL
def library_pattern() -> re.Pattern[str]:
    from geo.web.assets import libraries  # after sys.path has the repo

    names = [re.escape(name) for name in libraries() if name != "app"]
    return re.compile(r"/assets/(" + "|".join(names) + r")/")
MIN_PATHS = 179
BUNDLE_URL = re.compile(r"/assets/bundle/([^/?]+)")
TARGET_E = {"app": 1.2, "embed": 1.1}  # draw time ÷ the minimal page's, same run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


# -- machine ------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "os": platform.platform(),
    }


# -- server -------------------------------------------------------------------------------------
class Server:
    """``hokkaido-map serve`` (waitress) in a child process."""

    def __init__(self, boundaries: Path) -> None:
        self.port = free_port()
        self.boundaries = boundaries
        self.proc: subprocess.Popen[bytes] | None = None
        self.cold_start = float("nan")

    def __enter__(self) -> Server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "geo.cli", "serve", "--boundaries", str(self.boundaries),
             "--port", str(self.port)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while time.perf_counter() - started < 30:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited during start")
            try:
                if self.get("/healthz")[0] == 200:
                    self.cold_start = time.perf_counter() - started
                    return self
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("server did not answer within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read(), dict(r.getheaders())
        finally:
            conn.close()


# -- a. bytes -----------------------------------------------------------------------------------
def page_weight(server: Server, loaded: list[str], topojson: Path, page: str = "/") -> dict:
    """Raw and gzip bytes of ``page`` and of every non-library URL the browser loaded for it."""
    from geo.web.assets import own_parts

    rows = []
    for url in dict.fromkeys([page, *loaded]):
        if library_pattern().search(url):
            continue
        bundle = BUNDLE_URL.search(url)
        if bundle:
            # A bundle is mostly shared library code: only the app's own files in it count.
            status, _, _ = server.get(url)
            parts = own_parts(bundle[1])
            body = b"".join(parts.values())
            zipped_len = len(gzip.compress(body, 9, mtime=0))
            rows.append({"url": f"{url} (own, minified: {', '.join(parts)})", "status": status,
                         "raw": len(body), "gzip": zipped_len, "served": zipped_len})
            continue
        status, body, _ = server.get(url)
        _, zipped, zheaders = server.get(url, {"Accept-Encoding": "gzip"})
        wire = len(zipped) if zheaders.get("Content-Encoding") == "gzip" else len(body)
        rows.append({"url": url, "status": status, "raw": len(body),
                     "gzip": len(gzip.compress(body, 9, mtime=0)), "served": wire})
    reference = len(gzip.compress(topojson.read_bytes(), 9, mtime=0)) if topojson.exists() else 40_988
    served = sum(r["served"] for r in rows)
    return {"rows": rows, "raw": sum(r["raw"] for r in rows), "gzip": sum(r["gzip"] for r in rows),
            "served": served, "topojson_gzip": reference, "ratio": served / reference}


def page_urls(server: Server, page: str) -> list[str]:
    """Same-origin URLs a page's HTML loads (scripts, stylesheets, preloads); for /progress,
    which the browser step does not visit. The topology is one of its scripts."""
    html = server.get(page)[1].decode("utf-8")
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    urls = [m.group(1) for t in tags if ("<script" in t or re.search(r'rel="(?:stylesheet|preload)"', t))
            and (m := re.search(r'(?:src|href)="(/[^"]*)"', t))]
    return [u.replace("&amp;", "&") for u in urls]


# -- b. wrk -------------------------------------------------------------------------------------
def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")}


# -- d. locate ----------------------------------------------------------------------------------
def locate_in_process(boundaries: Path, n: int) -> dict:
    from geo.atlas.model import load_atlas

    atlas = load_atlas(boundaries)
    rng = random.Random(5)
    points = [(rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])) for _ in range(n)]
    atlas.locate(*points[0])  # builds the STRtree
    times, hits = [], 0
    for lon, lat in points:
        t = time.perf_counter()
        hits += atlas.locate(lon, lat) is not None
        times.append((time.perf_counter() - t) * 1e3)
    return {"n": n, "hits": hits, "p50_ms": pct(times, 50), "p99_ms": pct(times, 99)}


def locate_http(server: Server, n: int) -> dict:
    rng = random.Random(6)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    times, statuses = [], {}
    for _ in range(n):
        lon, lat = rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])
        t = time.perf_counter()
        conn.request("GET", f"/api/locate?lon={lon:.5f}&lat={lat:.5f}")
        r = conn.getresponse()
        r.read()
        times.append((time.perf_counter() - t) * 1e3)
        statuses[r.status] = statuses.get(r.status, 0) + 1
    conn.close()
    return {"n": n, "statuses": statuses, "p50_ms": pct(times, 50), "p99_ms": pct(times, 99)}


# -- e. browser ---------------------------------------------------------------------------------
MINIMAL_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="leaflet.css"><style>html,body,#map{height:100%;margin:0}</style>
</head><body><div id="map"></div>
<script src="leaflet.js"></script><script src="topojson-client.min.js"></script>
<script>
var map = L.map("map");
fetch("hokkaido.topojson").then(function (r) { return r.json(); }).then(function (topo) {
  var name = Object.keys(topo.objects)[0];
  var layer = L.geoJSON(topojson.feature(topo, topo.objects[name]),
                        {style: {weight: 1, color: "#555", fillOpacity: 0.5}}).addTo(map);
  map.fitBounds(layer.getBounds());
});
</script></body></html>"""


def minimal_site(topojson: Path) -> Path:
    """Leaflet from xstatic + topojson-client from vendor/npm + the TopoJSON, in a temp folder."""
    import xstatic.pkg.leaflet as xs

    site = Path(tempfile.mkdtemp(prefix="bench-minimal-"))
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copy(Path(xs.BASE_DIR) / name, site / name)
    candidates = [ROOT / "vendor/npm/node_modules/topojson-client/dist/topojson-client.min.js",
                  *ROOT.glob("geo/web/static/**/topojson-client*.js")]
    shutil.copy(next(p for p in candidates if p.exists()), site / "topojson-client.min.js")
    shutil.copy(topojson, site / "hokkaido.topojson")
    (site / "index.html").write_text(MINIMAL_PAGE, encoding="utf-8")
    return site


def serve_dir(directory: Path) -> tuple[ThreadingHTTPServer, int]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


# The end event, the same for every page: the first frame rendered with ≥ MIN_PATHS areas, on the
# page's own clock (ms since navigation start). Installed before any page script (and outside the
# page's CSP) by Playwright; a MutationObserver sees the areas attached, then the frame is waited
# for (rAF, then a task: the frame's style, layout and paint are done).
DRAWN_PROBE = """(() => {
  // Counts from the mutation records (not a document-wide query per batch, which would cost
  // more on a page with more content around the map).
  const want = MIN_PATHS;
  let count = 0;
  const sel = "path.leaflet-interactive";
  const areas = (node) => node.nodeType !== 1 ? 0
    : (node.matches(sel) ? 1 : node.querySelectorAll(sel).length);
  const watch = new MutationObserver((records) => {
    for (const r of records) {
      r.addedNodes.forEach((n) => { count += areas(n); });
      r.removedNodes.forEach((n) => { count -= areas(n); });
    }
    if (count < want) { return; }
    watch.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__benchDrawn = performance.now(); }, 0));
  });
  watch.observe(document, {childList: true, subtree: true});
})();""".replace("MIN_PATHS", str(MIN_PATHS))


def draw_times(urls: dict[str, str], runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]],
                                                         list[str]]:
    """Per URL (fresh context each): seconds from navigation start to the first frame with ≥179
    polygons (the page's clock), and the wall-clock seconds from ``goto`` until Playwright saw
    them (includes its round trips and the wait for ``load``; reported for reference)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {k: [] for k in urls}
    walls: dict[str, list[float]] = {k: [] for k in urls}
    loaded: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(runs + 1):  # run 0 warms the OS caches and the server's gzip cache
            for name, url in urls.items():
                context = browser.new_context(viewport={"width": 1200, "height": 900})
                context.add_init_script(DRAWN_PROBE)
                page = context.new_page()
                page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda r: r.abort())
                seen: list[str] = []
                page.on("request", lambda req, seen=seen: seen.append(req.url))
                t = time.perf_counter()
                page.goto(url)
                drawn = float("nan")
                try:
                    # A selector, not a JS string: the app's CSP forbids eval.
                    page.locator("path.leaflet-interactive").nth(MIN_PATHS - 1).wait_for(
                        state="attached", timeout=15_000)
                    elapsed = time.perf_counter() - t
                    for _ in range(100):  # the probe fires one frame later; bounded wait
                        value = page.evaluate("() => window.__benchDrawn")
                        if value is not None:
                            drawn = value / 1000
                            break
                        page.wait_for_timeout(20)
                except PlaywrightTimeout:
                    elapsed = float("nan")  # never drew: reported as such
                if i:
                    times[name].append(drawn)
                    walls[name].append(elapsed)
                if name == "app" and not loaded:
                    loaded = [re.sub(r"^https?://[^/]+", "", u) for u in seen]
                context.close()
        browser.close()
    return times, walls, loaded


# -- f. compression layer ----------------------------------------------------------------------
class _DictBackend:
    """The cache flask-compress wants: an object with get/set."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.store.get(key)

    def set(self, key: str, value: bytes) -> None:
        self.store[key] = value


def compression_layers(boundaries: Path, n: int) -> dict[str, float]:
    """ms per gzip'd GET of / in process: our gzip cache vs flask-compress (with/without cache).

    The response cache is off in all three so only the compression layer differs.
    """
    from flask_compress import Compress

    import app as app_module
    from geo.web import caching

    def timed(flask_app) -> float:
        client = flask_app.test_client()
        client.get("/", headers={"Accept-Encoding": "gzip"})
        t = time.perf_counter()
        for _ in range(n):
            r = client.get("/", headers={"Accept-Encoding": "gzip"})
            assert r.headers.get("Content-Encoding") == "gzip"
        return (time.perf_counter() - t) / n * 1e3

    config = {"BOUNDARIES": str(boundaries), "RESPONSE_CACHE": False}
    out = {"own gzip cache (geo/web/caching.py)": timed(app_module.create_app(config))}
    original = caching.init_app
    try:
        caching.init_app = lambda flask_app: None  # type: ignore[assignment]
        for label, cached in (("flask-compress, cache configured", True),
                              ("flask-compress, no cache", False)):
            flask_app = app_module.create_app(config)
            flask_app.config.update(COMPRESS_ALGORITHM="gzip", COMPRESS_LEVEL=9)
            if cached:
                flask_app.config.update(COMPRESS_CACHE_BACKEND=_DictBackend,
                                        COMPRESS_CACHE_KEY=lambda req: req.full_path)
            Compress(flask_app)
            out[label] = timed(flask_app)
    finally:
        caching.init_app = original  # type: ignore[assignment]
    return out


# -- report -------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def report(m: dict, r: dict, quick: bool) -> str:
    a, b, c, d, e = r["a"], r["b"], r["c"], r["d"], r["e"]
    lines = [
        "# Performance",
        "",
        "Written by `python bench/run.py" + (" --quick" if quick else "") + "`; rerun it to update.",
        "",
        f"Machine: {m['nproc']} × {m['cpu']}, {m['memory']} RAM, Python {m['python']}, {m['os']}. "
        f"Date: {m['date']}.",
        "",
        "| # | measure | result | target | |",
        "|---|---|---|---|---|",
        f"| a | overview page + what it loads (no library assets), gzip on the wire | "
        f"{a['served']:,} B (raw {a['raw']:,} B) = {a['ratio']:.2f}× the TopoJSON's gzip "
        f"({a['topojson_gzip']:,} B) | ≤ 1.5× | {verdict(a['ratio'] <= 1.5)} |",
        f"| b | wrk `/` vs `/healthz` (waitress, 2 threads × 16 connections, {b['seconds']} s) | "
        f"{b['page']['rps']:,.0f} vs {b['healthz']['rps']:,.0f} req/s = {b['ratio']:.2f}; "
        f"p99 {b['page']['p99_ms']:.1f} ms vs {b['healthz']['p99_ms']:.1f} ms | ≥ 0.7 | "
        f"{verdict(b['ratio'] >= 0.7)} |",
        f"| c | cold start to first 200 (median of {len(c['runs'])}) | {c['median']:.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in c['runs'])}) | < 3 s | {verdict(c['median'] < 3)} |",
        f"| d | atlas.locate in process, {d['inproc']['n']:,} random points "
        f"({d['inproc']['hits']} on land) | p50 {d['inproc']['p50_ms']:.3f} ms, "
        f"p99 {d['inproc']['p99_ms']:.3f} ms | p50 < 1 ms | {verdict(d['inproc']['p50_ms'] < 1)} |",
        f"| d | `/api/locate` over HTTP (keep-alive), {d['http']['n']} requests, statuses "
        f"{d['http']['statuses']} | p50 {d['http']['p50_ms']:.2f} ms, p99 {d['http']['p99_ms']:.2f} ms "
        "| — | |",
        *[f"| e | Chromium draws {label} vs a minimal Leaflet page (median of {e['runs']}, same run; "
          f"navigation start → first frame with ≥ {MIN_PATHS} areas, page clock) | "
          f"{e[key]:.3f} s vs {e['minimal']:.3f} s = {e['ratios'][key]:.2f}× | ≤ {TARGET_E[key]}× | "
          f"{verdict(e['ratios'][key] <= TARGET_E[key])} |"
          for key, label in (("app", "the overview `/`"), ("embed", "the embed `/embed/`"))],
        *[f"| e′ | same loads, wall clock: Python `goto` → Playwright sees ≥ {MIN_PATHS} areas "
          f"(adds its round trips and the wait for `load`) | {label}: {e['wall'][key]:.3f} s vs "
          f"{e['wall']['minimal']:.3f} s = {e['wall_ratios'][key]:.2f}× | (reference) | |"
          for key, label in (("app", "`/`"), ("embed", "`/embed/`"))],
        "",
        *_progress_rows(r, b),
        "## a. What the overview page loads (library assets excluded)",
        "",
        "| URL | status | raw B | gzip -9 B | on the wire B |",
        "|---|---|---|---|---|",
        *[f"| `{row['url']}` | {row['status']} | {row['raw']:,} | {row['gzip']:,} | {row['served']:,} |"
          for row in a["rows"]],
        "",
    ]
    f = r.get("f")
    if f:
        lines += ["## f. Compression layer alone (in process, GET / with gzip, response cache off)", "",
                  "| layer | ms/request |", "|---|---|",
                  *[f"| {k} | {v:.2f} |" for k, v in f.items()], ""]
    if r.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in r["notes"]], ""]
    return "\n".join(lines)


def _progress_rows(r: dict, b: dict) -> list[str]:
    """The /progress page against the same targets as / (a, b), and what it loads."""
    p = r.get("progress")
    if not p:
        return []
    a2, b2 = p["a"], p["b"]
    return [
        "| # | `/progress` (推進管理) | result | target | |", "|---|---|---|---|---|",
        f"| a | page + what it loads (no library assets), gzip on the wire | {a2['served']:,} B "
        f"(raw {a2['raw']:,} B) = {a2['ratio']:.2f}× the TopoJSON's gzip | ≤ 1.5× | "
        f"{verdict(a2['ratio'] <= 1.5)} |",
        f"| b | wrk `/progress` vs `/healthz` | {b2['page']['rps']:,.0f} vs {b['healthz']['rps']:,.0f} req/s "
        f"= {b2['ratio']:.2f}; p99 {b2['page']['p99_ms']:.1f} ms | ≥ 0.7 | {verdict(b2['ratio'] >= 0.7)} |",
        "", "| URL | status | raw B | gzip -9 B | on the wire B |", "|---|---|---|---|---|",
        *[f"| `{row['url']}` | {row['status']} | {row['raw']:,} | {row['gzip']:,} | {row['served']:,} |"
          for row in a2["rows"]],
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--topojson", type=Path,
                        help="reference TopoJSON (default: the .topojson beside --boundaries)")
    parser.add_argument("--quick", action="store_true", help="short wrk runs, fewer repetitions")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    boundaries = args.boundaries.resolve()
    topojson = (args.topojson or boundaries.with_suffix(".topojson")).resolve()
    quick = args.quick
    seconds, runs, cold_runs, n_locate = (2, 2, 1, 500) if quick else (8, 15, 3, 2000)
    results: dict = {"notes": []}

    def step(name: str) -> None:
        print(f"[bench] {name}", file=sys.stderr, flush=True)

    step("c. cold start")
    colds = []
    for _ in range(cold_runs - 1):
        with Server(boundaries) as s:
            colds.append(s.cold_start)
    with Server(boundaries) as server:
        colds.append(server.cold_start)
        results["c"] = {"runs": colds, "median": statistics.median(colds)}

        step("e. browser draw")
        site = minimal_site(topojson)
        httpd, port = serve_dir(site)
        try:
            times, walls, loaded = draw_times({"app": server.base + "/", "embed": server.base + "/embed/",
                                        "minimal": f"http://127.0.0.1:{port}/index.html"}, runs)
        finally:
            httpd.shutdown()
            shutil.rmtree(site, ignore_errors=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        wall = {k: statistics.median(v) for k, v in walls.items()}
        results["e"] = {"runs": runs, **med, "times": times, "walls": walls, "wall": wall,
                        "ratios": {k: med[k] / med["minimal"] for k in TARGET_E},
                        "wall_ratios": {k: wall[k] / wall["minimal"] for k in TARGET_E}}

        step("a. bytes")
        results["a"] = page_weight(server, loaded, topojson)

        step("b. wrk")
        page, health = wrk(server.base + "/", seconds), wrk(server.base + "/healthz", seconds)
        results["b"] = {"seconds": seconds, "page": page, "healthz": health,
                        "ratio": page["rps"] / health["rps"]}

        step("a/b. /progress (推進管理)")
        results["progress"] = {
            "a": page_weight(server, page_urls(server, "/progress"), topojson, "/progress"),
            "b": (lambda pg: {"seconds": seconds, "page": pg, "ratio": pg["rps"] / health["rps"]})(
                wrk(server.base + "/progress", seconds)),
        }

        step("d. locate")
        results["d"] = {"inproc": locate_in_process(boundaries, n_locate),
                        "http": locate_http(server, min(n_locate, 500))}
    step("f. compression layers")
    results["f"] = compression_layers(boundaries, 50 if quick else 200)
    if 200 not in results["d"]["http"]["statuses"]:
        results["notes"].append("`/api/locate` never answered 200: is the endpoint there?")
    else:
        results["notes"].append("`/api/locate` answers 404 for points at sea or outside Hokkaido "
                                "(most of the bbox); both kinds are timed.")
    text = report(machine(), results, quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    # Keep hand-written analysis below the generated part (marker line).
    marker = "<!-- end of generated part -->"
    tail = existing.split(marker, 1)[1] if marker in existing else ""
    args.out.write_text(text + "\n" + marker + tail, encoding="utf-8")
    print(text)
    print(json.dumps(results, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
