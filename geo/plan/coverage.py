"""Coverage: which municipalities (市町村) each project (プロジェクト) reaches.

A project reaches every municipality of each 振興局 its 【】 label names; the document names
no narrower places, so ``focus`` stays empty unless a project's data cites a source for one.
The core takes a plain mapping ``振興局 short name → municipality codes`` so it needs no
geometry; ``coverage_for_atlas`` is the thin wrapper for an ``Atlas``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from geo.frozen import FrozenModel
from geo.plan.model import FocusMunicipality, Plan, project_municipalities

if TYPE_CHECKING:
    from geo.atlas.model import Atlas



class ProjectCoverage(FrozenModel):
    """One row of the project ↔ municipality table."""

    project_id: str
    subprefectures: tuple[str, ...]
    regions: tuple[str, ...]
    municipalities: tuple[str, ...]  # 5-digit codes, sorted
    focus: tuple[FocusMunicipality, ...] = ()
    cross_subprefecture: bool  # names more than one 振興局
    cross_region: bool  # its 振興局 belong to more than one 連携地域


class Coverage(FrozenModel):
    """The project ↔ municipality table for one plan and one set of municipalities."""

    rows: tuple[ProjectCoverage, ...]
    # Every municipality of the mapping, with the projects reaching it (possibly none).
    by_municipality: Mapping[str, tuple[str, ...]]

    def row(self, project_id: str) -> ProjectCoverage:
        for row in self.rows:
            if row.project_id == project_id:
                return row
        raise KeyError(project_id)

    def projects_at(self, code: str) -> tuple[str, ...]:
        """Ids of the projects reaching municipality ``code``; KeyError if it is unknown."""
        return self.by_municipality[code]


def build_coverage(plan: Plan, codes_by_subprefecture: Mapping[str, Sequence[str]]) -> Coverage:
    """Join the plan to municipalities given as ``{振興局 short name: codes}``.

    Raises ``KeyError`` if a project names a 振興局 the mapping lacks, and ``ValueError`` if a
    focus municipality lies outside the project's 振興局 (it would contradict the label).
    """
    rows = []
    by_code: dict[str, list[str]] = {
        code: [] for codes in codes_by_subprefecture.values() for code in codes
    }
    for project in plan.projects:
        codes = project_municipalities(project, codes_by_subprefecture)
        outside = [f.code for f in project.focus_municipalities if f.code not in codes]
        if outside:
            raise ValueError(f"{project.id}: focus municipalities outside its 振興局: {outside}")
        rows.append(
            ProjectCoverage(
                project_id=project.id,
                subprefectures=project.subprefectures,
                regions=project.regions,
                municipalities=codes,
                focus=project.focus_municipalities,
                cross_subprefecture=project.cross_subprefecture,
                cross_region=project.cross_region,
            )
        )
        for code in codes:
            by_code[code].append(project.id)
    return Coverage(
        rows=tuple(rows),
        by_municipality={code: tuple(ids) for code, ids in sorted(by_code.items())},
    )


def coverage_for_atlas(plan: Plan, atlas: Atlas) -> Coverage:
    """``build_coverage`` over the atlas's 179 municipalities (北方領土 excluded)."""
    return build_coverage(plan, atlas.codes_by_subprefecture())
