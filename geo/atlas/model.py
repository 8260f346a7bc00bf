"""The atlas: boundaries + hierarchy → one immutable in-memory model of Hokkaido.

Built once (``load_atlas``); everything else — GeoJSON, JSON, maps, pages — is a pure
function of it. GeoDataFrames in :class:`Layers` are shared and must be treated as read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import polylabel

from geo.atlas.boundaries import AREA_CRS, WEB_CRS, BoundarySource, read_boundaries
from geo.atlas.codes import CodeError, looks_like_code, normalize_code
from geo.atlas.hierarchy import DEFAULT_HIERARCHY, Hierarchy, load_hierarchy
from geo.errors import BoundaryError, DataError, DataErrors, UnknownCodeError
from geo.yamlfile import load_located_yaml

_SUFFIX = re.compile(r"(市|町|村)$")


@dataclass(frozen=True)
class Municipality:
    """市町村 (municipality); Sapporo is one (01100), its 区 are :class:`Ward`s."""

    code: str
    name: str
    district: str | None  # 郡 (e.g. 虻田郡); None for cities
    subprefecture: str  # 振興局 short name, e.g. 後志
    region: str  # 連携地域 id, e.g. doo
    area_km2: float
    label_point: tuple[float, float]  # (lon, lat), inside the polygon (polylabel)
    northern_territory: bool = False  # 北方領土: on the map, not among the 179

    @property
    def kind(self) -> str:
        """市, 町 or 村."""
        return self.name[-1]

    @property
    def full_name(self) -> str:
        return f"{self.district}{self.name}" if self.district else self.name


@dataclass(frozen=True)
class Ward:
    """区 of 札幌市 (ward of the designated city)."""

    code: str
    name: str  # 南区
    city_code: str  # 01100
    area_km2: float
    label_point: tuple[float, float]

    @property
    def full_name(self) -> str:
        return f"札幌市{self.name}"


@dataclass(frozen=True)
class CoreCity:
    """中核都市 (core city) of a 連携地域."""

    code: str
    name: str
    region: str
    point: tuple[float, float]  # (lon, lat)


@dataclass(frozen=True)
class Layers:
    """GeoDataFrames in EPSG:4326, indexed by code or id. Read-only by convention."""

    municipalities: gpd.GeoDataFrame  # 179 + 6 northern territories (flag column)
    wards: gpd.GeoDataFrame
    subprefectures: gpd.GeoDataFrame  # index: short name
    regions: gpd.GeoDataFrame  # index: region id


@dataclass(frozen=True)
class Atlas:
    """Hokkaido's geography as the plan sees it."""

    hierarchy: Hierarchy
    source: BoundarySource
    municipalities: tuple[Municipality, ...]
    northern_territories: tuple[Municipality, ...]
    wards: tuple[Ward, ...]
    core_cities: tuple[CoreCity, ...]
    layers: Layers = field(repr=False)

    # -- lookups -------------------------------------------------------------------------
    @cached_property
    def _by_code(self) -> dict[str, Municipality]:
        return {m.code: m for m in (*self.municipalities, *self.northern_territories)}

    @cached_property
    def _wards_by_code(self) -> dict[str, Ward]:
        return {w.code: w for w in self.wards}

    def municipality(self, code: str) -> Municipality:
        """By 5- or 6-digit code (a ward's code gives 札幌市). Raises CodeError/UnknownCodeError."""
        code5 = normalize_code(code)
        if code5 in self._wards_by_code:
            return self._by_code[self._wards_by_code[code5].city_code]
        try:
            return self._by_code[code5]
        except KeyError:
            raise UnknownCodeError(f"no municipality of Hokkaido has code {code5}") from None

    def ward(self, code_or_name: str) -> Ward | None:
        """The Sapporo ward for a ward code, 南区 or 札幌市南区; None otherwise."""
        text = code_or_name.strip()
        if looks_like_code(text):
            try:
                return self._wards_by_code.get(normalize_code(text))
            except CodeError:
                return None
        text = text.removeprefix("札幌市")
        return next((w for w in self.wards if w.name == text), None)

    def resolve_municipality(self, text: str) -> Municipality:
        """A municipality from a code (5/6 digits), a name (倶知安町, 倶知安, 虻田郡倶知安町),
        or a Sapporo ward (南区, 札幌市南区 → 札幌市). Names among the 179 win over the
        Northern Territories (泊村 is 古宇郡泊村, not 国後郡泊村).
        """
        query = text.strip()
        if not query:
            raise UnknownCodeError("empty name")
        if looks_like_code(query):
            return self.municipality(query)
        ward = self.ward(query)
        if ward is not None:
            return self._by_code[ward.city_code]
        for pool in (self.municipalities, self.northern_territories):
            for m in pool:
                if query in (m.name, m.full_name):
                    return m
            stem = [m for m in pool if _SUFFIX.sub("", m.name) == query]
            if len(stem) == 1:
                return stem[0]
        raise UnknownCodeError(f"no municipality of Hokkaido is named {query!r}")

    def codes_by_subprefecture(self) -> dict[str, tuple[str, ...]]:
        """振興局 short name → codes of its municipalities (the 179; no northern territories)."""
        out: dict[str, list[str]] = {s.short: [] for s in self.hierarchy.subprefectures}
        for m in self.municipalities:
            out[m.subprefecture].append(m.code)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _tree(self) -> tuple[shapely.STRtree, np.ndarray]:
        frame = self.layers.municipalities
        return shapely.STRtree(frame.geometry.values), frame.index.to_numpy()

    def locate(self, lon: float, lat: float) -> Municipality | None:
        """The municipality containing a point (boundary points count), or None (sea, Honshu)."""
        tree, codes = self._tree
        hits = tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self._by_code[str(codes[min(hits)])]

    def locate_ward(self, lon: float, lat: float) -> Ward | None:
        frame = self.layers.wards
        hit = frame.index[frame.intersects(Point(lon, lat))]
        return self._wards_by_code[hit[0]] if len(hit) else None

    @property
    def total_area_km2(self) -> float:
        return sum(m.area_km2 for m in (*self.municipalities, *self.northern_territories))


def _text_or_none(value: object) -> str | None:
    # pandas turns a missing 郡 into NaN after concat, and NaN is truthy: "nan函館市".
    return value if isinstance(value, str) and value else None


def _label_point(geom: Polygon | MultiPolygon) -> tuple[float, float]:
    # polylabel needs one polygon: use the largest part (the main island, not an islet).
    part = max(geom.geoms, key=lambda g: g.area) if isinstance(geom, MultiPolygon) else geom
    p = polylabel(part, tolerance=1e-4)
    return (round(p.x, 5), round(p.y, 5))


def _areas_km2(frame: gpd.GeoDataFrame) -> np.ndarray:
    return frame.geometry.to_crs(AREA_CRS).area.to_numpy() / 1e6


def _check_against_hierarchy(
    frame: gpd.GeoDataFrame, hierarchy: Hierarchy, hierarchy_path: Path, source: BoundarySource
) -> None:
    """Every 振興局 in the boundaries is in the hierarchy and vice versa; core cities exist."""
    errors: list[DataError] = []
    known = {s.name for s in hierarchy.subprefectures}
    present = set(frame["subprefecture_name"].dropna())
    for name in sorted(present - known):
        n = int((frame["subprefecture_name"] == name).sum())
        errors.append(DataError(
            f"unknown 振興局 {name!r} ({n} municipalities); add it to {hierarchy_path.name}",
            path=source.path, field="N03_002",
        ))
    doc = load_located_yaml(hierarchy_path)
    for ri, region in enumerate(hierarchy.regions):
        for si, sub in enumerate(region.subprefectures):
            if sub.name not in present:
                errors.append(doc.error(
                    ("regions", ri, "subprefectures", si),
                    f"振興局 {sub.name!r} has no municipality in {source.path}",
                ))
        city = frame.loc[frame["code"] == region.core_city.code]
        is_ward_city = region.core_city.code == hierarchy.designated_city.code
        if city.empty and not is_ward_city:
            errors.append(doc.error(
                ("regions", ri, "core_city"),
                f"中核都市 {region.core_city.code} is not in {source.path}",
            ))
        elif not city.empty and city.iloc[0]["subprefecture_name"] not in {
            s.name for s in region.subprefectures
        }:
            errors.append(doc.error(
                ("regions", ri, "core_city"),
                f"中核都市 {region.core_city.name} lies outside region {region.name}",
            ))
    if errors:
        raise DataErrors(errors)


def build_atlas(
    frame: gpd.GeoDataFrame, source: BoundarySource, hierarchy: Hierarchy,
    hierarchy_path: Path = DEFAULT_HIERARCHY,
) -> Atlas:
    """Pure(ish) core of :func:`load_atlas`: normal-form boundaries + hierarchy → Atlas."""
    _check_against_hierarchy(frame, hierarchy, hierarchy_path, source)
    city = hierarchy.designated_city
    is_ward = frame["district"].eq(city.name) & frame["code"].ne(city.code)
    wards_frame = frame.loc[is_ward].copy()
    if wards_frame.empty:
        raise BoundaryError(f"no wards of {city.name} (N03_003 = {city.name})", path=source.path)
    sapporo = gpd.GeoDataFrame(
        {
            "code": [city.code],
            "subprefecture_name": [wards_frame["subprefecture_name"].iloc[0]],
            "district": [None],
            "name": [city.name],
        },
        geometry=[shapely.union_all(wards_frame.geometry.values)],
        crs=WEB_CRS,
    )
    rest = frame.loc[~is_ward & frame["code"].ne(city.code)]
    munis = gpd.GeoDataFrame(
        gpd.pd.concat([rest, sapporo], ignore_index=True), crs=WEB_CRS
    ).sort_values("code")
    sub_by_name = {s.name: s for s in hierarchy.subprefectures}
    munis["subprefecture"] = munis["subprefecture_name"].map(lambda n: sub_by_name[n].short)
    munis["region"] = munis["subprefecture"].map(lambda s: hierarchy.region_of(s).id)
    munis["area_km2"] = _areas_km2(munis).round(3)
    labels = [_label_point(g) for g in munis.geometry]
    munis["label_lon"] = [p[0] for p in labels]
    munis["label_lat"] = [p[1] for p in labels]
    munis["northern_territory"] = munis["code"].isin(hierarchy.northern_territories)
    munis = munis.set_index("code", drop=False)

    wards_frame["area_km2"] = _areas_km2(wards_frame).round(3)
    ward_labels = [_label_point(g) for g in wards_frame.geometry]
    wards_frame["label_lon"] = [p[0] for p in ward_labels]
    wards_frame["label_lat"] = [p[1] for p in ward_labels]
    wards_frame = wards_frame.set_index("code", drop=False)

    # Dissolve without gaps: union of shared-edge polygons; the 北方領土 belong to 根室.
    subs = munis.dissolve(by="subprefecture", as_index=True)[["geometry"]]
    subs["name"] = [hierarchy.subprefecture(s).name for s in subs.index]
    subs["id"] = [hierarchy.subprefecture(s).id for s in subs.index]
    subs["region"] = [hierarchy.region_of(s).id for s in subs.index]
    subs["area_km2"] = _areas_km2(subs).round(3)
    order = [s.short for s in hierarchy.subprefectures]
    subs = subs.loc[order]
    regs = munis.dissolve(by="region", as_index=True)[["geometry"]]
    regs = regs.loc[[r.id for r in hierarchy.regions]]
    regs["name"] = [hierarchy.region(r).name for r in regs.index]
    regs["area_km2"] = _areas_km2(regs).round(3)

    def to_muni(row) -> Municipality:
        return Municipality(
            code=row.code, name=row.name, district=_text_or_none(row.district),
            subprefecture=row.subprefecture, region=row.region,
            area_km2=float(row.area_km2), label_point=(row.label_lon, row.label_lat),
            northern_territory=bool(row.northern_territory),
        )

    all_munis = [to_muni(r) for r in munis.itertuples(index=False)]
    wards = tuple(
        Ward(code=r.code, name=r.name, city_code=city.code, area_km2=float(r.area_km2),
             label_point=(r.label_lon, r.label_lat))
        for r in wards_frame.itertuples(index=False)
    )
    by_code = {m.code: m for m in all_munis}
    core = tuple(
        CoreCity(code=r.core_city.code, name=r.core_city.name, region=r.id,
                 point=by_code[r.core_city.code].label_point)
        for r in hierarchy.regions
    )
    return Atlas(
        hierarchy=hierarchy,
        source=source,
        municipalities=tuple(m for m in all_munis if not m.northern_territory),
        northern_territories=tuple(m for m in all_munis if m.northern_territory),
        wards=wards,
        core_cities=core,
        layers=Layers(
            municipalities=munis,
            wards=wards_frame[["code", "name", "area_km2", "label_lon", "label_lat", "geometry"]],
            subprefectures=subs,
            regions=regs,
        ),
    )


def load_atlas(boundaries: str | Path, hierarchy_path: str | Path = DEFAULT_HIERARCHY) -> Atlas:
    """Read a boundary file and the hierarchy file, check them against each other, build."""
    hierarchy_path = Path(hierarchy_path)
    hierarchy = load_hierarchy(hierarchy_path)
    frame, source = read_boundaries(boundaries)
    return build_atlas(frame, source, hierarchy, hierarchy_path)
