"""A second plan edition made from the shipped one, as a planner would write the next plan.

``make_second_edition(tmp_path)`` copies ``data/`` to ``tmp_path / "data"``, copies the
edition h28 to ``editions/r3`` and edits r3's YAML files as text (comments and layout kept):

- ``edition.yaml``: id r3, a made-up title, period FY2021–2025 (``period.from`` must differ);
- one project removed: hiyama-bureau-towns (道南, 【檜山】), the last one of ``donan.yaml``;
  道南 names all the projects it states (``main_projects_only: false``), so ``regions.yaml``
  then states 道南 5 projects instead of 6 and ``total_projects`` 50 instead of 51;
- one project added to ``doo.yaml``: shiribeshi-hiyama-coast 【後志、檜山】 with one KPI
  (道央広域 states 20 projects and names 8, ``main_projects_only: true``: no count to change);
- one project's coverage narrowed: geopark 道央広域(胆振、空知、日高、オホーツク、十勝) →
  道央広域(胆振、空知、日高), which also leaves it in one 連携地域 instead of three.

The returned :class:`EditionChanges` says all of that as data, read from the YAML before it was
edited, so tests can compute what a comparison must find without the code under test.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = "h28", "r3"

DONAN_COUNT_NOTE = "  # 道南: one project fewer in this made-up edition"

ADDED_ENTRY = """
  # Made up for the tests: not in any edition of the document.
  - id: shiribeshi-hiyama-coast
    name: 後志・檜山日本海沿岸交流プロジェクト
    coverage_label: 後志、檜山
    subprefectures: [後志, 檜山]
    measures_heading: 施策
    measures:
      - 日本海沿岸の観光資源を活かした広域周遊の促進
    kpis_heading: KPI
    kpis:
      - "日本海沿岸地域の観光入込客数 500万人(R2)→550万人(R7)"
"""


@dataclass(frozen=True)
class EditionChanges:
    """What ``make_second_edition`` changed, as the YAML files say it."""

    old_folder: Path  # data/editions/h28
    new_folder: Path  # data/editions/r3
    new_id: str
    new_title: str
    removed_project: str  # id
    removed_subprefectures: tuple[str, ...]
    removed_kpis: tuple[str, ...]  # KPI texts as written
    added_project: str
    added_name: str
    added_subprefectures: tuple[str, ...]
    added_kpis: tuple[str, ...]
    narrowed_project: str
    narrowed_from: tuple[str, ...]  # 振興局 before
    narrowed_to: tuple[str, ...]  # and after
    count_edits: tuple[str, ...]  # what regions.yaml had to say differently

    @property
    def narrowed_out(self) -> tuple[str, ...]:
        """The 振興局 the narrowed project no longer covers."""
        return tuple(s for s in self.narrowed_from if s not in self.narrowed_to)


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in the file; fail if there is not exactly one."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _entry(path: Path, project_id: str) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (entry,) = [p for p in doc["projects"] if p["id"] == project_id]
    return entry


def _cut_project(path: Path, project_id: str) -> dict:
    """Remove the project's entry (from its ``- id:`` line to the next entry) and return it."""
    entry = _entry(path, project_id)
    text = path.read_text(encoding="utf-8")
    block = re.compile(rf"^  - id: {re.escape(project_id)}\n(?:(?!  - id: ).*\n?)*", re.M)
    assert len(block.findall(text)) == 1
    path.write_text(block.sub("", text), encoding="utf-8")
    return entry


def _edit_edition_yaml(folder: Path, title: str) -> None:
    path = folder / "edition.yaml"
    replace_once(path, f"id: {OLD}\n", f"id: {NEW}\n")
    replace_once(path, "title: 連携地域別政策展開方針（平成28年度〜）\n", f"title: {title}\n")
    replace_once(path, "  from: 2016\n  to: 2020\n", "  from: 2021\n  to: 2025\n")


def _narrow(path: Path, project_id: str, keep: tuple[str, ...]) -> tuple[str, ...]:
    entry = _entry(path, project_id)
    before = tuple(entry["subprefectures"])
    region = entry["coverage_label"].split("(")[0]
    replace_once(path, f"coverage_label: {entry['coverage_label']}\n",
                 f"coverage_label: {region}({'、'.join(keep)})\n")
    replace_once(path, f"subprefectures: [{', '.join(before)}]\n", f"subprefectures: [{', '.join(keep)}]\n")
    return before


def make_second_edition(tmp_path: Path) -> tuple[Path, EditionChanges]:
    """A data folder with editions h28 (as shipped) and r3 (h28 with three project changes)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    old_folder, new_folder = data / "editions" / OLD, data / "editions" / NEW
    shutil.copytree(old_folder, new_folder)
    title = "連携地域別政策展開方針（令和3年度〜）"  # made up, for the tests only
    _edit_edition_yaml(new_folder, title)

    removed = _cut_project(new_folder / "projects" / "donan.yaml", "hiyama-bureau-towns")
    regions = new_folder / "regions.yaml"
    replace_once(regions, "total_projects: 51\n", "total_projects: 50\n")
    replace_once(regions, "projects_stated: 6\n", f"projects_stated: 5{DONAN_COUNT_NOTE}\n")  # 道南's

    doo = new_folder / "projects" / "doo.yaml"
    doo.write_text(doo.read_text(encoding="utf-8").rstrip("\n") + "\n" + ADDED_ENTRY, encoding="utf-8")
    added = _entry(doo, "shiribeshi-hiyama-coast")

    keep = ("胆振", "空知", "日高")
    before = _narrow(doo, "geopark", keep)
    return data, EditionChanges(
        old_folder=old_folder,
        new_folder=new_folder,
        new_id=NEW,
        new_title=title,
        removed_project=removed["id"],
        removed_subprefectures=tuple(removed["subprefectures"]),
        removed_kpis=tuple(removed["kpis"]),
        added_project=added["id"],
        added_name=added["name"],
        added_subprefectures=tuple(added["subprefectures"]),
        added_kpis=tuple(added["kpis"]),
        narrowed_project="geopark",
        narrowed_from=before,
        narrowed_to=keep,
        count_edits=("total_projects: 51 → 50", "道南 projects_stated: 6 → 5"),
    )
