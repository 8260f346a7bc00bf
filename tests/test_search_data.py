"""The search data search.js works from (geo/plan/search_data.py), without a browser: JSON as
it is, the same on every build, bounded, the postal table exact, and its text tables the same
transforms as the Python ones (jaconv's kana2alphabet, the regexes)."""

from __future__ import annotations

import itertools
import json
import random
import re

import jaconv
import pytest

from geo.atlas.readings import load_readings, romaji_key
from geo.plan.search import SearchIndex
from geo.plan.search_data import (
    gzip_size,
    js_regex,
    kana2alphabet,
    kana2alphabet_steps,
    postal_codes,
    postal_table,
    search_data,
    search_data_bytes,
)
from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

MAX_RAW = 120_000  # measured 85,041 B
MAX_GZIP = 24_000  # measured 17,089 B


@pytest.fixture(scope="module")
def index(app) -> SearchIndex:  # noqa: F811
    from geo.web.api import search_index

    with app.test_request_context():
        return search_index()


@pytest.fixture(scope="module")
def data(index: SearchIndex) -> dict:
    return search_data(index)


def test_data_is_json_as_it_is(data: dict) -> None:
    # No tuples, no non-str keys, nothing json.dumps would change on the way.
    assert json.loads(search_data_bytes(data)) == data
    assert json.loads(json.dumps(data)) == data


def test_data_is_deterministic(index: SearchIndex, data: dict) -> None:
    again = SearchIndex(index.atlas, index.plan, load_readings(index.atlas))  # a fresh read
    other = search_data(again)
    assert other == data and search_data_bytes(other) == search_data_bytes(data)
    assert re.fullmatch(r"[0-9a-f]{16}", data["version"])
    changed = search_data(again) | {"limits": {"results": 19, "query": 100}}
    changed.pop("version")
    from geo.plan.search_data import _digest

    assert _digest(changed) != data["version"]  # the version follows the content


def test_data_size_is_bounded(data: dict) -> None:
    raw, packed = len(search_data_bytes(data)), gzip_size(data)
    assert raw < MAX_RAW and packed < MAX_GZIP, (raw, packed)


def test_postal_table_round_trips(index: SearchIndex, data: dict) -> None:
    assert postal_codes(data["postal"]) == index.readings.postal
    assert len(index.readings.postal) > 9000
    for code, deltas in data["postal"].items():
        assert deltas[0] > 0 and all(d > 0 for d in deltas[1:]), code  # sorted, no repeats
    assert postal_codes(postal_table({"0440001": "01400", "0010000": "01102"})) == {
        "0440001": "01400", "0010000": "01102"}  # leading zeros kept


def test_every_place_and_area_is_there(index: SearchIndex, data: dict) -> None:
    atlas = index.atlas
    codes = [p["code"] for p in data["places"]]
    assert codes == [*(m.code for m in (*atlas.municipalities, *atlas.northern_territories)),
                     *(w.code for w in atlas.wards)]
    assert data["wards"] == {w.code: "01100" for w in atlas.wards}
    assert [p["id"] for p in data["projects"]] == [p.id for p in index.plan.projects]
    assert len(data["subprefectures"]) == 14 and len(data["regions"]) == 6
    kutchan = next(p for p in data["places"] if p["code"] == "01400")
    assert kutchan["label"] == "倶知安町" and kutchan["detail"] == "後志総合振興局・道央広域連携地域"
    assert kutchan["readings"] == [["くっちゃんちょう", ["kucchancho", "kucchan", "abutagunkucchancho"]]]
    for place in data["places"]:  # the keys are romaji_key of the kana they stand beside
        for kana, keys in place["readings"]:
            assert romaji_key(kana) in keys, (place["code"], kana)
    assert {s["id"]: s["key"] for s in data["subprefectures"]}["shiribeshi"] == "shiribeshi"


# The characters is_kana lets through to kana2alphabet, after kata2hira (and a few that remain).
KANA = [chr(c) for c in range(0x3041, 0x3097)] + list("ーヷヸヹヺ・ゝゞ゛゜ ")


def test_kana2alphabet_steps_are_jaconvs() -> None:
    steps = kana2alphabet_steps()
    assert steps["replace"][0] == ["きゃ", "kya"] and steps["sokuon"] == "っ"
    assert steps["table"]["ー"] == "-"
    for pair in itertools.product(KANA, repeat=2):
        text = "".join(pair)
        assert kana2alphabet(steps, text) == jaconv.kana2alphabet(text), text
    rng = random.Random(21)
    for _ in range(5000):
        text = "".join(rng.choice(KANA + ["っ"] * 8) for _ in range(rng.randint(1, 10)))
        assert kana2alphabet(steps, text) == jaconv.kana2alphabet(text), text


def test_kata2hira_table_is_jaconvs(data: dict) -> None:
    sources, targets = data["text"]["kata2hira"]
    assert len(sources) == len(targets)
    assert jaconv.kata2hira(sources) == targets
    everything = "".join(chr(c) for c in range(0x3000, 0x3100)) + "ｱｯｰ"
    assert everything.translate(str.maketrans(sources, targets)) == jaconv.kata2hira(everything)


def test_js_regex_spells_out_python_whitespace() -> None:
    # Python's \s is str.isspace (U+001C–001F in, U+FEFF out); JS's \s is another set.
    inside = js_regex(re.compile(r"[a\s]"))
    outside = js_regex(re.compile(r"a\s*b"))
    assert "\\u001c" in inside and "\\ufeff" not in inside and inside.startswith("[a") and "[[" not in inside
    assert outside.startswith("a[\\u0009") and outside.endswith("]*b")
    assert js_regex(re.compile(r"(?<![cs])ty\-\.\u3041")) == r"(?<![cs])ty\-\.\u3041"


@pytest.mark.parametrize("pattern", [r"\d+", r"\w", r"\bx", r"(?P<n>x)", r"\Ax"])
def test_js_regex_refuses_what_may_differ(pattern: str) -> None:
    with pytest.raises(ValueError):
        js_regex(re.compile(pattern))
    with pytest.raises(ValueError):
        js_regex(re.compile("x", re.IGNORECASE))


def test_romaji_rules_replacements_are_js(data: dict) -> None:
    rules = dict(data["text"]["romajiRules"])
    assert rules["([aeiou])\\1+"] == "$1" and rules["(?<![cs])ty"] == "ch"


def test_python_whitespace_is_one_set(data: dict) -> None:
    # str.split() (normalize), str.strip() (codes) and re's \s (the patterns) agree on it.
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert spaces == {chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c))}
    assert json.loads(f'"{data["text"]["whitespace"]}"') == "".join(sorted(spaces))
