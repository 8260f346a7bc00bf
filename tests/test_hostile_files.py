"""Issue 13 through files: YAML bombs, oversized values, hostile geometry, an export that must not
delete what is not its own. Each case, from the CLI: non-zero exit, one line on stderr naming the
file (and line/feature), no traceback, bounded memory (the child runs under a 1.5 GB address-space
limit) and time."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from geo.atlas.boundaries import read_boundaries
from geo.atlas.model import load_atlas
from geo.errors import BoundaryError
from tests.conftest import boundaries_path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of each child (GEOS/numpy reserve some)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(PYTHONPATH=str(ROOT), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()))
    return subprocess.run([sys.executable, "-m", "geo.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout, preexec_fn=_limit_memory)


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode != 0, done.stdout[-500:]
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr, done.stderr[-2000:]
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines[:5]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --- 5. YAML alias bombs, self-references, deep nesting -------------------------------------

LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 12))
YAML_BOMBS = {
    "billion laughs": (LAUGHS, ":2: YAML alias *a0"),
    "self-reference": ("total_projects: &a [*a]\n", ":1: YAML alias *a"),
    "merge key": ("base: &b {x: 1}\nregions:\n  <<: *b\n", ":3: YAML alias *b"),
    "5,000 brackets": ("total_projects: " + "[" * 5000 + "]" * 5000 + "\n", ":1: nested deeper"),
    "5,000 nested flow maps": ("total_projects: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
                               ":1: nested deeper"),
    "400 indented maps": ("".join(" " * i + f"k{i}:\n" for i in range(400)) + " " * 400 + "v\n",
                          ":32: nested deeper"),
}


@pytest.fixture
def data_copy(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(ROOT / "data", out)
    return out


@pytest.mark.parametrize("case", list(YAML_BOMBS))
@pytest.mark.parametrize(
    "file", ["editions/h28/regions.yaml", "editions/h28/projects/doo.yaml", "hierarchy.yaml"])
def test_yaml_bombs_are_one_line(data_copy, case, file):
    text, needle = YAML_BOMBS[case]
    (data_copy / file).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    done = cli("validate", "--data", str(data_copy), timeout=60)
    one_line_error(done, f"{data_copy / file}{needle}")
    assert time.perf_counter() - started < 30


def test_oversized_file_is_refused_before_parsing(data_copy):
    path = data_copy / "editions" / "h28" / "regions.yaml"
    path.write_text("total_projects: 1\nregions:\n- vision: " + "x" * (3 * 1024 * 1024) + "\n")
    one_line_error(cli("validate", "--data", str(data_copy)), str(path), "at most 2,097,152")


# --- 6. oversized values ----------------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("name", 200), ("coverage_label", 200)])
def test_oversized_text_names_file_line_and_field(data_copy, field, limit):
    path = data_copy / "editions" / "h28" / "projects" / "doo.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.strip().startswith(f"{field}:"))
    indent = lines[n][: len(lines[n]) - len(lines[n].lstrip())]
    lines[n] = f"{indent}{field}: {'長' * 5000}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one_line_error(cli("validate", "--data", str(data_copy)),
                   f"{path}:{n + 1}: projects.", f".{field}: String should have at most {limit} characters")


def test_a_ten_megabyte_name_never_reaches_a_page(data_copy):
    path = data_copy / "editions" / "h28" / "projects" / "doo.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("  name: ") + len("  name: ")
    path.write_text(text[:first] + "x" * 10_000_000 + text[text.index("\n", first):], encoding="utf-8")
    one_line_error(cli("validate", "--data", str(data_copy)), str(path))


def test_limits_sit_well_above_the_real_data():
    """The limits must leave room: the longest real value is far below each."""
    import yaml

    from geo.yamlfile import NAME_MAX, SENTENCE_MAX

    longest: dict[str, int] = {}

    def walk(value, key):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            longest[key] = max(longest.get(key, 0), len(value))

    for f in (ROOT / "data").rglob("*.yaml"):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")), "")
    assert max(longest[k] for k in ("name", "aliases", "coverage_label", "full_name")) * 4 < NAME_MAX
    assert max(longest[k] for k in ("vision", "directions", "measures", "kpis")) * 10 < SENTENCE_MAX


# --- 7. geometry ------------------------------------------------------------------------------


def _geojson() -> dict:
    return json.loads(boundaries_path().read_text(encoding="utf-8"))


def _first_ring(feature: dict) -> list:
    geom = feature["geometry"]
    return geom["coordinates"][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0]


def _kutchan(doc: dict) -> dict:
    return next(f for f in doc["features"] if f["properties"]["N03_004"] == "倶知安町")


def _write(tmp_path: Path, doc: dict, name: str = "bad.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # NaN/Infinity as tokens
    return path


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e308, -1e308])
def test_bad_coordinates_name_the_feature(tmp_path, value):
    doc = _geojson()
    _first_ring(_kutchan(doc))[3][0] = value
    path = _write(tmp_path, doc)
    one_line_error(cli("validate", "--boundaries", str(path)), str(path), "01400 倶知安町", "geometry")


def test_bow_tie_is_refused_not_tripled(tmp_path):
    doc = _geojson()
    ring = _first_ring(_kutchan(doc))
    half = len(ring) // 2
    ring[1:half] = ring[1:half][::-1]  # the ring crosses itself: a bow-tie
    path = _write(tmp_path, doc)
    one_line_error(cli("validate", "--boundaries", str(path)), str(path), "01400 倶知安町",
                   "invalid polygon", "Self-intersection")


def test_stacked_copies_are_refused_before_union(tmp_path):
    doc = _geojson()
    doc["features"] = doc["features"] + [_kutchan(doc)] * 3000  # ~3,000 stacked copies of one town
    path = _write(tmp_path, doc)
    started = time.perf_counter()
    one_line_error(cli("validate", "--boundaries", str(path)), str(path), "01400 倶知安町", "overlap")
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("MAX_FEATURES", 100, "features; at most 100"),
    ("MAX_VERTICES", 10_000, "vertices; at most 10,000"),
    ("MAX_FILE_BYTES", 100_000, "bytes; at most 100,000"),
])
def test_input_size_is_bounded(monkeypatch, name, value, needle):
    import geo.atlas.boundaries as b

    monkeypatch.setattr(b, name, value)
    with pytest.raises(BoundaryError, match=needle):
        read_boundaries(boundaries_path())


def test_real_files_keep_their_exact_areas():
    atlas = load_atlas(boundaries_path())
    assert round(atlas.total_area_km2, 1) == 83_407.8
    assert round(atlas.municipality("01100").area_km2, 2) == 1_120.97


# --- 8./9. export ---------------------------------------------------------------------------


def _unrelated(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thesis.txt").write_text("mine")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "photo.jpg").write_bytes(b"\xff\xd8")
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _same(folder: Path, before: dict[str, bytes]) -> bool:
    return before == {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_export_refuses_a_folder_of_other_files(tmp_path):
    mine = tmp_path / "docs"
    before = _unrelated(mine)
    started = time.perf_counter()
    one_line_error(cli("export", str(mine), "--quiet"), str(mine), "not a previous export")
    assert time.perf_counter() - started < 15  # refused before loading and crawling
    assert _same(mine, before)


def test_export_refuses_dot(tmp_path):
    before = _unrelated(tmp_path / "work")
    one_line_error(cli("export", ".", "--quiet", cwd=tmp_path / "work"), "not a previous export")
    assert _same(tmp_path / "work", before)


def test_export_follows_a_symlink_explicitly(tmp_path):
    mine = tmp_path / "docs"
    before = _unrelated(mine)
    link = tmp_path / "site"
    link.symlink_to(mine)
    one_line_error(cli("export", str(link), "--quiet"), f"{link} (→ {mine})", "not a previous export")
    assert _same(mine, before) and link.is_symlink()


def test_export_under_a_read_only_parent(tmp_path):
    if os.geteuid() == 0:  # root writes into any 0555 folder; sysfs refuses even root
        one_line_error(cli("export", "/sys/hokkaido-map-site", "--quiet"), "/sys: not writable")
        return
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        one_line_error(cli("export", str(parent / "site"), "--quiet"), str(parent), "not writable")
    finally:
        parent.chmod(0o755)


def test_export_under_a_file_or_a_missing_parent_on_a_file(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    one_line_error(cli("export", str(tmp_path / "file.txt" / "site"), "--quiet"), "is not a folder")
    one_line_error(cli("export", str(tmp_path / "file.txt" / "a" / "b"), "--quiet"), "is not a folder")
    one_line_error(cli("export", str(tmp_path / "file.txt"), "--quiet"), "is not a folder")


KILLED_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from geo.export import write_site
    files = {f"f{i // 100}/{i}.txt": b"x" * 2000 for i in range(200_000)}
    write_site(files, Path(sys.argv[1]))
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_export_killed_while_writing_leaves_no_temporary_folder(tmp_path, sig):
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".site.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".site.tmp-*")), "the writer never started"
    time.sleep(0.3)
    proc.send_signal(sig)
    proc.wait(30)
    assert proc.returncode != 0
    assert not list(tmp_path.glob(".site.tmp-*")) and not out.exists()


def test_a_sigkilled_exports_folder_is_removed_by_the_next(tmp_path):
    from geo.export import write_site

    stale = tmp_path / ".site.tmp-999999999-abc"  # a pid that does not exist
    (stale / "x").mkdir(parents=True)
    write_site({"index.html": b"<p>hi</p>"}, tmp_path / "site")
    assert not stale.exists() and (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "_export" / "manifest.txt").is_file()
    write_site({"index.html": b"<p>again</p>"}, tmp_path / "site")  # its own: replaced
    assert (tmp_path / "site" / "index.html").read_bytes() == b"<p>again</p>"
