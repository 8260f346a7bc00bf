"""GeoJSON of each level, for /api/geo/<level>.geojson: 5-decimal coordinates (~1 m), UTF-8 text."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from geo.atlas.model import Atlas

PRECISION = 5


def _rounded(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.apply(lambda g: shapely.transform(g, lambda xy: np.round(xy, PRECISION)))


def level_frame(atlas: Atlas, level: str) -> gpd.GeoDataFrame:
    """The level's features with readable properties; KeyError for an unknown level."""
    h = atlas.hierarchy
    layers = atlas.layers
    if level == "municipalities":
        src = layers.municipalities
        props = {
            "code": list(src.index),
            "name": list(src["name"]),
            "district": [d or None for d in src["district"]],
            "subprefecture": list(src["subprefecture"]),
            "region": list(src["region"]),
            "northern_territory": [bool(v) for v in src["northern_territory"]],
            "area_km2": [float(v) for v in src["area_km2"]],
        }
    elif level == "subprefectures":
        src = layers.subprefectures
        props = {
            "id": list(src.index),
            "name": list(src["name"]),
            "region": list(src["region"]),
            "municipalities": [len(atlas.codes_by_subprefecture()[s]) for s in src.index],
            "area_km2": [float(v) for v in src["area_km2"]],
        }
    elif level == "regions":
        src = layers.regions
        props = {
            "id": list(src.index),
            "name": [h.region(r).full_name for r in src.index],
            "core_city": [h.region(r).core_city.name for r in src.index],
            "area_km2": [float(v) for v in src["area_km2"]],
        }
    else:
        raise KeyError(level)
    return gpd.GeoDataFrame(props, geometry=_rounded(src).values, crs=src.crs)


def level_geojson(atlas: Atlas, level: str) -> bytes:
    frame = level_frame(atlas, level)
    doc = json.loads(frame.to_json(drop_id=True))
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
