"""HTML error pages speak Japanese and offer the next step; the JSON API keeps its contract.

Issue 21: `見つかりません（404）` over `no municipality of Hokkaido has code 99999` was the first
visit's error page. Now every HTML error page says in Japanese what went wrong, has a search box
prefilled with what the address asked for, and lists the nearest matches.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

# Words of the English API messages that must never reach an HTML page.
ENGLISH = re.compile(r"\b(no (project|KPI|municipality|subprefecture|region)|not found|has code|"
                     r"a fiscal year|one of|must be)\b")


def page(client, url: str, status: int) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    assert r.mimetype == "text/html", url
    return r.data.decode("utf-8")


def main_text(html: str) -> str:
    """The visible text of <main>, tags removed."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", body))


def nearest(html: str) -> list[tuple[str, str]]:
    """(href, label) of the 「お探しのページはこれですか」 list."""
    if 'class="nearest"' not in html:
        return []
    block = html.split('class="nearest"', 1)[1].split("</ul>", 1)[0]
    return [(unescape(h), unescape(t)) for h, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)]


def search_box(html: str) -> str:
    """The value the error page's search box is prefilled with."""
    form = html.split('class="error-search"', 1)[1].split("</form>", 1)[0]
    assert 'name="q"' in form and 'action="/"' in form and 'method="get"' in form
    return unescape(re.search(r'id="error-q"[^>]*value="([^"]*)"', form).group(1))


@pytest.mark.parametrize("url, status", [
    ("/town/99999", 404), ("/town/014002", 400), ("/town/abc", 400), ("/project/nope", 404),
    ("/kpi/nope-9", 404), ("/kpi/family/nope", 404), ("/subprefecture/nope", 404),
    ("/region/nope", 404), ("/progress?year=R99", 400), ("/progress?level=nope", 400),
    ("/embed/?level=nope", 400), ("/no/such/page", 404), ("/editions/r9/", 404),
])
def test_html_errors_are_in_japanese_with_a_search_box(client, url: str, status: int) -> None:
    html = page(client, url, status)
    text = main_text(html)
    assert f"（{status}）" in html.split("</h1>", 1)[0]
    assert not ENGLISH.search(text), (url, ENGLISH.search(text).group())
    # A sentence, in Japanese, ending like one.
    sentence = re.search(r'<p class="error-sentence">([^<]+)</p>', html)
    assert sentence and sentence.group(1).rstrip().endswith("。"), (url, sentence)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", sentence.group(1))
    search_box(html)  # the next step is always there
    assert 'href="/"' in html and 'href="/kpi"' in html


def test_wrong_check_digit_names_the_right_code(client) -> None:
    html = page(client, "/town/014002", 400)
    text = main_text(html)
    assert "検査数字" in text and "014001" in text  # 01400 倶知安町 with its check digit


def test_unknown_code_lists_the_towns_of_the_nearest_codes(client) -> None:
    html = page(client, "/town/99999", 404)
    assert "市町村コード 99999 の市町村は、北海道にありません。" in main_text(html)
    # The highest codes of the 179 are the nearest to 99999; read them from the atlas.
    atlas = client.application.extensions["hokkaido_map"].atlas
    codes = sorted(m.code for m in atlas.municipalities)
    links = [href for href, _ in nearest(html)]
    assert links == [f"/town/{c}" for c in reversed(codes[-3:])]
    assert search_box(html) == "99999"


def test_mistyped_project_id_suggests_the_project(client) -> None:
    html = page(client, "/project/yotei-nishiibur", 404)
    assert "「yotei-nishiibur」という ID のプロジェクトは、この版の計画にありません。" in main_text(html)
    assert "/project/yotei-nishiiburi" in [h for h, _ in nearest(html)]
    for href, _ in nearest(html):  # every suggestion opens
        assert client.get(href).status_code == 200, href


def test_a_name_in_the_address_is_searched(client) -> None:
    """/subprefecture/後志 is no id; the search finds 後志 and its towns."""
    html = page(client, "/subprefecture/後志x", 404)
    assert search_box(html) == "後志x"
    page(client, "/town/倶知安", 400)
    html = page(client, "/no/倶知安町", 404)
    hits = nearest(html)
    assert hits and hits[0][0] == "/town/01400", hits
    assert search_box(html) == "倶知安町"


def test_a_bad_parameter_offers_the_page_without_it(client) -> None:
    html = page(client, "/progress?year=R99", 400)
    assert '<a href="/progress">指定を外してこのページを開く</a>' in html
    assert "R99" in main_text(html)
    assert client.get("/progress").status_code == 200


def test_a_hostile_address_is_escaped_and_bounded(client) -> None:
    hostile = "<script>alert(1)</script>" + "x" * 5000
    r = client.get("/no/" + hostile)
    assert r.status_code in (404, 414)
    html = r.data.decode()
    assert "<script>alert(1)" not in html
    if r.status_code == 404:
        # The last segment of the path ("script>xxx…"), escaped, cut to the search's limit.
        assert search_box(html) == ("script>" + "x" * 5000)[:100]
        assert 'value="script&gt;xxx' in html
    # A quote cannot leave the value attribute.
    html = page(client, '/no/a"onfocus="alert(1)', 404)
    assert 'onfocus="alert' not in html


def test_the_json_api_keeps_its_contract(client) -> None:
    for url, status in [("/api/municipalities/99999", 404), ("/api/municipalities/014002", 400),
                        ("/api/projects/nope", 404), ("/api/nope", 404),
                        ("/editions/r9/api/overview", 404)]:
        r = client.get(url)
        assert r.status_code == status, url
        assert r.mimetype == "application/json", url
        body = r.get_json()
        assert set(body) >= {"error"} and isinstance(body["error"], str) and body["error"], url
        assert not re.search(r"[\u3040-\u30ff]", body["error"]), (url, body)  # English, for code

