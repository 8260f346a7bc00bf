"""The 連携地域 and 振興局 pages, their JSON twins, CSVs, embeds and print maps, on the real data.

Expectations come from the data files (data/hierarchy.yaml, regions.yaml, projects/*.yaml) read
here with PyYAML, not from geo.render.areas.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


HIERARCHY = load("hierarchy.yaml")
REGIONS = {r["id"]: r for r in load("editions/h28/regions.yaml")["regions"]}
PROJECTS = [dict(p, home=f.stem) for f in sorted((DATA / "editions" / "h28" / "projects").glob("*.yaml"))
            for p in yaml.safe_load(f.read_text(encoding="utf-8"))["projects"]]
REGION_SUBS = {r["id"]: [s for s in r["subprefectures"]] for r in HIERARCHY["regions"]}
SUBS = {s["id"]: dict(s, region=rid) for rid, subs in REGION_SUBS.items() for s in subs}
REGION_IDS = list(REGION_SUBS)
SUB_IDS = list(SUBS)


def shorts(area_kind: str, key: str) -> set[str]:
    if area_kind == "region":
        return {s["short"] for s in REGION_SUBS[key]}
    return {SUBS[key]["short"]}


def region_of(area_kind: str, key: str) -> str:
    return key if area_kind == "region" else SUBS[key]["region"]


def expected_projects(area_kind: str, key: str) -> list[dict]:
    here = shorts(area_kind, key)
    return [p for p in PROJECTS if here & set(p["subprefectures"])]


def get_json(client, url: str, status: int = 200) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:200])
    return r.get_json()


AREAS = [("region", r) for r in REGION_IDS] + [("subprefecture", s) for s in SUB_IDS]


def test_all_areas_listed() -> None:
    assert len(REGION_IDS) == 6 and len(SUB_IDS) == 14


@pytest.mark.parametrize(("kind", "key"), AREAS)
def test_json_twin(client, kind: str, key: str) -> None:
    api = f"/api/{'regions' if kind == 'region' else 'subprefectures'}/{key}"
    area = get_json(client, api)["area"]
    rid = region_of(kind, key)
    assert area["kind"] == kind and area["id"] == key and area["region"]["id"] == rid
    assert area["vision"] == REGIONS[rid]["vision"]
    assert area["directions"] == REGIONS[rid]["directions"]
    assert area["projects_stated"] == REGIONS[rid]["projects_stated"]
    own_named = [p["id"] for p in PROJECTS if p["home"] == rid]
    assert area["projects_named"] == len(own_named)
    assert area["projects_unnamed"] == REGIONS[rid]["projects_stated"] - len(own_named)
    expected = expected_projects(kind, key)
    got = area["projects"]
    assert {p["id"] for p in got} == {p["id"] for p in expected}
    assert [p["own"] for p in got] == sorted((p["own"] for p in got), reverse=True)  # own first
    for p in got:
        src = next(x for x in expected if x["id"] == p["id"])
        assert p["own"] == (src["home"] == rid)
        regions = {SUBS[s]["region"] for s in SUBS if SUBS[s]["short"] in src["subprefectures"]}
        assert p["cross_region"] == (len(regions) > 1)
        assert set(p["here"]) == shorts(kind, key) & set(src["subprefectures"])
    assert len(area["kpis"]) == sum(len(p["kpis"]) for p in expected)
    assert all("grade" in k for k in area["kpis"])  # the 推進管理 grade's place (issue 10)
    assert {s["id"] for s in area["subprefectures"]} == (
        {s["id"] for s in REGION_SUBS[key]} if kind == "region" else {key})
    core = next(r["core_city"] for r in HIERARCHY["regions"] if r["id"] == rid)
    assert area["core_city"]["code"] == core["code"]


def test_counts_add_up(client) -> None:
    regions = [get_json(client, f"/api/regions/{r}")["area"] for r in REGION_IDS]
    assert sum(len(r["municipalities"]) for r in regions) == 179
    subs = [get_json(client, f"/api/subprefectures/{s}")["area"] for s in SUB_IDS]
    assert sum(len(s["municipalities"]) for s in subs) == 179
    assert sum(len(s["northern_territories"]) for s in subs) == 6
    assert sum(r["projects_own"] for r in regions) == len(PROJECTS) == 34


def test_cross_region_projects_are_marked(client) -> None:
    # 十勝 home: ひがし北海道 reaches オホーツク, 釧路, 根室 — another region's project there.
    nemuro = get_json(client, "/api/subprefectures/nemuro")["area"]
    visit = next(p for p in nemuro["projects"] if p["id"] == "higashi-hokkaido-tourism")
    assert visit["own"] is False and visit["cross_region"] is True and visit["region"] == "tokachi"
    page = client.get("/region/kushiro-nemuro").get_data(as_text=True)
    row = page[page.index('href="/project/higashi-hokkaido-tourism"'):]
    row = row[: row.index("</tr>")]
    assert "他の連携地域" in row and "連携地域をまたぐ" in row and 'href="/region/tokachi"' in row


@pytest.mark.parametrize(("kind", "key"), AREAS)
def test_page(client, kind: str, key: str) -> None:
    r = client.get(f"/{kind}/{key}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    rid = region_of(kind, key)
    assert REGIONS[rid]["vision"].replace("「", "") in page.replace("「", "").replace("&#34;", '"')
    for d in REGIONS[rid]["directions"]:
        assert d in page
    for p in expected_projects(kind, key):
        assert f'href="/project/{p["id"]}"' in page
    assert f"全{REGIONS[rid]['projects_stated']}件" in page
    api = f"/api/{'regions' if kind == 'region' else 'subprefectures'}/{key}"
    assert f'href="{api}"' in page  # the JSON twin
    assert f'href="/{kind}/{key}/projects.csv"' in page
    assert f'/print/{kind}-{key}.png' in page and f'/embed/{kind}/{key}' in page
    assert f'<script src="/maps/page/{kind}/{key}.js' in page
    assert "国土数値情報" in page  # the map's credit


@pytest.mark.parametrize(("url", "target"), [
    ("/region/道央広域", "/region/doo"), ("/region/道央広域連携地域", "/region/doo"),
    ("/region/釧路・根室", "/region/kushiro-nemuro"), ("/subprefecture/後志", "/subprefecture/shiribeshi"),
    ("/subprefecture/後志総合振興局", "/subprefecture/shiribeshi"),
    ("/subprefecture/オホーツク/projects.csv", "/subprefecture/okhotsk/projects.csv"),
    ("/embed/subprefecture/根室", "/embed/subprefecture/nemuro"),
])
def test_other_spellings_redirect(client, url: str, target: str) -> None:
    r = client.get(url)
    assert r.status_code == 308 and r.headers["Location"] == target


@pytest.mark.parametrize("url", ["/region/nowhere", "/subprefecture/東京", "/embed/region/x",
                                 "/region/x/projects.csv", "/maps/page/region/nowhere.js"])
def test_unknown_is_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_map_script_of_another_spelling_redirects_to_the_ids(client) -> None:
    # One script (and one memo entry) per area: the name is sent to the id's script.
    r = client.get("/maps/page/region/道央広域.js")
    assert r.status_code == 308
    assert r.headers["Location"].startswith("/maps/page/region/doo.js?v=")


@pytest.mark.parametrize(("kind", "key"), [("region", "tokachi"), ("subprefecture", "nemuro")])
def test_csv(client, kind: str, key: str) -> None:
    r = client.get(f"/{kind}/{key}/projects.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [x["project_id"] for x in rows] == [p["id"] for p in sorted(
        expected_projects(kind, key), key=lambda p: p["home"] != region_of(kind, key))]
    assert {x["own"] for x in rows} <= {"0", "1"}


def test_embed_and_print(client) -> None:
    page = client.get("/embed/region/okhotsk").get_data(as_text=True)
    assert "国土数値情報" in page and 'href="/region/okhotsk" target="_top"' in page
    for url in ("/print/region-okhotsk.png", "/print/subprefecture-hiyama.svg"):
        r = client.get(url)
        assert r.status_code == 200 and len(r.data) > 10_000, url
    assert client.get("/print/region-道央広域.png").status_code == 404  # one id per map


def test_region_and_subprefecture_names_link_to_their_pages(client) -> None:
    index = client.get("/").get_data(as_text=True)
    assert 'href="/api/regions/' not in index  # no more raw JSON for a region row
    for rid in REGION_IDS:
        assert f'href="/region/{rid}"' in index
    for sid in SUB_IDS:
        assert f'href="/subprefecture/{sid}"' in index
    town = client.get("/town/01400").get_data(as_text=True)
    assert 'href="/subprefecture/shiribeshi"' in town and 'href="/region/doo"' in town
    project = client.get("/project/higashi-hokkaido-tourism").get_data(as_text=True)
    assert 'href="/region/tokachi"' in project and 'href="/subprefecture/nemuro"' in project
    for url in ("/overlap", "/kpi/yotei-nishiiburi-1", "/kpi/family/観光入込客数"):
        assert 'href="/subprefecture/' in client.get(url).get_data(as_text=True), url
    search = get_json(client, "/api/search?q=後志")["results"]
    assert any(h["url"] == "/subprefecture/shiribeshi" for h in search)
    assert any(h["url"] == "/region/doo" for h in get_json(client, "/api/search?q=道央")["results"])


def test_site_urls_include_every_area(app, client) -> None:  # noqa: F811
    from geo.web.site import site_urls

    with app.test_request_context():
        urls = set(site_urls(app.extensions["hokkaido_map"]))
    for kind, key in AREAS:
        for url in (f"/{kind}/{key}", f"/{kind}/{key}/projects.csv", f"/embed/{kind}/{key}"):
            assert url in urls, url
