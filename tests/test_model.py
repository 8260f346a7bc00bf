"""The atlas built from the real Hokkaido boundaries: areas, dissolves, labels, lookups."""

from __future__ import annotations

from pathlib import Path

import boundary_fixtures as bf
import pytest
import shapely
from conftest import HOKKAIDO_GEOJSON
from shapely.geometry import Point

from geo.atlas.codes import CodeError
from geo.atlas.hierarchy import DEFAULT_HIERARCHY
from geo.atlas.model import load_atlas
from geo.errors import DataError, UnknownCodeError

# An equal-area CRS of our own (not geo.atlas.boundaries.AREA_CRS): Lambert azimuthal on Hokkaido.
LAEA_HOKKAIDO = "+proj=laea +lat_0=43.5 +lon_0=143 +ellps=GRS80 +units=m +no_defs"
EXPECTED = bf.expected()
CORE_CITIES = {"01100", "01202", "01204", "01206", "01207", "01208"}  # 札幌 函館 旭川 釧路 帯広 北見


def _union_km2(frame):
    geoms = frame.geometry.to_crs(LAEA_HOKKAIDO).values
    return shapely.union_all(geoms)


def test_counts(atlas):
    assert len(atlas.municipalities) == 179
    assert len(atlas.wards) == 10
    assert len(atlas.northern_territories) == 6
    assert len(atlas.layers.subprefectures) == 14
    assert len(atlas.layers.regions) == 6
    assert {c.code for c in atlas.core_cities} == CORE_CITIES
    assert {m.code for m in atlas.municipalities} == EXPECTED["municipality_codes"]


def test_total_area_includes_northern_territories(atlas):
    assert atlas.total_area_km2 == pytest.approx(83_400, rel=0.01)
    nt = sum(m.area_km2 for m in atlas.northern_territories)
    assert nt == pytest.approx(5_003, rel=0.03)  # 北方四島 ≈ 5,003 km²
    # Independently: area of the raw features in our own equal-area CRS.
    raw = bf.hokkaido_frame().to_crs(LAEA_HOKKAIDO)
    assert atlas.total_area_km2 == pytest.approx(raw.area.sum() / 1e6, rel=1e-3)


def test_sapporo_is_its_wards_dissolved(atlas):
    sapporo = atlas.municipality("01100")
    assert sapporo.name == "札幌市"
    assert sapporo.area_km2 == pytest.approx(1_121, rel=0.01)
    assert sum(w.area_km2 for w in atlas.wards) == pytest.approx(sapporo.area_km2, rel=1e-4)
    assert {w.code for w in atlas.wards} == EXPECTED["ward_codes"]
    assert not ({m.code for m in atlas.municipalities} & EXPECTED["ward_codes"])
    assert sapporo.subprefecture == "石狩"


def test_northern_territories_flagged_apart(atlas):
    assert {m.code for m in atlas.northern_territories} == set(bf.NORTHERN_TERRITORIES)
    assert all(m.northern_territory and m.subprefecture == "根室" for m in atlas.northern_territories)
    assert not any(m.northern_territory for m in atlas.municipalities)
    assert atlas.layers.municipalities["northern_territory"].sum() == 6


@pytest.mark.parametrize("layer", ["subprefectures", "regions"])
def test_dissolved_layers_cover_exactly_the_municipalities(atlas, layer):
    munis = _union_km2(atlas.layers.municipalities)
    dissolved = _union_km2(getattr(atlas.layers, layer))
    assert shapely.symmetric_difference(munis, dissolved).area / 1e6 < 0.01
    # ... and the dissolved polygons do not overlap each other
    parts = getattr(atlas.layers, layer).geometry.to_crs(LAEA_HOKKAIDO)
    assert parts.area.sum() / 1e6 == pytest.approx(dissolved.area / 1e6, abs=0.01)


def test_subprefecture_layer_matches_raw_counts(atlas):
    subs = atlas.layers.subprefectures
    assert set(subs.index) == set(EXPECTED["municipalities_per_subprefecture"])
    per_sub = {k: len(v) for k, v in atlas.codes_by_subprefecture().items()}
    assert per_sub == EXPECTED["municipalities_per_subprefecture"]
    assert sum(per_sub.values()) == 179


def test_label_points_lie_inside(atlas):
    munis = atlas.layers.municipalities
    for m in (*atlas.municipalities, *atlas.northern_territories):
        assert munis.loc[m.code, "geometry"].contains(Point(m.label_point)), m.full_name
    wards = atlas.layers.wards
    for w in atlas.wards:
        assert wards.loc[w.code, "geometry"].contains(Point(w.label_point)), w.full_name
    for c in atlas.core_cities:
        assert munis.loc[c.code, "geometry"].contains(Point(c.point)), c.name


def test_locate(atlas):
    assert atlas.locate(140.7588, 42.9017).code == "01400"  # 倶知安町役場
    assert atlas.locate(141.3544, 43.0621).code == "01100"  # 札幌市役所 → the city, not the ward
    assert atlas.locate_ward(141.3544, 43.0621).code == "01101"  # 中央区
    assert atlas.locate(139.5, 43.5) is None  # 日本海
    assert atlas.locate(140.74, 40.82) is None  # 青森市 (Honshu)


def test_every_label_point_locates_back(atlas):
    for m in atlas.municipalities:
        assert atlas.locate(*m.label_point).code == m.code


def test_codes_and_names_resolve(atlas):
    kutchan = "01400" + bf.jis_check_digit("01400")
    assert kutchan == "014001"
    assert atlas.municipality(kutchan).name == "倶知安町"
    assert atlas.municipality("011002").code == "01100"  # 札幌市 with check digit
    assert atlas.municipality("012025").name == "函館市"
    ward6 = "01101" + bf.jis_check_digit("01101")
    assert atlas.municipality(ward6).code == "01100"  # a ward's code gives the city
    assert atlas.resolve_municipality("虻田郡倶知安町").code == "01400"
    assert atlas.resolve_municipality("札幌市南区").code == "01100"
    for wrong in "0123456789":
        if wrong != kutchan[-1]:
            with pytest.raises(CodeError):
                atlas.municipality("01400" + wrong)
    with pytest.raises(UnknownCodeError):
        atlas.municipality("13101")  # 千代田区: well-formed, not Hokkaido


# -- hierarchy ↔ boundaries mismatches ---------------------------------------------------------
def test_unknown_subprefecture_in_boundaries_is_named(tmp_path):
    def rename(props):
        if props["N03_007"] == "01400":
            props["N03_002"] = "羊蹄振興局"
        return props

    path = bf.edited_geojson(tmp_path / "renamed.geojson", rename)
    with pytest.raises(DataError) as info:
        load_atlas(path)
    message = str(info.value)
    assert "羊蹄振興局" in message
    assert str(path) in message
    assert "N03_002" in message


def test_subprefecture_missing_from_boundaries_names_hierarchy_line(tmp_path):
    lines = DEFAULT_HIERARCHY.read_text(encoding="utf-8").splitlines(keepends=True)
    anchor = next(i for i, line in enumerate(lines) if "name: 根室振興局" in line)
    extra = lines[anchor].replace("nemuro", "kitami").replace("根室", "北見")
    lines.insert(anchor + 1, extra)
    copy = tmp_path / "hierarchy.yaml"
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_atlas(HOKKAIDO_GEOJSON, copy)
    message = str(info.value)
    assert "北見振興局" in message
    assert f"{copy}:{anchor + 2}:" in message  # 1-based line of the inserted entry


def test_atlas_is_immutable(atlas):
    with pytest.raises(AttributeError):
        atlas.municipalities = ()  # type: ignore[misc]
    assert isinstance(Path(atlas.source.path), Path)
