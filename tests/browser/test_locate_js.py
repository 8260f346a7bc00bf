"""locate.js (現在地 without a server) against the server's Atlas.locate / locate_ward, in Chromium.

The topology is the real one (topology_bytes of the real boundaries). Each topology's points go
to the page in one page.evaluate call, on a page whose CSP is the app's ``script-src 'self'``,
so an eval in locate.js would fail here too.

The topology is quantized (geo/atlas/topology.py; it is not simplified further: the boundaries
themselves are the 1 % simplified N03, and Atlas.locate uses that same geometry). A point
farther from every boundary than quantization can move a boundary must get the same answer as
the server; nearer ones may differ and are counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import topojson
from pyproj import Transformer

from geo.atlas.model import Atlas
from geo.atlas.topology import QUANTIZATION, topology_bytes
from tests.browser.conftest import PageGuard

pytestmark = pytest.mark.browser

LOCATE_JS = Path(__file__).resolve().parents[2] / "geo" / "web" / "static" / "locate.js"
ORIGIN = "http://127.0.0.1:9"  # never contacted: page.route answers it
CSP = "default-src 'none'; script-src 'self'"  # the app's rule for scripts: no eval, no inline
METRIC_CRS = "EPSG:6680"  # JGD2011 / 平面直角座標系 XII (central Hokkaido): metres
SEED = 21  # issue 21
RANDOM_POINTS = 3000
SAPPORO_POINTS = 600

Point = tuple[float, float]  # (lon, lat), as the atlas takes them
Answer = tuple[str | None, str | None]  # (municipality code, ward code)

SEA: dict[str, Point] = {
    "日本海": (139.8, 43.5), "石狩湾": (141.1, 43.3), "内浦湾": (140.6, 42.3),
    "津軽海峡": (140.6, 41.5), "襟裳岬沖": (143.5, 41.6), "オホーツク海": (144.0, 44.8),
}
HONSHU: dict[str, Point] = {
    "大間町": (140.92, 41.50), "風間浦村": (141.03, 41.45),  # in Hokkaido's bbox
    "青森市": (140.74, 40.82), "弘前市": (140.46, 40.60), "東京": (139.77, 35.68),
}
OUTSIDE: dict[str, Point] = {
    "null island": (0.0, 0.0), "Sydney": (151.21, -33.87), "near the pole": (179.9, 89.9),
    "antipode corner": (-179.9, -89.9), "サハリン": (142.7, 46.9),
}


@dataclass(frozen=True)
class Run:
    """What one page.evaluate answered for a list of points, with its timings."""

    answers: list[Answer]
    has_wards: bool
    setup_first_ms: float
    setup_median_ms: float
    per_point_cold_ms: float
    per_point_warm_ms: float


# --- the page ------------------------------------------------------------------------------

EVALUATE = """([topology, points]) => {
  let t = performance.now();
  let finder = HokkaidoLocate.create(topology);
  const setupFirst = performance.now() - t;
  const setups = [];
  for (let i = 0; i < 15; i++) {
    t = performance.now();
    finder = HokkaidoLocate.create(topology);
    setups.push(performance.now() - t);
  }
  setups.sort((a, b) => a - b);
  t = performance.now();
  const answers = points.map(([lon, lat]) => finder.locate(lat, lon));
  const cold = (performance.now() - t) / points.length;
  const rounds = 20;
  t = performance.now();
  for (let r = 0; r < rounds; r++) { for (const [lon, lat] of points) { finder.locate(lat, lon); } }
  const warm = (performance.now() - t) / (rounds * points.length);
  return {
    answers: answers.map((a) => (a === null ? [null, null] : [a.code, a.ward])),
    hasWards: finder.hasWards, setupFirst, setupMedian: setups[7], cold, warm,
  };
}"""


@pytest.fixture(scope="module")
def locate_in_browser(browser) -> Iterator[Callable[[dict, list[Point]], Run]]:  # type: ignore[no-untyped-def]
    """A function (topology, points) → Run, on one blank page with the app's CSP and locate.js."""
    context = browser.new_context()
    page = context.new_page()
    guard = PageGuard()
    html = '<!doctype html><meta charset="utf-8"><title>locate</title>'

    def route(r) -> None:  # type: ignore[no-untyped-def]
        if r.request.url == f"{ORIGIN}/":
            r.fulfill(body=html, content_type="text/html; charset=utf-8",
                      headers={"Content-Security-Policy": CSP})
        elif r.request.url == f"{ORIGIN}/locate.js":
            r.fulfill(path=str(LOCATE_JS), content_type="text/javascript; charset=utf-8")
        else:
            guard.foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: guard.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    page.goto(f"{ORIGIN}/")
    # By URL, not path=: an inline copy would be refused by the CSP, a same-origin src is not.
    page.add_script_tag(url=f"{ORIGIN}/locate.js")

    def run(topology: dict, points: list[Point]) -> Run:
        # NaN travels through Playwright's serializer as NaN, so bad fixes are tested as such.
        raw = page.evaluate(EVALUATE, [topology, [list(p) for p in points]])
        return Run(answers=[(a[0], a[1]) for a in raw["answers"]], has_wards=raw["hasWards"],
                   setup_first_ms=raw["setupFirst"], setup_median_ms=raw["setupMedian"],
                   per_point_cold_ms=raw["cold"], per_point_warm_ms=raw["warm"])

    yield run
    context.close()
    guard.check()


# --- the server's answers, distances, tolerance ------------------------------------------

_to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class Case:
    point: Point
    js: Answer
    server: Answer


def expected(atlas: Atlas, point: Point, wards: bool) -> Answer:
    """What /api/locate says (code, ward code); ward None when the topology has no wards."""
    lon, lat = point
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return (None, None)  # the API answers 400; the page has no fix to look up
    m = atlas.locate(lon, lat)
    if m is None:
        return (None, None)
    if not wards or m.code != atlas.hierarchy.designated_city.code:
        return (m.code, None)
    ward = atlas.locate_ward(lon, lat)
    return (m.code, ward.code if ward else None)


def boundary_distance_m(areas: list[gpd.GeoSeries], points: list[Point]) -> np.ndarray:
    """Each point's distance in metres to the nearest edge (coast included) of any area."""
    lines = np.concatenate([a.to_crs(METRIC_CRS).boundary.to_numpy() for a in areas])
    xs, ys = _to_metric.transform(*np.array(points).T)
    _, dist = shapely.STRtree(lines).query_nearest(
        shapely.points(xs, ys), return_distance=True, all_matches=False)
    return dist


def tolerance_m(topology: dict) -> float:
    """How far quantization can move a boundary, in metres. A vertex moves at most half a step
    on each axis, and a segment between two moved vertices stays within the larger of their
    moves, so no boundary moves farther than half a quantization cell's diagonal. Measured in
    METRIC_CRS (the distances' metric) at the bbox's corners, where a cell is largest: the lon
    step is longest in the south, the projection's scale error largest east and west."""
    kx, ky = topology["transform"]["scale"]
    west, south, east, north = topology["bbox"]
    half = []
    for x, y in ((x, y) for x in (west, east) for y in (south, north)):
        (x0, x1), (y0, y1) = _to_metric.transform([x, x + kx], [y, y + ky])
        half.append(float(np.hypot(x1 - x0, y1 - y0)) / 2)
    return max(half)


def uniform_points(bounds: tuple[float, float, float, float], n: int, seed: int) -> list[Point]:
    rng = np.random.default_rng(seed)
    west, south, east, north = bounds
    return list(zip(rng.uniform(west, east, n).tolist(), rng.uniform(south, north, n).tolist(), strict=True))


def evaluate_groups(run_fn, atlas: Atlas, topology: dict, groups: dict[str, list[Point]],  # type: ignore[no-untyped-def]
                    wards: bool) -> tuple[Run, dict[str, list[Case]]]:
    """Every group's points in one page.evaluate; each answer beside the server's."""
    run = run_fn(topology, [p for points in groups.values() for p in points])
    answers = iter(run.answers)
    cases = {name: [Case(p, next(answers), expected(atlas, p, wards)) for p in points]
             for name, points in groups.items()}
    return run, cases


def ward_topology(atlas: Atlas) -> dict:
    """The municipalities plus a ``wards`` object (id = ward code), quantized as topology.py
    does: the shape locate.js reads wards from, should the served topology gain them."""
    frames = [gpd.GeoDataFrame({"id": [str(i) for i in f.index]}, geometry=f.geometry.values, crs=f.crs)
              for f in (atlas.layers.municipalities, atlas.layers.wards)]
    topo = topojson.Topology(frames, object_name=["municipalities", "wards"], prequantize=QUANTIZATION,
                             topology=True).to_dict()
    for obj in topo["objects"].values():
        for geom in obj["geometries"]:
            geom["id"] = (geom.pop("properties", None) or {}).get("id")
    return topo


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def topology(atlas: Atlas) -> dict:
    return json.loads(topology_bytes(atlas).body)


@pytest.fixture(scope="module")
def tolerance(topology: dict) -> float:
    return tolerance_m(topology)


@pytest.fixture(scope="module")
def served(locate_in_browser, atlas: Atlas, topology: dict) -> tuple[Run, dict[str, list[Case]]]:  # type: ignore[no-untyped-def]
    groups = {
        "labels": [m.label_point for m in (*atlas.municipalities, *atlas.northern_territories)],
        "ward labels": [w.label_point for w in atlas.wards],
        "random": uniform_points(tuple(topology["bbox"]), RANDOM_POINTS, SEED),
        "sea": list(SEA.values()),
        "honshu": list(HONSHU.values()),
        "outside": [*OUTSIDE.values(), (float("nan"), float("nan")), (141.35, float("nan"))],
    }
    return evaluate_groups(locate_in_browser, atlas, topology, groups, wards=False)


@pytest.fixture(scope="module")
def with_wards(locate_in_browser, atlas: Atlas) -> tuple[Run, dict[str, list[Case]]]:  # type: ignore[no-untyped-def]
    sapporo = atlas.layers.municipalities.geometry.loc[atlas.hierarchy.designated_city.code]
    groups = {
        "ward labels": [w.label_point for w in atlas.wards],
        "sapporo": uniform_points(sapporo.bounds, SAPPORO_POINTS, SEED),
    }
    return evaluate_groups(locate_in_browser, atlas, ward_topology(atlas), groups, wards=True)


# --- tests -------------------------------------------------------------------------------


def test_quantization_moves_no_boundary_beyond_the_tolerance(
    atlas: Atlas, topology: dict, tolerance: float, tmp_path: Path
) -> None:
    # The tolerance is derived, not fitted: check it against the topology's real geometry, read
    # by GDAL (independent of locate.js's decoder).
    path = tmp_path / "topology.topojson"
    path.write_text(json.dumps(topology), encoding="utf-8")
    decoded = gpd.read_file(path, layer="municipalities").set_crs("EPSG:4326").set_index("id")
    source = atlas.layers.municipalities.geometry
    moved = shapely.hausdorff_distance(
        source.to_crs(METRIC_CRS).to_numpy(),
        decoded.geometry.loc[source.index].to_crs(METRIC_CRS).to_numpy(), densify=0.25)
    print(f"\ntolerance {tolerance:.2f} m; largest boundary move {moved.max():.2f} m")
    assert 0 < moved.max() <= tolerance


def test_every_label_point_gives_its_municipality(served: tuple[Run, dict[str, list[Case]]]) -> None:
    _, cases = served
    wrong = [c for c in cases["labels"] if c.js != c.server]
    assert len(cases["labels"]) == 185  # 179 + the 6 北方領土 villages, which the map also draws
    assert all(c.server[0] for c in cases["labels"])
    assert not wrong, wrong


def test_without_a_wards_object_sapporo_has_no_ward(served: tuple[Run, dict[str, list[Case]]]) -> None:
    # The served topology (geo/atlas/topology.py) carries no wards: 札幌市, ward unknown.
    run, cases = served
    assert not run.has_wards
    assert [c.js for c in cases["ward labels"]] == [("01100", None)] * 10


def test_random_points_agree_beyond_the_tolerance(
    atlas: Atlas, served: tuple[Run, dict[str, list[Case]]], tolerance: float
) -> None:
    _, cases = served
    random = cases["random"]
    dist = boundary_distance_m([atlas.layers.municipalities.geometry], [c.point for c in random])
    far = [c for c, d in zip(random, dist, strict=True) if d > tolerance]
    near_differ = [(c, round(float(d), 1)) for c, d in zip(random, dist, strict=True)
                   if d <= tolerance and c.js != c.server]
    on_land = sum(c.server[0] is not None for c in random)
    print(f"\n{len(random)} random points ({on_land} on land): {len(random) - len(far)} within "
          f"{tolerance:.1f} m of a boundary, {len(near_differ)} of them answered differently {near_differ}")
    assert on_land > RANDOM_POINTS // 5  # the bbox is ~¾ sea (it reaches 北方領土): enough land
    assert [c for c in far if c.js != c.server] == []


def test_sea_honshu_and_outside_are_nowhere(
    atlas: Atlas, served: tuple[Run, dict[str, list[Case]]], tolerance: float
) -> None:
    _, cases = served
    chosen = cases["sea"] + cases["honshu"]
    dist = boundary_distance_m([atlas.layers.municipalities.geometry], [c.point for c in chosen])
    assert min(dist) > tolerance  # well clear of the coast: the answer cannot hinge on it
    for case in (*chosen, *cases["outside"]):
        assert case.server == (None, None), case
        assert case.js == (None, None), case


def test_wards_object_gives_the_ward(
    atlas: Atlas, with_wards: tuple[Run, dict[str, list[Case]]], tolerance: float
) -> None:
    run, cases = with_wards
    assert run.has_wards
    assert [c.js for c in cases["ward labels"]] == [("01100", w.code) for w in atlas.wards]
    sapporo = cases["sapporo"]
    dist = boundary_distance_m([atlas.layers.municipalities.geometry, atlas.layers.wards.geometry],
                               [c.point for c in sapporo])
    far = [c for c, d in zip(sapporo, dist, strict=True) if d > tolerance]
    near_differ = sum(c.js != c.server for c, d in zip(sapporo, dist, strict=True) if d <= tolerance)
    in_wards = sum(c.server[1] is not None for c in sapporo)
    print(f"\n{len(sapporo)} points in 札幌市's bbox ({in_wards} in a ward): "
          f"{len(sapporo) - len(far)} near a boundary, {near_differ} of them answered differently")
    assert in_wards > SAPPORO_POINTS // 4
    assert [c for c in far if c.js != c.server] == []


def test_fast_enough(served: tuple[Run, dict[str, list[Case]]]) -> None:
    run, cases = served
    n = sum(len(v) for v in cases.values())
    print(f"\nset-up {run.setup_first_ms:.1f} ms first, {run.setup_median_ms:.1f} ms median of 15; "
          f"per point over {n}: {1000 * run.per_point_cold_ms:.1f} µs first pass, "
          f"{1000 * run.per_point_warm_ms:.1f} µs warm")
    assert run.per_point_cold_ms < 1.0
    assert run.setup_median_ms < 200  # generous: a slow CI box, not a benchmark
