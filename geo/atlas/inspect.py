"""Summaries of the atlas for ``hokkaido-map inspect-boundaries``."""

from __future__ import annotations

from typing import Any

from geo.atlas.boundaries import AREA_CRS, WEB_CRS
from geo.atlas.model import Atlas


def inspect_boundaries(atlas: Atlas) -> dict[str, Any]:
    """Counts, areas and CRS; ``municipalities_per_subprefecture`` is keyed by short name."""
    per_sub = {k: len(v) for k, v in atlas.codes_by_subprefecture().items()}
    return {
        "source": atlas.source.path,
        "driver": atlas.source.driver,
        "crs": atlas.source.source_crs,  # as declared by the file
        "web_crs": WEB_CRS,  # what the layers are in
        "area_crs": AREA_CRS,  # where areas are measured (equal-area)
        "rows_read": atlas.source.rows_read,
        "unassigned_rows": atlas.source.unassigned_rows,
        "municipalities": len(atlas.municipalities),
        "sapporo_wards": len(atlas.wards),
        "northern_territories": len(atlas.northern_territories),
        "subprefectures": len(atlas.layers.subprefectures),
        "regions": len(atlas.layers.regions),
        "core_cities": len(atlas.core_cities),
        "total_area_km2": round(atlas.total_area_km2, 1),
        "municipalities_per_subprefecture": per_sub,
        "regions_detail": [
            {
                "id": r.id,
                "name": r.name,
                "core_city": r.core_city.name,
                "subprefectures": [s.short for s in r.subprefectures],
                "municipalities": sum(per_sub[s.short] for s in r.subprefectures),
            }
            for r in atlas.hierarchy.regions
        ],
    }


def render_table(summary: dict[str, Any]) -> str:
    lines = [
        f"境界ファイル  {summary['source']} ({summary['driver']}, {summary['crs']})",
        f"市町村        {summary['municipalities']}  (札幌市の区 {summary['sapporo_wards']}, "
        f"北方領土 {summary['northern_territories']} 村は別計上)",
        f"振興局        {summary['subprefectures']}",
        f"連携地域      {summary['regions']}  (中核都市 {summary['core_cities']})",
        f"総面積        {summary['total_area_km2']:,.1f} km² (北方領土を含む)",
        "",
        f"{'連携地域':<10}{'中核都市':<8}{'振興局 (市町村数)'}",
    ]
    per_sub = summary["municipalities_per_subprefecture"]
    for r in summary["regions_detail"]:
        subs = "、".join(f"{s} {per_sub[s]}" for s in r["subprefectures"])
        lines.append(f"{r['name']:<10}{r['core_city']:<8}{subs}  計 {r['municipalities']}")
    return "\n".join(lines)
