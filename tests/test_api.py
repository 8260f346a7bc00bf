"""The JSON API against the real boundaries and plan: every route, its errors, never a 500."""

from __future__ import annotations

import json

import pytest

from geo.atlas.codes import with_check_digit
from tests.web_fixtures import app  # noqa: F401  (module-scoped app)


def get(client, url: str, status: int = 200) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:300])
    assert r.is_json, url
    return r.get_json()


def test_regions(client) -> None:
    data = get(client, "/api/regions")
    assert len(data["regions"]) == 6
    doo = next(r for r in data["regions"] if r["id"] == "doo")
    assert doo["core_city"]["name"] == "札幌市"
    assert doo["projects_stated"] == 20 and doo["projects_unnamed"] == 20 - doo["projects_named"]
    one = get(client, "/api/regions/doo")
    assert any(p["name"] == "ようてい・西いぶり広域連携プロジェクト" for p in one["projects"])
    assert "error" in get(client, "/api/regions/nowhere", 404)


def test_subprefectures(client) -> None:
    data = get(client, "/api/subprefectures")
    assert len(data["subprefectures"]) == 14
    assert sum(len(s["municipalities"]) for s in data["subprefectures"]) == 179
    shiribeshi = get(client, "/api/subprefectures/後志")
    assert shiribeshi["name"] == "後志総合振興局" and shiribeshi["projects"]
    assert "subprefecture" in get(client, "/api/subprefectures/東京", 404)["error"]


def test_municipalities_list(client) -> None:
    data = get(client, "/api/municipalities")
    assert data["count"] == 179 == len(data["municipalities"])
    assert all(m["projects_count"] >= 0 for m in data["municipalities"])


@pytest.mark.parametrize("code", ["01400", "014001"])
def test_municipality_by_5_and_6_digit_code(client, code: str) -> None:
    if code != "01400":  # other spellings: one 308 to the canonical URL (issue 13)
        moved = client.get(f"/api/municipalities/{code}")
        assert moved.status_code == 308 and moved.headers["Location"] == "/api/municipalities/01400"
    data = get(client, "/api/municipalities/01400")
    assert data["name"] == "倶知安町" and data["code"] == "01400" and data["code6"] == "014001"
    assert data["subprefecture"] == "後志" and data["region"] == "doo"
    names = [p["name"] for p in data["projects"]]
    assert "ようてい・西いぶり広域連携プロジェクト" in names
    project = data["projects"][0]
    assert {"measures", "kpis", "subprefectures", "municipalities", "cross_region"} <= set(project)
    assert project["kpis"][0]["target"]["label"]
    assert data["region_projects_unnamed"] == 12


def test_sapporo_ward_code_gives_sapporo(client) -> None:
    data = get(client, "/api/municipalities/01106")  # 南区
    assert data["code"] == "01100" and data["ward"]["name"] == "南区"


def test_wrong_check_digit_is_400(client) -> None:
    good = with_check_digit("01400")
    bad = good[:5] + str((int(good[5]) + 1) % 10)
    data = get(client, f"/api/municipalities/{bad}", 400)
    assert "code" in data["error"] and "check digit" in data["error"]
    assert "code" in get(client, "/api/municipalities/12", 400)["error"]
    assert "code" in get(client, "/api/municipalities/abcde", 400)["error"]


def test_unknown_code_is_404(client) -> None:
    assert "code" in get(client, "/api/municipalities/01999", 404)["error"]
    assert "code" in get(client, "/api/municipalities/13101", 404)["error"]  # Tokyo


def test_projects(client) -> None:
    data = get(client, "/api/projects")
    assert data["projects_named"] == len(data["projects"]) == 34
    assert data["total_projects_stated"] == 51
    one = get(client, "/api/projects/yotei-nishiiburi")
    assert one["name"] == "ようてい・西いぶり広域連携プロジェクト"
    assert one["subprefectures"] == ["後志", "胆振", "石狩"] and "01400" in one["municipalities"]
    assert one["kpi_ids"] == [f"yotei-nishiiburi-{i + 1}" for i in range(len(one["kpis"]))]
    assert "id" in get(client, "/api/projects/nope", 404)["error"]


def test_kpis_and_families(client) -> None:
    data = get(client, "/api/kpis")
    assert len(data["kpis"]) >= 34
    classes = data["classes"]
    assert len(classes["breaks"]) == len(classes["colors"]) == len(classes["labels"])
    assert "観光入込客数" in data["families"]
    kid = data["families"]["観光入込客数"][0]
    one = get(client, f"/api/kpis/{kid}")
    assert one["indicator"] == "観光入込客数" and one["family"] == "観光入込客数"
    assert one["class_color"].startswith("#")
    fam = get(client, "/api/kpis/families/観光入込客数")
    assert len(fam["kpis"]) >= 2
    assert "id" in get(client, "/api/kpis/nope-1", 404)["error"]
    assert "family" in get(client, "/api/kpis/families/nope", 404)["error"]


@pytest.mark.parametrize(("q", "kind", "label"), [
    ("倶知安", "municipality", "倶知安町"),
    ("倶知安町", "municipality", "倶知安町"),
    ("ニセコ", "municipality", "ニセコ町"),
    ("南区", "municipality", "札幌市南区"),
    ("札幌市南区", "municipality", "札幌市南区"),
    ("01400", "municipality", "倶知安町"),  # labelled alike whatever matched
    ("014001", "municipality", "倶知安町"),
    ("０１４００", "municipality", "倶知安町"),
    ("ようてい", "project", "ようてい・西いぶり広域連携プロジェクト"),
])
def test_search(client, q: str, kind: str, label: str) -> None:
    results = get(client, f"/api/search?q={q}")["results"]
    assert results, q
    assert (results[0]["kind"], results[0]["label"]) == (kind, label)
    assert results[0]["url"].startswith("/")


def test_search_errors(client) -> None:
    assert "q" in get(client, "/api/search", 400)["error"]
    assert "q" in get(client, "/api/search?q=%20", 400)["error"]
    assert "q" in get(client, "/api/search?q=014002", 400)["error"]  # wrong check digit
    assert get(client, "/api/search?q=存在しない町")["results"] == []


def test_locate_kutchan(client) -> None:
    data = get(client, "/api/locate?lat=42.90&lon=140.76")
    assert data["name"] == "倶知安町" and data["url"] == "/town/01400"


def test_locate_sapporo_ward(client) -> None:
    data = get(client, "/api/locate?lat=43.0621&lon=141.3544")
    assert data["code"] == "01100" and data["ward"]["name"] == "中央区"


@pytest.mark.parametrize("query", ["lat=42.0&lon=142.0", "lat=35.68&lon=139.76"])
def test_locate_outside_hokkaido_is_404(client, query: str) -> None:
    assert "lat" in get(client, f"/api/locate?{query}", 404)["error"]


@pytest.mark.parametrize(("query", "param"), [
    ("lat=abc&lon=140.76", "lat"), ("lat=42.9&lon=x", "lon"), ("lat=nan&lon=140.76", "lat"),
    ("lat=42.9&lon=inf", "lon"), ("lat=95&lon=140", "lat"), ("lat=42.9&lon=-181", "lon"),
    ("lon=140.76", "lat"), ("lat=42.9", "lon"), ("", "lat"),
])
def test_locate_bad_input_is_400(client, query: str, param: str) -> None:
    assert get(client, f"/api/locate?{query}", 400)["error"].startswith(param)


def test_overview(client) -> None:
    data = get(client, "/api/overview")
    levels = data["measures"]["all"]["levels"]
    assert len(levels["municipalities"]["values"]) == 179
    assert len(levels["subprefectures"]["values"]) == 14 and len(levels["regions"]["values"]) == 6
    assert levels["municipalities"]["values"]["01400"] == levels["subprefectures"]["values"]["後志"] >= 1
    assert {"all", "cross", "region:doo"} <= set(data["measures"])


def test_overlap(client) -> None:
    data = get(client, "/api/overlap")
    assert len(data["matrix"]) == 14 and all(len(row) == 14 for row in data["matrix"])
    assert all(data["matrix"][i][j] == data["matrix"][j][i] for i in range(14) for j in range(14))
    assert data["cross_region_projects"]
    assert all(len(p["regions"]) > 1 for p in data["cross_region_projects"])


@pytest.mark.parametrize(("level", "n"), [("municipalities", 185), ("subprefectures", 14), ("regions", 6)])
def test_geojson_levels(client, level: str, n: int) -> None:
    r = client.get(f"/api/geo/{level}.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    text = r.data.decode("utf-8")
    assert "\\u" not in text  # ensure_ascii off: Japanese as UTF-8
    doc = json.loads(text)
    assert len(doc["features"]) == n

    def coords(c):  # type: ignore[no-untyped-def]
        return [x for part in c for x in coords(part)] if isinstance(c[0], list) else c

    for feat in doc["features"][:20]:
        for x in coords(feat["geometry"]["coordinates"]):
            assert round(x, 5) == x
    assert "level" in get(client, "/api/geo/towns.geojson", 404)["error"]


def test_topology(client, app) -> None:  # noqa: F811
    r = client.get("/api/geo/topology.json?v=" + app.extensions["hokkaido_map"].version)
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
    topo = json.loads(r.data)
    assert topo["type"] == "Topology" and "transform" in topo
    objects = topo["objects"]
    sizes = [len(objects[k]["geometries"]) for k in ("municipalities", "subprefectures", "regions")]
    assert sizes == [185, 14, 6]
    assert len(r.data) < 200_000


@pytest.mark.parametrize("url", ["/api/nope", "/api/municipalities/01400/extra", "/api/geo"])
def test_unknown_api_routes_are_json_404(client, url: str) -> None:
    assert "error" in get(client, url, 404)


def test_post_to_api_is_json(client) -> None:
    r = client.post("/api/projects")
    assert r.status_code in (404, 405) and r.is_json
