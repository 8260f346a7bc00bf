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


@dataclass(frozen=True)
class BoundarySource:
    """What was read: the file, its format (GDAL driver), the CRS it declared, and row counts."""

    path: str
    driver: str
    source_crs: str
    rows_read: int
    unassigned_rows: int  # 所属未定地 and rows without a code: kept out of the model, reported


def _read_raw(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    target = str(path)
    # MLIT ships zips; read the member through GDAL's /vsizip/ without unpacking.
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
                if bad is not None:
                    raise BoundaryError(f"corrupt zip member {bad}", path=path)
                shps = [n for n in zf.namelist() if n.lower().endswith(".shp")]
                others = [
                    n for n in zf.namelist() if n.lower().endswith((".geojson", ".json", ".gpkg"))
                ]
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise BoundaryError(f"not a readable zip file ({_first_line(exc)})", path=path) from None
        except Exception as exc:  # zlib.error and friends from damaged members
            raise BoundaryError(f"corrupt zip file ({_first_line(exc)})", path=path) from None
        members = sorted(shps) or sorted(others)
        if not members:
            raise BoundaryError("zip holds no .shp, .geojson or .gpkg file", path=path)
        target = f"/vsizip/{path}/{members[0]}"
    try:
        info = pyogrio.read_info(target)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's notes on odd encodings are handled below
            frame = pyogrio.read_dataframe(target)
    except Exception as exc:  # GDAL raises a wide range of errors for damaged input
        raise BoundaryError(
            "cannot read: not a GeoJSON/TopoJSON/Shapefile/GeoPackage, or a corrupt or truncated "
            f"one (GDAL: {_first_line(exc)})",
            path=path,
        ) from None
    driver = str(info.get("driver") or "")
    if driver == "ESRI Shapefile" and not _has_hokkaido_text(frame):
        for encoding in _SHAPEFILE_ENCODINGS:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    decoded = pyogrio.read_dataframe(target, encoding=encoding)
            except Exception:  # UnicodeDecodeError: not this encoding
                continue
            if _has_hokkaido_text(decoded):
                frame = decoded
                break
    return frame, driver


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
    if not path.exists():
        raise BoundaryError("file not found", path=path)
    if path.is_dir():
        raise BoundaryError("is a folder; give the boundary file itself", path=path)
    if path.stat().st_size == 0:
        raise BoundaryError("file is empty", path=path)
    raw, driver = _read_raw(path)
    missing = [c for c in ("N03_001", "N03_002", "N03_004", "N03_007") if c not in raw.columns]
    if missing:
        raise BoundaryError(f"not an N03 file: missing column(s) {', '.join(missing)}", path=path)
    if "N03_003" not in raw.columns:
        raw["N03_003"] = None
    if raw.crs is None:
        source_crs = "EPSG:4326 (assumed: the file declares none)"
        raw = raw.set_crs(WEB_CRS)
    else:
        epsg = raw.crs.to_epsg()
        source_crs = f"EPSG:{epsg}" if epsg else raw.crs.to_string()
    rows_read = len(raw)
    codes = raw["N03_007"].map(_normal_code)
    is_hokkaido = raw["N03_001"].astype(str).eq(HOKKAIDO) | codes.str.startswith(
        HOKKAIDO_PREFIX, na=False
    )
    raw = raw.loc[is_hokkaido].copy()
    raw["code"] = codes.loc[raw.index]
    if raw.empty:
        raise BoundaryError(f"no {HOKKAIDO} rows (no N03_001 = {HOKKAIDO}, no code 01xxx)", path=path)
    # 所属未定地 (land whose municipality is undetermined): no name and/or no code in N03.
    names = raw["N03_004"].fillna("").astype(str).str.strip()
    unassigned = raw["code"].isna() | names.isin(("", UNASSIGNED_NAME))
    n_unassigned = int(unassigned.sum())
    raw = raw.loc[~unassigned & raw.geometry.notna() & ~raw.geometry.is_empty]
    if raw.empty:
        raise BoundaryError("no Hokkaido row has a code and a name", path=path)
    no_sub = raw["N03_002"].fillna("").astype(str).str.strip().eq("")
    if no_sub.any():
        # Every Hokkaido municipality belongs to a 振興局; without one the hierarchy cannot place it.
        first = raw.loc[no_sub].iloc[0]
        raise BoundaryError(
            f"{int(no_sub.sum())} row(s) without a 振興局, e.g. {first['code']} {first['N03_004']}",
            path=path, field="N03_002",
        )
    if str(raw.crs) != WEB_CRS and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(WEB_CRS)
    raw["geometry"] = [_polygonal(g) for g in shapely.make_valid(raw.geometry.values)]
    # One row per polygon part in MLIT's originals: dissolve parts by code.
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
    source = BoundarySource(
        path=str(path), driver=driver, source_crs=source_crs, rows_read=rows_read,
        unassigned_rows=n_unassigned,
    )
    return frame, source
