"""The map wire format: what a map script sends per area (``feats``), written by one
:class:`geo.render.maps.Feature` and documented where ``static/hokkaido.js`` reads it.

On the real site: one map script of every map kind (page and embed), parsed back."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest

from geo.render.maps import Feature, _js, layer_options
from tests.web_fixtures import app  # noqa: F401  (module-scoped app)

JS = Path(__file__).resolve().parents[1] / "geo" / "web" / "static" / "hokkaido.js"
CALL = re.compile(r"HokkaidoMap\.topoLayer\((\w+), (\w+), (.*)\);\n")
# Every field set: what to_wire can write at most.
FULL = Feature(("札幌市", "石狩振興局"), href="/town/01100", color="#2171b5", popup=("KPI", "目標値"),
               style={"dashArray": "5 3"})
TYPES = {"c": str, "t": list, "p": list, "s": dict, "h": str}


def wire_keys() -> set[str]:
    return set(FULL.to_wire())


def js_doc() -> str:
    """The comment block of hokkaido.js that describes ``feats``."""
    blocks = re.findall(r"/\*.*?\*/", JS.read_text(encoding="utf-8"), re.S)
    (doc,) = [b for b in blocks if "Feature.to_wire" in b]
    return doc


@pytest.fixture(scope="module")
def scripts(app) -> dict[str, str]:  # noqa: F811
    """One page and one embed map script of every map kind: URL → body."""
    from geo.export import start_urls

    first: dict[str, str] = {}
    for url in start_urls(app):
        m = re.match(r"/maps/(page|embed)/([^/]+)/", url)
        if m:
            first.setdefault(m[1] + "/" + m[2], url)
    client = app.test_client()
    out = {}
    for url in first.values():
        r = client.get(url)
        assert r.status_code == 200, url
        out[url] = r.data.decode("utf-8")
    return out


def layers(script: str) -> list[dict]:
    return [json.loads(m[3]) for m in CALL.finditer(script)]


def all_feats(scripts: dict[str, str]):  # type: ignore[no-untyped-def]
    for url, script in scripts.items():
        for opts in layers(script):
            for fid, feat in opts["feats"].items():
                yield url, opts, fid, feat


# --- Feature.to_wire ---------------------------------------------------------------------


def test_an_unset_feature_sends_nothing() -> None:
    assert Feature().to_wire() == {}


@pytest.mark.parametrize(("field", "value", "key"), [
    ("tip", ("十勝総合振興局",), "t"), ("href", "/town/01100", "h"), ("color", "#2171b5", "c"),
    ("popup", ("観光入込客数",), "p"), ("style", {"dashArray": "5 3"}, "s"),
])
def test_each_field_sends_its_own_key_only(field: str, value: object, key: str) -> None:
    wire = Feature(**{field: value}).to_wire()
    assert list(wire) == [key]
    assert wire[key] == (list(value) if isinstance(value, tuple) else value)


def test_empty_lines_and_none_are_left_out_but_an_empty_style_is_sent() -> None:
    assert Feature(tip=(), popup=(), href=None, color=None, style=None).to_wire() == {}
    # The project map's home 振興局 have always been sent with "s":{}.
    assert Feature(style={}).to_wire() == {"s": {}}


def test_every_field_is_on_the_wire() -> None:
    assert len(FULL.to_wire()) == len(fields(Feature)) == 5
    assert list(FULL.to_wire()) == ["c", "t", "p", "s", "h"]  # the order the scripts have always had


def test_to_wire_gives_fresh_json_values() -> None:
    wire = FULL.to_wire()
    wire["t"].append("x")
    wire["s"]["color"] = "red"
    assert FULL.to_wire()["t"] == ["札幌市", "石狩振興局"] and FULL.to_wire()["s"] == {"dashArray": "5 3"}


def test_a_subprefecture_without_popup_or_link_links_to_its_page(app) -> None:  # noqa: F811
    from geo.web.maps import map_env
    from geo.web.state import state

    with app.test_request_context("/"):
        ctx = map_env(state()).context
    shorts = list(ctx.subprefecture_links)
    a, b, c = shorts[:3]
    feats = {a: Feature(("a",)), b: Feature(("b",), popup=("p",)), c: Feature(("c",), href="/mine")}
    wire = layer_options(ctx, "k", "subprefectures", feats, {})["feats"]
    assert wire[a]["h"] == ctx.subprefecture_links[a]
    assert "h" not in wire[b]  # a popup is what a click opens
    assert wire[c]["h"] == "/mine"
    for off in (layer_options(ctx, "k", "subprefectures", feats, {}, select=True),
                layer_options(ctx, "k", "subprefectures", feats, {}, link_subprefectures=False)):
        assert "h" not in off["feats"][a]
    assert "h" not in layer_options(ctx, "k", "regions", {a: Feature()}, {})["feats"][a]


# --- the real maps -----------------------------------------------------------------------


def test_every_map_kind_is_checked(scripts: dict[str, str], app) -> None:  # noqa: F811
    from geo.web.maps import map_kinds

    kinds = {k.name for k in map_kinds(app)}
    seen = {url.split("/")[3] for url in scripts}
    assert seen == kinds
    assert len(scripts) == 2 * len(kinds)


def test_real_maps_send_only_documented_keys_of_the_documented_types(scripts: dict[str, str]) -> None:
    used: set[str] = set()
    n = 0
    for url, _opts, fid, feat in all_feats(scripts):
        n += 1
        assert set(feat) <= wire_keys(), (url, fid, feat)
        for key, value in feat.items():
            assert isinstance(value, TYPES[key]), (url, fid, key, value)
            if key in ("t", "p"):
                assert value and all(isinstance(line, str) for line in value), (url, fid, key)
        used |= set(feat)
    assert all(any(o["feats"] for o in layers(script)) for script in scripts.values())  # parsed
    assert n > 500
    assert used == wire_keys()  # and every key is really used by some map


def test_real_feats_round_trip_through_feature(scripts: dict[str, str]) -> None:
    """Read back into a Feature, every area is written again to the same JSON, byte for byte."""
    for url, _opts, fid, feat in all_feats(scripts):
        back = Feature(tuple(feat.get("t", ())), href=feat.get("h"), color=feat.get("c"),
                       popup=tuple(feat.get("p", ())), style=feat.get("s"))
        assert _js(back.to_wire()) == _js(feat), (url, fid)


def test_real_maps_use_popups_links_and_styles_where_expected(scripts: dict[str, str]) -> None:
    by_kind: dict[str, set[str]] = {}
    for url, _opts, _fid, feat in all_feats(scripts):
        by_kind.setdefault(url.split("/")[3], set()).update(feat)
    assert "p" in by_kind["kpi"]  # the KPI's 振興局 carry its popup
    assert "s" in by_kind["project"]
    assert {"c", "t", "h"} <= by_kind["town"]  # a 振興局 links to its page
    assert {"c", "t", "h"} <= by_kind["progress"]


def test_the_tooltip_lines_are_the_maps_text_table(app) -> None:  # noqa: F811
    from geo.render.catalogue import OVERLAP_SUBJECT
    from geo.web.maps import map_view

    with app.test_request_context("/"):
        view = map_view("overlap", OVERLAP_SUBJECT)
    match = [json.loads(m[3]) for m in CALL.finditer(view.script + "\n")]
    feats = next(o for o in match if o["key"] == "overlap")["feats"]
    assert view.table is not None
    assert [row[0] for row in view.table.rows] == [f["t"][0] for f in feats.values()]
    assert all("・" in row[1] for row in view.table.rows)


def test_switchable_outlines_differ_by_more_than_colour(scripts: dict[str, str]) -> None:
    """The outline layers (one per project or KPI) of the town, family and overlap maps: no two of
    a map alike in colour, dash and weight."""
    checked = 0
    for url, script in scripts.items():
        outlines = [o for o in layers(script) if o.get("merge")]
        styles = [(o["base"]["color"], o["base"].get("dashArray"), o["base"]["weight"]) for o in outlines]
        assert len(set(styles)) == len(styles), url
        for o in outlines:
            assert o["only"] is True and o["base"]["fill"] is False and o["mergeTip"], url
        checked += len(outlines)
    assert checked


# --- the documentation where the JavaScript reads it ---------------------------------------


def test_the_javascript_documents_every_key_to_wire_writes() -> None:
    doc = js_doc()
    documented = set(re.findall(r"^\s*\*?\s+([a-z])\s{2,}\S", doc, re.M))
    assert documented == wire_keys()
    for key in wire_keys():
        assert re.search(rf"^\s+{key}\s+(string|array of strings|object):", doc, re.M), key


def test_the_javascript_reads_only_documented_keys() -> None:
    text = JS.read_text(encoding="utf-8")
    # feat.c, feat.t …, and the (opts.feats[id] || {}).p / .t shortcuts.
    read = set(re.findall(r"\bfeat\.([a-z]+)\b", text))
    read |= set(re.findall(r"feats\[[^\]]+\] \|\| \{\}\)\.([a-z]+)\b", text))
    assert read == wire_keys()
    assert text.index("Feature.to_wire") < text.index("feat.c")  # the doc comes before the reading


def test_the_feature_docstring_names_every_key() -> None:
    doc = Feature.__doc__ or ""
    for f in fields(Feature):
        key = next(iter(Feature(**{f.name: FULL.__dict__[f.name]}).to_wire()))
        assert re.search(rf"``{f.name}`` → ``{key}``", doc), (f.name, key)


def test_a_kpis_popup_its_page_and_the_progress_csv_name_it_alike(app) -> None:  # noqa: F811
    """One KPI title (indicator（scope） sub-label): a KPI with a sub-label shows it everywhere."""
    import csv
    import io

    from geo.web.state import state

    with app.app_context():
        plan = state().plan
    kid, kpi = next((f"{p.id}-{i + 1}", k)
                    for p in plan.projects for i, k in enumerate(p.kpis) if k.sub_label)
    title = f"{kpi.indicator}（{kpi.scope}）" if kpi.scope else kpi.indicator
    title += f" {kpi.sub_label}"
    client = app.test_client()
    script = client.get(f"/maps/page/kpi/{kid}.js").get_data(as_text=True)
    popups = [f["p"] for opts in layers(script) for f in opts["feats"].values() if "p" in f]
    assert popups and all(p[0] == title for p in popups)
    assert f"<h1>KPI：{title}</h1>" in client.get(f"/kpi/{kid}").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(client.get("/progress.csv").get_data(as_text=True).lstrip("\ufeff")))
    assert {r["KPI"] for r in rows if r["kpi_id"] == kid} == {title}
