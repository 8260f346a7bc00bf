"""Every boundary format MLIT or its mirrors ship gives the same Hokkaido (issue #2).

Fixtures are built from the shared files into tmp folders at test time; expected numbers come
from the raw GeoJSON's properties (``boundary_fixtures.expected``), not from the code under test.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import boundary_fixtures as bf
import pyogrio
import pytest
from conftest import HOKKAIDO_GEOJSON, HOKKAIDO_TOPOJSON, NATIONAL_GEOJSON
from shapely.geometry import Point

from geo.atlas.boundaries import WEB_CRS, read_boundaries
from geo.atlas.model import load_atlas
from geo.errors import BoundaryError

EXPECTED = bf.expected()


def _zip_geojson(dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(HOKKAIDO_GEOJSON, "N03-20210101_01_GML/N03-21_01_210101.geojson")
    return dest


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """One file per format/encoding/CRS variant, built once per session."""
    root = tmp_path_factory.mktemp("formats")
    frame = bf.hokkaido_frame()
    files = {
        "geojson": HOKKAIDO_GEOJSON,
        "topojson": HOKKAIDO_TOPOJSON,
        "national-0.1%": NATIONAL_GEOJSON,
        "shp-zip-sjis-jgd2011-exploded": bf.sjis_shapefile_zip(root / "sjis", epsg=6668),
        "shp-zip-sjis-jgd2000-numeric-code": bf.sjis_shapefile_zip(
            root / "sjis-num", epsg=4612, numeric_code=True
        ),
        "shp-utf8-no-cpg": bf.write_shapefile(
            bf.exploded(frame), root / "utf8", encoding="utf-8"
        ),
        "shp-utf8-with-cpg": bf.write_shapefile(
            frame, root / "utf8cpg", encoding="utf-8", keep_cpg=True
        ),
        "zip-geojson": _zip_geojson(root / "N03-21_01_210101_GML.zip"),
        "gpkg-jgd2000": bf.write_geopackage(frame, root / "N03.gpkg", epsg=4612),
        "gpkg-jgd2011-exploded": bf.write_geopackage(
            bf.exploded(frame), root / "N03-6668.gpkg", epsg=6668
        ),
    }
    return files


FORMATS = [
    "geojson", "topojson", "national-0.1%", "zip-geojson", "shp-zip-sjis-jgd2011-exploded",
    "shp-zip-sjis-jgd2000-numeric-code", "shp-utf8-no-cpg", "shp-utf8-with-cpg", "gpkg-jgd2000",
    "gpkg-jgd2011-exploded",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_hokkaido(built, fmt):
    atlas = load_atlas(built[fmt])
    assert len(atlas.municipalities) == EXPECTED["municipalities"] == 179
    assert len(atlas.wards) == EXPECTED["sapporo_wards"] == 10
    assert len(atlas.northern_territories) == EXPECTED["northern_territories"] == 6
    assert len(atlas.layers.subprefectures) == EXPECTED["subprefectures"] == 14
    assert len(atlas.layers.regions) == 6
    assert len(atlas.core_cities) == 6
    assert {m.code for m in atlas.municipalities} == EXPECTED["municipality_codes"]
    assert {w.code for w in atlas.wards} == EXPECTED["ward_codes"]
    assert {m.code for m in atlas.northern_territories} == set(bf.NORTHERN_TERRITORIES)
    per_sub = {k: len(v) for k, v in atlas.codes_by_subprefecture().items()}
    assert per_sub == EXPECTED["municipalities_per_subprefecture"]
    # Same place on Earth whatever the source CRS: ~83,400 km² (the 0.1 % file is coarser).
    assert atlas.total_area_km2 == pytest.approx(83_400, rel=0.01)
    assert atlas.layers.municipalities.crs == WEB_CRS
    assert atlas.layers.municipalities.geometry.is_valid.all()
    # Labels inside their polygon even on coarse (0.1 %) or quantized (TopoJSON) geometry.
    munis = atlas.layers.municipalities
    for m in (*atlas.municipalities, *atlas.northern_territories):
        assert munis.loc[m.code, "geometry"].contains(Point(m.label_point)), (fmt, m.name)
    for w in atlas.wards:
        assert atlas.layers.wards.loc[w.code, "geometry"].contains(Point(w.label_point)), (fmt, w.name)


def test_shift_jis_fixture_is_really_shift_jis(built):
    """The zip is MLIT-style: a cp932 DBF, no .cpg, parts exploded, JGD2011 .prj."""
    path = built["shp-zip-sjis-jgd2011-exploded"]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        dbf = zf.read(next(n for n in names if n.endswith(".dbf")))
        prj = zf.read(next(n for n in names if n.endswith(".prj"))).decode()
    assert not any(n.lower().endswith(".cpg") for n in names)
    assert bf.HOKKAIDO_SJIS == b"\x96k\x8aC\x93\xb9"
    assert bf.HOKKAIDO_SJIS in dbf
    assert "北海道".encode() not in dbf
    assert "2011" in prj
    info = pyogrio.read_info(f"/vsizip/{path}/{next(n for n in names if n.endswith('.shp'))}")
    assert info["features"] > EXPECTED["features"]  # one row per polygon part


def test_shift_jis_zip_reports_source(built):
    frame, source = read_boundaries(built["shp-zip-sjis-jgd2011-exploded"])
    assert source.driver == "ESRI Shapefile"
    assert source.source_crs == "EPSG:6668"
    assert source.rows_read > EXPECTED["features"]
    assert len(frame) == EXPECTED["features"]  # parts dissolved back: one row per code
    assert frame["code"].is_unique
    assert set(frame["subprefecture_name"]) == {
        f["properties"]["N03_002"] for f in bf.raw_features()
    }
    assert "北海道" not in frame.columns  # the frame is normalised, not raw


def test_numeric_code_keeps_leading_zero(built, tmp_path):
    frame, _ = read_boundaries(built["shp-zip-sjis-jgd2000-numeric-code"])
    assert set(frame["code"]) == {f["properties"]["N03_007"] for f in bf.raw_features()}

    def as_number(props):
        props["N03_007"] = int(props["N03_007"])
        return props

    path = bf.edited_geojson(tmp_path / "numeric.geojson", as_number)
    assert json.loads(path.read_text())["features"][0]["properties"]["N03_007"] == 1101
    frame, _ = read_boundaries(path)
    assert "01101" in set(frame["code"])
    assert all(len(c) == 5 and c.startswith("01") for c in frame["code"])


def test_jgd2000_and_jgd2011_land_where_wgs84_does(built):
    reference, _ = read_boundaries(HOKKAIDO_GEOJSON)
    for fmt in ("gpkg-jgd2000", "shp-zip-sjis-jgd2011-exploded"):
        frame, source = read_boundaries(built[fmt])
        assert source.source_crs in ("EPSG:4612", "EPSG:6668")
        assert frame.crs == WEB_CRS
        assert frame.total_bounds == pytest.approx(reference.total_bounds, abs=1e-5)


def test_national_file_keeps_only_hokkaido():
    frame, source = read_boundaries(NATIONAL_GEOJSON)
    raw = bf.raw_features(NATIONAL_GEOJSON)
    assert source.rows_read == len(raw) == 1897
    codes = [f["properties"]["N03_007"] or "" for f in raw]  # 所属未定地 rows have no code
    assert "" in codes
    hokkaido_codes = {c for c in codes if c[:2] == "01"}
    assert set(frame["code"]) == hokkaido_codes


def test_unassigned_rows_are_counted_not_silently_dropped(tmp_path):
    """所属未定地: rows with an empty N03_004 (and no code) stay out of the model, but counted."""
    features = [dict(f) for f in bf.raw_features()]
    square = {
        "type": "Polygon",
        "coordinates": [[[142.0, 43.0], [142.01, 43.0], [142.01, 43.01], [142.0, 43.01], [142.0, 43.0]]],
    }
    for props in (
        {"N03_001": "北海道", "N03_002": "上川総合振興局", "N03_003": None, "N03_004": None, "N03_007": None},
        {"N03_001": "北海道", "N03_002": None, "N03_003": None, "N03_004": "", "N03_007": ""},
        {"N03_001": "北海道", "N03_002": None, "N03_003": None, "N03_004": "所属未定地", "N03_007": None},
    ):
        features.append({"type": "Feature", "properties": props, "geometry": square})
    path = bf.write_geojson_features(features, tmp_path / "unassigned.geojson")
    atlas = load_atlas(path)
    assert atlas.source.unassigned_rows == 3
    assert atlas.source.rows_read == EXPECTED["features"] + 3
    assert {m.code for m in atlas.municipalities} == EXPECTED["municipality_codes"]


def test_unassigned_rows_in_a_shift_jis_shapefile(tmp_path):
    frame = bf.exploded(bf.hokkaido_frame())
    blank = frame.iloc[[0, 1]].copy()
    blank["N03_004"] = ""
    blank["N03_007"] = ""
    frame = bf.gpd.GeoDataFrame(bf.gpd.pd.concat([frame, blank]), crs=frame.crs).to_crs(6668)
    shp = bf.write_shapefile(frame, tmp_path / "shp", encoding="cp932")
    atlas = load_atlas(bf.zip_shapefile(shp, tmp_path / "N03.zip"))
    assert atlas.source.unassigned_rows == 2
    assert len(atlas.municipalities) == 179


def test_unassigned_rows_zero_for_clean_file():
    _, source = read_boundaries(HOKKAIDO_GEOJSON)
    assert source.unassigned_rows == 0


# -- bad input: one BoundaryError naming the file and the problem -------------------------------
def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    def drop_n03(props):
        return {"name": props["N03_004"], "code": props["N03_007"]}

    def no_sub(props):
        if props["N03_007"] == "01400":
            props["N03_002"] = None
        return props

    folder = tmp / "a-folder"
    folder.mkdir()
    empty = tmp / "empty.geojson"
    empty.write_bytes(b"")
    return {
        "missing": (tmp / "nope.geojson", "not found"),
        "folder": (folder, "folder"),
        "empty": (empty, "empty"),
        "truncated": (bf.truncated_copy(HOKKAIDO_GEOJSON, tmp / "half.geojson"), "truncated"),
        "random": (bf.random_bytes(tmp / "random.geojson"), "corrupt"),
        "random-zip": (bf.random_bytes(tmp / "random.zip"), "zip"),
        "garbage-zip": (bf.garbage_zip(tmp / "garbage.zip"), "corrupt"),
        "other-prefecture": (bf.other_prefecture_geojson(tmp / "okinawa.geojson"), "no 北海道 rows"),
        "no-n03-columns": (bf.edited_geojson(tmp / "plain.geojson", drop_n03), "missing column"),
        "no-subprefecture": (bf.edited_geojson(tmp / "nosub.geojson", no_sub), "01400 倶知安町"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "folder", "empty", "truncated", "random", "random-zip", "garbage-zip",
     "other-prefecture", "no-n03-columns", "no-subprefecture"],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path, case):
    path, problem = _bad_inputs(tmp_path)[case]
    with pytest.raises(BoundaryError) as info:
        read_boundaries(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert problem in message
