"""HTML pages, embeds and map scripts: content, errors, offline assets, escaping, site_urls."""

from __future__ import annotations

import json
import re

import pytest

from geo.atlas.sources import CREDIT
from geo.render.maps import _js
from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

MAP_PAGES = ["/", "/town/01400", "/project/yotei-nishiiburi", "/kpi/yotei-nishiiburi-1",
             "/kpi/family/観光入込客数", "/overlap"]


def html(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    assert r.mimetype == "text/html"
    return r.data.decode("utf-8")


@pytest.mark.parametrize("url", MAP_PAGES)
def test_map_pages_are_offline_and_credited(client, url: str) -> None:
    page = html(client, url)
    assert CREDIT in page
    assert 'lang="ja"' in page
    # Nothing from another origin: every src/href is relative to the app.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not re.match(r"(?i)(https?:)?//", ref), ref
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert any("/maps/page/" in s for s in scripts)
    for s in scripts:
        r = client.get(s)
        assert r.status_code == 200, s
        assert "cdn" not in r.data.decode("utf-8", "replace").lower() or "leaflet" in s
    assert "<script>" not in page  # no inline scripts (CSP without 'unsafe-inline')
    assert 'class="sr-only">' in page  # the one-sentence summary for screen readers
    assert "<table" in page  # the text alternative


def test_map_script_has_no_cdn(client) -> None:
    page = html(client, "/kpi/yotei-nishiiburi-1")
    src = re.search(r'<script src="(/maps/page/[^"]+)"', page).group(1)
    script = client.get(src).data.decode()
    assert "HokkaidoMap.topoLayer" in script and "http" not in script
    assert client.get(src).headers["Cache-Control"].endswith("immutable")


@pytest.mark.parametrize("url", ["/", "/embed/", "/overlap", "/embed/progress", "/town/01400",
                                 "/kpi/yotei-nishiiburi-1"])
def test_topology_comes_as_a_script_before_the_map_script(client, url: str) -> None:
    """Benchmark e: the shared topology is a script that registers the JSON API's body under the
    URL the map scripts name; it runs between the bundle and the map's own script.
    On map-first pages the three are parser-blocking and come right after the map's box (and its
    live region), before its caption and everything after the map: the map is drawn before that
    is parsed. On text-first pages they are deferred, at the end: the text never waits for them."""
    page = html(client, url)
    early = url in ("/", "/overlap") or url.startswith("/embed/")
    figure = re.search(r'<div id="([^"]+)" class="map"[^>]*></div>\s*<p id="\1-live"[^>]*></p>\s*'
                       r'((?:<script src="[^"]+"></script>\s*){3})<figcaption id="\1-caption"', page)
    assert bool(figure) == early, "map-first pages run the map's scripts between its box and caption"
    if early:
        scripts = re.findall(r'<script src="([^"]+)"></script>', figure.group(2))
        # An embed's frame.js (its height to a host that asks, issue 22) is deferred, off the map's path.
        others = re.sub(r'<script src="[^"]*/frame\.js\?v=[0-9a-f]+" defer></script>', "", page)
        assert len(re.findall(r"<script\b", others)) == 3 and " defer" not in others
    else:
        scripts = re.findall(r'<script src="([^"]+)" defer></script>', page[page.index("</footer>"):])
        assert len(scripts) == 3 and len(re.findall(r"<script\b", page)) == 3
    assert [s.split("?")[0].rsplit("/", 1)[-1] for s in scripts[:2]] == ["map.js", "topology.js"]
    assert "/maps/" in scripts[2] and scripts[2].endswith(scripts[1].split("?")[1])  # same ?v=
    assert "topology.json" not in page  # the topology is no longer fetched (nor preloaded)
    r = client.get(scripts[1])
    assert r.status_code == 200 and r.mimetype == "application/javascript"
    assert r.headers["Cache-Control"].endswith("immutable")
    body = r.data.decode("utf-8")
    key, topo = re.fullmatch(
        r"\(window\.HokkaidoMapTopologies=window\.HokkaidoMapTopologies\|\|\{\}\)\[(\"[^\"]+\")\]=(.*);\n",
        body, re.S).groups()
    json_url = json.loads(key)
    assert json.loads(topo) == client.get(json_url).get_json()
    map_script = client.get(scripts[2]).data.decode("utf-8")
    assert f'"topology":{key}' in map_script.replace(" ", "")


def test_index(client) -> None:
    page = html(client, "/")
    assert "市町村（179）" in page and "振興局（14）" in page and "連携地域（6）" in page
    assert "現在地" in page and 'role="combobox"' in page
    assert "連携地域をまたぐプロジェクト" in page


def test_town_page(client) -> None:
    moved = client.get("/town/014001")  # the 6-digit code: one URL per page (issue 13)
    assert moved.status_code == 308 and moved.headers["Location"] == "/town/01400"
    page = html(client, "/town/01400")
    assert "虻田郡倶知安町" in page and "後志総合振興局" in page and "道央広域連携地域" in page
    assert "ようてい・西いぶり広域連携プロジェクト" in page
    assert "2,240万人（H26）→ 2,789万人（R1）" in page
    assert "計画書が名前を挙げていないプロジェクトが <strong>12件</strong>" in page
    assert "/api/municipalities/01400" in page  # JSON twin


def test_sapporo_ward_town_page(client) -> None:
    page = html(client, "/town/01106")
    assert "札幌市南区" in page


def test_town_errors(client) -> None:
    # In Japanese, with what to do: the right check digit, the towns of the nearest codes.
    wrong = html(client, "/town/014002", 400)
    assert "検査数字" in wrong and "014001" in wrong
    missing = html(client, "/town/01999", 404)
    assert "市町村コード 01999 の市町村は、北海道にありません" in missing
    assert 'href="/town/01694"' in missing  # 羅臼町: the highest code of the 179
    assert client.get("/api/municipalities/014002").get_json()["error"].startswith("code")


def test_project_page(client) -> None:
    page = html(client, "/project/yotei-nishiiburi")
    assert "広域連携による新たな観光地づくり" in page and "観光入込客数" in page
    html(client, "/project/nope", 404)


def test_kpi_pages(client) -> None:
    page = html(client, "/kpi")
    assert "観光入込客数" in page and "/kpi/family/" in page
    page = html(client, "/kpi/yotei-nishiiburi-1")
    assert "計画上の変化率" in page and "+24.5%" in page
    html(client, "/kpi/nope-9", 404)
    html(client, "/kpi/family/nope", 404)


def test_overlap_page_and_csv(client) -> None:
    page = html(client, "/overlap")
    assert 'class="heat"' in page and "coverage.csv" in page
    r = client.get("/overlap/coverage.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    lines = r.data.decode("utf-8-sig").splitlines()
    # Every row leads with the edition and its period (tests/test_edition_outputs.py).
    assert lines[0].startswith("方針,対象期間,project_id,project_name")
    edition = "連携地域別政策展開方針（平成28年度〜）,平成28年度〜概ね令和2年度,"
    assert any(line.startswith(f"{edition}yotei-nishiiburi,") and ",01400," in line for line in lines)


@pytest.mark.parametrize("url", ["/embed/", "/embed/town/01400", "/embed/project/yotei-nishiiburi",
                                 "/embed/kpi/yotei-nishiiburi-1", "/embed/overlap"])
def test_embeds(client, url: str) -> None:
    page = html(client, url)
    assert CREDIT in page and "/maps/embed/" in page
    assert "<nav" not in page  # map, legend, credit, link back; nothing else
    assert re.search(r'href="/(town|project|kpi|overlap)?[^"]*" target="_top"', page)


def test_embed_errors(client) -> None:
    html(client, "/embed/town/01999", 404)
    html(client, "/embed/town/014002", 400)
    html(client, "/embed/project/nope", 404)


def test_unknown_page_is_html_404(client) -> None:
    html(client, "/nope", 404)
    assert client.get("/maps/page/town/01999.js").status_code == 404


def test_js_data_cannot_close_script() -> None:
    assert "<" not in _js(["</script><script>alert(1)</script>", "a&b"])


def test_site_urls_all_resolve(app, client) -> None:  # noqa: F811
    from geo.web.site import site_urls

    with app.test_request_context():
        urls = site_urls(app.extensions["hokkaido_map"])
    assert len(urls) == len(set(urls))
    assert "/town/01400" in urls and "/embed/overlap" in urls and "/api/geo/regions.geojson" in urls
    assert sum(u.startswith("/town/") for u in urls) == 179
    for url in urls:
        assert client.get(url).status_code == 200, url


# --- sharing: embed snippet, print links, the overview embed by level and measure --------

SHARE = {  # page → (its embed, its printable map)
    "/": ("/embed/", "overview-municipalities"),
    "/town/01400": ("/embed/town/01400", "town-01400"),
    "/project/yotei-nishiiburi": ("/embed/project/yotei-nishiiburi", "project-yotei-nishiiburi"),
    "/kpi/yotei-nishiiburi-1": ("/embed/kpi/yotei-nishiiburi-1", "kpi-yotei-nishiiburi-1"),
    "/overlap": ("/embed/overlap", "overlap"),
}


@pytest.mark.parametrize("url", list(SHARE))
def test_full_pages_offer_an_iframe_snippet_and_print_links(client, url: str) -> None:
    import html as htmllib

    embed, print_id = SHARE[url]
    page = html(client, url)
    box = re.search(r'<textarea class="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert box, url
    snippet = htmllib.unescape(box.group(1))
    # Relative: the server never writes the request's Host (issue 13); the page script makes it
    # absolute from the address bar, PUBLIC_URL from the operator's setting.
    pattern = (r'<iframe src="' + re.escape(embed) + r'" title="[^"<>]+" [^<>]*></iframe>'
               r'\n<script src="/embed\.js" async></script>')  # the self-sizing script (issue 22)
    assert re.fullmatch(pattern, snippet), snippet
    assert client.get(embed).status_code == 200
    assert f'href="/print/{print_id}.png"' in page and f'href="/print/{print_id}.svg"' in page


def test_snippet_uses_public_url_when_set(app) -> None:  # noqa: F811
    app.config["PUBLIC_URL"] = "https://www.example.lg.jp/map/"
    try:
        page = app.test_client().get("/project/geopark").data.decode()
    finally:
        app.config["PUBLIC_URL"] = None
    assert "src=&#34;https://www.example.lg.jp/map/embed/project/geopark&#34;" in page


def test_overview_embed_by_level_and_measure(client) -> None:
    page = html(client, "/embed/?level=subprefectures&measure=cross")
    assert "連携地域をまたぐプロジェクト" in page and "振興局" in page
    assert CREDIT in page
    script = re.search(r'<script src="(/maps/embed/overview/[^"]+)"', page).group(1)
    assert client.get(script).status_code == 200
    page = html(client, "/embed/?level=regions&measure=region:tokachi")
    assert "十勝のプロジェクト" in page


@pytest.mark.parametrize(("query", "param"), [
    ("level=towns", "level"), ("measure=region:atlantis", "measure"), ("level=%3Cscript%3E", "level"),
])
def test_overview_embed_rejects_unknown_level_or_measure(client, query: str, param: str) -> None:
    page = html(client, f"/embed/?{query}", status=400)
    assert f"{param}（" in page  # level（表示の単位）… named in the Japanese sentence
    assert "<script>" not in page
