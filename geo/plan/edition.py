"""Plan editions (版): which 連携地域別政策展開方針 a set of data files is, and for which years.

``data/editions/<folder>/`` holds one edition: ``edition.yaml`` and the files of that plan
(``regions.yaml``, ``projects/``, ``progress.yaml``, ``actuals/``). What every edition shares,
the 振興局 → 連携地域 hierarchy and the readings, stays at the top of ``data/``; an edition
folder may hold its own ``hierarchy.yaml`` to override it. The newest edition (the latest
``period.from``) is the default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from geo.atlas.hierarchy import HIERARCHY_FILE
from geo.errors import DataError, Problems
from geo.frozen import FrozenModel
from geo.plan.fiscal import FY_MAX, FY_MIN, fiscal_year_ja, fiscal_year_of
from geo.yamlfile import ID_MAX, LocatedYaml, Name, Sentence, load_validated

EDITIONS_DIR = "editions"
EDITION_FILE = "edition.yaml"
# Editions are a handful (one per revision of the plan); the bound keeps a stray folder of
# thousands from being read at start.
MAX_EDITIONS = 50


class Period(FrozenModel):
    """The fiscal years (年度, April–March) an edition covers, both ends included."""

    start: int = Field(alias="from", ge=FY_MIN, le=FY_MAX)
    end: int = Field(alias="to", ge=FY_MIN, le=FY_MAX)
    approximate: bool  # 「概ね5年間」: the end is approximate
    source: Sentence  # the sentence of the document that gives the period

    def contains(self, fy: int) -> bool:
        """Whether fiscal year ``fy`` is one of the period's, both ends included. An approximate
        end (「概ね」) is still the end: a later year is outside the period."""
        return self.start <= fy <= self.end


class Adoption(FrozenModel):
    """When the edition was adopted (策定), as precisely as the source says, and where it says so."""

    date: str | None = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")  # 2016, 2016-03 or 2016-03-29
    source: Sentence


class Edition(FrozenModel):
    """One edition of the plan, as ``edition.yaml`` describes it."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=ID_MAX)  # used in URLs
    title: Name
    adopted: Adoption
    period: Period
    source: Sentence  # which document, which part

    def ended(self, today: dt.date) -> bool:
        """Whether the period is over: the fiscal year of ``today`` is after its last."""
        return fiscal_year_of(today) > self.period.end


def period_label(edition: Edition) -> str:
    """``平成28年度〜概ね令和2年度``."""
    p = edition.period
    return f"{fiscal_year_ja(p.start)}〜{'概ね' if p.approximate else ''}{fiscal_year_ja(p.end)}"


@dataclass(frozen=True)
class EditionFolder:
    """An edition and the folder its files are in."""

    edition: Edition
    folder: Path


def _read_edition(folder: Path, problems: Problems) -> tuple[EditionFolder, LocatedYaml] | None:
    doc, parsed = load_validated(folder / EDITION_FILE, Edition, problems)
    if doc is None or parsed is None:
        return None
    if parsed.period.end < parsed.period.start:
        problems.add(doc.error(("period", "to"),
                               f"the period ends (FY{parsed.period.end}) before it starts "
                               f"(FY{parsed.period.start})"))
        return None
    return EditionFolder(parsed, folder), doc


def _check_unique(found: list[tuple[EditionFolder, LocatedYaml]], problems: Problems) -> None:
    """No two editions share an id (it names their URLs) or a first year (it picks the default)."""
    first: dict[tuple[str, object], Path] = {}
    for ef, doc in found:
        for where, value in ((("id",), ef.edition.id), (("period", "from"), ef.edition.period.start)):
            key = (where[-1], value)
            if key in first:
                problems.add(doc.error(where, f"{value!r} is also the {'.'.join(where)} of {first[key]}"))
            first.setdefault(key, doc.path)


def _edition_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_editions(data_dir: str | Path) -> tuple[EditionFolder, ...]:
    """Every edition of ``data_dir/editions``, oldest first; ``DataErrors`` listing every problem."""
    root = Path(data_dir) / EDITIONS_DIR
    problems = Problems()
    folders = _edition_folders(root)
    if not folders:
        problems.add(DataError(f"no edition: make a folder {EDITIONS_DIR}/<id>/ with an {EDITION_FILE}",
                               path=root))
    if len(folders) > MAX_EDITIONS:
        too_many = f"{len(folders)} folders; at most {MAX_EDITIONS} editions are read"
        problems.add(DataError(too_many, path=root))
        folders = []
    found = [read for folder in folders if (read := _read_edition(folder, problems)) is not None]
    _check_unique(found, problems)
    problems.raise_any()
    return tuple(sorted((ef for ef, _ in found), key=lambda ef: ef.edition.period.start))


def data_root(folder: Path) -> Path:
    """The data folder an edition folder is in (itself, for a folder outside ``editions/``)."""
    return folder.parent.parent if folder.parent.name == EDITIONS_DIR else folder


def hierarchy_file(folder: Path) -> Path:
    """The edition's own ``hierarchy.yaml`` if it has one, else the data folder's."""
    own = folder / HIERARCHY_FILE
    return own if own.exists() else data_root(folder) / HIERARCHY_FILE


def edition_folder(path: str | Path) -> Path:
    """The folder of one edition's files: ``path`` itself if it is one, else the newest edition
    of the data folder ``path``."""
    path = Path(path)
    if (path / EDITIONS_DIR).is_dir():
        return load_editions(path)[-1].folder
    return path


def edition_of(data_dir: str | Path) -> Edition | None:
    """The edition whose files ``data_dir`` holds (a data folder: its newest edition; an edition's
    folder: that one); None for a folder outside ``editions/``. ``DataErrors`` as load_editions."""
    folder = edition_folder(data_dir).resolve()
    root = data_root(folder)
    editions = load_editions(root) if (root / EDITIONS_DIR).is_dir() else ()
    return next((ef.edition for ef in editions if ef.folder.resolve() == folder), None)


def csv_columns(edition: Edition | None) -> tuple[tuple[str, str], ...]:
    """The columns that lead every CSV of ``edition``'s plan (``about`` of :func:`geo.csvfile.excel_csv`,
    which says why columns): 方針 = its title, 対象期間 = its period; none without an edition."""
    if edition is None:
        return ()
    return (("方針", edition.title), ("対象期間", period_label(edition)))
