"""The 連携地域 (region) → 振興局 (subprefecture) hierarchy and the 中核都市 (core cities).

Read from ``data/hierarchy.yaml`` (human-editable) and validated on load.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from geo.errors import DataError, DataErrors
from geo.frozen import FrozenModel
from geo.yamlfile import ID_MAX, LIST_MAX, NAME_MAX, Name, load_located_yaml, pydantic_errors

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
HIERARCHY_FILE = "hierarchy.yaml"  # in the data folder, beside the plan
DEFAULT_HIERARCHY = DATA_DIR / HIERARCHY_FILE



class Subprefecture(FrozenModel):
    """振興局 (subprefectural bureau): ``short`` is the name without 総合振興局/振興局."""

    id: str = Field(pattern=r"^[a-z][a-z-]*$", max_length=ID_MAX)
    short: Name
    name: str = Field(pattern=r"(総合)?振興局$", max_length=NAME_MAX)


class CityRef(FrozenModel):
    code: str = Field(pattern=r"^01\d{3}$")
    name: Name


class Region(FrozenModel):
    """連携地域 (cooperation region) with its 中核都市 (core city) and 振興局."""

    id: str = Field(pattern=r"^[a-z][a-z-]*$", max_length=ID_MAX)
    name: Name
    full_name: Name
    core_city: CityRef
    subprefectures: tuple[Subprefecture, ...] = Field(min_length=1, max_length=LIST_MAX)


class Hierarchy(FrozenModel):
    regions: tuple[Region, ...] = Field(min_length=1, max_length=LIST_MAX)
    northern_territories: tuple[str, ...] = Field(max_length=LIST_MAX)
    designated_city: CityRef

    @field_validator("northern_territories")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if len(code) != 5 or not code.isdigit():
                raise ValueError(f"not a 5-digit code: {code!r}")
        return value

    @property
    def subprefectures(self) -> tuple[Subprefecture, ...]:
        return tuple(s for r in self.regions for s in r.subprefectures)

    def region_of(self, subprefecture_short: str) -> Region:
        for region in self.regions:
            if any(s.short == subprefecture_short for s in region.subprefectures):
                return region
        raise KeyError(subprefecture_short)

    def subprefecture(self, key: str) -> Subprefecture:
        """Look up by id, short name (石狩) or full name (石狩振興局)."""
        for sub in self.subprefectures:
            if key in (sub.id, sub.short, sub.name):
                return sub
        raise KeyError(key)

    def region(self, key: str) -> Region:
        """Look up by id, name (道央広域) or full name (道央広域連携地域)."""
        for region in self.regions:
            if key in (region.id, region.name, region.full_name):
                return region
        raise KeyError(key)


def load_hierarchy(path: str | Path = DEFAULT_HIERARCHY) -> Hierarchy:
    """Load and validate the hierarchy file; errors name ``file:line: field``."""
    doc = load_located_yaml(path)
    try:
        hierarchy = Hierarchy.model_validate(doc.data)
    except ValidationError as exc:
        raise DataErrors(pydantic_errors(doc, exc)) from None
    errors: list[DataError] = []
    seen: dict[str, tuple[int, int]] = {}
    for ri, region in enumerate(hierarchy.regions):
        for si, sub in enumerate(region.subprefectures):
            for key in (sub.id, sub.short, sub.name):
                if key in seen and seen[key] != (ri, si):
                    errors.append(
                        doc.error(("regions", ri, "subprefectures", si), f"duplicate 振興局 {key!r}")
                    )
                seen[key] = (ri, si)
    region_ids = [r.id for r in hierarchy.regions]
    for ri, rid in enumerate(region_ids):
        if region_ids.index(rid) != ri:
            errors.append(doc.error(("regions", ri, "id"), f"duplicate region id {rid!r}"))
    if errors:
        raise DataErrors(errors)
    return hierarchy
