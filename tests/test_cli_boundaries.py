"""``hokkaido-map inspect-boundaries`` run as a real process (``python -m geo.cli``).

Bad input must give a non-zero exit, exactly one line on stderr naming the file and the
problem, no traceback, and nothing in the cache. The processes of a group run in parallel to
keep the suite fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boundary_fixtures as bf
import pytest
from conftest import HOKKAIDO_GEOJSON, ROOT

from geo.atlas.sources import PINNED_NAME, PINNED_SHA256

EXPECTED = bf.expected()
NAME = "N03-21_01_210101.json"


def _env(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP_")}
    env["HOKKAIDO_MAP_CACHE"] = str(cache)
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra)
    return env


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "inspect-boundaries", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    bf.copy_shared(HOKKAIDO_GEOJSON, root / NAME)
    srv = bf.LocalServer(root)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def good_runs(tmp_path_factory, server):
    tmp = tmp_path_factory.mktemp("good")
    sjis = bf.sjis_shapefile_zip(tmp / "sjis")
    runs = {
        "json": (["--json", str(HOKKAIDO_GEOJSON)], {}),
        "option": (["--json", "--boundaries", str(HOKKAIDO_GEOJSON)], {}),
        "env-sjis-zip": (["--json"], {"HOKKAIDO_MAP_BOUNDARIES": str(sjis)}),
        "table": ([str(HOKKAIDO_GEOJSON)], {}),
        "download": (["--json"], {
            "HOKKAIDO_MAP_BOUNDARIES_URL": server.url(NAME),
            "HOKKAIDO_MAP_BOUNDARIES_SHA256": PINNED_SHA256,
        }),
    }
    procs = {
        name: (_start(args, _env(tmp / f"cache-{name}", **extra)), tmp / f"cache-{name}")
        for name, (args, extra) in runs.items()
    }
    return {name: (*_finish(p), cache) for name, (p, cache) in procs.items()}


@pytest.mark.parametrize("run", ["json", "option", "env-sjis-zip", "download"])
def test_json_summary(good_runs, run):
    code, out, err, _ = good_runs[run]
    assert code == 0, err
    summary = json.loads(out)  # one JSON object, nothing else on stdout
    assert summary["municipalities"] == EXPECTED["municipalities"] == 179
    assert summary["sapporo_wards"] == EXPECTED["sapporo_wards"] == 10
    assert summary["northern_territories"] == EXPECTED["northern_territories"] == 6
    assert summary["subprefectures"] == EXPECTED["subprefectures"] == 14
    assert summary["regions"] == 6
    assert summary["core_cities"] == 6
    assert summary["total_area_km2"] == pytest.approx(83_400, rel=0.01)
    assert summary["municipalities_per_subprefecture"] == EXPECTED["municipalities_per_subprefecture"]
    assert summary["municipalities_per_subprefecture"]["空知"] == 24  # well-known
    assert summary["municipalities_per_subprefecture"]["根室"] == 5  # without the 北方領土
    assert summary["crs"] == ("EPSG:6668" if run == "env-sjis-zip" else "EPSG:4326")
    assert summary["unassigned_rows"] == 0


def test_download_run_fills_the_cache(good_runs):
    code, out, _, cache = good_runs["download"]
    assert code == 0
    assert _files(cache) == [PINNED_NAME]
    assert bf.sha256_hex(cache / PINNED_NAME) == PINNED_SHA256
    assert json.loads(out)["source"] == str(cache / PINNED_NAME)


def test_explicit_file_leaves_cache_alone(good_runs):
    assert _files(good_runs["json"][3]) == []


def test_readable_table(good_runs):
    code, out, err, _ = good_runs["table"]
    assert code == 0, err
    assert "179" in out
    per_sub = EXPECTED["municipalities_per_subprefecture"]
    for short in ("空知", "石狩", "根室", "オホーツク"):
        assert f"{short} {per_sub[short]}" in out
    assert "道央広域" in out and "札幌市" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


# -- bad input ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory, server):
    tmp = tmp_path_factory.mktemp("bad")

    def drop_n03(props):
        return {"name": props["N03_004"], "code": props["N03_007"]}

    cases: dict[str, tuple[list[str], dict[str, str], str, str]] = {
        # name: (args, env, what must be named, the problem)
        "missing": ([str(tmp / "nope.geojson")], {}, str(tmp / "nope.geojson"), "not found"),
        "truncated": (
            [str(bf.truncated_copy(HOKKAIDO_GEOJSON, tmp / "half.geojson"))], {},
            str(tmp / "half.geojson"), "truncated",
        ),
        "random-bytes": (
            [str(bf.random_bytes(tmp / "random.geojson"))], {}, str(tmp / "random.geojson"), "corrupt",
        ),
        "random-zip": ([str(bf.random_bytes(tmp / "random.zip"))], {}, str(tmp / "random.zip"), "zip"),
        "garbage-zip": ([str(bf.garbage_zip(tmp / "garbage.zip"))], {}, str(tmp / "garbage.zip"), "corrupt"),
        "other-prefecture": (
            [str(bf.other_prefecture_geojson(tmp / "okinawa.geojson"))], {},
            str(tmp / "okinawa.geojson"), "no 北海道 rows",
        ),
        "no-n03-columns": (
            [str(bf.edited_geojson(tmp / "plain.geojson", drop_n03))], {},
            str(tmp / "plain.geojson"), "missing column",
        ),
        "sha256-mismatch": (
            [], {"HOKKAIDO_MAP_BOUNDARIES_URL": server.url(NAME), "HOKKAIDO_MAP_BOUNDARIES_SHA256": "0" * 64},
            server.url(NAME), "sha256",
        ),
        "offline": (
            [], {"HOKKAIDO_MAP_BOUNDARIES_URL": bf.closed_port_url()}, "http://127.0.0.1:", "--boundaries",
        ),
    }
    procs = {}
    for name, (args, extra, named, problem) in cases.items():
        cache = tmp / f"cache-{name}"
        procs[name] = (_start(["--json", *args], _env(cache, **extra)), cache, named, problem)
    return {name: (*_finish(p), cache, named, problem) for name, (p, cache, named, problem) in procs.items()}


BAD = ["missing", "truncated", "random-bytes", "random-zip", "garbage-zip", "other-prefecture",
       "no-n03-columns", "sha256-mismatch", "offline"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_one_line_no_traceback_no_cache(bad_runs, case):
    code, out, err, cache, named, problem = bad_runs[case]
    assert code != 0
    assert out == ""
    # A download is announced on its own line (issue 14); the error is then one line.
    lines = [line for line in err.strip().splitlines()
             if not line.startswith("hokkaido-map: first run: downloading boundary file ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("hokkaido-map: error: ")
    assert named in lines[0]
    assert problem in lines[0]
    assert _files(cache) == []
