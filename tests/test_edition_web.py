"""Several editions on the web: a synthetic second edition (tests/edition_fixtures.py: h28 copied
to r3, one project removed, one added, one narrowed) served beside the shipped one.

The default switches to r3, every h28 URL keeps answering under /editions/h28/ what the shipped
app answered, the switcher and the "replaced by" link appear, and /compare lists exactly the
three changes and the towns they move. The shipped data/ itself keeps one edition.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import boundaries_path
from edition_fixtures import NEW, OLD, EditionChanges, make_second_edition

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> tuple[Any, EditionChanges]:
    from app import create_app

    data, changes = make_second_edition(tmp_path_factory.mktemp("editions"))
    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)})
    return app, changes


@pytest.fixture(scope="module")
def shipped():
    from app import create_app

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})


def test_the_shipped_data_holds_one_edition() -> None:
    assert [p.name for p in (ROOT / "data" / "editions").iterdir() if p.is_dir()] == [OLD]


def test_the_newest_edition_is_served_at_the_bare_urls(two) -> None:
    app, ch = two
    client = app.test_client()
    listed = client.get("/api/editions").get_json()
    assert listed["default"] == NEW
    assert [e["id"] for e in listed["editions"]] == [NEW, OLD]  # newest first
    assert [e["url"] for e in listed["editions"]] == ["/", f"/editions/{OLD}/"]
    page = client.get("/").get_data(as_text=True)
    assert ch.new_title in page
    assert client.get(f"/api/projects/{ch.added_project}").status_code == 200
    assert client.get(f"/api/projects/{ch.removed_project}").status_code == 404
    assert client.get("/api/overview").get_json()["edition"]["id"] == NEW


def _unmounted(value: Any) -> Any:
    """``value`` with every /editions/h28 prefix of its URLs taken out."""
    if isinstance(value, dict):
        return {k: _unmounted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmounted(v) for v in value]
    return value.replace(f"/editions/{OLD}/", "/") if isinstance(value, str) else value


OLD_URLS = ["/api/projects", "/api/overview", "/api/overlap", "/api/municipalities/01400", "/api/regions/doo",
            "/api/projects/hiyama-bureau-towns", "/api/projects/geopark", "/api/kpis", "/api/progress"]


@pytest.mark.parametrize("url", OLD_URLS)
def test_an_old_editions_urls_keep_their_content(two, shipped, url: str) -> None:
    """What the shipped app answered at ``url`` is what /editions/h28 + ``url`` answers now."""
    app, _ = two
    before = shipped.test_client().get(url).get_json()
    after = app.test_client().get(f"/editions/{OLD}{url}").get_json()
    # Only whether h28 is the default changed.
    assert before.pop("edition")["default"] is True
    assert after.pop("edition")["default"] is False
    assert _unmounted(after) == before


def test_an_old_editions_pages_link_inside_it_and_say_what_replaced_it(two) -> None:
    app, ch = two
    page = app.test_client().get(f"/editions/{OLD}/town/01400").get_data(as_text=True)
    links = re.findall(r'href="(/[^"]*)"', page)
    # Its own pages stay in the edition; the shared assets are at the root, once for all.
    inside = [u for u in links if u.startswith(("/town/", "/project/", "/region/", "/subprefecture/"))]
    assert inside == ["/town/01400"] * len(inside), inside  # only the switcher's and replaced-by links
    assert f'/editions/{OLD}/project/yotei-nishiiburi' in links
    assert any(u.startswith("/assets/bundle/site.css") for u in links)
    note = page[page.index('class="edition'):page.index("</details>")]
    assert "この方針の対象期間（平成28年度〜概ね令和2年度）は終了しています" in note
    assert f'<a href="/town/01400">新しい方針：{ch.new_title}</a>' in note
    # The switcher: both editions by title and period, this one marked, each on this same town.
    assert f'<a href="/editions/{OLD}/town/01400" aria-current="page">' in note
    assert f'<a href="/town/01400">{ch.new_title}・令和3年度〜概ね令和7年度</a>' in note
    assert 'href="/editions/"' in note


def test_a_page_only_one_edition_has_switches_to_the_others_top(two) -> None:
    app, ch = two
    page = app.test_client().get(f"/editions/{OLD}/project/{ch.removed_project}").get_data(as_text=True)
    switch = page[page.index('<details class="edition-switch">'):page.index("</details>")]
    assert f'<a href="/">{ch.new_title}' in switch


def test_the_default_and_an_old_edition_are_cached_apart(two) -> None:
    app, _ = two
    client = app.test_client()
    for _ in range(2):  # the second round is answered from the response cache
        new = client.get("/town/01400").get_data(as_text=True)
        old = client.get(f"/editions/{OLD}/town/01400").get_data(as_text=True)
        assert 'href="/editions/h28/region/doo"' in old and 'href="/editions/h28/region/doo"' not in new


def test_under_a_sub_path_every_link_keeps_it(two) -> None:
    """A site served under /map (SCRIPT_NAME, as a proxy with X-Forwarded-Prefix sets it)."""
    app, _ = two
    page = app.test_client().get(f"/editions/{OLD}/town/01400", environ_overrides={"SCRIPT_NAME": "/map"})
    links = re.findall(r'href="(/[^"]*)"', page.get_data(as_text=True))
    outside = [u for u in links if not u.startswith("/map/")]
    assert links and not outside, outside
    assert "/map/editions/h28/region/doo" in links and "/map/town/01400" in links


@pytest.mark.parametrize("url", ["/editions/r9/", "/editions/r9/town/01400", "/editions/r9/api/projects",
                                 "/editions/r9"])
def test_an_unknown_edition_is_a_404_naming_the_known_ones(two, url: str) -> None:
    app, _ = two
    r = app.test_client().get(url)
    text = html.unescape(r.get_data(as_text=True))
    said = "no edition 'r9' (known: h28、r3)" if "/api/" in url else "版「r9」はありません。版：h28、r3。"
    assert r.status_code == 404 and said in text, text[-800:]


def test_an_edition_without_its_slash_is_redirected(two) -> None:
    r = two[0].test_client().get(f"/editions/{OLD}")
    assert r.status_code == 308 and r.headers["Location"] == f"/editions/{OLD}/"


@pytest.mark.parametrize(("query", "status", "says", "page_says"), [
    ("from=h28", 400, "to: name both editions", "比べる 2 つの版を選んでください"),
    ("to=r3", 400, "from: name both editions", "比べる 2 つの版を選んでください"),
    ("from=h28&to=r9", 404, "to: no edition 'r9'", "版「r9」はありません"),
    ("from=x&to=r3", 404, "from: no edition 'x'", "版「x」はありません"),
])
def test_compare_needs_two_known_editions(two, query: str, status: int, says: str, page_says: str) -> None:
    client = two[0].test_client()
    api = client.get(f"/api/compare?{query}")
    assert api.status_code == status and says in api.get_json()["error"]
    page = client.get(f"/compare?{query}")
    assert page.status_code == status and page_says in html.unescape(page.get_data(as_text=True))


def _expected_moves(app, ch: EditionChanges) -> tuple[set[str], set[str]]:
    """The towns whose number of projects goes up and down, from the edits alone."""
    atlas = app.extensions["hokkaido_map"].atlas
    delta = {m.code: 0 for m in atlas.municipalities}
    for subs, step in ((ch.added_subprefectures, 1), (ch.removed_subprefectures, -1), (ch.narrowed_out, -1)):
        for m in atlas.municipalities:
            delta[m.code] += step * (m.subprefecture in subs)
    return {c for c, d in delta.items() if d > 0}, {c for c, d in delta.items() if d < 0}


def test_compare_lists_exactly_the_three_changes_and_the_towns_they_move(two) -> None:
    app, ch = two
    client = app.test_client()
    diff = client.get(f"/api/compare?from={OLD}&to={NEW}").get_json()
    assert [p["id"] for p in diff["projects_added"]] == [ch.added_project]
    assert [p["id"] for p in diff["projects_removed"]] == [ch.removed_project]
    assert [k["new"]["id"] for k in diff["projects_changed"]] == [ch.narrowed_project]
    assert len(diff["kpis_added"]) == len(ch.added_kpis) and len(diff["kpis_removed"]) == len(ch.removed_kpis)
    gained, lost = _expected_moves(app, ch)
    assert {t["code"] for t in diff["towns"] if t["status"] == "gained"} == gained
    assert {t["code"] for t in diff["towns"] if t["status"] == "lost"} == lost
    # The page says the same, and its map colours exactly those towns.
    page = client.get(f"/compare?from={OLD}&to={NEW}").get_data(as_text=True)
    assert ch.added_name in page and f"及ぶプロジェクトが増えた市町村：{len(gained)}" in page
    script = client.get(re.search(r'<script src="(/compare/map\.js[^"]+)"', page)[1].replace("&amp;", "&"))
    assert script.status_code == 200
    for code in gained:
        assert re.search(rf'"{code}":\{{"c":"#5e3c99"', script.get_data(as_text=True)), code
    text = client.get(f"/compare/changes.csv?from={OLD}&to={NEW}").get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header[:3] == ["旧版", "新版", "種別"]
    assert {r[0] for r in rows} == {"連携地域別政策展開方針（平成28年度〜）・平成28年度〜概ね令和2年度"}
    kinds = [r[2] for r in rows]
    assert kinds.count("プロジェクトの追加") == 1 and kinds.count("プロジェクトの削除") == 1
    assert kinds.count("対象範囲の変更") == 1
    assert kinds.count("及ぶプロジェクトが増えた市町村") == len(gained)


def test_the_editions_page_lists_both_and_links_their_comparison(two) -> None:
    app, ch = two
    page = app.test_client().get("/editions/").get_data(as_text=True)
    assert ch.new_title in page and "連携地域別政策展開方針（平成28年度〜）" in page
    assert f'href="/compare?from={OLD}&amp;to={NEW}"' in page


def test_the_export_writes_every_edition(two, tmp_path: Path) -> None:
    from geo.export import export_site

    app, ch = two
    export_site(app, tmp_path / "site", progress=False)
    site = tmp_path / "site"
    assert ch.new_title in (site / "index.html").read_text(encoding="utf-8")
    old_town = (site / "editions" / OLD / "town" / "01400.html").read_text(encoding="utf-8")
    assert "この方針の対象期間（平成28年度〜概ね令和2年度）は終了しています" in old_town
    assert 'href="../../../town/01400.html"' in old_town  # the same town in the new edition
    assert (site / "editions" / "index.html").exists()
    assert (site / f"compare__from-{OLD}_to-{NEW}.html").exists()
    assert not (site / "editions" / NEW).exists()  # the default is at the root only


def test_search_answers_from_its_own_edition(two) -> None:
    app, ch = two
    client = app.test_client()
    q = "振興局と町の協働"  # the removed project's name: only h28 has it
    old = client.get(f"/editions/{OLD}/api/search", query_string={"q": q}).get_json()
    new = client.get("/api/search", query_string={"q": q}).get_json()
    old_urls = [h["url"] for h in old["results"] if h["kind"] == "project"]
    assert old_urls == [f"/editions/{OLD}/project/{ch.removed_project}"]
    assert not [h for h in new["results"] if h["kind"] == "project"]


def test_a_project_the_new_edition_dropped_points_to_the_old_one(two) -> None:
    app, ch = two
    client = app.test_client()
    page = client.get(f"/project/{ch.removed_project}")
    assert page.status_code == 404
    old_page = f"/editions/{OLD}/project/{ch.removed_project}"
    assert f'<a href="{old_page}">連携地域別政策展開方針（平成28年度〜）</a>' in page.get_data(as_text=True)
    api = client.get(f"/api/projects/{ch.removed_project}")
    assert api.status_code == 404
    assert api.get_json()["elsewhere"][0]["url"] == f"/editions/{OLD}/api/projects/{ch.removed_project}"
    assert "elsewhere" not in client.get("/api/projects/no-such-project").get_json()


@pytest.mark.parametrize(("edit", "message"), [
    (("regions.yaml", "  - id: doo  # 道央広域\n", "  - id: dooo  # 道央広域\n"),
     r"r3/regions\.yaml:\d+: .*dooo"),
    (("projects/doo.yaml", "subprefectures: [後志, 檜山]\n", "subprefectures: [後志, 檜山X]\n"),
     r"r3/projects/doo\.yaml:\d+: .*檜山X"),
])
def test_an_old_or_new_edition_with_an_unknown_region_stops_the_app(tmp_path: Path, edit, message) -> None:
    """Nothing half-loaded: one broken edition, whichever it is, and the app does not start."""
    from edition_fixtures import replace_once

    from app import create_app
    from geo.errors import DataErrors

    data, ch = make_second_edition(tmp_path)
    name, old, new = edit
    replace_once(ch.new_folder / name, old, new)
    for served in (None, OLD):  # r3 is the default, then r3 is an edition beside the default h28
        with pytest.raises(DataErrors, match=message):
            create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data),
                        "EDITION": served})
