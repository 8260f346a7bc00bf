"""Load and soak test of the production server: wrk on 127.0.0.1, errors, p99, memory drift.

    python bench/load.py                      # both servers, 30 s × 64 connections, ≥100,000 requests
    python bench/load.py --server gunicorn --duration 10 --write-docs

What it does, per server: start it as in docs/production.md; send 1,000 requests over the URL mix
(warm-up: every page rendered and cached once) and read the resident memory (RSS, /proc, summed
over the server's process tree); run wrk for ``--duration`` seconds with ``--connections``
connections cycling through the mix; keep going until ``--total`` requests have been served; read
RSS again. Errors are wrk's socket errors (connect/read/write/timeout) plus non-2xx/3xx answers.
With ``--write-docs`` the figures replace the block between the markers in docs/hardening.md.

    python bench/load.py --slow-sockets 600 [--write-docs]

The slow-socket measurement (issue 26): one client (127.0.0.2) keeps ``--slow-sockets`` sockets
open, each trickling a header line before each probe and never finishing its request, re-opening any the
server closes; meanwhile another client (127.0.0.1) asks for ``/healthz`` four times a second.
Once with the per-client limits off (as before issue 26: only the global connection limit), once
as ``hokkaido-map serve`` runs by default; the table goes between the ``slow:`` markers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "hardening.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
SLOW_BEGIN, SLOW_END = "<!-- slow:begin -->", "<!-- slow:end -->"
SLOW_CLIENT, PROBE_CLIENT = "127.0.0.2", "127.0.0.1"
# The server as it was before issue 26: no per-client limit, no whole-request timeout.
UNGUARDED = {"HOKKAIDO_MAP_CLIENT_CONNECTIONS": "0", "HOKKAIDO_MAP_CLIENT_INCOMPLETE": "0",
             "HOKKAIDO_MAP_HEADER_TIMEOUT": "3600"}
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "boundaries" / "N03-21_01_210101.geojson"

# What a visitor's browser and an embedding page ask for: pages, their JSON/GeoJSON, lookups.
MIX = [
    "/",
    "/healthz",
    "/api/regions",
    "/api/municipalities",
    "/api/municipalities/01224",
    "/api/projects",
    "/api/kpis",
    "/api/search?q=" + quote("倶知安"),
    "/api/locate?lat=42.9&lon=140.75",
    "/api/geo/subprefectures.geojson",
    "/town/01224",
    "/kpi",
]

SERVERS = {
    # `hokkaido-map serve`: waitress, one process, 8 threads.
    "waitress": lambda port, workers: [
        sys.executable, "-m", "geo.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--threads", "8",
    ],
    # gunicorn, preloaded app (one atlas in memory shared copy-on-write), threaded workers so
    # keep-alive connections are kept.
    "gunicorn": lambda port, workers: [
        sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-k", "gthread",
        "--threads", "8", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()",
    ],
}


@dataclass
class Result:
    server: str
    duration_s: float
    connections: int
    requests: int = 0
    requests_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # p50, p90, p99, max
    socket_errors: dict[str, int] = field(default_factory=dict)
    non_2xx_3xx: int = 0
    soak_requests: int = 0  # all requests between the two RSS readings
    rss_after_warmup_kb: int = 0
    rss_after_total_kb: int = 0
    total_requests: int = 0

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values()) + self.non_2xx_3xx

    @property
    def rss_growth(self) -> float:
        return self.rss_after_total_kb / self.rss_after_warmup_kb - 1 if self.rss_after_warmup_kb else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (gunicorn's master + workers), in kB."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        m = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
        total += int(m.group(1)) if m else 0
        for task in Path(f"/proc/{p}/task").iterdir():
            children = (task / "children").read_text().split()
            todo.extend(int(c) for c in children)
    return total


class Server:
    """A production server in a subprocess (own process group, so one kill stops its workers)."""

    def __init__(self, kind: str, boundaries: Path, workers: int = 2, env: dict[str, str] | None = None):
        self.kind = kind
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, "HOKKAIDO_MAP_BOUNDARIES": str(boundaries), "PYTHONPATH": str(ROOT)}
        environ.update(env or {})
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            SERVERS[kind](self.port, workers), cwd=ROOT, env=environ, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.output()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.kind} not ready after {timeout} s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def rss_kb(self) -> int:
        return tree_rss_kb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        self.wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def warm_up(port: int, paths: list[str], count: int, connections: int = 8) -> list[tuple[str, int]]:
    """``count`` requests cycling through ``paths`` over ``connections`` parallel keep-alive
    connections (so every gunicorn worker and waitress thread warms up); (path, status) pairs."""

    def one(start: int) -> list[tuple[str, int]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        seen = []
        for i in range(start, count, connections):
            path = paths[i % len(paths)]
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            resp = conn.getresponse()
            resp.read()
            seen.append((path, resp.status))
            if resp.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        return seen

    with ThreadPoolExecutor(connections) as pool:
        return [pair for part in pool.map(one, range(connections)) for pair in part]


def lua_script(paths: list[str]) -> str:
    items = ", ".join(json.dumps(p) for p in paths)
    return f"""
local paths = {{{items}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {{["Accept-Encoding"] = "gzip"}})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON %d %d %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.bytes))
end
"""


@dataclass
class WrkRun:
    requests: int
    duration_s: float
    socket_errors: dict[str, int]
    non_2xx_3xx: int
    latency_ms: dict[str, float]
    text: str


def run_wrk(port: int, paths: list[str], duration: float, connections: int, threads: int = 2) -> WrkRun:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(paths))
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "5s",
             "--latency", "-s", f.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=duration + 60, check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    m = re.search(r"^JSON (.*)$", out, flags=re.M)
    assert m, out
    (reqs, dur_us, connect, read, write, status, timeout, p50, p90, p99, mx, _bytes) = map(
        int, m.group(1).split()
    )
    return WrkRun(
        requests=reqs,
        duration_s=dur_us / 1e6,
        socket_errors={"connect": connect, "read": read, "write": write, "timeout": timeout},
        non_2xx_3xx=status,
        latency_ms={"p50": p50 / 1e3, "p90": p90 / 1e3, "p99": p99 / 1e3, "max": mx / 1e3},
        text=out,
    )


def measure(kind: str, boundaries: Path, *, duration: float, connections: int, total: int,
            warmup: int = 1000, paths: list[str] | None = None, workers: int = 2) -> Result:
    paths = paths or MIX
    with Server(kind, boundaries, workers=workers) as server:
        statuses = warm_up(server.port, paths, warmup)
        bad = sorted({(p, s) for p, s in statuses if s >= 400})
        if bad:
            raise RuntimeError(f"URL mix answers errors: {bad}")
        result = Result(server=kind, duration_s=duration, connections=connections)
        result.rss_after_warmup_kb = server.rss_kb()
        run = run_wrk(server.port, paths, duration, connections)
        result.requests = run.requests
        result.requests_per_s = round(run.requests / run.duration_s, 1)
        result.latency_ms = run.latency_ms
        result.socket_errors = dict(run.socket_errors)
        result.non_2xx_3xx = run.non_2xx_3xx
        done = run.requests
        while done + warmup < total:  # soak until the total is reached
            more = run_wrk(server.port, paths, max(5.0, duration / 2), connections)
            done += more.requests
            for k, v in more.socket_errors.items():
                result.socket_errors[k] += v
            result.non_2xx_3xx += more.non_2xx_3xx
        result.soak_requests = done
        result.total_requests = done + warmup
        result.rss_after_total_kb = server.rss_kb()
    return result


@dataclass
class SlowResult:
    setting: str
    sockets: int
    seconds: float
    probes: int = 0
    probe_failures: int = 0  # /healthz not answered 200 within the probe timeout
    probe_ms: dict[str, float] = field(default_factory=dict)  # p50, p99, max of those answered
    held_at_end: int = 0  # slow sockets still open at the end (those past 500 wait in the backlog)
    opened: int = 0  # slow sockets opened in all (re-opened after the server closed one)


def _enough_files(n: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(n, soft)), hard))


def _slow_socket(port: int) -> socket.socket | None:
    s = socket.socket()
    try:
        s.bind((SLOW_CLIENT, 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")  # the head is never finished
        s.setblocking(False)
        return s
    except OSError:
        s.close()
        return None


def _still_open(s: socket.socket) -> bool:
    """Whether the server still holds ``s``: no answer (a 503) and no end of stream yet."""
    try:
        s.recv(1, socket.MSG_PEEK)  # an answer or the end of the stream: closed by the server
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def _trickle(socks: list[socket.socket], port: int, want: int) -> tuple[list[socket.socket], int]:
    """One header line to each slow socket; those the server closed are re-opened."""
    alive = []
    for s in socks:
        try:
            if _still_open(s):
                s.send(b"X-Slow: 1\r\n")
                alive.append(s)
                continue
        except OSError:
            pass
        s.close()
    opened = 0
    while len(alive) < want:
        s = _slow_socket(port)
        opened += 1
        if s is None:
            break
        alive.append(s)
    return alive, opened


def _probe(port: int, timeout: float) -> float | None:
    """Seconds for ``/healthz`` from the other client, or None if not 200 within ``timeout``."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(PROBE_CLIENT, 0))
    try:
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
    except OSError:
        ok = False
    finally:
        conn.close()
    return time.perf_counter() - started if ok else None


def measure_slow(boundaries: Path, sockets: int, seconds: float, guarded: bool,
                 probe_timeout: float = 5.0) -> SlowResult:
    """``/healthz`` latency for one client while another holds ``sockets`` slow sockets."""
    _enough_files(sockets + 200)
    result = SlowResult("per-client limits (default)" if guarded else "global limit only (before)",
                        sockets, seconds)
    with Server("waitress", boundaries, env=None if guarded else UNGUARDED) as server:
        socks, result.opened = _trickle([], server.port, sockets)
        times: list[float] = []
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                socks, more = _trickle(socks, server.port, sockets)
                result.opened += more
                took = _probe(server.port, probe_timeout)
                result.probes += 1
                if took is None:
                    result.probe_failures += 1
                else:
                    times.append(took * 1000)
                time.sleep(0.25)
            result.held_at_end = sum(_still_open(s) for s in socks)
        finally:
            for s in socks:
                s.close()
    if times:
        times.sort()
        result.probe_ms = {"p50": times[len(times) // 2], "p99": times[min(len(times) - 1,
                           int(len(times) * 0.99))], "max": times[-1]}
    return result


def render_slow(results: list[SlowResult]) -> str:
    lines = [
        SLOW_BEGIN,
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} CPUs), "
        f"`python bench/load.py --slow-sockets {results[0].sockets}`: {SLOW_CLIENT} keeps "
        f"{results[0].sockets} sockets trickling a header line before each probe (re-opening any closed), "
        f"{PROBE_CLIENT} asks for `/healthz` every 0.25 s for {results[0].seconds:g} s "
        "(5 s timeout).",
        "",
        "| server | /healthz answered | p50 ms | p99 ms | max ms | slow sockets still open at the end | "
        "slow sockets opened |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ms = r.probe_ms
        cells = [f"{ms[k]:.0f}" for k in ("p50", "p99", "max")] if ms else ["—"] * 3
        lines.append(f"| {r.setting} | {r.probes - r.probe_failures}/{r.probes} | " + " | ".join(cells)
                     + f" | {r.held_at_end} | {r.opened:,} |")
    lines.append(SLOW_END)
    return "\n".join(lines)


def render(results: list[Result], connections: int, duration: float) -> str:
    cpu = os.cpu_count()
    lines = [
        BEGIN,
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({cpu} CPUs), `python bench/load.py`:",
        f"wrk, {connections} connections, {duration:g} s, URL mix of {len(MIX)} paths "
        "(pages, JSON, GeoJSON, search, locate; `Accept-Encoding: gzip`).",
        "",
        "| server | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | requests | RSS after 1,000 | "
        "RSS after all | growth |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.requests_per_s:,.0f} | {r.latency_ms['p50']:.1f} | "
            f"{r.latency_ms['p90']:.1f} | {r.latency_ms['p99']:.1f} | {r.latency_ms['max']:.0f} | "
            f"{r.errors} | {r.total_requests:,} | {r.rss_after_warmup_kb / 1024:.0f} MB | "
            f"{r.rss_after_total_kb / 1024:.0f} MB | {r.rss_growth:+.1%} |"
        )
    lines += ["", "Errors = wrk socket errors (connect, read, write, timeout) + non-2xx/3xx answers.", END]
    return "\n".join(lines)


def write_docs(block: str, begin: str = BEGIN, end: str = END) -> None:
    text = DOC.read_text(encoding="utf-8")
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", choices=[*SERVERS, "both"], default="both")
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--total", type=int, default=100_000, help="requests before the second RSS reading")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--boundaries", type=Path,
                   default=Path(os.environ.get("HOKKAIDO_MAP_BOUNDARIES") or DEFAULT_BOUNDARIES))
    p.add_argument("--write-docs", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    p.add_argument("--slow-sockets", type=int, default=0, metavar="N",
                   help="instead: /healthz from one client while another holds N slow sockets")
    p.add_argument("--slow-seconds", type=float, default=15)
    args = p.parse_args(argv)
    if args.slow_sockets:
        return main_slow(args)
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2
    kinds = list(SERVERS) if args.server == "both" else [args.server]
    results = []
    for kind in kinds:
        r = measure(kind, args.boundaries, duration=args.duration, connections=args.connections,
                    total=args.total, workers=args.workers)
        results.append(r)
        print(json.dumps({**asdict(r), "errors": r.errors, "rss_growth": round(r.rss_growth, 4)},
                         ensure_ascii=False), flush=True)
    block = render(results, args.connections, args.duration)
    print(block)
    if args.write_docs:
        write_docs(block)
    ok = all(r.errors == 0 and abs(r.rss_growth) <= 0.10 for r in results)
    return 0 if ok else 1


def main_slow(args: argparse.Namespace) -> int:
    results = [measure_slow(args.boundaries, args.slow_sockets, args.slow_seconds, guarded)
               for guarded in (False, True)]
    for r in results:
        print(json.dumps(asdict(r), ensure_ascii=False), flush=True)
    block = render_slow(results)
    print(block)
    if args.write_docs:
        write_docs(block, SLOW_BEGIN, SLOW_END)
    return 0 if results[-1].probe_failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
