"""The data catalogue (データカタログ, ``/data``): every dataset of the site, its licence, citation,
columns and last change, one ZIP of everything, and the schema.org / DCAT JSON-LD a portal
harvests.

This module holds the facts and the pure builders; :mod:`geo.web.data` serves them. The bytes of a
dataset are never built here: the web layer answers each distribution with the same view that
serves its URL, so the ZIP and the catalogue's columns are what a download gives.

**Columns (データ辞書).** The column *names* come from each CSV's real header (:func:`dictionary`
reads them from the bytes); only their *meanings* are written here (:data:`MEANINGS`), and a
column without one is listed by :func:`undescribed` (a test fails on it), so a CSV that gains a
column cannot go undocumented. The *type* is read from the values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geo.atlas.sources import CREDIT
from geo.csvfile import excel_csv, formula_safe

SITE_TITLE = "北海道 地域政策マップ"
LICENCE_NAME = "政府標準利用規約（第2.0版）"
# 政府標準利用規約（第2.0版）says content under it may also be used under CC BY 4.0; a portal's
# licence field wants a URL it knows, so the machine-readable licence is CC BY 4.0's.
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
CC_BY_NAME = "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
PLAN_SOURCE = "北海道総合計画 Ⅲ 各地域の政策（連携地域別政策展開方針）"
ZIP_NAME = "hokkaido-map-data.zip"
ZIP_MAX_BYTES = 16 * 1024 * 1024  # bounded: a ZIP past this is refused, not built and kept


@dataclass(frozen=True)
class Distribution:
    """One file of a dataset: its format, where it is served and its name inside the ZIP."""

    format: str  # CSV | JSON | GeoJSON
    endpoint: str
    media_type: str
    filename: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    description: str
    distributions: tuple[Distribution, ...]
    boundaries: bool = False  # geometry from 国土数値情報: MLIT's credit applies too


def _csv(name: str, endpoint: str = "data.table", **values: Any) -> Distribution:
    return Distribution("CSV", endpoint, "text/csv", f"{name}.csv", values or {"name": name})


def _json(name: str, endpoint: str, **values: Any) -> Distribution:
    return Distribution("JSON", endpoint, "application/json", f"{name}.json", values)


def _geojson(level: str) -> Distribution:
    return Distribution("GeoJSON", "api.geojson", "application/geo+json", f"{level}.geojson",
                        {"level": level})


DATASETS: tuple[Dataset, ...] = (
    Dataset("municipalities", "市町村",
            "北海道の179市町村（札幌市は1市）の名前・コード・振興局・連携地域・"
            "面積・及ぶプロジェクト数と、その境界。",
            (_csv("municipalities"), _json("municipalities", "api.municipalities"),
             _geojson("municipalities")),
            boundaries=True),
    Dataset("subprefectures", "振興局",
            "14の（総合）振興局の名前・所属する連携地域・市町村・及ぶプロジェクト数と、その境界。",
            (_csv("subprefectures"), _json("subprefectures", "api.subprefectures"),
             _geojson("subprefectures")),
            boundaries=True),
    Dataset("regions", "連携地域",
            "6つの連携地域の名前・中核都市・振興局・プロジェクト数・主な施策の展開方向と、その境界。",
            (_csv("regions"), _json("regions", "api.regions"), _geojson("regions")), boundaries=True),
    Dataset("projects", "プロジェクト",
            "地域重点政策ユニットの名前のあるプロジェクト：対象地域・KPI の数など。",
            (_csv("projects"), _json("projects", "api.projects"))),
    Dataset("coverage", "プロジェクトと市町村（対象範囲）", "どのプロジェクトがどの市町村に及ぶか：1組1行。",
            (Distribution("CSV", "pages.coverage_csv", "text/csv", "coverage.csv"),)),
    Dataset("kpis", "KPI", "プロジェクトの KPI：指標・基準値・目標値・計画上の変化。",
            (_csv("kpis"), _json("kpis", "api.kpis"))),
    Dataset("overlap", "プロジェクトの重なり",
            "振興局ごとのプロジェクト数と、複数の振興局・連携地域にまたがる数。",
            (_csv("overlap"), _json("overlap", "api.overlap"))),
    Dataset("progress", "KPI の進捗（推進管理）",
            "KPI ごとの最新の実績・見込み・評価（登録された実績から）。",
            (Distribution("CSV", "progress.csv_file", "text/csv", "progress.csv"),
             _json("progress", "progress.api"))),
)


def dataset(did: str) -> Dataset:
    """The dataset ``did``; KeyError for none."""
    for d in DATASETS:
        if d.id == did:
            return d
    raise KeyError(did)


# --- tables flattened from the JSON twins -------------------------------------------------------

# The CSVs /data/<name>.csv that have no table of their own elsewhere: (JSON endpoint, the key of
# its list of records, the name of the id column for a mapping of records keyed by id).
TABLES: Mapping[str, tuple[str, str, str | None]] = {
    "municipalities": ("api.municipalities", "municipalities", None),
    "subprefectures": ("api.subprefectures", "subprefectures", None),
    "regions": ("api.regions", "regions", None),
    "projects": ("api.projects", "projects", None),
    "kpis": ("api.kpis", "kpis", None),
    "overlap": ("api.overlap", "subprefectures", "subprefecture"),
}


def _cell(value: Any) -> str | None:
    """A JSON value as one cell, or None for one that is not a cell (a list of objects)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return formula_safe(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return formula_safe("・".join(str(v) for v in value))
    return None


def flat_record(record: Mapping[str, Any]) -> dict[str, str]:
    """A JSON record as cells: scalars as they are, a list of scalars 「・」-joined, an object's
    scalars as ``key.sub``; lists of objects (a city's wards) are left to the JSON."""
    out: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                cell = _cell(inner)
                if cell is not None and not isinstance(inner, dict):
                    out[f"{key}.{sub}"] = cell
            continue
        cell = _cell(value)
        if cell is not None:
            out[key] = cell
    return out


def records(body: Mapping[str, Any], key: str, id_name: str | None) -> list[Mapping[str, Any]]:
    items = body[key]
    if id_name is not None:  # {"空知": {...}} → [{"subprefecture": "空知", ...}]
        return [{id_name: k, **v} for k, v in items.items()]
    return list(items)


def table_csv(rows: Sequence[Mapping[str, Any]], about: Sequence[tuple[str, str]] = ()) -> str:
    """Records as CSV: the columns of every record, in first-seen order."""
    flat = [flat_record(r) for r in rows]
    header = list(dict.fromkeys(k for r in flat for k in r))
    # An object that is null in some records (a KPI without a baseline) is its sub-columns only.
    header = [k for k in header if not any(h.startswith(f"{k}.") for h in header)]
    return excel_csv(header, ([r.get(k, "") for k in header] for r in flat), about=about)


# --- the data dictionary -------------------------------------------------------------------------

# Meaning of a column, by dataset and column (a dataset's own first), then by column alone.
MEANINGS: Mapping[str, str] = {
    "方針": "計画の版（連携地域別政策展開方針の名前）。どの行も同じ値",
    "対象期間": "その版の対象期間（例：平成28年度〜概ね令和2年度）",
    "region": "連携地域の ID（doo・donan・dohoku・okhotsk・tokachi・kushiro-nemuro）",
    "region_name": "連携地域の名前",
    "code": "全国地方公共団体コード（5桁、検査数字なし）",
    "code6": "全国地方公共団体コード（6桁、検査数字つき）",
    "cross_region": "連携地域をまたぐなら 1、またがないなら 0",
    "projects_count": "この地域に及ぶプロジェクトの数（名前のあるもの）",
}
_MUNICIPALITY = {
    "area_km2": "面積（km²、境界データから計算）",
    "core_city.code": "属する連携地域の中核都市のコード（中核都市があるとき）",
    "core_city.name": "その中核都市の名前",
    "district": "郡の名前（市と札幌市は空）",
    "full_name": "郡名つきの市町村名（例：虻田郡倶知安町）",
    "kind": "市・町・村の別",
    "label_point": "地図で名前を置く点（経度・緯度、「・」区切り）",
    "name": "市町村名",
    "northern_territory": "北方領土の村なら 1",
    "subprefecture": "振興局の短い名前（例：後志）",
    "subprefecture_id": "振興局の ID（例：shiribeshi）",
    "subprefecture_name": "振興局の名前（例：後志総合振興局）",
}
_KPI_VALUE = {
    "aggregate": "値の集計のしかた（合計・平均など。記載があるとき）",
    "fiscal_year": "年度（西暦の年度はじめの年）",
    "label": "年度の表記（例：H26、R1）",
    "qualifier": "値につく条件（以上・以下など。記載があるとき）",
    "value": "値（単位をそろえた数）",
    "written": "計画に書かれたとおりの値（例：2,240万人）",
}
DATASET_MEANINGS: Mapping[str, Mapping[str, str]] = {
    "municipalities": _MUNICIPALITY,
    "subprefectures": {
        "id": "振興局の ID（例：sorachi）", "name": "振興局の名前", "short": "振興局の短い名前（例：空知）",
        "municipalities": "属する市町村のコード（「・」区切り）",
    },
    "regions": {
        "id": "連携地域の ID", "name": "連携地域の短い名前（例：道央広域）", "full_name": "連携地域の名前",
        "core_city.code": "中核都市のコード", "core_city.name": "中核都市の名前",
        "directions": "主な施策の展開方向（「・」区切り）", "vision": "地域のめざす姿",
        "project_ids": "この連携地域のプロジェクトの ID（「・」区切り）",
        "projects_count": "この連携地域に及ぶプロジェクトの数",
        "projects_named": "計画が名前を挙げているプロジェクトの数",
        "projects_stated": "計画が述べるプロジェクトの総数",
        "projects_unnamed": "名前の挙がっていないプロジェクトの数",
        "subprefectures": "属する振興局の短い名前（「・」区切り）",
    },
    "projects": {
        "id": "プロジェクトの ID", "name": "プロジェクトの名前", "aliases": "別の呼び方（「・」区切り）",
        "region": "このプロジェクトを掲げる連携地域の ID",
        "regions": "対象の振興局が属する連携地域の ID（「・」区切り）",
        "coverage_label": "計画に書かれた対象地域（例：道央広域(後志、胆振、石狩)）",
        "cross_subprefecture": "複数の振興局にまたがるなら 1",
        "focus_municipalities": "計画が特に挙げる市町村（「・」区切り）",
        "kpis_heading": "KPI の見出し（計画の表記）", "measures": "主な取組（「・」区切り）",
        "measures_heading": "主な取組の見出し（計画の表記）",
        "municipalities": "対象の市町村のコード（「・」区切り）",
        "subprefectures": "対象の振興局の短い名前（「・」区切り）",
    },
    "coverage": {
        "project_id": "プロジェクトの ID", "project_name": "プロジェクトの名前",
        "project_region": "プロジェクトを掲げる連携地域の ID", "municipality": "市町村名（郡名つき）",
        "subprefecture": "その市町村の振興局（短い名前）", "region": "その市町村の連携地域の ID",
        "cross_region": "そのプロジェクトが連携地域をまたぐなら 1",
    },
    "kpis": {
        **{f"baseline.{k}": f"基準値の{v}" for k, v in _KPI_VALUE.items()},
        **{f"target.{k}": f"目標値の{v}" for k, v in _KPI_VALUE.items()},
        "change.absolute": "計画上の変化（目標値−基準値）", "change.annual_rate": "計画上の年あたり変化率",
        "change.percent": "計画上の変化（%）", "change.years": "基準年度から目標年度までの年数",
        "family": "同じ指標の KPI のまとまり（指標名）", "id": "KPI の ID（<プロジェクト ID>-<番号>）",
        "indicator": "指標", "per_year": "年あたりの値なら 1", "project": "プロジェクトの ID",
        "project_name": "プロジェクトの名前", "raw": "計画に書かれたとおりの KPI",
        "scope": "指標の範囲（記載があるとき）", "sub_label": "細目（記載があるとき）",
        "subprefectures": "対象の振興局の短い名前（「・」区切り）", "unit": "単位（そろえたもの）",
        "unit_as_written": "単位（計画の表記）",
    },
    "overlap": {
        "subprefecture": "振興局の短い名前", "projects": "この振興局に及ぶプロジェクトの数",
        "shared": "そのうち複数の振興局にまたがるものの数",
        "cross_region": "そのうち連携地域をまたぐものの数",
    },
    "progress": {
        "kpi_id": "KPI の ID", "連携地域": "連携地域の短い名前", "プロジェクト": "プロジェクトの名前",
        "KPI": "KPI（指標と範囲）", "基準値": "基準値（年度）",
        "見込み": "その年度に見込まれる値（基準値から目標値への直線）",
        "実績値": "最新の実績値", "実績年度": "実績の年度", "速報/確報": "実績が速報か確報か",
        "出典": "実績の出典", "URL/資料": "出典の URL または資料名", "公表日": "実績の公表日",
        "目標値": "目標値（年度）", "進捗率": "基準値から目標値までの進み具合（%）",
        "評価": "評価（A〜D、達成・未達成）", "評価年度": "評価した年度", "理由": "評価できない理由など",
        "対象期間内外": "評価年度が計画の対象期間の内か外か",
    },
    "maps": {
        "layer": "地図のレイヤー", "level": "地域の単位（municipalities・subprefectures・regions）",
        "area_id": "地域の ID（市町村コード・振興局の短い名前・連携地域の ID）", "area_name": "地域の名前",
        "role": "地図での扱い（塗り分け・名前・輪郭）", "fill_color": "塗りの色（塗り分けのとき）",
        "map_text": "地図がその地域について示す内容（「・」区切り）",
    },
}


def meaning(did: str, column: str) -> str | None:
    return DATASET_MEANINGS.get(did, {}).get(column) or MEANINGS.get(column)


_INT = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def column_type(values: Iterable[str]) -> str:
    """整数 / 数値 / 文字列, read from a column's non-empty values."""
    present = [v for v in values if v != ""]
    if any(len(v) > 1 and v[0] == "0" and v[1].isdigit() for v in present):
        return "文字列"  # a code (01100): its leading zero is part of it
    if present and all(_INT.fullmatch(v) for v in present):
        return "整数"
    if present and all(_NUMBER.fullmatch(v) for v in present):
        return "数値"
    return "文字列"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str | None


def read_csv(body: bytes) -> tuple[list[str], list[list[str]]]:
    """A CSV of the site (UTF-8 with BOM) as its header and rows."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return (rows[0], rows[1:]) if rows else ([], [])


def dictionary(did: str, body: bytes) -> list[Column]:
    """The columns of a dataset's CSV, from its real header and values."""
    header, rows = read_csv(body)
    return [Column(name, column_type(r[i] for r in rows if i < len(r)), meaning(did, name))
            for i, name in enumerate(header)]


def undescribed(columns: Mapping[str, Sequence[Column]]) -> list[str]:
    """``dataset.column`` of every column the dictionary gives no meaning for."""
    return [f"{did}.{c.name}" for did, cols in columns.items() for c in cols if not c.meaning]


# --- licence, citation, last change --------------------------------------------------------------


def citation(edition_title: str | None, url: str, modified: dt.date | None) -> str:
    """「北海道 地域政策マップ（<版>）、<URL>、<データの更新日>」: the 出典 a reuser copies."""
    parts = [f"{SITE_TITLE}（{edition_title}）" if edition_title else SITE_TITLE, url]
    if modified is not None:
        parts.append(f"{modified.year}年{modified.month}月{modified.day}日更新")
    return "、".join(parts)


def last_change(mtimes: Iterable[float], as_of: dt.date | None) -> dt.date | None:
    """The data's last change: the newest of its files' mtimes and the actuals' publication
    date; never today (a page rendered tomorrow says the same)."""
    dates = [dt.date.fromtimestamp(t) for t in mtimes]
    if as_of is not None:
        dates.append(as_of)
    return max(dates, default=None)


LICENCE_TEXT = f"""# 利用条件（ライセンス）

{SITE_TITLE} のデータ（計画の本文から作成した表・JSON・地図のデータ）は、
{LICENCE_NAME}に従って、どなたでも複製・公衆送信・翻案等、自由に利用できます（商用利用も可能）。
{LICENCE_NAME}のコンテンツは、{CC_BY_NAME}（{CC_BY_URL}）に従って利用することもできます。

利用するときは出典を記載してください。記載例：

    出典：{SITE_TITLE}（<版の名前>）、<ページの URL>、<データの更新日>

編集・加工して利用する場合は、そのことも記載してください（例：「…をもとに○○作成」）。
加工した情報を、あたかも北海道や本サイトが作成したかのように公表・利用してはいけません。

## 元になった資料
- 計画：{PLAN_SOURCE}（北海道）
- 境界：{CREDIT}
  境界（GeoJSON の geometry）は国土交通省「国土数値情報」の利用規約に従います。境界を含むデータを
  使うときは、上の出典（国土数値情報）もあわせて記載してください。
"""


def readme(datasets: Sequence[Mapping[str, Any]], modified: dt.date | None, edition_title: str | None) -> str:
    """README.md of the ZIP: what each file is and its columns (the catalogue, as text)."""
    lines = [f"# {SITE_TITLE} — データ一式", ""]
    if edition_title:
        lines.append(f"版：{edition_title}")
    if modified is not None:
        lines.append(f"データの更新日：{modified.isoformat()}")
    lines += ["", "利用条件は LICENSE.md を参照してください。", ""]
    for d in datasets:
        lines += [f"## {d['title']}（{d['id']}）", "", d["description"], ""]
        lines += [f"- {x['filename']}（{x['format']}）" for x in d["distributions"]]
        if d["columns"]:
            lines += ["", "| 列 | 型 | 意味 |", "|---|---|---|"]
            lines += [f"| {c['name']} | {c['type']} | {c['meaning'] or ''} |" for c in d["columns"]]
        lines.append("")
    return "\n".join(lines)


class ZipTooLarge(Exception):
    pass


def data_zip(files: Mapping[str, bytes], when: dt.date | None) -> bytes:
    """Every file in one ZIP, deterministically: sorted names, one fixed timestamp (the data's
    last change, else 1980-01-01), fixed attributes; the same files give the same bytes."""
    day = when if when and when.year >= 1980 else dt.date(1980, 1, 1)  # ZIP's dates start in 1980
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # the same on every platform
            info.external_attr = 0o644 << 16
            z.writestr(info, files[name], compresslevel=9)
            if buf.tell() > ZIP_MAX_BYTES:
                raise ZipTooLarge(f"{ZIP_NAME} would exceed {ZIP_MAX_BYTES} bytes")
    return buf.getvalue()


# --- JSON-LD ---------------------------------------------------------------------------------------

JSONLD_CONTEXT = {
    "@vocab": "https://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
}


def _publisher(site_url: str) -> dict[str, Any]:
    return {"@type": "Organization", "name": SITE_TITLE, "url": site_url}


def dataset_jsonld(d: Mapping[str, Any], publisher: Mapping[str, Any], modified: str | None,
                   absolute: Callable[[str], str]) -> dict[str, Any]:
    """One schema.org ``Dataset``, with the DCAT-AP JP terms that fit beside it."""
    downloads = [{"@type": "DataDownload", "encodingFormat": x["media_type"],
                  "contentUrl": absolute(x["url"]), "name": x["filename"]} for x in d["distributions"]]
    dcat = [{"@type": "dcat:Distribution", "dcat:mediaType": x["media_type"],
             "dcat:downloadURL": {"@id": absolute(x["url"])}, "dct:format": x["format"]}
            for x in d["distributions"]]
    out: dict[str, Any] = {
        "@type": ["Dataset", "dcat:Dataset"], "@id": absolute(d["url"]), "name": d["title"],
        "description": d["description"], "url": absolute(d["url"]), "inLanguage": "ja",
        "license": CC_BY_URL, "dct:license": {"@id": CC_BY_URL}, "usageInfo": LICENCE_NAME,
        "isAccessibleForFree": True, "creditText": d["citation"], "publisher": publisher,
        "dct:publisher": publisher, "distribution": downloads, "dcat:distribution": dcat,
        "isBasedOn": PLAN_SOURCE + (f"／{CREDIT}" if d["boundaries"] else ""),
        "variableMeasured": [c["name"] for c in d["columns"]],
    }
    if modified:
        out["dateModified"] = modified
        out["dct:modified"] = {"@value": modified, "@type": "http://www.w3.org/2001/XMLSchema#date"}
    return out


def catalogue_jsonld(catalogue: Mapping[str, Any], absolute: Callable[[str], str]) -> dict[str, Any]:
    """schema.org ``DataCatalog`` (and ``dcat:Catalog``) of every dataset."""
    publisher = _publisher(absolute(catalogue["site_url"]))
    modified = catalogue["modified"]
    out: dict[str, Any] = {
        "@context": JSONLD_CONTEXT, "@type": ["DataCatalog", "dcat:Catalog"],
        "@id": absolute(catalogue["url"]), "name": f"{SITE_TITLE} データカタログ",
        "url": absolute(catalogue["url"]), "inLanguage": "ja",
        "description": "北海道総合計画の連携地域別政策展開方針から作成した、"
                       "市町村・プロジェクト・KPI などのデータ。",
        "license": CC_BY_URL, "dct:license": {"@id": CC_BY_URL}, "publisher": publisher,
        "dct:publisher": publisher,
        "dataset": [dataset_jsonld(d, publisher, modified, absolute) for d in catalogue["datasets"]],
        "dcat:dataset": [{"@id": absolute(d["url"])} for d in catalogue["datasets"]],
    }
    if modified:
        out["dateModified"] = modified
        out["dct:modified"] = modified
    return out
