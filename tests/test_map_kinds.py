"""The map kinds registry: every kind has a page, an embed, a JSON twin, a print and export entries;
adding one is the single registration of ``docs/map-kinds.md`` (whose code block runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo.render.kinds import MapKind, MapKinds, Route
from tests.conftest import boundaries_path

DOC = Path(__file__).resolve().parents[1] / "docs" / "map-kinds.md"


def doc_example() -> str:
    """The Python block under the worked example of docs/map-kinds.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Worked example", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


@pytest.fixture(scope="module")
def app():
    from app import create_app

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
    exec(compile(doc_example(), str(DOC), "exec"), {"app": app})  # the documented registration
    return app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def kinds(app) -> MapKinds:
    from geo.web.maps import map_kinds

    return map_kinds(app)


@pytest.fixture(scope="module")
def site(app) -> set[str]:
    from geo.export import start_urls

    return set(start_urls(app))


def _urls(app, kind: MapKind, subject: str) -> dict[str, str]:
    from flask import url_for

    from geo.web.maps import map_script_url

    with app.test_request_context("/"):
        return {
            "page": kind.page.url(url_for, subject), "embed": kind.embed.url(url_for, subject),
            "api": kind.api.url(url_for, subject),
            "print": kind.print.url(url_for, subject, fmt="png"),
            "script": map_script_url(kind.name, subject),
            "embed script": map_script_url(kind.name, subject, embed=True),
        }


def test_the_builtin_kinds_and_the_documented_one_are_registered(kinds) -> None:
    assert kinds.names() == ("overview", "overlap", "project", "kpi", "family", "town", "region",
                             "subprefecture", "progress", "kpi-progress", "core-city")


def test_every_kind_has_a_page_an_embed_a_json_twin_a_print_and_export_entries(app, client, kinds,
                                                                                site) -> None:
    for kind in kinds:
        subjects = list(kind.subjects(app.extensions["hokkaido_map"]))
        assert subjects, kind.name
        # A printable subject where the kind has a catalogue of prints, else its first one.
        printed = [s.subject for s in kind.prints(app.extensions["hokkaido_map"])]
        subject = printed[0] if printed else subjects[0]
        urls = _urls(app, kind, subject)
        for what, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (kind.name, what, url, response.status_code)
            expected = {"page": "text/html", "embed": "text/html", "api": "application/json",
                        "print": "image/png", "script": "application/javascript",
                        "embed script": "application/javascript"}[what]
            assert response.mimetype == expected, (kind.name, what, url)
        for what in ("page", "embed", "api", "script", "embed script"):
            assert urls[what] in site, (kind.name, what, urls[what])


def test_every_subject_of_every_kind_is_in_the_export(app, kinds, site) -> None:
    state = app.extensions["hokkaido_map"]
    for kind in kinds:
        for subject in kind.subjects(state):
            urls = _urls(app, kind, subject)
            missing = [w for w in ("page", "embed", "api", "script", "embed script") if urls[w] not in site]
            assert not missing, (kind.name, subject, missing)


def test_the_printer_catalogue_is_the_registrys(app, kinds) -> None:
    from geo.web.printing import get_printer

    with app.app_context():
        printer = get_printer()
    ids = printer.map_ids()
    assert len(ids) == len(set(ids))
    assert {"overview-municipalities", "overlap", "town-01400", "region-doo", "core-city-01100"} <= set(ids)
    by_kind = {spec.kind for spec in printer.specs()}
    assert by_kind == {k.name for k in kinds if k.draw is not None}


def test_documented_kind_scripts_canonical_and_unknown(client) -> None:
    script = client.get("/maps/page/core-city/01100.js")
    assert script.status_code == 200
    assert "札幌市" in script.get_data(as_text=True)
    moved = client.get("/maps/page/core-city/011002.js")
    assert moved.status_code == 308 and moved.headers["Location"].startswith("/maps/page/core-city/01100.js")
    assert client.get("/maps/page/core-city/01400.js").status_code == 404  # 倶知安町: no 中核都市
    assert client.get("/maps/page/no-such-kind/01100.js").status_code == 404
    assert client.get("/maps/sideways/town/01100.js").status_code == 404


def test_documented_kind_prints(client) -> None:
    response = client.get("/print/core-city-01100.png")
    assert response.status_code == 200 and response.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_name_is_registered_once() -> None:
    from geo.render.catalogue import builtin_kinds

    registry = builtin_kinds()
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry["town"])
    bad = MapKind(name="a/b", title=lambda m, s: "", canonical=lambda m, s: s, subjects=lambda m: [],
                  build=lambda e, s, embed: None, page=Route("x"), embed=Route("x"), api=Route("x"),
                  print=Route("x"))  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="URL segment"):
        registry.register(bad)


def test_registries_are_per_app(app) -> None:
    from app import create_app
    from geo.web.maps import map_kinds

    other = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())})
    assert "core-city" in map_kinds(app)
    assert "core-city" not in map_kinds(other)
