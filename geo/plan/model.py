"""The plan as data: 連携地域別政策展開方針 (regions) and 地域重点政策ユニット (projects).

Read from an edition's ``regions.yaml`` and ``projects/*.yaml`` (``data/editions/<edition>/``,
one file per region), validated against ``data/hierarchy.yaml`` and the document's own counts,
with every KPI parsed by :mod:`geo.plan.kpi`. All problems are collected and raised together as
``DataErrors`` whose lines read ``file:line: field: message``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from geo.atlas.hierarchy import DATA_DIR, Hierarchy, load_hierarchy
from geo.errors import DataError, Problems
from geo.frozen import FrozenModel
from geo.plan.edition import edition_folder, hierarchy_file
from geo.plan.kpi import KPI, KPIError, kpi_to_json, parse_kpi
from geo.yamlfile import ID_MAX, LIST_MAX, LocatedYaml, Name, Sentence, load_located_yaml, pydantic_errors

if TYPE_CHECKING:
    from geo.atlas.model import Atlas

DEFAULT_DATA_DIR = DATA_DIR
REGIONS_FILE = "regions.yaml"
PROJECTS_DIR = "projects"

_Slug = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=ID_MAX)


# --- What a planner writes (the YAML files' schema) -------------------------------------


class _RegionEntry(FrozenModel):
    id: str = Field(max_length=ID_MAX)
    vision: Sentence
    directions: tuple[Sentence, ...] = Field(min_length=1, max_length=LIST_MAX)
    projects_stated: int = Field(ge=0)
    main_projects_only: bool


class _RegionsFile(FrozenModel):
    total_projects: int = Field(ge=0)
    regions: tuple[_RegionEntry, ...] = Field(min_length=1, max_length=LIST_MAX)


class FocusMunicipality(FrozenModel):
    """A municipality a project names more narrowly than its 振興局; must cite where it says so."""

    code: str = Field(pattern=r"^01\d{3}$")
    source: Sentence


class _ProjectEntry(FrozenModel):
    id: str = _Slug
    name: Name
    aliases: tuple[Name, ...] = Field((), max_length=LIST_MAX)
    coverage_label: Name
    # Checked by hand below, so "no coverage" gets its own message rather than pydantic's.
    subprefectures: tuple[Name, ...] = Field((), max_length=LIST_MAX)
    measures_heading: Literal["施策", "主な施策"]
    measures: tuple[Sentence, ...] = Field(min_length=1, max_length=LIST_MAX)
    kpis_heading: Literal["KPI", "主なKPI"]
    kpis: tuple[Sentence, ...] = Field(min_length=1, max_length=LIST_MAX)
    focus_municipalities: tuple[FocusMunicipality, ...] = Field((), max_length=200)


class _ProjectsFile(FrozenModel):
    region: str = Field(max_length=ID_MAX)
    projects: tuple[_ProjectEntry, ...] = Field(min_length=1, max_length=LIST_MAX)


# --- The validated plan -----------------------------------------------------------------


class RegionPlan(FrozenModel):
    """連携地域別政策展開方針 of one region: vision, directions and project counts."""

    id: str
    name: str
    vision: str
    directions: tuple[str, ...]
    projects_stated: int
    main_projects_only: bool  # ※主なプロジェクトを掲載: only some of the projects are named
    project_ids: tuple[str, ...]  # the projects the document names, in its order

    @property
    def projects_named(self) -> int:
        return len(self.project_ids)


class Project(FrozenModel):
    """地域重点政策ユニットのプロジェクト, with its 施策 and parsed KPIs."""

    id: str
    name: str
    aliases: tuple[str, ...]
    region: str  # home 連携地域 id: the section that lists it
    coverage_label: str
    subprefectures: tuple[str, ...]  # short names, in the label's order
    regions: tuple[str, ...]  # 連携地域 ids of those 振興局, in hierarchy order
    measures_heading: str
    measures: tuple[str, ...]
    kpis_heading: str
    kpis: tuple[KPI, ...]
    focus_municipalities: tuple[FocusMunicipality, ...] = ()

    @property
    def cross_subprefecture(self) -> bool:
        return len(self.subprefectures) > 1

    @property
    def cross_region(self) -> bool:
        return len(self.regions) > 1

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Plan(FrozenModel):
    """The whole plan: regions in hierarchy order, projects in document order."""

    hierarchy: Hierarchy
    total_stated: int  # 【全51プロジェクト】
    regions: tuple[RegionPlan, ...]
    projects: tuple[Project, ...]

    def region(self, key: str) -> RegionPlan:
        """By id (doo) or name (道央広域)."""
        for region in self.regions:
            if key in (region.id, region.name):
                return region
        raise KeyError(key)

    def project(self, key: str) -> Project:
        """By id or by any spelling of its name."""
        for project in self.projects:
            if key == project.id or key in project.names:
                return project
        raise KeyError(key)

    def projects_of(self, region_id: str) -> tuple[Project, ...]:
        return tuple(p for p in self.projects if p.region == region_id)

    @property
    def kpis(self) -> tuple[KPI, ...]:
        return tuple(k for p in self.projects for k in p.kpis)


# --- Loading ----------------------------------------------------------------------------


def label_subprefectures(label: str, hierarchy: Hierarchy) -> tuple[str, ...]:
    """The 振興局 a 【】 coverage label names, as short names.

    ``道央広域(後志、胆振、石狩)`` names the bracketed ones; a region name alone (``釧路・根室``)
    names all of that region's; otherwise the label is a 、-separated list (``十勝、オホーツク``).
    Raises ``KeyError`` for a name that is neither.
    """
    m = re.fullmatch(r"(?P<region>[^()（）]+)[(（](?P<inner>[^()（）]+)[)）]", label)
    if m:
        hierarchy.region(m["region"])  # the prefix must be a real region
        parts = m["inner"].split("、")
    else:
        try:
            region = hierarchy.region(label)
        except KeyError:
            parts = label.split("、")
        else:
            return tuple(s.short for s in region.subprefectures)
    return tuple(hierarchy.subprefecture(p.strip()).short for p in parts)


def load_plan(
    data_dir: str | Path = DEFAULT_DATA_DIR,
    hierarchy: Hierarchy | str | Path | None = None,
) -> Plan:
    """Load and validate the plan of an edition; raises ``DataErrors`` listing every problem.

    ``data_dir`` is an edition's folder, or a data folder (its newest edition). ``hierarchy``
    defaults to the edition's ``hierarchy.yaml``, else the data folder's.
    """
    data_dir = edition_folder(data_dir)
    if not isinstance(hierarchy, Hierarchy):
        hierarchy = load_hierarchy(hierarchy or hierarchy_file(data_dir))
    problems = Problems()
    regions_doc, regions_file = _load_regions(data_dir / REGIONS_FILE, hierarchy, problems)
    files = _ProjectFiles(hierarchy, problems)
    project_files = sorted((data_dir / PROJECTS_DIR).glob("*.yaml"))
    if not project_files:
        problems.add(DataError("no project files (*.yaml)", path=data_dir / PROJECTS_DIR))
    for path in project_files:
        files.read(path)
    projects = files.projects
    regions: list[RegionPlan] = []
    if regions_doc is not None and regions_file is not None:
        regions = _build_regions(regions_doc, regions_file, hierarchy, projects)
        if files.complete:  # counts of a file that did not load would only repeat its error
            _check_counts(regions_doc, regions_file, hierarchy, files.listed, problems)
    problems.raise_any()
    assert regions_file is not None
    order = {r.id: i for i, r in enumerate(hierarchy.regions)}
    projects.sort(key=lambda p: order[p.region])  # stable: keeps document order within a region
    return Plan(
        hierarchy=hierarchy,
        total_stated=regions_file.total_projects,
        regions=tuple(regions),
        projects=tuple(projects),
    )


def _load_doc(path: Path, problems: Problems) -> LocatedYaml | None:
    try:
        return load_located_yaml(path)
    except DataError as exc:
        problems.add(exc)
        return None


def _validate(doc: LocatedYaml, model: type[BaseModel], problems: Problems) -> Any:
    if not isinstance(doc.data, dict):
        problems.add(doc.error((), "expected a mapping at the top of the file"))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(pydantic_errors(doc, exc))
        return None


def _load_regions(
    path: Path, hierarchy: Hierarchy, problems: Problems
) -> tuple[LocatedYaml | None, _RegionsFile | None]:
    doc = _load_doc(path, problems)
    if doc is None:
        return None, None
    parsed: _RegionsFile | None = _validate(doc, _RegionsFile, problems)
    if parsed is None:
        return doc, None
    known = {r.id for r in hierarchy.regions}
    seen: set[str] = set()
    for i, entry in enumerate(parsed.regions):
        if entry.id not in known:
            problems.add(
                doc.error(("regions", i, "id"), f"unknown region {entry.id!r} (known: {_list(known)})")
            )
        elif entry.id in seen:
            problems.add(doc.error(("regions", i, "id"), f"duplicate region {entry.id!r}"))
        seen.add(entry.id)
    for missing in sorted(known - seen):
        problems.add(doc.error(("regions",), f"region {missing!r} of the hierarchy is missing"))
    return doc, parsed


Loc = tuple[str | int, ...]  # where in a YAML document: ("projects", 3, "name")


@dataclass
class _ProjectFiles:
    """The project files read so far: their valid projects, and what must hold across files.

    One project id or spelling of a name names one project in the whole plan, so each file is
    checked against the files before it.
    """

    hierarchy: Hierarchy
    problems: Problems
    projects: list[Project] = field(default_factory=list)
    # Where each project was first defined, to name it in a duplicate's message.
    where: dict[str, tuple[LocatedYaml, Loc]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # every id and spelling → project id
    # Projects listed per region, counted even when one of them has an error, so one bad
    # entry does not also report its region's count as wrong.
    listed: dict[str, int] = field(default_factory=dict)
    complete: bool = True  # False once a file could not be read at all

    def read(self, path: Path) -> None:
        """Check the file's projects and keep the valid ones."""
        doc = _load_doc(path, self.problems)
        if doc is None:
            self.complete = False
            return
        parsed: _ProjectsFile | None = _validate(doc, _ProjectsFile, self.problems)
        region_id = self._region_of(doc, parsed) if parsed is not None else None
        if parsed is None or region_id is None:
            self.complete = False
            return
        self.listed[region_id] = self.listed.get(region_id, 0) + len(parsed.projects)
        for i, entry in enumerate(parsed.projects):
            loc: Loc = ("projects", i)
            project = self._project(doc, loc, entry, region_id)
            if project is not None:
                self.projects.append(project)
                self.where[project.id] = (doc, loc)
                self.names.update((n, project.id) for n in (project.id, *project.names))

    def _region_of(self, doc: LocatedYaml, parsed: _ProjectsFile) -> str | None:
        try:
            return self.hierarchy.region(parsed.region).id
        except KeyError:
            known = _list(r.id for r in self.hierarchy.regions)
            self.problems.add(doc.error(("region",), f"unknown region {parsed.region!r} (known: {known})"))
            return None

    def _identity_problems(self, doc: LocatedYaml, loc: Loc, entry: _ProjectEntry) -> list[DataError]:
        """An id already used, or a name that already names another project."""
        found = []
        if entry.id in self.where:
            first_doc, first_loc = self.where[entry.id]
            found.append(doc.error(
                (*loc, "id"),
                f"duplicate project id {entry.id!r} (first at {first_doc.path}:{first_doc.line(first_loc)})",
            ))
        for name in (entry.name, *entry.aliases):
            if name in self.names and self.names[name] != entry.id:
                other = self.names[name]
                found.append(doc.error((*loc, "name"), f"{name!r} already names project {other!r}"))
        return found

    def _project(self, doc: LocatedYaml, loc: Loc, entry: _ProjectEntry, region_id: str) -> Project | None:
        """The entry as a project, or None after adding each of its problems."""
        found = Problems()
        found.extend(self._identity_problems(doc, loc, entry))
        subs = _check_coverage(doc, loc, entry, self.hierarchy, found)
        kpis = []
        for k, text in enumerate(entry.kpis):
            try:
                kpis.append(parse_kpi(text))
            except KPIError as exc:
                found.add(doc.error((*loc, "kpis", k), str(exc)))
        self.problems.extend(found)
        if subs is None or len(found):
            return None
        covered = {self.hierarchy.region_of(s).id for s in subs}
        return Project(
            id=entry.id,
            name=entry.name,
            aliases=entry.aliases,
            region=region_id,
            coverage_label=entry.coverage_label,
            subprefectures=subs,
            regions=tuple(r.id for r in self.hierarchy.regions if r.id in covered),
            measures_heading=entry.measures_heading,
            measures=entry.measures,
            kpis_heading=entry.kpis_heading,
            kpis=tuple(kpis),
            focus_municipalities=entry.focus_municipalities,
        )


def _check_coverage(
    doc: LocatedYaml,
    loc: tuple[str | int, ...],
    entry: _ProjectEntry,
    hierarchy: Hierarchy,
    problems: Problems,
) -> tuple[str, ...] | None:
    """The project's 振興局 as short names, or None after recording what is wrong."""
    if not entry.subprefectures:
        problems.add(
            doc.error(
                (*loc, "subprefectures"),
                f"project {entry.id!r} has no coverage: list the 振興局 its label "
                f"【{entry.coverage_label}】 names",
            )
        )
        return None
    known = _list(s.short for s in hierarchy.subprefectures)
    shorts: list[str] = []
    for j, name in enumerate(entry.subprefectures):
        try:
            shorts.append(hierarchy.subprefecture(name).short)
        except KeyError:
            problems.add(
                doc.error((*loc, "subprefectures", j), f"unknown 振興局 {name!r} (known: {known})")
            )
    if len(shorts) != len(entry.subprefectures):
        return None
    if len(set(shorts)) != len(shorts):
        problems.add(doc.error((*loc, "subprefectures"), "a 振興局 is listed twice"))
        return None
    try:
        named = label_subprefectures(entry.coverage_label, hierarchy)
    except KeyError as exc:
        problems.add(
            doc.error((*loc, "coverage_label"), f"label names unknown 振興局 or region {exc}")
        )
        return None
    if set(named) != set(shorts):
        problems.add(
            doc.error(
                (*loc, "subprefectures"),
                f"{_list(shorts, sort=False)} differs from what 【{entry.coverage_label}】 "
                f"names: {_list(named, sort=False)}",
            )
        )
        return None
    return tuple(shorts)


def _build_regions(
    doc: LocatedYaml, parsed: _RegionsFile, hierarchy: Hierarchy, projects: Sequence[Project]
) -> list[RegionPlan]:
    entries = {e.id: e for e in parsed.regions}
    return [
        RegionPlan(
            id=region.id,
            name=region.name,
            vision=entry.vision,
            directions=entry.directions,
            projects_stated=entry.projects_stated,
            main_projects_only=entry.main_projects_only,
            project_ids=tuple(p.id for p in projects if p.region == region.id),
        )
        for region in hierarchy.regions
        if (entry := entries.get(region.id)) is not None
    ]


def _check_counts(
    doc: LocatedYaml,
    parsed: _RegionsFile,
    hierarchy: Hierarchy,
    listed: Mapping[str, int],
    problems: Problems,
) -> None:
    """Each region names at most the projects it states (all of them unless marked), Σ = total."""
    for i, entry in enumerate(parsed.regions):
        try:
            name = hierarchy.region(entry.id).name
        except KeyError:
            continue  # already reported
        named = listed.get(entry.id, 0)
        loc = ("regions", i, "projects_stated")
        if named > entry.projects_stated:
            problems.add(
                doc.error(loc, f"{name} names {named} projects but states only {entry.projects_stated}")
            )
        elif named < entry.projects_stated and not entry.main_projects_only:
            problems.add(
                doc.error(
                    loc,
                    f"{name} states {entry.projects_stated} projects but names {named}; "
                    "set main_projects_only: true if the document lists only some",
                )
            )
    stated = sum(e.projects_stated for e in parsed.regions)
    if stated != parsed.total_projects:
        detail = " + ".join(str(e.projects_stated) for e in parsed.regions)
        problems.add(
            doc.error(
                ("total_projects",),
                f"regions state {detail} = {stated} projects, not {parsed.total_projects}",
            )
        )


def _list(items: Any, *, sort: bool = True) -> str:
    items = list(items)
    return "、".join(sorted(items) if sort else items)


# --- JSON (dump-plan --json and the API) --------------------------------------------------


CodesBySubprefecture = Mapping[str, Sequence[str]]


def _codes(source: Atlas | CodesBySubprefecture) -> CodesBySubprefecture:
    # An Atlas knows its municipalities; a plain mapping lets tests and tools skip geometry.
    if hasattr(source, "codes_by_subprefecture"):
        return source.codes_by_subprefecture()
    return source  # type: ignore[return-value]


def project_municipalities(project: Project, codes: CodesBySubprefecture) -> tuple[str, ...]:
    """Codes of the municipalities in the project's 振興局, sorted."""
    missing = [s for s in project.subprefectures if s not in codes]
    if missing:
        raise KeyError(f"振興局 without municipalities in the atlas: {_list(missing)}")
    return tuple(sorted({c for s in project.subprefectures for c in codes[s]}))


def project_to_json(
    project: Project, source: Atlas | CodesBySubprefecture
) -> dict[str, object]:
    """One project as served by the API and written by ``dump-plan --json``."""
    return {
        "id": project.id,
        "name": project.name,
        "aliases": list(project.aliases),
        "region": project.region,
        "coverage_label": project.coverage_label,
        "subprefectures": list(project.subprefectures),
        "regions": list(project.regions),
        "municipalities": list(project_municipalities(project, _codes(source))),
        "focus_municipalities": [f.model_dump() for f in project.focus_municipalities],
        "cross_subprefecture": project.cross_subprefecture,
        "cross_region": project.cross_region,
        "measures_heading": project.measures_heading,
        "measures": list(project.measures),
        "kpis_heading": project.kpis_heading,
        "kpis": [kpi_to_json(k) for k in project.kpis],
    }


def region_to_json(region: RegionPlan) -> dict[str, object]:
    return {
        "id": region.id,
        "name": region.name,
        "vision": region.vision,
        "directions": list(region.directions),
        "projects_stated": region.projects_stated,
        "projects_named": region.projects_named,
        "main_projects_only": region.main_projects_only,
        "projects": list(region.project_ids),
    }


def plan_to_json(plan: Plan, atlas: Atlas | CodesBySubprefecture) -> dict[str, object]:
    """The plan as JSON: regions, then projects with municipalities and KPIs.

    Derived views (KPI families …) are added by the layer above: see
    :func:`geo.plan.commands.plan_document`.
    """
    codes = _codes(atlas)
    return {
        "total_projects_stated": plan.total_stated,
        "projects_named": len(plan.projects),
        "kpis": len(plan.kpis),
        "regions": [region_to_json(r) for r in plan.regions],
        "projects": [project_to_json(p, codes) for p in plan.projects],
    }
