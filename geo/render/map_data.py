"""A map's own data (地図のデータ): the areas one map colours or names, as CSV and GeoJSON.

The rows are read from the map's script (:attr:`MapView.script`), the very text the browser runs
to colour the map, not rebuilt beside it: each :class:`~geo.render.maps.TopoLayer` writes
``HokkaidoMap.topoLayer(map, layer, {options})`` with its areas in ``feats`` (one-letter keys, see
:class:`~geo.render.maps.Feature`). So what the 「データ」 link under a map gives is, by
construction, what that map shows, for every map kind the registry knows, including kinds added
later. Only the layers the map shows when it opens count (``layer.addTo(map)``): the overview
carries its three levels and shows one.

A row is an area of a layer that has a fill colour (``c``), tooltip lines (``t``), or belongs to a
merged outline (a project's or KPI's area, whose lines are the layer's ``mergeTip``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.atlas.model import Atlas
from geo.csvfile import excel_csv, formula_safe
from geo.render.maps import MapView

_LAYER_CALL = re.compile(r"HokkaidoMap\.topoLayer\(([A-Za-z0-9_$]+), ([A-Za-z0-9_$]+), ")
_ADDED = re.compile(r"^\s*([A-Za-z0-9_$]+)\.addTo\(", re.MULTILINE)

LEVEL_LABELS = {"municipalities": "市町村", "subprefectures": "振興局", "regions": "連携地域"}
ROLE_FILL, ROLE_NAMED, ROLE_OUTLINE = "塗り分け", "名前", "輪郭"

# The columns of every map's CSV (after the edition's 方針・対象期間); GeoJSON properties too.
MAP_COLUMNS = ("layer", "level", "area_id", "area_name", "role", "fill_color", "map_text")


@dataclass(frozen=True)
class MapRow:
    layer: str  # the layer's key in the map script
    level: str  # the topology object: municipalities | subprefectures | regions
    area_id: str  # municipality code, 振興局 short name, 連携地域 id (the topology's ids)
    area_name: str
    role: str  # 塗り分け (coloured) | 名前 (named only) | 輪郭 (part of an outline)
    fill_color: str
    map_text: str  # what the tooltip says after the name, 「・」-joined

    def cells(self) -> list[str]:
        return [self.layer, self.level, self.area_id, formula_safe(self.area_name), self.role,
                self.fill_color, formula_safe(self.map_text)]


def shown_layers(script: str) -> list[dict[str, Any]]:
    """The options of every topology layer the script adds to its map when it runs."""
    added = set(_ADDED.findall(script))
    decoder = json.JSONDecoder()
    layers = []
    for m in _LAYER_CALL.finditer(script):
        options, _ = decoder.raw_decode(script, m.end())
        if m.group(2) in added:
            layers.append(options)
    return layers


def area_names(atlas: Atlas) -> dict[tuple[str, str], str]:
    """(level, topology id) → the area's name: for outline parts, which carry no tooltip."""
    h = atlas.hierarchy
    names = {("municipalities", m.code): m.full_name
             for m in (*atlas.municipalities, *atlas.northern_territories)}
    names |= {("subprefectures", x.short): x.name for x in h.subprefectures}
    names |= {("regions", r.id): r.full_name for r in h.regions}
    return names


def _layer_rows(layer: Mapping[str, Any], names: Mapping[tuple[str, str], str]) -> Iterator[MapRow]:
    level, key = layer["object"], layer["key"]
    merged = list(layer.get("mergeTip") or ()) if layer.get("merge") else []
    for area_id, wire in layer["feats"].items():
        tip = list(wire.get("t") or ())
        color = wire.get("c") or ""
        if merged:
            role, name, text = ROLE_OUTLINE, names.get((level, area_id), area_id), "・".join(merged)
        elif tip or color:
            role = ROLE_FILL if color else ROLE_NAMED
            name = tip[0] if tip else names.get((level, area_id), area_id)
            text = "・".join(tip[1:])
        else:
            continue  # drawn for context only (a region's outline): neither coloured nor named
        yield MapRow(key, level, area_id, name, role, color, text)


def map_rows(view: MapView, atlas: Atlas) -> list[MapRow]:
    """Every area the map colours or names, layer by layer, in the script's order."""
    names = area_names(atlas)
    return [row for layer in shown_layers(view.script) for row in _layer_rows(layer, names)]


def map_csv(rows: Sequence[MapRow], about: Sequence[tuple[str, str]] = ()) -> str:
    """The rows for a spreadsheet (geo/csvfile.py), led by the edition's columns."""
    return excel_csv(MAP_COLUMNS, (r.cells() for r in rows), about=about)


def level_geometries(atlas: Atlas, level: str) -> dict[str, str]:
    """Topology id → its geometry as GeoJSON text (5 decimals, as /api/geo/<level>.geojson)."""
    from geo.atlas.geojson import level_frame  # geopandas: only when a GeoJSON is asked for

    frame = level_frame(atlas, level)
    ids = frame["code"] if level == "municipalities" else frame["id"]
    doc = json.loads(frame.to_json(drop_id=True))
    return {str(i): json.dumps(f["geometry"], separators=(",", ":"))
            for i, f in zip(ids, doc["features"], strict=True)}


def map_geojson(rows: Sequence[MapRow], geometries: Mapping[str, Mapping[str, str]],
                about: Sequence[tuple[str, str]] = ()) -> bytes:
    """A FeatureCollection: one feature per row (the row's cells as properties, the area's
    boundary as geometry; ``null`` for an area the boundaries lack)."""
    lead = dict(about)
    parts = []
    for r in rows:
        props = {**lead, **dict(zip(MAP_COLUMNS, (r.layer, r.level, r.area_id, r.area_name, r.role,
                                                  r.fill_color, r.map_text), strict=True))}
        geometry = geometries.get(r.level, {}).get(r.area_id, "null")
        parts.append('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False,
                                                                    separators=(",", ":"))
                     + ',"geometry":' + geometry + "}")
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode("utf-8")
