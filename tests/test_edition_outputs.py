"""Every CSV the app serves and every print (PNG, SVG) names the plan edition and its period.

Real data: the shipped edition h28, whose title and period are written out here as the document
gives them (not taken from the code under test). CSVs lead every row with 方針 and 対象期間
(``geo/csvfile.py`` says why columns); a print has the line 「<title>・対象期間：<period>」 under
the map, above the credit, and says the same in its metadata: a PNG's Description text chunk,
an SVG's Dublin Core ``relation`` (the edition) and ``coverage`` (its period).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, boundaries_path
from PIL import Image
from test_editions import add_edition

from geo.csvfile import excel_csv

TITLE = "連携地域別政策展開方針（平成28年度〜）"
PERIOD = "平成28年度〜概ね令和2年度"
LINE = f"{TITLE}・対象期間：{PERIOD}"
DC = "{http://purl.org/dc/elements/1.1/}"

# One URL for each CSV route, by endpoint; a route with arguments is asked for one subject.
CSV_URLS = {
    "pages.coverage_csv": "/overlap/coverage.csv",
    "areas.region_csv": "/region/doo/projects.csv",
    "areas.subprefecture_csv": "/subprefecture/ishikari/projects.csv",
    "progress.csv_file": "/progress.csv",
    "data.table": "/data/municipalities.csv",  # the tables of /data (geo/web/data.py)
    "data.map_csv": "/data/maps/town/01400.csv",  # a map's own data, under every map
}
# CSV routes about two editions at once, not one: what they name is their owner's to check.
TWO_EDITIONS = {
    "compare.csv": "the changes between two editions (geo/web/compare.py, geo/plan/compare.py)",
}


def test_the_shipped_edition_is_the_one_written_here() -> None:
    doc = yaml.safe_load((ROOT / "data" / "editions" / "h28" / "edition.yaml").read_text(encoding="utf-8"))
    assert doc["title"] == TITLE
    assert (doc["period"]["from"], doc["period"]["to"], doc["period"]["approximate"]) == (2016, 2020, True)


def test_every_csv_route_is_checked(app) -> None:
    """A new CSV route fails here until it is added to CSV_URLS (and so checked below)."""
    served = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert served - set(TWO_EDITIONS) == set(CSV_URLS)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"), newline="")))


def assert_names_edition(rows: list[list[str]], title: str = TITLE, period: str = PERIOD) -> None:
    header, *body = rows
    assert header[:2] == ["方針", "対象期間"]
    assert body, "no data rows"
    assert {tuple(r[:2]) for r in body} == {(title, period)}
    assert all(len(r) == len(header) for r in body)


@pytest.mark.parametrize("endpoint", list(CSV_URLS))
@pytest.mark.parametrize("mount", ["", "/editions/h28"])
def test_every_served_csv_names_the_edition_on_every_row(client, endpoint: str, mount: str) -> None:
    assert_names_edition(read_csv(client.get(mount + CSV_URLS[endpoint])))


def test_the_new_columns_lead_and_the_old_keep_their_names(client) -> None:
    rows = read_csv(client.get("/region/doo/projects.csv"))
    assert rows[0] == ["方針", "対象期間", "area", "area_name", "project_id", "project_name",
                       "home_region", "own", "cross_region", "coverage_label", "subprefectures",
                       "subprefectures_here", "kpis"]


def test_the_edition_cells_pass_the_formula_guard() -> None:
    hostile = '=HYPERLINK("http://evil.example/","x")'
    text = excel_csv(["a"], [["1"], ["2"]], about=(("方針", hostile), ("対象期間", "+1")))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows == [["方針", "対象期間", "a"], ["'" + hostile, "'+1", "1"], ["'" + hostile, "'+1", "2"]]


def test_without_about_a_csv_is_as_before() -> None:
    assert excel_csv(["kpi_id"], [["x-1"]]) == "\ufeffkpi_id\r\nx-1\r\n"


# --- prints ------------------------------------------------------------------------------------


def png_text(data: bytes) -> dict[str, str]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return dict(image.text)  # type: ignore[attr-defined]


def svg_metadata(data: bytes) -> dict[str, str]:
    root = ET.fromstring(data)
    work = root.find(".//{http://creativecommons.org/ns#}Work")
    assert work is not None
    return {child.tag.removeprefix(DC): (child.text or "") for child in work if child.tag.startswith(DC)}


def assert_png_names(data: bytes, line: str = LINE) -> None:
    text = png_text(data)
    assert text["Description"] == line
    assert "国土数値情報" in text["Source"] and text["Title"]


def assert_svg_names(data: bytes, title: str = TITLE, period: str = PERIOD) -> None:
    meta = svg_metadata(data)
    assert meta["relation"] == title and meta["coverage"] == f"対象期間：{period}"
    assert "国土数値情報" in meta["description"] and meta["title"]
    # Drawn on the page too: matplotlib writes each drawn text as a comment beside its paths.
    assert f"<!-- {title}・対象期間：{period} -->" in data.decode("utf-8")


@pytest.mark.parametrize("map_id", ["overview-regions", "town-01400"])
def test_a_png_print_names_the_edition_in_its_metadata(client, map_id: str) -> None:
    r = client.get(f"/print/{map_id}.png")
    assert r.status_code == 200
    assert_png_names(r.data)


@pytest.mark.parametrize("map_id", ["kpi-yotei-nishiiburi-1", "region-doo"])
def test_an_svg_print_names_the_edition_in_its_metadata(client, map_id: str) -> None:
    r = client.get(f"/print/{map_id}.svg")
    assert r.status_code == 200
    assert_svg_names(r.data)


@pytest.mark.parametrize("url", ["/print/progress/subprefectures.2019.png",
                                 "/print/progress/kpi/yotei-nishiiburi-1.png"])
def test_the_progress_prints_served_name_the_edition(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert_png_names(r.data)


def test_the_progress_prints_name_the_edition_they_are_given(app) -> None:
    from geo.plan.progress import area_summaries
    from geo.render.model import progress_row, year_grades
    from geo.render.printing.grade import grade_print
    from geo.render.printing.progress import progress_print

    s = app.extensions["hokkaido_map"]
    summaries = area_summaries(s.plan, year_grades(s, 2019))["regions"]
    assert_png_names(progress_print(s.atlas, "regions", 2019, summaries, "png", edition=s.edition))
    row = progress_row(s, "yotei-nishiiburi-1")
    assert_svg_names(grade_print(s.atlas, row, "svg", edition=s.edition))
    bare = png_text(grade_print(s.atlas, row, "png"))  # no edition given: nothing added
    assert "Description" not in bare and "国土数値情報" in bare["Source"]


def test_a_printer_without_an_edition_adds_nothing(atlas) -> None:
    from geo.plan.model import load_plan
    from geo.render.printing import Printer

    printer = Printer(atlas, load_plan())
    assert "Description" not in png_text(printer.render("overview-regions", "png"))
    svg = printer.render("overview-regions", "svg")
    assert not {"relation", "coverage"} & set(svg_metadata(svg)) and TITLE not in svg.decode("utf-8")


@pytest.mark.parametrize("map_id", ["overview-municipalities", "town-01400", "kpi-yotei-nishiiburi-1",
                                    "overlap", "region-doo"])
def test_the_edition_line_is_legible_and_clear_of_map_legends_and_credit(app, map_id: str) -> None:
    from geo.atlas.sources import CREDIT
    from geo.web.printing import get_printer

    with app.test_request_context("/"):
        fig = get_printer().figure(map_id)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = {t.get_text(): t for t in fig.texts}
    line, credit = texts[LINE], texts[CREDIT]
    assert line.get_fontsize() >= 8
    box = line.get_window_extent(renderer)
    ax = fig.axes[0]
    assert box.y0 > credit.get_window_extent(renderer).y1  # above the credit
    assert box.y1 < ax.get_window_extent(renderer).y0  # below the map's axes, so below every legend
    legends = [a for a in ax.get_children() if type(a).__name__ == "Legend"]
    assert legends and not any(box.overlaps(lg.get_window_extent(renderer)) for lg in legends)
    width, _ = fig.canvas.get_width_height()
    assert box.x0 >= 0 and box.x1 <= width  # on the page


def test_the_print_command_names_the_edition(tmp_path: Path) -> None:
    from geo.cli import main

    out = tmp_path / "print"
    assert main(["print", str(out), "--boundaries", str(boundaries_path()), "--only", "overview-regions",
                 "--quiet"]) == 0
    assert_png_names((out / "overview-regions.png").read_bytes())
    assert_svg_names((out / "overview-regions.svg").read_bytes())


# --- two editions: each print and CSV names its own ---------------------------------------------

R3_TITLE = "連携地域別政策展開方針（令和3年度〜）"  # made up for the test
R3_PERIOD = "令和3年度〜令和7年度"


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory):
    from app import create_app

    data = tmp_path_factory.mktemp("editions") / "data"
    shutil.copytree(ROOT / "data", data)
    r3 = add_edition(data, "r3", id="r3", title=R3_TITLE, **{"from": 2021, "to": 2025}) / "edition.yaml"
    doc = yaml.safe_load(r3.read_text(encoding="utf-8"))
    doc["period"]["approximate"] = False  # 令和7年度, not 概ね令和7年度
    r3.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stored = tmp_path_factory.mktemp("stored")
    (stored / "overview-regions.png").write_bytes(b"\x89PNG printed by hokkaido-map print for r3")
    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data),
                       "PRINT_DIR": str(stored)})


def test_each_edition_prints_and_tables_its_own(two_editions) -> None:
    client = two_editions.test_client()
    # The bare URLs serve the newest edition (r3); /editions/h28/ the older one.
    assert_names_edition(read_csv(client.get("/region/doo/projects.csv")), R3_TITLE, R3_PERIOD)
    assert_names_edition(read_csv(client.get("/editions/h28/region/doo/projects.csv")))
    assert_svg_names(client.get("/print/region-doo.svg").data, R3_TITLE, R3_PERIOD)
    assert_svg_names(client.get("/editions/h28/print/region-doo.svg").data)
    assert_svg_names(client.get("/editions/r3/print/region-doo.svg").data, R3_TITLE, R3_PERIOD)


def test_the_stored_prints_are_the_default_editions_only(two_editions) -> None:
    client = two_editions.test_client()
    assert client.get("/print/overview-regions.png").data.startswith(b"\x89PNG printed by")
    older = client.get("/editions/h28/print/overview-regions.png").data
    assert re.match(rb"\x89PNG\r\n", older)  # drawn for h28, not the file printed for r3
    assert_png_names(older)
