"""Read the policy document's project blocks directly, independently of geo/ and data/.

The tests hold the transcription in data/ against what this module finds in the text itself.
Two layouts occur: one tab-separated cell per project holding name, 【label】, 施策 and KPIs
(道央広域, 道南, 道北, オホーツク), and a table whose rows are names, 施策 and KPIs with
one column per project (十勝, 釧路・根室).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HOKKAIDO_MAP_SHARED", ROOT.parent / "shared"))
DOCUMENT = SHARED / "source" / "000_9ff3f2c4b2a3626f.txt"

# Region section headers: "<name>\t<…>地域 …\t政策展開方針概要\t地域のめざす姿\t<vision>\t".
_HEADER = re.compile(r"^(?P<name>[^\t]+)\t[^\t]+地域\t政策展開方針概要\t地域のめざす姿\t(?P<vision>[^\t]+)")
_UNIT = re.compile(r"^2 地域重点政策ユニット 全(?P<n>\d+)プロジェクト(?P<main> ※主なプロジェクトを掲載)?$")


@dataclass(frozen=True)
class DocProject:
    region: str
    name: str
    label: str
    measures_heading: str
    measures: tuple[str, ...]
    kpis_heading: str
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class DocRegion:
    name: str
    vision: str
    directions: tuple[str, ...]
    stated: int
    main_only: bool
    projects: tuple[DocProject, ...]


@cache
def text() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


def _block(region: str, cell: str) -> DocProject:
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
    name, rest = flat.split(" 【", 1)
    return DocProject(
        region=region,
        name=name.strip(),
        label=re.match(r"([^】]+)】", rest).group(1),
        measures_heading=re.search(r"【(施策|主な施策)】", rest).group(1),
        measures=tuple(m.strip() for m in re.findall(r"■([^■【]+)", rest)),
        kpis_heading=re.search(r"【(KPI|主なKPI)】", rest).group(1),
        kpis=tuple(k.strip() for k in re.findall(r"○([^○]+)", rest)),
    )


@cache
def regions() -> tuple[DocRegion, ...]:
    lines = text().splitlines()
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    out = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        section = lines[start:end]
        header = _HEADER.match(section[0])
        unit_at = next(i for i, line in enumerate(section) if _UNIT.match(line))
        unit = _UNIT.match(section[unit_at])
        directions = tuple(line[2:] for line in section[:unit_at] if line.startswith("- "))
        projects: list[DocProject] = []
        body = [line for line in section[unit_at + 1 :] if "プロジェクト" in line or "■" in line
                or "○" in line]
        i = 0
        while i < len(body):
            cells = body[i].split("\t")
            if all("■" in c for c in cells if c.strip()):
                projects += [_block(header["name"], c) for c in cells if c.strip()]
                i += 1
            else:  # a table: names, then 施策, then KPIs, column by column
                rows = [body[i + k].split("\t") for k in range(3)]
                projects += [_block(header["name"], " ".join(r[j] for r in rows))
                             for j in range(len(rows[0]))]
                i += 3
        out.append(
            DocRegion(
                name=header["name"],
                vision=header["vision"],
                directions=directions,
                stated=int(unit["n"]),
                main_only=bool(unit["main"]),
                projects=tuple(projects),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class SummaryRow:
    region: str
    stated: int
    project: str
    measures: tuple[str, ...]
    kpi: str


@cache
def summary_table() -> tuple[SummaryRow, ...]:
    """Rows of 「3 主なプロジェクトについて」: region 【N プロジェクト】, one example project."""
    rows = []
    for line in text().splitlines():
        m = re.match(r"^(?P<region>\S+) 【(?P<n>\d+)プロジェクト】\t(?P<project>[^\t]+)\t(?P<rest>.*)$", line)
        if m:
            measures_cell, kpi_cell = m["rest"].split("\t")[:2]
            rows.append(
                SummaryRow(
                    region=m["region"],
                    stated=int(m["n"]),
                    project=m["project"].strip(),
                    measures=tuple(x.strip() for x in re.findall(r"■([^■<]+)", measures_cell)),
                    kpi=kpi_cell.strip().removeprefix("○").strip(),
                )
            )
    return tuple(rows)


def total_stated() -> int:
    return int(re.search(r"【全(\d+)プロジェクト】", text()).group(1))
