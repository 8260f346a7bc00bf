"""Issue #6 (hardening): the production server under load — no errors, no timeouts, no leak.

The short form of ``bench/load.py`` (which runs 30 s × 64 connections and ≥100,000 requests and
writes docs/hardening.md): the documented server command in a subprocess, 1,000 warm-up requests,
wrk for 5 s with 16 connections over the same URL mix, then the RSS check. Runs in CI (wrk is
installed there by .ci/run, which fails if it is missing); skipped, and named in the summary, only
where wrk is missing.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT, boundaries_path
from missing_tools import missing

_NO_WRK = missing("wrk", "apt-get install wrk")
pytestmark = pytest.mark.skipif(bool(_NO_WRK), reason=_NO_WRK or "")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_load"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


load = _bench()


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_short_load_no_errors_no_leak(server):
    result = load.measure(server, boundaries_path(), duration=5, connections=16, total=5_000, warmup=1_000)
    print(load.render([result], 16, 5))
    assert result.requests > 500, "the server barely answered"
    assert result.errors == 0, (result.socket_errors, result.non_2xx_3xx)
    assert result.latency_ms["p99"] > 0  # reported
    assert result.latency_ms["max"] < 5_000, "a request came close to wrk's timeout"
    # Every page is cached after the warm-up; what follows must not grow the server.
    assert abs(result.rss_growth) <= 0.10, (result.rss_after_warmup_kb, result.rss_after_total_kb)


def test_mix_covers_pages_api_and_geojson():
    kinds = {p.split("/")[1].split("?")[0] for p in load.MIX}
    assert {"", "api", "town"} <= kinds
    assert any(p.endswith(".geojson") for p in load.MIX)
