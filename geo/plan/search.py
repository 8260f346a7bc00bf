"""The search box: town names (partial, with or without 市/町/村), Sapporo wards, 5/6-digit codes,
project names, 振興局 and 連携地域. Pure: returns what matched; the web layer adds URLs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo.atlas.codes import CodeError, looks_like_code, normalize_code
from geo.atlas.model import Atlas
from geo.errors import UnknownCodeError
from geo.plan.model import Plan

_SUFFIX = re.compile(r"(市|町|村)$")
MAX_RESULTS = 20


@dataclass(frozen=True)
class Hit:
    kind: str  # municipality | ward | project | subprefecture | region
    id: str  # code, project id, 振興局 short name or region id
    label: str
    detail: str
    rank: int  # 0 exact, 1 prefix, 2 contains: lower first

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "label": self.label, "detail": self.detail}


def normalize(text: str) -> str:
    # NFKC: full-width digits and letters (０１４００) typed on a Japanese keyboard become ASCII.
    return unicodedata.normalize("NFKC", text).strip()


def _rank(query: str, *names: str) -> int | None:
    best = None
    for name in names:
        if not name:
            continue
        if query == name:
            r = 0
        elif name.startswith(query):
            r = 1
        elif query in name:
            r = 2
        else:
            continue
        best = r if best is None else min(best, r)
    return best


def search(atlas: Atlas, plan: Plan, text: str, limit: int = MAX_RESULTS) -> list[Hit]:
    """Hits for ``text``, best first; raises CodeError for a malformed 6-digit check digit."""
    query = normalize(text)
    if not query:
        return []
    hierarchy = atlas.hierarchy
    hits: list[Hit] = []

    if looks_like_code(query):
        code = normalize_code(query)  # CodeError → 400 for a wrong check digit
        ward = atlas.ward(code)
        try:
            m = atlas.municipality(code)
        except UnknownCodeError:
            return []
        label = ward.full_name if ward else m.full_name
        return [Hit("municipality", m.code, label, f"{m.subprefecture}・{code}", 0)]

    for m in (*atlas.municipalities, *atlas.northern_territories):
        r = _rank(query, m.name, m.full_name, _SUFFIX.sub("", m.name))
        if r is not None:
            region = hierarchy.region(m.region).name
            detail = f"{hierarchy.subprefecture(m.subprefecture).name}・{region}"
            if m.northern_territory:
                detail += "（北方領土）"
            hits.append(Hit("municipality", m.code, m.name, detail, r + (1 if m.northern_territory else 0)))
    for w in atlas.wards:
        r = _rank(query, w.name, w.full_name)
        if r is not None:
            hits.append(Hit("municipality", w.city_code, w.full_name, "札幌市の区・石狩振興局", r))
    for p in plan.projects:
        r = _rank(query, *p.names)
        if r is not None:
            hits.append(Hit("project", p.id, p.name, f"プロジェクト【{p.coverage_label}】", r))
    for s in hierarchy.subprefectures:
        r = _rank(query, s.short, s.name)
        if r is not None:
            hits.append(Hit("subprefecture", s.short, s.name, "振興局", r))
    for reg in hierarchy.regions:
        r = _rank(query, reg.name, reg.full_name)
        if r is not None:
            hits.append(Hit("region", reg.id, reg.full_name, "連携地域", r))
    order = {"municipality": 0, "project": 1, "subprefecture": 2, "region": 3}
    hits.sort(key=lambda h: (h.rank, order[h.kind], len(h.label)))
    return hits[:limit]


__all__ = ["CodeError", "Hit", "search"]
