"""Build boundary fixtures from the shared N03 files, at test time, into a tmp folder.

The shared files (and anything derived from them) are never committed: every writer here
takes a destination folder (pytest's ``tmp_path``) and returns the path it wrote.

Expected numbers are derived here from the raw GeoJSON with the ``json`` module only, so they
do not depend on the code under test.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import geopandas as gpd
import pyogrio
from conftest import HOKKAIDO_GEOJSON, NATIONAL_GEOJSON

SAPPORO = "札幌市"
SAPPORO_CODE = "01100"
NORTHERN_TERRITORIES = ("01695", "01696", "01697", "01698", "01699", "01700")  # well-known
HOKKAIDO_SJIS = "北海道".encode("cp932")  # b'\x96k\x8aC\x93\xb9'


# -- expectations from the raw file (json module only) ----------------------------------------
@cache
def raw_features(path: Path = HOKKAIDO_GEOJSON) -> tuple[dict, ...]:
    return tuple(json.loads(Path(path).read_text(encoding="utf-8"))["features"])


def _short(subprefecture: str) -> str:
    for suffix in ("総合振興局", "振興局"):
        if subprefecture.endswith(suffix):
            return subprefecture[: -len(suffix)]
    return subprefecture


@cache
def expected() -> dict:
    """Counts and codes of the Hokkaido GeoJSON, computed from its properties alone."""
    props = [f["properties"] for f in raw_features()]
    ward_codes = {p["N03_007"] for p in props if p["N03_003"] == SAPPORO}
    all_codes = {p["N03_007"] for p in props}
    municipality_codes = (all_codes - ward_codes - set(NORTHERN_TERRITORIES)) | {SAPPORO_CODE}
    sub_of: dict[str, str] = {p["N03_007"]: p["N03_002"] for p in props}
    sub_of[SAPPORO_CODE] = next(p["N03_002"] for p in props if p["N03_003"] == SAPPORO)
    per_sub = Counter(_short(sub_of[c]) for c in municipality_codes)
    return {
        "municipalities": len(municipality_codes),
        "municipality_codes": frozenset(municipality_codes),
        "sapporo_wards": len(ward_codes),
        "ward_codes": frozenset(ward_codes),
        "northern_territories": len(all_codes & set(NORTHERN_TERRITORIES)),
        "subprefectures": len({p["N03_002"] for p in props}),
        "municipalities_per_subprefecture": dict(per_sub),
        "features": len(props),
    }


# -- readers / writers -----------------------------------------------------------------------
@cache
def _hokkaido_frame() -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(HOKKAIDO_GEOJSON)


def hokkaido_frame() -> gpd.GeoDataFrame:
    """The raw Hokkaido GeoJSON as a GeoDataFrame (a fresh copy: callers may edit it)."""
    return _hokkaido_frame().copy()


def exploded(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per polygon part, as MLIT ships N03 (a municipality with islands → many rows)."""
    out = frame.explode(index_parts=False, ignore_index=True)
    assert len(out) > len(frame), "fixture must really split multipolygons"
    return out


def write_shapefile(
    frame: gpd.GeoDataFrame, folder: Path, *, encoding: str = "cp932", name: str = "N03-21_01_210101",
    keep_cpg: bool = False,
) -> Path:
    """A loose Shapefile whose DBF is in ``encoding``; no .cpg unless asked (older MLIT style)."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / f"{name}.shp"
    pyogrio.write_dataframe(frame, shp, encoding=encoding)
    cpg = shp.with_suffix(".cpg")
    if not keep_cpg:
        cpg.unlink(missing_ok=True)
    return shp


def zip_shapefile(shp: Path, dest: Path, inner_dir: str = "N03-20210101_01_GML") -> Path:
    """Zip every sidecar of ``shp`` under a folder, as MLIT's download zip does."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            zf.write(part, f"{inner_dir}/{part.name}")
    return dest


def sjis_shapefile_zip(folder: Path, *, epsg: int = 6668, numeric_code: bool = False) -> Path:
    """MLIT-style zip: Shift_JIS DBF without .cpg, exploded parts, in ``epsg`` (JGD2011)."""
    frame = exploded(hokkaido_frame()).to_crs(epsg)
    if numeric_code:  # a DBF numeric field: 01101 → 1101
        frame["N03_007"] = frame["N03_007"].astype(int)
    shp = write_shapefile(frame, folder / "shp", encoding="cp932")
    return zip_shapefile(shp, folder / "N03-21_01_210101_SHP.zip")


def write_geopackage(frame: gpd.GeoDataFrame, dest: Path, epsg: int = 4612) -> Path:
    pyogrio.write_dataframe(frame.to_crs(epsg), dest, driver="GPKG", layer="N03")
    return dest


def write_geojson_features(features: list[dict], dest: Path) -> Path:
    dest.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return dest


def edited_geojson(dest: Path, edit) -> Path:
    """The Hokkaido GeoJSON with ``edit(properties) -> properties | None`` (None drops it)."""
    out = []
    for feature in raw_features():
        props = edit(dict(feature["properties"]))
        if props is not None:
            out.append({**feature, "properties": props})
    return write_geojson_features(out, dest)


def other_prefecture_geojson(dest: Path, prefix: str = "47") -> Path:
    """The national file filtered to one other prefecture (default 沖縄県): no Hokkaido rows."""
    features = [
        f for f in raw_features(NATIONAL_GEOJSON)
        if str(f["properties"]["N03_007"] or "").startswith(prefix)
    ]
    assert features
    return write_geojson_features(features, dest)


def truncated_copy(src: Path, dest: Path) -> Path:
    data = src.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


def random_bytes(dest: Path, size: int = 4096) -> Path:
    dest.write_bytes(os.urandom(size))
    return dest


def garbage_zip(dest: Path) -> Path:
    """A real zip archive whose .shp/.dbf/.shx members are random bytes."""
    with zipfile.ZipFile(dest, "w") as zf:
        for ext in ("shp", "shx", "dbf"):
            zf.writestr(f"N03/N03-21_01_210101.{ext}", os.urandom(2048))
    return dest


def copy_shared(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest


# -- a real HTTP server on 127.0.0.1 -----------------------------------------------------------
class LocalServer:
    """``http.server`` in a thread serving ``root``; counts the GET requests it answered."""

    def __init__(self, root: Path) -> None:
        import functools
        import http.server
        import threading

        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path.lstrip("/") in server.truncate:
                    # Announce the whole file, send half, hang up: a dropped connection.
                    data = (root / self.path.lstrip("/")).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                super().do_GET()

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

        self.requests: list[str] = []
        self.truncate: set[str] = set()  # names served cut in half
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def closed_port_url(name: str = "N03.geojson") -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused: "offline")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def sha256_hex(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def jis_check_digit(code5: str) -> str:
    """JIS X 0402, written independently of geo.atlas.codes: weights 6,5,4,3,2; (11 − Σ mod 11) mod 10."""
    total = 0
    for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True):
        total += "0123456789".index(digit) * weight
    return str((11 - total % 11) % 10)
