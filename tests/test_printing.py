"""Static maps (geo/printing.py): PNG/SVG with title, legend, credit, and real Japanese glyphs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from geo.printing import DPI, FONT_FAMILY, SIZE_INCHES, Printer, font_path
from geo.sources import CREDIT


@pytest.fixture(scope="module")
def printer(atlas) -> Printer:
    from geo.plan import load_plan

    return Printer(atlas, load_plan())


def test_map_ids(printer):
    ids = printer.map_ids()
    plan = printer.plan
    assert ids[:3] == ["overview-municipalities", "overview-subprefectures", "overview-regions"]
    assert len(ids) == 3 + len(plan.projects) + len(plan.kpis)
    assert len(set(ids)) == len(ids)
    assert all(i.replace("-", "").isalnum() and i.isascii() for i in ids)


@pytest.mark.parametrize("map_id", ["overview-municipalities", "overview-subprefectures",
                                    "overview-regions"])
def test_png_decodes_at_the_right_size(printer, map_id):
    image = Image.open(io.BytesIO(printer.render(map_id, "png")))
    assert image.format == "PNG"
    assert image.size == (round(SIZE_INCHES[0] * DPI), round(SIZE_INCHES[1] * DPI))
    pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 8  # a coloured map, not a blank page


def test_svg_has_title_and_credit(printer):
    project = printer.plan.projects[0]
    svg = printer.render(f"project-{project.id}", "svg").decode("utf-8")
    ET.fromstring(svg)  # well-formed
    assert CREDIT in svg
    assert project.name in svg
    kpi = project.kpis[0]
    assert kpi.indicator in printer.render(f"kpi-{project.id}-1", "svg").decode("utf-8")


def test_memoized(printer):
    before = printer.renders
    a = printer.render("overview-regions", "svg")
    b = printer.render("overview-regions", "svg")
    assert a is b
    assert printer.renders <= before + 1


def test_unknown_map(printer):
    with pytest.raises(KeyError):
        printer.render("project-nope", "png")
    with pytest.raises(KeyError):
        printer.render("overview-regions", "gif")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        printer.render(f"kpi-{printer.plan.projects[0].id}-99", "png")


def test_font_is_cjk_and_has_the_glyphs():
    path = font_path()
    assert path.name == "ipaexg.ttf", path  # matplotlib-fontja's IPAexGothic, not DejaVu
    font = FT2Font(str(path))
    assert all(font.get_char_index(ord(ch)) != 0 for ch in "北海道振興局出典")


def _render_text(text: str) -> np.ndarray:
    fig = Figure(figsize=(1.2, 0.5), dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.2, text, fontsize=24, family=FONT_FAMILY)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., 0]


@pytest.mark.filterwarnings("ignore:Glyph 57344:UserWarning")
def test_japanese_glyphs_render_not_boxes():
    """Tofu boxes look alike; real glyphs differ from each other and from the box."""
    glyphs = {ch: _render_text(ch) for ch in "北海道"}
    tofu = _render_text("\ue000")  # private use: no glyph anywhere → what a box looks like
    for ch, img in glyphs.items():
        assert (img < 128).sum() > 30, f"{ch} drew nothing"
        assert not np.array_equal(img, tofu), f"{ch} rendered as a box"
    assert not np.array_equal(glyphs["北"], glyphs["海"])
    assert not np.array_equal(glyphs["海"], glyphs["道"])


def test_print_routes(app):
    from geo.web import printing

    if "printing" not in app.blueprints:  # until app.py registers it
        app.register_blueprint(printing.bp)
    client = app.test_client()
    listing = client.get("/print/").get_json()
    assert listing["maps"][0]["png"] == "/print/overview-municipalities.png"
    png = client.get("/print/overview-regions.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.data)).size == (1200, 1050)
    svg = client.get("/print/overview-regions.svg", headers={"Accept-Encoding": "gzip"})
    assert svg.mimetype == "image/svg+xml" and svg.headers["Content-Encoding"] == "gzip"
    assert client.get("/print/overview-regions.gif").status_code == 404
    assert client.get("/print/nothing.png").status_code == 404


def test_cli_print(tmp_path):
    from geo.cli import main
    from tests.conftest import boundaries_path

    code = main(["print", str(tmp_path), "--boundaries", str(boundaries_path()), "--quiet",
                 "--only", "overview-regions", "--formats", "png"])
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["overview-regions.png"]
    assert main(["print", str(tmp_path), "--boundaries", str(boundaries_path()), "--only", "x"]) == 2
