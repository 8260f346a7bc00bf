"""Each page's JSON twin is the page's own data: the ``data`` a page was rendered with (captured
from Flask's ``template_rendered`` signal) equals the JSON its ``<link rel="alternate"
type="application/json">`` answers, for every page kind, plus the edition the page names."""

from __future__ import annotations

import json
import re

import pytest
from flask import template_rendered
from web_fixtures import app  # noqa: F401

PAGES = [
    "/", "/town/01400", "/town/01101", "/town/01695", "/project/yotei-nishiiburi", "/kpi",
    "/kpi/yotei-nishiiburi-1", "/kpi/family/観光入込客数", "/overlap", "/region/doo",
    "/subprefecture/shiribeshi", "/progress", "/progress?level=regions&year=2019&sort=grade&order=desc",
    "/progress?region=doo&sub=後志", "/progress/kpi/yotei-nishiiburi-1",
]
ALTERNATE = re.compile(r'<link rel="alternate" type="application/json" href="([^"]+)">')


def rendered_data(flask_app, url: str) -> tuple[dict, str]:
    """(the ``data`` the page's template got, the page's HTML)."""
    seen: list[dict] = []

    def record(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        seen.append(context)

    client = flask_app.test_client()
    with template_rendered.connected_to(record, flask_app):
        response = client.get(url)
    assert response.status_code == 200, url
    (context,) = seen
    return context["data"], response.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_json_twin_is_the_pages_data(app, url: str) -> None:  # noqa: F811
    data, page = rendered_data(app, url)
    (twin,) = ALTERNATE.findall(page)
    answer = app.test_client().get(twin.replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.mimetype == "application/json", twin
    body = answer.get_json()
    # Every JSON answer adds the edition the page names in its notice (geo.web.editions).
    edition = body.pop("edition")
    assert edition["title"] in page and edition["period"]["label"] in page, (url, edition)
    assert body == json.loads(json.dumps(data, ensure_ascii=False)), (url, twin)


def test_every_page_kind_is_covered(app) -> None:  # noqa: F811
    from flask import url_for

    from geo.web.maps import map_kinds

    state = app.extensions["hokkaido_map"]
    with app.test_request_context("/"):
        pages = {k.name: k.page.url(url_for, next(iter(k.subjects(state)))).split("?")[0]
                 for k in map_kinds(app)}
    listed = {u.split("?")[0] for u in PAGES}
    for kind, url in pages.items():
        route = re.sub(r"/[^/]+$", "/", url) if url != "/" else url
        assert url in listed or any(u.startswith(route) and u != "/" for u in listed), kind


def test_area_json_carries_each_kpis_grade(app) -> None:  # noqa: F811
    answer = app.test_client().get("/api/regions/doo").get_json()
    grades = [k["grade"] for k in answer["area"]["kpis"]]
    assert grades and all(g["grade"] == "−" and g["year"] is None for g in grades)  # 実績未登録
    page = app.test_client().get("/region/doo").get_data(as_text=True)
    assert "<th scope=\"col\">評価</th>" in page and "実績未登録" in page
