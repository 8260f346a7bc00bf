"""/data (issue 22): every dataset downloads and its CSV header is the dictionary; the ZIP holds
every dataset, README and licence, byte for byte the same on two builds; the JSON-LD parses;
every map page and embed (every kind of the registry) carries the licence line, whose データ link
answers exactly the areas the map colours or names; no Host header is ever echoed."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html import unescape
from urllib.parse import unquote

import pytest
from flask import url_for

from geo.render import data_catalogue as cat
from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

MIMETYPES = {"CSV": "text/csv", "JSON": "application/json", "GeoJSON": "application/geo+json"}


@pytest.fixture(scope="module")
def client(app):  # noqa: F811
    return app.test_client()


@pytest.fixture(scope="module")
def catalogue(client) -> dict:
    r = client.get("/api/data")
    assert r.status_code == 200
    return r.get_json()


def header_of(body: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_every_dataset_is_listed_with_licence_citation_and_date(catalogue) -> None:
    ids = [d["id"] for d in catalogue["datasets"]]
    assert ids == [d.id for d in cat.DATASETS]
    for wanted in ("municipalities", "subprefectures", "regions", "projects", "coverage", "kpis", "overlap",
                   "progress"):
        assert wanted in ids
    assert catalogue["licence"]["name"] == "政府標準利用規約（第2.0版）"
    assert "CC BY 4.0" in catalogue["licence"]["compatible"]
    assert catalogue["licence"]["boundaries_credit"].startswith("出典：「国土数値情報")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalogue["modified"])
    assert catalogue["edition"]["id"]  # every JSON names its edition
    for d in catalogue["datasets"]:
        assert d["citation"].startswith("北海道 地域政策マップ（")
    formats = {x["format"] for d in catalogue["datasets"] for x in d["distributions"]}
    assert formats == {"CSV", "JSON", "GeoJSON"}
    levels = {x["url"] for d in catalogue["datasets"] for x in d["distributions"] if x["format"] == "GeoJSON"}
    assert levels == {f"/api/geo/{lv}.geojson" for lv in ("municipalities", "subprefectures", "regions")}


def test_every_distribution_downloads_and_csv_header_is_the_dictionary(client, catalogue) -> None:
    for d in catalogue["datasets"]:
        for x in d["distributions"]:
            r = client.get(x["url"])
            assert r.status_code == 200, x["url"]
            assert r.mimetype == MIMETYPES[x["format"]] == x["media_type"], x["url"]
            assert len(r.data) > 100, x["url"]
            if x["format"] == "CSV":
                assert header_of(r.data) == [c["name"] for c in d["columns"]], x["url"]
                assert len(r.data.decode("utf-8-sig").splitlines()) > 1, f"{x['url']}: no rows"
            else:
                json.loads(r.data)


def test_every_column_has_a_meaning_and_type(catalogue) -> None:
    columns = {d["id"]: [cat.Column(**c) for c in d["columns"]] for d in catalogue["datasets"]}
    assert cat.undescribed(columns) == []
    for cols in columns.values():
        assert all(c.type in ("整数", "数値", "文字列") for c in cols)
    codes = {c.name: c.type for c in columns["municipalities"]}
    assert codes["code"] == "文字列"  # 01100: the leading zero is kept, not a number


def test_a_column_the_dictionary_does_not_describe_fails() -> None:
    body = cat.excel_csv(["code", "new_column"], [["01100", "x"]]).encode("utf-8")
    assert cat.undescribed({"municipalities": cat.dictionary("municipalities", body)}) == [
        "municipalities.new_column"]


def test_zip_holds_every_dataset_readme_and_licence_as_downloaded(client, catalogue) -> None:
    r = client.get(catalogue["zip"]["url"])
    assert r.status_code == 200 and r.mimetype == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.data))
    names = z.namelist()
    expected = {x["filename"] for d in catalogue["datasets"] for x in d["distributions"]}
    assert set(names) == expected | {"README.md", "LICENSE.md"}
    assert names == sorted(names)
    for d in catalogue["datasets"]:
        for x in d["distributions"]:
            assert z.read(x["filename"]) == client.get(x["url"]).data, x["filename"]
    readme = z.read("README.md").decode("utf-8")
    for d in catalogue["datasets"]:
        assert d["title"] in readme
        assert all(f"| {c['name']} |" in readme for c in d["columns"])
    licence = z.read("LICENSE.md").decode("utf-8")
    assert "政府標準利用規約（第2.0版）" in licence and "CC BY 4.0" in licence and "国土数値情報" in licence
    assert {i.date_time for i in z.infolist()} == {(*map(int, catalogue["modified"].split("-")), 0, 0, 0)}


def test_zip_is_byte_identical_on_two_builds(client, monkeypatch) -> None:
    from app import create_app
    from tests.conftest import boundaries_path

    first = client.get(f"/data/{cat.ZIP_NAME}").data
    other = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())}).test_client()
    assert other.get(f"/data/{cat.ZIP_NAME}").data == first
    monkeypatch.setattr(cat, "ZIP_MAX_BYTES", 10)
    with pytest.raises(cat.ZipTooLarge):  # bounded: refused, not built and kept
        cat.data_zip({"a.txt": bytes(range(256)) * 8}, None)


def jsonld_of(html: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "no JSON-LD on /data"
    return json.loads(m.group(1))


def test_jsonld_is_a_data_catalog_of_datasets(client, catalogue) -> None:
    r = client.get("/data")
    assert r.status_code == 200
    doc = jsonld_of(r.data.decode())
    assert doc["@context"]["@vocab"] == "https://schema.org/"
    assert "DataCatalog" in doc["@type"]
    assert doc["name"] and doc["publisher"]["name"] and doc["license"] and doc["dct:license"]
    assert len(doc["dataset"]) == len(catalogue["datasets"])
    for ds in doc["dataset"]:
        assert "Dataset" in ds["@type"]
        for key in ("name", "description", "license", "dct:license", "publisher", "dct:publisher",
                    "distribution", "dcat:distribution", "dateModified", "dct:modified", "creditText"):
            assert ds.get(key), (ds["name"], key)
        for dl in ds["distribution"]:
            assert dl["@type"] == "DataDownload" and dl["encodingFormat"] and dl["contentUrl"].startswith("/")
        for dist in ds["dcat:distribution"]:
            assert dist["dcat:mediaType"] and dist["dcat:downloadURL"]["@id"]
    # A data block, not a script: no hash in the policy, nothing refused at start.
    assert "ld+json" not in r.headers["Content-Security-Policy"]


def test_absolute_urls_only_from_public_url_never_host() -> None:
    from app import create_app
    from tests.conftest import boundaries_path

    public = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()),
                         "PUBLIC_URL": "https://maps.example.jp/hokkaido"})
    c = public.test_client()
    for url in ("/data", "/api/data", "/town/01400", "/embed/town/01400"):
        body = c.get(url, headers={"Host": "evil.example"}).data.decode()
        assert "evil.example" not in body, url
    doc = jsonld_of(c.get("/data").data.decode())
    urls = [dl["contentUrl"] for ds in doc["dataset"] for dl in ds["distribution"]]
    assert all(u.startswith("https://maps.example.jp/hokkaido/") for u in urls)
    page = c.get("/town/01400").data.decode()
    assert "https://maps.example.jp/hokkaido/town/01400" in unescape(page)


def test_no_host_reflection_without_public_url(client) -> None:
    for url in ("/data", "/api/data", "/", "/embed/", f"/data/{cat.ZIP_NAME}", "/data/maps/town/01400.csv"):
        assert b"evil.example" not in client.get(url, headers={"Host": "evil.example"}).data, url


# --- under every map ---------------------------------------------------------------------------

LINE = re.compile(r'<p class="licence" id="[^"]+">(.*?)</p>', re.S)


def map_urls(app) -> list[tuple[str, str, str, str]]:  # noqa: F811
    """(kind, subject, page URL, embed URL) of the first and last subject of every kind."""
    from geo.web.state import state

    out = []
    with app.test_request_context():
        s = state()
        for kind in s.kinds:
            subjects = list(kind.subjects(s))
            for subject in dict.fromkeys([subjects[0], subjects[-1]]):
                out.append((kind.name, subject, kind.page.url(url_for, subject),
                            kind.embed.url(url_for, subject)))
    return out


def licence_line(html: str) -> tuple[str, dict[str, str]]:
    lines = LINE.findall(html)
    assert len(lines) == 1, f"{len(lines)} licence lines"
    line = lines[0]
    links = {unescape(re.sub(r"<[^>]+>", "", text)): unescape(href)
             for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', line)}
    return line, links


def check_line(line: str, links: dict[str, str]) -> None:
    assert "政府標準利用規約（第2.0版）" in line and "CC BY 4.0" in line
    assert links["データ（CSV）"].endswith(".csv") and links["GeoJSON"].endswith(".geojson")
    assert links["政府標準利用規約（第2.0版）"].endswith("/data#licence")
    cite = re.search(r'<input class="cite" readonly value="([^"]+)"', line)
    assert cite and unescape(cite.group(1)).startswith("北海道 地域政策マップ（")


def script_areas(script: str) -> set[tuple[str, str]]:
    """(level, id) of every area the map script colours or names in the layers it shows
    (an independent reading of the wire format of geo/render/maps.py)."""
    shown = set(re.findall(r"^\s*(\w+)\.addTo\(", script, re.M))
    out = set()
    for m in re.finditer(r"HokkaidoMap\.topoLayer\(\w+, (\w+), ", script):
        if m.group(1) not in shown:
            continue
        options, _ = json.JSONDecoder().raw_decode(script, m.end())
        for fid, f in options["feats"].items():
            if f.get("t") or f.get("c") or options.get("merge"):
                out.add((options["object"], fid))
    return out


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def coloured(rows: list[dict[str, str]], level: str) -> set[str]:
    return {r["area_id"] for r in rows if r["level"] == level and r["role"] == "塗り分け"}


def check_twin(kind: str, twin: dict, rows: list[dict[str, str]]) -> None:
    """The rows against the page's JSON twin, where the twin lists the map's areas."""
    ids = {(r["level"], r["area_id"]) for r in rows}
    if kind == "overlap":
        assert coloured(rows, "subprefectures") == set(twin["subprefectures"])
    elif kind == "progress":
        (level,) = {r["level"] for r in rows}
        assert {r["area_id"] for r in rows} == set(twin["areas"][level])
    elif kind in ("project", "kpi"):
        assert set(twin["subprefectures"]) <= {a for lv, a in ids if lv == "subprefectures"}
    elif kind == "family":
        reached = {s for k in twin["kpis"] for s in k["subprefectures"]}
        assert reached <= coloured(rows, "subprefectures")
    elif kind == "town":
        assert ("municipalities", twin["code"]) in ids
    elif kind == "subprefecture":
        codes = {m if isinstance(m, str) else m["code"] for m in twin["municipalities"]}
        assert codes == {a for lv, a in ids if lv == "municipalities"}
    elif kind == "region":
        assert twin["area"]["id"] and {a for lv, a in ids if lv == "municipalities"}
    elif kind == "kpi-progress":
        assert set(twin["kpi"]["subprefectures"] if isinstance(twin["kpi"], dict) else ()) <= \
            {a for lv, a in ids if lv == "subprefectures"}
    else:  # overview: its twin has the counts' classes, not the areas; the script check covers it
        assert kind == "overview" and ids


def test_every_map_page_and_embed_has_the_licence_line_and_its_own_data(app, client) -> None:  # noqa: F811
    seen = set()
    for kind, subject, page, embed in map_urls(app):
        found = []
        for url in (page, embed):
            r = client.get(url)
            assert r.status_code == 200, url
            line, links = licence_line(r.data.decode())
            check_line(line, links)
            found.append(links["データ（CSV）"])
        # The page and its embed: one map, one data (/ serves every overview, drawn first as the default).
        assert found[0] == found[1] or (kind == "overview" and found[0] == "/data/maps/overview/hokkaido.csv")
        data_url = found[1]
        r = client.get(data_url)
        assert r.status_code == 200 and r.mimetype == "text/csv", data_url
        rows = csv_rows(r.data)
        assert rows, f"{data_url}: no rows"
        assert list(rows[0])[2:] == list(cat_map_columns()), data_url
        script_url = re.search(r'<script src="(/maps/embed/[^"]+)"', client.get(embed).data.decode()).group(1)
        script = client.get(script_url).data.decode()
        assert {(r["level"], r["area_id"]) for r in rows} == script_areas(script), data_url
        with app.test_request_context():
            from geo.web.state import state

            twin_url = state().kinds[kind].api.url(url_for, subject)
        check_twin(kind, client.get(twin_url).get_json(), rows)
        geo = client.get(links["GeoJSON"])
        assert geo.status_code == 200 and geo.mimetype == "application/geo+json"
        features = json.loads(geo.data)["features"]
        assert [(f["properties"]["level"], f["properties"]["area_id"]) for f in features] == \
            [(r["level"], r["area_id"]) for r in rows]
        assert all(f["geometry"] and f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features
                   if f["properties"]["level"] == "subprefectures")
        seen.add(kind)
    with app.test_request_context():
        from geo.web.state import state

        assert seen == set(state().kinds.names())


def cat_map_columns() -> tuple[str, ...]:
    from geo.render.map_data import MAP_COLUMNS

    return MAP_COLUMNS


def test_map_data_spellings_redirect_and_unknowns_are_404(client) -> None:
    r = client.get("/data/maps/town/014001.csv")
    assert r.status_code == 308 and r.headers["Location"] == "/data/maps/town/01400.csv"
    assert client.get("/data/maps/town/99999.csv").status_code == 404
    assert client.get("/data/maps/nosuchkind/x.geojson").status_code == 404
    assert client.get("/data/nosuch.csv").status_code == 404


def test_footer_links_data_and_export_lists_every_data_url(app, client) -> None:  # noqa: F811
    assert 'href="/data"' in client.get("/kpi").data.decode()
    from geo.web.site import site_urls
    from geo.web.state import state

    with app.test_request_context():
        urls = {unquote(u) for u in site_urls(state())}
        from geo.web.data import data_urls

        wanted = {unquote(u) for u in data_urls(state())}
    assert {"/data", "/api/data", f"/data/{cat.ZIP_NAME}", "/data/maps/overview/hokkaido.geojson"} <= wanted
    assert wanted <= urls
