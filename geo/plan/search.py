"""The search box: town names (partial, with or without 市/町/村), readings in kana or romaji,
postal codes, Sapporo wards, 5/6-digit codes, project names, 振興局 and 連携地域.

Pure: returns what matched; the web layer adds URLs. Every place is labelled the same way
whatever matched (its name, and its 振興局・連携地域); ``match`` says what matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from geo.atlas.codes import CodeError, looks_like_code, normalize_code
from geo.atlas.model import Atlas, Municipality, Ward
from geo.atlas.readings import Readings, is_kana, is_romaji, romaji_key
from geo.errors import UnknownCodeError
from geo.plan.model import Plan

_SUFFIX = re.compile(r"(市|町|村)$")
MAX_RESULTS = 20
MAX_QUERY = 100  # characters; the API refuses longer queries
CACHE_SIZE = 512  # answers kept, keyed on the normalized query
# 〒044-0001, 044-0001, 0440001, ０４４－０００１ (NFKC makes the digits and － ASCII).
_POSTAL = re.compile(r"〒?\s*([0-9]{3})\s*[-‐‑‒–—―−ー]?\s*([0-9]{4})")


@dataclass(frozen=True)
class Hit:
    kind: str  # municipality | project | subprefecture | region
    id: str  # code (a ward's code for a ward), project id, 振興局 id or region id
    label: str
    detail: str
    rank: int  # 0 exact, 1 prefix, 2 contains: lower first
    match: str = ""  # what matched: 名前, 読み：くっちゃんちょう, 郵便番号 044-0001, コード 01400

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "label": self.label, "detail": self.detail,
                "match": self.match}


@dataclass(frozen=True)
class Answer:
    hits: tuple[Hit, ...]
    message: str | None = None  # for an answer with no hits that deserves a word (unknown 〒)


def normalize(text: str) -> str:
    # NFKC: full-width digits and letters (０１４００) and half-width kana (ｸｯﾁｬﾝ) become the
    # usual ones; inner runs of spaces become one.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _rank(query: str, *names: str, contains: bool = True) -> int | None:
    best = None
    for name in names:
        if not name:
            continue
        if query == name:
            r = 0
        elif name.startswith(query):
            r = 1
        elif contains and query in name:
            r = 2
        else:
            continue
        best = r if best is None else min(best, r)
    return best


@dataclass(frozen=True)
class _Place:
    hit: Hit  # rank 0, match "" : the label every query gets
    names: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]  # (romaji key, the kana it came from)
    penalty: int  # 北方領土 after the 179


_KIND_ORDER = {"municipality": 0, "project": 1, "subprefecture": 2, "region": 3}


class _BestHits:
    """The best-ranked hit of each place, project, 振興局 and 連携地域 (a query may match one twice)."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], Hit] = {}

    def add(self, hit: Hit) -> None:
        """Keep ``hit`` unless one as good or better on the same thing came first."""
        key = (hit.kind, hit.id)
        if key not in self._hits or hit.rank < self._hits[key].rank:
            self._hits[key] = hit

    def extend(self, hits: Iterable[Hit]) -> None:
        """Add each of ``hits``, in order."""
        for hit in hits:
            self.add(hit)

    def ranked(self) -> tuple[Hit, ...]:
        """Best first: by rank, then kind, then the shorter label, then id."""
        return tuple(sorted(self._hits.values(),
                            key=lambda x: (x.rank, _KIND_ORDER[x.kind], len(x.label), x.id)))


class SearchIndex:
    """Everything the search box can find, prepared once per atlas + plan + readings."""

    def __init__(self, atlas: Atlas, plan: Plan, readings: Readings) -> None:
        self.atlas, self.plan, self.readings = atlas, plan, readings
        self._places: dict[str, _Place] = {}
        for m in (*atlas.municipalities, *atlas.northern_territories):
            self._places[m.code] = self._place(m, (m.name, m.full_name, _SUFFIX.sub("", m.name)))
        for w in atlas.wards:
            self._places[w.code] = self._place(w, (w.name, w.full_name))
        self.answer = lru_cache(maxsize=CACHE_SIZE)(self._answer)

    def _place(self, place: Municipality | Ward, names: tuple[str, ...]) -> _Place:
        h = self.atlas.hierarchy
        town = self.atlas.municipality(place.code)  # a ward's code gives 札幌市
        detail = f"{h.subprefecture(town.subprefecture).name}・{h.region(town.region).full_name}"
        if town.northern_territory:
            detail += "（北方領土）"
        label = place.full_name if isinstance(place, Ward) else place.name
        keys = tuple((k, r.kana) for r in self.readings.by_code.get(place.code, ()) for k in r.keys)
        return _Place(Hit("municipality", place.code, label, detail, 0), names, keys,
                      int(town.northern_territory))

    def _hit(self, code: str, rank: int, match: str) -> Hit:
        place = self._places[code]
        return Hit(place.hit.kind, place.hit.id, place.hit.label, place.hit.detail,
                   rank + place.penalty, match)

    def search(self, text: str, limit: int = MAX_RESULTS) -> Answer:
        """Hits for ``text``, best first; CodeError for a wrong 6-digit check digit."""
        answer = self.answer(normalize(text)[:MAX_QUERY])
        return Answer(answer.hits[:limit], answer.message)

    def _answer(self, query: str) -> Answer:
        """The answer to a normalized query: a postal code, a code, or names and readings."""
        if not query:
            return Answer(())
        postal = _POSTAL.fullmatch(query)
        if postal:
            return self._postal(postal.group(1) + postal.group(2))
        if looks_like_code(query):
            return self._code(query)
        # The order of the adds matters: of two hits of one rank on one thing, the first is kept.
        best = _BestHits()
        best.extend(self._place_hits(query))
        if is_kana(query) or is_romaji(query):
            self._readings(query, best.add)
        best.extend(self._project_hits(query))
        best.extend(self._subprefecture_hits(query))
        best.extend(self._region_hits(query))
        return Answer(best.ranked()[:MAX_RESULTS])

    def _place_hits(self, query: str) -> Iterator[Hit]:
        """Municipalities and wards whose name matches."""
        for code, place in self._places.items():
            r = _rank(query, *place.names)
            if r is not None:
                yield self._hit(code, r, "名前")

    def _project_hits(self, query: str) -> Iterator[Hit]:
        """Projects whose name matches."""
        for p in self.plan.projects:
            r = _rank(query, *p.names)
            if r is not None:
                yield Hit("project", p.id, p.name, f"プロジェクト【{p.coverage_label}】", r, "名前")

    def _subprefecture_hits(self, query: str) -> Iterator[Hit]:
        """振興局 whose name matches, or whose id (its romaji) starts like a romaji query."""
        h = self.atlas.hierarchy
        key = romaji_key(query) if is_romaji(query) else None
        for s in h.subprefectures:
            r = _rank(query, s.short, s.name)
            if r is None and key:  # the ids are the 振興局's romaji (shiribeshi)
                r = _rank(key, romaji_key(s.id), contains=False)
            if r is not None:
                yield Hit("subprefecture", s.id, s.name, f"振興局・{h.region_of(s.short).full_name}", r,
                          "名前")

    def _region_hits(self, query: str) -> Iterator[Hit]:
        """連携地域 whose name matches."""
        for reg in self.atlas.hierarchy.regions:
            r = _rank(query, reg.name, reg.full_name)
            if r is not None:
                detail = f"連携地域・中核都市 {reg.core_city.name}"
                yield Hit("region", reg.id, reg.full_name, detail, r, "名前")

    def _readings(self, query: str, add) -> None:  # type: ignore[no-untyped-def]
        key = romaji_key(query)
        if not key:
            return
        for code, place in self._places.items():
            best: tuple[int, str] | None = None
            for reading_key, kana in place.keys:
                # Substrings only from 3 letters on: "ra" would otherwise find half the island.
                r = _rank(key, reading_key, contains=len(key) >= 3)
                if r is not None and (best is None or r < best[0]):
                    best = (r, kana)
            if best is not None:
                add(self._hit(code, best[0], f"読み：{best[1]}"))

    def _postal(self, digits: str) -> Answer:
        shown = f"{digits[:3]}-{digits[3:]}"
        code = self.readings.postal_lookup(digits)
        if code is None:
            return Answer((), f"郵便番号 {shown} は北海道の郵便番号にありません")
        match = f"郵便番号 {shown}"
        hits = [self._hit(code, 0, match)]
        town = self.atlas.municipality(code)
        if town.code != code:  # a Sapporo ward's code: the ward first, then 札幌市
            hits.append(self._hit(town.code, 0, match))
        return Answer(tuple(hits))

    def _code(self, query: str) -> Answer:
        code = normalize_code(query)  # CodeError → 400 for a wrong check digit
        try:
            town = self.atlas.municipality(code)
        except UnknownCodeError:
            return Answer((), f"コード {code} は北海道の市町村にありません")
        hits = [self._hit(code if code in self._places else town.code, 0, f"コード {code}")]
        if town.code != hits[0].id:
            hits.append(self._hit(town.code, 0, f"コード {code}"))
        return Answer(tuple(hits))


__all__ = ["Answer", "CodeError", "Hit", "SearchIndex", "normalize"]
