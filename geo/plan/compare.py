"""Comparing two editions of the plan (版の比較): what the newer one added, removed and changed.

The comparison is pure: it takes each edition's plan and coverage (anything with ``plan``,
``coverage`` and ``edition``, such as :class:`PlanEdition` or the render layer's ``Model``) and
the atlas whose municipalities both coverages were built on, and returns one immutable
:class:`EditionDiff`.

How things are matched across editions:

- **Projects** by id first; then, among those left on both sides, by exact name
  (``Project.name``), so a project whose id was renamed is still the same project. A project
  found only in the new edition is *added*, only in the old one *removed*; every matched pair
  is *kept*, and a kept project is *changed* when the 振興局, 連携地域 or municipalities it
  covers, or the region whose section lists it, differ.
- **KPIs** within a kept project pair: first by identical text, then by title (indicator,
  scope and sub-label), in the project's order. A KPI's id (``<project id>-<n>``, see
  :func:`geo.plan.actuals_model.kpi_id`) is its position, which shifts when a KPI is inserted,
  so it cannot match across editions. A KPI matched by title whose text differs (a new target)
  is *changed*. The KPIs of an added project are added, those of a removed project removed.
- **Towns** (the atlas's 179 municipalities): how many projects reach each one in the old and
  the new edition; *gained* if more, *lost* if fewer, *same* otherwise.

Lists keep plan order (the new edition's for added, kept and changed things, the old one's
for removed things) and atlas order for towns, never set order, so the JSON and the CSV are
the same on every run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from geo.csvfile import excel_csv, formula_safe
from geo.frozen import FrozenModel
from geo.plan.actuals_model import kpi_id
from geo.plan.coverage import Coverage, ProjectCoverage
from geo.plan.edition import Edition, period_label
from geo.plan.kpi import KPI
from geo.plan.model import Plan, Project

if TYPE_CHECKING:
    from geo.atlas.model import Atlas

T = TypeVar("T")

MatchedBy = Literal["id", "name"]
TownStatus = Literal["gained", "lost", "same"]

# Every kind of change, in the order of the summary and of the CSV, with its CSV label.
CHANGE_KINDS: dict[str, str] = {
    "project_added": "プロジェクトの追加",
    "project_removed": "プロジェクトの削除",
    "coverage_changed": "対象範囲の変更",
    "kpi_added": "KPIの追加",
    "kpi_removed": "KPIの削除",
    "kpi_changed": "KPIの変更",
    "town_gained": "及ぶプロジェクトが増えた市町村",
    "town_lost": "及ぶプロジェクトが減った市町村",
}

CSV_HEADER = ("種別", "id（旧版）", "id（新版）", "名前", "プロジェクト", "連携地域", "振興局",
              "変更前", "変更後", "内容")

_SEP = "・"


class EditionView(Protocol):
    """One edition as the comparison reads it; the render layer's ``Model`` is one too."""

    @property
    def plan(self) -> Plan: ...

    @property
    def coverage(self) -> Coverage: ...

    @property
    def edition(self) -> Edition | None: ...


@dataclass(frozen=True)
class PlanEdition:
    """An edition's plan and coverage, for callers without a render ``Model``."""

    plan: Plan
    coverage: Coverage
    edition: Edition | None = None


# --- The result ----------------------------------------------------------------------------


class EditionRef(FrozenModel):
    """Which edition a side of the comparison is."""

    id: str
    title: str
    period: str  # 平成28年度〜概ね令和2年度

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "period": self.period}


class ProjectRef(FrozenModel):
    """A project of one edition, with what it covers there."""

    id: str
    name: str
    region: str  # home 連携地域 id: the section that lists it
    region_name: str
    coverage_label: str
    subprefectures: tuple[str, ...]
    regions: tuple[str, ...]  # 連携地域 ids its 振興局 belong to
    region_names: tuple[str, ...]  # and their names, for the CSV
    municipalities: tuple[str, ...]  # codes, sorted

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "region_name": self.region_name,
            "coverage_label": self.coverage_label,
            "subprefectures": list(self.subprefectures),
            "regions": list(self.regions),
            "municipalities": list(self.municipalities),
        }


class KeptProject(FrozenModel):
    """A project found in both editions, and how its coverage moved."""

    old: ProjectRef
    new: ProjectRef
    matched_by: MatchedBy
    municipalities_gained: tuple[str, ...]  # codes covered in the new edition only
    municipalities_lost: tuple[str, ...]  # codes covered in the old edition only

    @property
    def subprefectures_changed(self) -> bool:
        return set(self.old.subprefectures) != set(self.new.subprefectures)

    @property
    def regions_changed(self) -> bool:
        """The 連携地域 covered or the home region (the section listing it) differ."""
        return set(self.old.regions) != set(self.new.regions) or self.old.region != self.new.region

    @property
    def changed(self) -> bool:
        """Its coverage differs: 振興局, 連携地域, home region or municipalities."""
        return bool(self.subprefectures_changed or self.regions_changed
                    or self.municipalities_gained or self.municipalities_lost)

    def to_json(self) -> dict[str, object]:
        return {
            "matched_by": self.matched_by,
            "changed": self.changed,
            "old": self.old.to_json(),
            "new": self.new.to_json(),
            "subprefectures_changed": self.subprefectures_changed,
            "regions_changed": self.regions_changed,
            "municipalities_gained": list(self.municipalities_gained),
            "municipalities_lost": list(self.municipalities_lost),
        }


class KpiRef(FrozenModel):
    """A KPI of one edition: its id there, its project and its text."""

    id: str  # <project id>-<n> in that edition
    project_id: str
    project_name: str
    region_name: str  # of the project's home region
    title: str
    raw: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "title": self.title,
            "raw": self.raw,
        }


class KpiChange(FrozenModel):
    """A KPI with the same title in both editions but different text (a new baseline or target)."""

    old: KpiRef
    new: KpiRef

    def to_json(self) -> dict[str, object]:
        return {"old": self.old.to_json(), "new": self.new.to_json()}


class TownRow(FrozenModel):
    """One municipality: how many projects reach it in each edition."""

    code: str
    name: str
    subprefecture: str
    region: str
    region_name: str
    before: int
    after: int

    @property
    def status(self) -> TownStatus:
        if self.after > self.before:
            return "gained"
        return "lost" if self.after < self.before else "same"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "subprefecture": self.subprefecture,
            "region": self.region,
            "before": self.before,
            "after": self.after,
            "status": self.status,
        }


class EditionDiff(FrozenModel):
    """What changed from one edition of the plan to another."""

    old_edition: EditionRef | None
    new_edition: EditionRef | None
    projects_added: tuple[ProjectRef, ...]  # new edition's order
    projects_removed: tuple[ProjectRef, ...]  # old edition's order
    projects_kept: tuple[KeptProject, ...]  # new edition's order
    kpis_added: tuple[KpiRef, ...]
    kpis_removed: tuple[KpiRef, ...]
    kpis_changed: tuple[KpiChange, ...]
    towns: tuple[TownRow, ...]  # every municipality of the atlas, in its order

    @property
    def projects_changed(self) -> tuple[KeptProject, ...]:
        return tuple(k for k in self.projects_kept if k.changed)

    @property
    def towns_gained(self) -> tuple[TownRow, ...]:
        return tuple(t for t in self.towns if t.status == "gained")

    @property
    def towns_lost(self) -> tuple[TownRow, ...]:
        return tuple(t for t in self.towns if t.status == "lost")

    @property
    def summary(self) -> dict[str, int]:
        """How many changes of each kind (keys of :data:`CHANGE_KINDS`, in its order)."""
        counts = (len(self.projects_added), len(self.projects_removed), len(self.projects_changed),
                  len(self.kpis_added), len(self.kpis_removed), len(self.kpis_changed),
                  len(self.towns_gained), len(self.towns_lost))
        return dict(zip(CHANGE_KINDS, counts, strict=True))

    @property
    def unchanged(self) -> bool:
        return not any(self.summary.values())

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict; keys and lists in a fixed order."""
        return {
            "old": self.old_edition.to_json() if self.old_edition else None,
            "new": self.new_edition.to_json() if self.new_edition else None,
            "summary": self.summary,
            "projects_added": [p.to_json() for p in self.projects_added],
            "projects_removed": [p.to_json() for p in self.projects_removed],
            "projects_changed": [k.to_json() for k in self.projects_changed],
            "projects_kept": [k.to_json() for k in self.projects_kept],
            "kpis_added": [k.to_json() for k in self.kpis_added],
            "kpis_removed": [k.to_json() for k in self.kpis_removed],
            "kpis_changed": [k.to_json() for k in self.kpis_changed],
            "towns": [t.to_json() for t in self.towns],
        }

    def csv_rows(self) -> tuple[list[str], list[list[str]]]:
        """The header (:data:`CSV_HEADER`) and one row per change, in :data:`CHANGE_KINDS` order;
        free text is passed through :func:`geo.csvfile.formula_safe`."""
        rows = [
            *(_project_row("project_added", None, p) for p in self.projects_added),
            *(_project_row("project_removed", p, None) for p in self.projects_removed),
            *(_coverage_row(k) for k in self.projects_changed),
            *(_kpi_row("kpi_added", None, k) for k in self.kpis_added),
            *(_kpi_row("kpi_removed", k, None) for k in self.kpis_removed),
            *(_kpi_row("kpi_changed", c.old, c.new) for c in self.kpis_changed),
            *(_town_row("town_gained", t) for t in self.towns_gained),
            *(_town_row("town_lost", t) for t in self.towns_lost),
        ]
        return list(CSV_HEADER), rows

    def to_csv(self) -> str:
        """:meth:`csv_rows` as the project's Excel-friendly CSV text (UTF-8 with BOM, CRLF),
        each row naming the two editions (旧版, 新版: title and period) as every CSV does."""
        about = [(label, f"{e.title}・{e.period}") for label, e in (("旧版", self.old_edition),
                                                                     ("新版", self.new_edition)) if e]
        return excel_csv(*self.csv_rows(), about=about)


# --- CSV cells --------------------------------------------------------------------------------


def _cells(kind: str, *cells: str) -> list[str]:
    return [CHANGE_KINDS[kind], *cells]


def _project_row(kind: str, old: ProjectRef | None, new: ProjectRef | None) -> list[str]:
    p = new or old
    assert p is not None
    detail = f"【{p.coverage_label}】市町村 {len(p.municipalities)}"
    return _cells(kind, old.id if old else "", new.id if new else "", formula_safe(p.name), "",
                  p.region_name, _SEP.join(p.subprefectures), "", "", formula_safe(detail))


def _coverage_row(k: KeptProject) -> list[str]:
    old, new = k.old, k.new
    region = new.region_name if old.region == new.region else f"{old.region_name} → {new.region_name}"
    detail = [f"市町村 +{len(k.municipalities_gained)} −{len(k.municipalities_lost)}"]
    if k.regions_changed:
        detail.append(f"連携地域 {_SEP.join(old.region_names)} → {_SEP.join(new.region_names)}")
    if k.matched_by == "name":
        detail.append("名前で対応（id の変更）")
    return _cells("coverage_changed", old.id, new.id, formula_safe(new.name), "", region,
                  _SEP.join(new.subprefectures), formula_safe(f"【{old.coverage_label}】"),
                  formula_safe(f"【{new.coverage_label}】"), "；".join(detail))


def _kpi_row(kind: str, old: KpiRef | None, new: KpiRef | None) -> list[str]:
    k = new or old
    assert k is not None
    return _cells(kind, old.id if old else "", new.id if new else "", formula_safe(k.title),
                  formula_safe(k.project_name), k.region_name, "",
                  formula_safe(old.raw) if old else "", formula_safe(new.raw) if new else "", "")


def _town_row(kind: str, t: TownRow) -> list[str]:
    return _cells(kind, t.code, t.code, t.name, "", t.region_name, t.subprefecture,
                  str(t.before), str(t.after), f"プロジェクト {t.after - t.before:+d}")


# --- Building the comparison ------------------------------------------------------------------


def _pair(
    old: Sequence[T], new: Sequence[T], keys: Sequence[Callable[[T], Hashable]]
) -> tuple[list[tuple[int, int, int]], list[int], list[int]]:
    """Match items by each key in turn among those still unmatched, in order within equal keys.

    Returns (old index, new index, which key matched) sorted by new index, then the old and
    the new indices left unmatched, in order.
    """
    left_old, left_new = list(range(len(old))), list(range(len(new)))
    pairs: list[tuple[int, int, int]] = []
    for n, key in enumerate(keys):
        waiting: dict[Hashable, deque[int]] = {}
        for i in left_old:
            waiting.setdefault(key(old[i]), deque()).append(i)
        unmatched_new = []
        for j in left_new:
            queue = waiting.get(key(new[j]))
            if queue:
                pairs.append((queue.popleft(), j, n))
            else:
                unmatched_new.append(j)
        taken = {i for i, _, _ in pairs}
        left_old, left_new = [i for i in left_old if i not in taken], unmatched_new
    return sorted(pairs, key=lambda p: p[1]), left_old, left_new


@dataclass(frozen=True)
class _Side:
    """One edition with its coverage rows by project id, for building refs."""

    view: EditionView
    rows: dict[str, ProjectCoverage]

    @classmethod
    def of(cls, view: EditionView) -> _Side:
        return cls(view, {r.project_id: r for r in view.coverage.rows})

    def region_name(self, region_id: str) -> str:
        return self.view.plan.hierarchy.region(region_id).name

    def project(self, p: Project) -> ProjectRef:
        row = self.rows[p.id]
        return ProjectRef(id=p.id, name=p.name, region=p.region, region_name=self.region_name(p.region),
                          coverage_label=p.coverage_label, subprefectures=row.subprefectures,
                          regions=row.regions, region_names=tuple(map(self.region_name, row.regions)),
                          municipalities=row.municipalities)

    def kpi(self, p: Project, index: int) -> KpiRef:
        k = p.kpis[index]
        return KpiRef(id=kpi_id(p.id, index), project_id=p.id, project_name=p.name,
                      region_name=self.region_name(p.region), title=k.title, raw=k.raw)

    def kpis(self, p: Project) -> list[KpiRef]:
        return [self.kpi(p, i) for i in range(len(p.kpis))]


def _edition_ref(edition: Edition | None) -> EditionRef | None:
    if edition is None:
        return None
    return EditionRef(id=edition.id, title=edition.title, period=period_label(edition))


def _kept(old: ProjectRef, new: ProjectRef, matched_by: MatchedBy) -> KeptProject:
    before, after = set(old.municipalities), set(new.municipalities)
    return KeptProject(old=old, new=new, matched_by=matched_by,
                       municipalities_gained=tuple(c for c in new.municipalities if c not in before),
                       municipalities_lost=tuple(c for c in old.municipalities if c not in after))


_KPI_KEYS: tuple[Callable[[KPI], Hashable], ...] = (lambda k: k.raw, lambda k: k.title)


@dataclass
class _KpiDiff:
    added: list[KpiRef]
    removed: list[KpiRef]
    changed: list[KpiChange]

    def compare(self, old: _Side, new: _Side, po: Project, pn: Project) -> None:
        """The KPIs of one kept project pair."""
        pairs, removed, added = _pair(po.kpis, pn.kpis, _KPI_KEYS)
        self.changed.extend(KpiChange(old=old.kpi(po, i), new=new.kpi(pn, j))
                            for i, j, _ in pairs if po.kpis[i].raw != pn.kpis[j].raw)
        self.removed.extend(old.kpi(po, i) for i in removed)
        self.added.extend(new.kpi(pn, j) for j in added)


def _towns(old: EditionView, new: EditionView, atlas: Atlas) -> tuple[TownRow, ...]:
    h = atlas.hierarchy
    return tuple(
        TownRow(code=m.code, name=m.name, subprefecture=m.subprefecture, region=m.region,
                region_name=h.region(m.region).name,
                before=len(old.coverage.projects_at(m.code)), after=len(new.coverage.projects_at(m.code)))
        for m in atlas.municipalities
    )


def compare_editions(old: EditionView, new: EditionView, atlas: Atlas) -> EditionDiff:
    """What changed from the ``old`` edition to the ``new`` one, over ``atlas``'s municipalities.

    Both coverages must have been built on ``atlas`` (``coverage_for_atlas``); a municipality
    one of them lacks raises ``KeyError``.
    """
    so, sn = _Side.of(old), _Side.of(new)
    po, pn = old.plan.projects, new.plan.projects
    pairs, removed, added = _pair(po, pn, (lambda p: p.id, lambda p: p.name))
    kpis = _KpiDiff([], [], [])
    kept = []
    for i, j, n in pairs:
        kept.append(_kept(so.project(po[i]), sn.project(pn[j]), "id" if n == 0 else "name"))
        kpis.compare(so, sn, po[i], pn[j])
    # KPIs in plan order: those of kept projects come out in the new plan's order already; the
    # KPIs of an added project go in at its place, and so do a removed one's in the old order.
    added_kpis = sorted([*kpis.added, *(k for j in added for k in sn.kpis(pn[j]))],
                        key=_kpi_order(new.plan))
    removed_kpis = sorted([*kpis.removed, *(k for i in removed for k in so.kpis(po[i]))],
                          key=_kpi_order(old.plan))
    return EditionDiff(
        old_edition=_edition_ref(old.edition),
        new_edition=_edition_ref(new.edition),
        projects_added=tuple(sn.project(pn[j]) for j in added),
        projects_removed=tuple(so.project(po[i]) for i in removed),
        projects_kept=tuple(kept),
        kpis_added=tuple(added_kpis),
        kpis_removed=tuple(removed_kpis),
        kpis_changed=tuple(kpis.changed),
        towns=_towns(old, new, atlas),
    )


def _kpi_order(plan: Plan) -> Callable[[KpiRef], tuple[int, int]]:
    """Sort key of a KPI ref in ``plan``'s order: its project's place, then its number there."""
    place = {p.id: n for n, p in enumerate(plan.projects)}
    return lambda k: (place[k.project_id], int(k.id.rsplit("-", 1)[1]))
