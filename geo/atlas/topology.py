"""The atlas's geometry as one quantized TopoJSON topology, sent to the browser once per page.

Objects ``municipalities`` (id = 5-digit code; Sapporo whole, Northern Territories flagged),
``subprefectures`` (id = short name, e.g. 後志) and ``regions`` (id = region id) share arcs, so
the three levels together cost little more than the municipalities alone (~38 KB gzip).
Only ids travel with the geometry: names, values and colours are per-page JSON.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import geopandas as gpd
import topojson

from geo.atlas.model import Atlas

OBJECTS = ("municipalities", "subprefectures", "regions")
# 3·10⁴ steps over Hokkaido's ~9.6° × 4.2° bbox ≈ 25 m × 15 m: finer than the 1 % simplified
# boundaries themselves, ~15 % smaller than 10⁵ and visually identical at any zoom the app uses.
QUANTIZATION = 30_000


@dataclass(frozen=True)
class Topology:
    body: bytes  # compact UTF-8 JSON, ready to serve
    version: str  # content hash: part of the URL, so the file can be cached forever


def _ids(frame: gpd.GeoDataFrame, extra: dict[str, object] | None = None) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame({"id": [str(i) for i in frame.index]}, geometry=frame.geometry.values,
                           crs=frame.crs)
    for key, values in (extra or {}).items():
        out[key] = values
    return out


def build_topology(atlas: Atlas, quantization: int = QUANTIZATION) -> dict:
    """The topology as a dict (TopoJSON 1.0); feature ``id`` is the code / short name / region id."""
    layers = atlas.layers
    munis = _ids(layers.municipalities,
                 {"nt": layers.municipalities["northern_territory"].astype(int).to_numpy()})
    topo = topojson.Topology(
        [munis, _ids(layers.subprefectures), _ids(layers.regions)],
        object_name=list(OBJECTS), prequantize=quantization, topology=True,
    ).to_dict()
    # topojson keeps ids in properties; lift them to the standard feature id, drop the rest
    # except the Northern Territories flag (the map draws them apart from the 179).
    for name in OBJECTS:
        for geom in topo["objects"][name]["geometries"]:
            props = geom.pop("properties", {}) or {}
            geom["id"] = props.get("id")
            if props.get("nt"):
                geom["properties"] = {"nt": 1}
    topo["bbox"] = [round(v, 5) for v in topo.get("bbox", ())]
    return topo


def topology_bytes(atlas: Atlas) -> Topology:
    body = json.dumps(build_topology(atlas), ensure_ascii=False, separators=(",", ":")).encode()
    return Topology(body=body, version=hashlib.sha256(body).hexdigest()[:12])
