"""Reading N03 municipal boundary files (国土数値情報 行政区域データ) into one normal form.

Whatever the format (GeoJSON, TopoJSON, Shapefile loose or zipped, GeoPackage), encoding
(UTF-8 or Shift_JIS/CP932) or CRS (JGD2000, JGD2011, WGS84), ``read_boundaries`` returns a
GeoDataFrame in EPSG:4326 with one row per 行政区域コード of Hokkaido and the columns
``code, subprefecture_name, district, name, geometry``. This module only reads; the
hierarchy and derived layers are built in :mod:`geo.atlas.model`.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.errors import BoundaryError

N03_COLUMNS = ("N03_001", "N03_002", "N03_003", "N03_004", "N03_007")
HOKKAIDO = "北海道"
HOKKAIDO_PREFIX = "01"
WEB_CRS = "EPSG:4326"
# Japan Lambert-free equal-area: EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global) keeps areas
# exact to well under 0.1 % at Hokkaido's latitude, with no zone choice to get wrong.
AREA_CRS = "EPSG:6933"
# A DBF without a .cpg (older MLIT editions: Shift_JIS) is read by GDAL as ISO-8859-1, which
# never fails but yields mojibake; so we check for 北海道 and retry with these, in order.
_SHAPEFILE_ENCODINGS = ("utf-8", "cp932")
UNASSIGNED_NAME = "所属未定地"
# Bounds on the input and the work before union_all (a 200 MB file of overlapping polygons ran
# out of memory there). MLIT's full-resolution Hokkaido file: ~10,000 features; the files here:
# 194–1,897 features, 18,493–33,412 vertices, 0.1–1.6 MB.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_FEATURES = 50_000
MAX_VERTICES = 20_000_000


@dataclass(frozen=True)
class BoundarySource:
    """What was read: the file, its format (GDAL driver), the CRS it declared, and row counts."""

    path: str
    driver: str
    source_crs: str
    rows_read: int
    unassigned_rows: int  # 所属未定地 and rows without a code: kept out of the model, reported


def _read_raw(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    """The file's features as GDAL reads them, with the GDAL driver's name."""
    # MLIT ships zips; read the member through GDAL's /vsizip/ without unpacking.
    is_zip = path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)
    target = _zip_target(path) if is_zip else str(path)
    frame, driver = _read_target(target, path)
    if driver == "ESRI Shapefile" and not _has_hokkaido_text(frame):
        frame = _redecoded(target, frame)
    return frame, driver


def _zip_target(path: Path) -> str:
    """The GDAL path of the zip's boundary member: the first .shp, else the first other vector file."""
    try:
        shps, others = _zip_members(path)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise BoundaryError(f"not a readable zip file ({_first_line(exc)})", path=path) from None
    except Exception as exc:  # zlib.error and friends from damaged members
        # This also catches the BoundaryError of _zip_members, which is wanted: the message
        # then reads "corrupt zip file (… corrupt zip member …)".
        raise BoundaryError(f"corrupt zip file ({_first_line(exc)})", path=path) from None
    members = sorted(shps) or sorted(others)
    if not members:
        raise BoundaryError("zip holds no .shp, .geojson or .gpkg file", path=path)
    return f"/vsizip/{path}/{members[0]}"


def _zip_members(path: Path) -> tuple[list[str], list[str]]:
    """The zip's Shapefile members and its GeoJSON/GeoPackage members, once every CRC checks out."""
    with zipfile.ZipFile(path) as zf:
        bad = zf.testzip()
        if bad is not None:
            raise BoundaryError(f"corrupt zip member {bad}", path=path)
        names = zf.namelist()
    shps = [n for n in names if n.lower().endswith(".shp")]
    others = [n for n in names if n.lower().endswith((".geojson", ".json", ".gpkg"))]
    return shps, others


def _read_target(target: str, path: Path) -> tuple[gpd.GeoDataFrame, str]:
    """The features at ``target`` (a file or a /vsizip/ member) and the GDAL driver's name."""
    try:
        info = pyogrio.read_info(target)
        frame = _read_quietly(target)
    except Exception as exc:  # GDAL raises a wide range of errors for damaged input
        raise BoundaryError(
            "cannot read: not a GeoJSON/TopoJSON/Shapefile/GeoPackage, or a corrupt or truncated "
            f"one (GDAL: {_first_line(exc)})",
            path=path,
        ) from None
    return frame, str(info.get("driver") or "")


def _read_quietly(target: str, **options: str) -> gpd.GeoDataFrame:
    """``pyogrio.read_dataframe`` without GDAL's warnings: its notes on odd encodings are handled here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyogrio.read_dataframe(target, **options)


def _redecoded(target: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A Shapefile read again in the first encoding that yields 北海道; ``frame`` if none does."""
    for encoding in _SHAPEFILE_ENCODINGS:
        try:
            decoded = _read_quietly(target, encoding=encoding)
        except Exception:  # UnicodeDecodeError: not this encoding
            continue
        if _has_hokkaido_text(decoded):
            return decoded
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    # GDAL appends a hint about '<DRIVER>:' prefixes that only confuses here.
    return text[0].split("; It might help")[0] if text else type(exc).__name__


def _has_hokkaido_text(frame: pd.DataFrame) -> bool:
    return "N03_001" in frame.columns and frame["N03_001"].astype(str).str.contains(HOKKAIDO).any()


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Only the areal parts: make_valid can return a collection with slivers of lines/points."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()


def _feature(raw: pd.DataFrame, i: int) -> str:
    row = raw.iloc[i]
    return f"feature {i + 1} ({row['code']} {row['N03_004']})"


def _check_coordinates(raw: gpd.GeoDataFrame, path: Path, lonlat: bool) -> None:
    """NaN/Infinity/±1e308 ended in a GEOS traceback: name the feature instead."""
    geoms = raw.geometry.values
    counts = shapely.get_num_coordinates(geoms)
    coords = shapely.get_coordinates(geoms)
    bad = ~np.isfinite(coords).all(axis=1)
    if lonlat:
        bad |= (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if bad.any():
        first = int(np.argmax(bad))
        feature = int(np.searchsorted(np.cumsum(counts), first, side="right"))
        x, y = coords[first]
        what = "a longitude/latitude" if lonlat else "a finite number"
        raise BoundaryError(f"{_feature(raw, feature)}: coordinate ({x}, {y}) is not {what}",
                            path=path, field="geometry")


def check_geometries(raw: gpd.GeoDataFrame, path: Path) -> None:
    """Size, coordinates, validity and overlaps, before any union: each a one-line error.

    Invalid rings (self-intersecting "bow-ties") are refused, not repaired: make_valid turned
    them into extra areas (the total grew from 83,408 to 253,753 km²). MLIT's files have none."""
    if len(raw) > MAX_FEATURES:
        raise BoundaryError(f"{len(raw):,} Hokkaido features; at most {MAX_FEATURES:,} are read",
                            path=path)
    geoms = raw.geometry.values
    vertices = int(shapely.get_num_coordinates(geoms).sum())
    if vertices > MAX_VERTICES:
        raise BoundaryError(f"{vertices:,} vertices; at most {MAX_VERTICES:,} are read", path=path)
    is_4326 = raw.crs is not None and raw.crs.to_epsg() == 4326
    _check_coordinates(raw, path, lonlat=is_4326)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        i = int(np.argmax(invalid))
        raise BoundaryError(f"{_feature(raw, i)}: invalid polygon ({shapely.is_valid_reason(geoms[i])}); "
                            "fix its rings (e.g. QGIS \"Fix geometries\") or use MLIT's file",
                            path=path, field="geometry")
    # Parts of the map must not overlap: stop at the first pair, so a file of stacked copies
    # costs one query, not n² (union_all over them exhausted memory).
    tree = shapely.STRtree(geoms)
    for i, geom in enumerate(geoms):
        for j in tree.query(geom, predicate="intersects"):
            if j > i and shapely.relate_pattern(geom, geoms[j], "2********"):
                raise BoundaryError(f"{_feature(raw, i)} and {_feature(raw, int(j))} overlap",
                                    path=path, field="geometry")


def _normal_code(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0"):  # a DBF numeric field read as float
        text = text[:-2]
    if not text.isdigit():
        return None
    return text.zfill(5) if len(text) <= 5 else text[:5]


def read_boundaries(path: str | Path) -> tuple[gpd.GeoDataFrame, BoundarySource]:
    """Read an N03 file and return Hokkaido's municipalities, one row per code, in EPSG:4326.

    Raises :class:`BoundaryError` (one line naming the file and the problem) for a missing,
    corrupt or truncated file, a file without the N03 columns, or one with no Hokkaido rows.
    """
    path = Path(path)
    _check_file(path)
    raw, driver = _read_raw(path)
    raw = _with_n03_columns(raw, path)
    raw, source_crs = _with_crs(raw)
    rows_read = len(raw)
    raw = _hokkaido_rows(raw, path)
    raw, n_unassigned = _assigned_rows(raw, path)
    _check_subprefectures(raw, path)
    check_geometries(raw, path)
    raw = _in_web_crs(raw, path)
    # Valid by now; make_valid only mends what reprojection may bend (a ring touching itself).
    raw["geometry"] = [_polygonal(g) for g in shapely.make_valid(raw.geometry.values)]
    source = BoundarySource(
        path=str(path), driver=driver, source_crs=source_crs, rows_read=rows_read,
        unassigned_rows=n_unassigned,
    )
    return _dissolved(raw), source


def _check_file(path: Path) -> None:
    """Refuse a missing path, a folder, an empty file or one too large to read."""
    if not path.exists():
        raise BoundaryError("file not found", path=path)
    if path.is_dir():
        raise BoundaryError("is a folder; give the boundary file itself", path=path)
    size = path.stat().st_size
    if size == 0:
        raise BoundaryError("file is empty", path=path)
    if size > MAX_FILE_BYTES:
        raise BoundaryError(f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read", path=path)


def _with_n03_columns(raw: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """``raw`` with every N03 column: the required ones must be there, N03_003 (郡) may be absent."""
    missing = [c for c in ("N03_001", "N03_002", "N03_004", "N03_007") if c not in raw.columns]
    if missing:
        raise BoundaryError(f"not an N03 file: missing column(s) {', '.join(missing)}", path=path)
    if "N03_003" not in raw.columns:
        raw["N03_003"] = None
    return raw


def _with_crs(raw: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """``raw`` with a CRS (EPSG:4326 when it declares none), and how to name the CRS it came in."""
    if raw.crs is None:
        return raw.set_crs(WEB_CRS), "EPSG:4326 (assumed: the file declares none)"
    epsg = raw.crs.to_epsg()
    return raw, f"EPSG:{epsg}" if epsg else raw.crs.to_string()


def _hokkaido_rows(raw: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """The rows of 北海道 (by name or by an 01xxx code), with their 5-digit ``code``."""
    codes = raw["N03_007"].map(_normal_code)
    is_hokkaido = raw["N03_001"].astype(str).eq(HOKKAIDO) | codes.str.startswith(
        HOKKAIDO_PREFIX, na=False
    )
    raw = raw.loc[is_hokkaido].copy()
    raw["code"] = codes.loc[raw.index]
    if raw.empty:
        raise BoundaryError(f"no {HOKKAIDO} rows (no N03_001 = {HOKKAIDO}, no code 01xxx)", path=path)
    return raw


def _assigned_rows(raw: gpd.GeoDataFrame, path: Path) -> tuple[gpd.GeoDataFrame, int]:
    """The rows with a code, a name and a geometry, and how many were 所属未定地."""
    # 所属未定地 (land whose municipality is undetermined): no name and/or no code in N03.
    names = raw["N03_004"].fillna("").astype(str).str.strip()
    unassigned = raw["code"].isna() | names.isin(("", UNASSIGNED_NAME))
    n_unassigned = int(unassigned.sum())
    raw = raw.loc[~unassigned & raw.geometry.notna() & ~raw.geometry.is_empty]
    if raw.empty:
        raise BoundaryError("no Hokkaido row has a code and a name", path=path)
    return raw, n_unassigned


def _check_subprefectures(raw: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse rows without a 振興局 (N03_002)."""
    no_sub = raw["N03_002"].fillna("").astype(str).str.strip().eq("")
    if no_sub.any():
        # Every Hokkaido municipality belongs to a 振興局; without one the hierarchy cannot place it.
        first = raw.loc[no_sub].iloc[0]
        raise BoundaryError(
            f"{int(no_sub.sum())} row(s) without a 振興局, e.g. {first['code']} {first['N03_004']}",
            path=path, field="N03_002",
        )


def _in_web_crs(raw: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """``raw`` in EPSG:4326, its coordinates checked again when it had to be reprojected."""
    if str(raw.crs) != WEB_CRS and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(WEB_CRS)
        _check_coordinates(raw, path, lonlat=True)
    return raw


def _dissolved(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per code (MLIT's originals have one per polygon part), in the normal columns."""
    attrs = (
        raw.groupby("code", sort=True)
        .agg(subprefecture_name=("N03_002", "first"), district=("N03_003", "first"),
             name=("N03_004", "first"))
    )
    geoms = raw.groupby("code", sort=True).geometry.apply(
        lambda s: shapely.union_all(s.values)
    )
    frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=WEB_CRS), crs=WEB_CRS)
    frame = frame.reset_index()
    frame["district"] = frame["district"].where(frame["district"].notna(), None)
    return frame
