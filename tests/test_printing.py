"""Static maps (geo/render/printing.py): PNG/SVG with title, legend, credit, and real Japanese glyphs."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import quote

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from geo.atlas.sources import CREDIT
from geo.render.printing import DPI, FONT_FAMILY, SIZE_INCHES, Printer, font_path


@pytest.fixture(scope="module")
def printer(atlas) -> Printer:
    from geo.plan.model import load_plan

    return Printer(atlas, load_plan())


NEW_MAPS = ["town-01400", "family-観光入込客数", "overlap"]  # 倶知安町; a Japanese family key


def test_map_ids(printer):
    from geo.render.views import families

    ids = printer.map_ids()
    plan = printer.plan
    assert ids[:3] == ["overview-municipalities", "overview-subprefectures", "overview-regions"]
    towns = [i for i in ids if i.startswith("town-")]
    fams = [i for i in ids if i.startswith("family-")]
    assert len(towns) == 179 == len(printer.atlas.municipalities)
    assert all(len(t) == 10 and t[5:].isdigit() and t[5:7] == "01" for t in towns)
    assert "town-01400" in towns and "town-01999" not in towns
    assert sorted(fams) == sorted(f"family-{k}" for k in families(plan))
    assert "family-観光入込客数" in fams and "overlap" in ids
    areas = [i for i in ids if i.startswith(("region-", "subprefecture-"))]
    assert "region-kushiro-nemuro" in areas and "subprefecture-shiribeshi" in areas
    assert len(areas) == 6 + 14  # one per 連携地域 and 振興局
    assert len(ids) == 3 + 1 + len(plan.projects) + len(plan.kpis) + len(fams) + 179 + 6 + 14
    assert len(set(ids)) == len(ids)
    for i in ids:  # one URL path segment each; only family keys are Japanese
        assert "/" not in i and i.strip() == i and i.isprintable(), i
        assert i.isascii() or i.startswith("family-"), i
        assert i.replace("-", "").isalnum(), i


def test_specs_are_cheap(atlas, printer):
    """Enumerating ~260 maps draws nothing (a fresh Printer renders 0 maps) and is quick."""
    fresh = Printer(atlas, printer.plan, printer.coverage)
    start = time.perf_counter()
    ids = fresh.map_ids()
    spec = fresh.spec("town-01400")
    elapsed = time.perf_counter() - start
    assert len(ids) > 250 and fresh.renders == 0 and not fresh._memo
    assert spec.title == "虻田郡倶知安町に及ぶプロジェクト"
    assert elapsed < 0.5, f"specs() took {elapsed:.2f} s"
    with pytest.raises(KeyError):
        fresh.spec("town-01999")


@pytest.mark.parametrize("map_id", ["overview-municipalities", "overview-subprefectures",
                                    "overview-regions", *NEW_MAPS])
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


@pytest.mark.parametrize("map_id", NEW_MAPS)
def test_new_svgs_have_title_and_credit(printer, map_id):
    svg = printer.render(map_id, "svg").decode("utf-8")
    ET.fromstring(svg)
    assert CREDIT in svg
    assert printer.spec(map_id).title in svg
    assert svg.count(f"<!-- {CREDIT} -->") == 1  # drawn on the figure, not only in metadata


def test_titles_of_new_maps(printer):
    assert printer.spec("town-01400").title == "虻田郡倶知安町に及ぶプロジェクト"
    assert "観光入込客数" in printer.spec("family-観光入込客数").title
    assert printer.spec("town-01100").title == "札幌市に及ぶプロジェクト"


def test_overlap_legend_names_each_cross_region_project(printer):
    svg = printer.render("overlap", "svg").decode("utf-8")
    cross = [p.name for p in printer.plan.projects if len(set(p.regions)) > 1]
    assert len(cross) >= 2
    for name in cross:  # legend labels are drawn text: matplotlib writes each as <!-- text -->
        assert f"<!-- {name} -->" in svg, name


# --- real data: what the pixels show, checked against the plan without the printing code ---


def _png(printer, map_id) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(printer.render(map_id, "png"))).convert("RGB")).astype(int)


def _to_pixel(printer, map_id):
    """(lon, lat) → (column, row) in the PNG, from the same figure's axes after drawing."""
    fig = printer.figure(map_id)
    fig.canvas.draw()
    ax = fig.axes[0]
    height = fig.canvas.get_width_height()[1]

    def to_pixel(lon: float, lat: float) -> tuple[int, int] | None:
        x, y = ax.transData.transform((lon, lat))
        col, row = round(float(x)), round(float(height - y))
        box = ax.get_window_extent()
        if not (box.x0 + 5 < x < box.x1 - 5 and box.y0 + 5 < y < box.y1 - 5):
            return None  # outside the map's view
        return col, row

    return to_pixel


def _sub_colours(printer, map_id, skip=()) -> dict[str, tuple[int, int, int]]:
    """振興局 → the colour seen most often at its municipalities' label points in the PNG."""
    pixels = _png(printer, map_id)
    to_pixel = _to_pixel(printer, map_id)
    seen: dict[str, Counter] = {}
    for m in printer.atlas.municipalities:
        if m.code in skip:
            continue
        at = to_pixel(*m.label_point)
        if at is not None:
            seen.setdefault(m.subprefecture, Counter())[tuple(pixels[at[1], at[0]])] += 1
    return {s: c.most_common(1)[0][0] for s, c in seen.items() if sum(c.values()) >= 2}


def _luminance(rgb) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _assert_darker_with_more(colours: dict, counts: dict[str, int]) -> None:
    """A sequential palette: equal counts share a colour, more is strictly darker."""
    shown = [s for s in colours if s in counts]
    assert len({counts[s] for s in shown}) >= 2, "the check needs at least two different counts"
    for a in shown:
        for b in shown:
            if counts[a] == counts[b]:
                assert colours[a] == colours[b], (a, b, colours[a], colours[b])
            elif counts[a] > counts[b]:
                assert _luminance(colours[a]) < _luminance(colours[b]) - 5, (a, b, counts)


def test_town_map_highlights_kutchan(printer):
    """倶知安町 (後志): its outline in the PNG surrounds its label point, its 振興局 is coloured by
    how many of its projects reach each (後志 2 > 胆振 = 石狩 1 > 空知 0, from the plan)."""
    town = printer.atlas.municipality("01400")
    pixels = _png(printer, "town-01400")
    to_pixel = _to_pixel(printer, "town-01400")
    at = to_pixel(*town.label_point)
    assert at is not None, "倶知安町 is outside the zoomed view"
    red = np.all(np.abs(pixels - np.array([0xd7, 0x30, 0x1f])) <= 12, axis=-1)
    red[870:, 900:] = False  # not the legend's town entry (lower right)
    rows, cols = np.nonzero(red)
    assert len(rows) > 200, "no red-orange outline drawn"
    assert cols.min() < at[0] < cols.max() and rows.min() < at[1] < rows.max()
    h, w = red.shape
    assert cols.max() - cols.min() < 0.25 * w and rows.max() - rows.min() < 0.25 * h, (
        "the outline is not one town's")
    fill = pixels[at[1], at[0]]
    assert np.all(np.abs(fill - np.array([0xfd, 0xd0, 0xa2])) <= 12), fill  # the town is filled

    mine = [p for p in printer.plan.projects if town.subprefecture in p.subprefectures]
    counts = {s.short: sum(s.short in p.subprefectures for p in mine)
              for s in printer.atlas.hierarchy.subprefectures}
    assert counts["後志"] == len(mine) >= 2 and counts["空知"] == 0
    colours = _sub_colours(printer, "town-01400", skip={"01400"})
    assert {"後志", "胆振", "石狩", "空知"} <= colours.keys()  # zoomed to 後志 and around
    assert "宗谷" not in colours and "根室" not in colours  # … not the whole of Hokkaido
    _assert_darker_with_more(colours, counts)
    r, g, b = colours["空知"]
    assert min(r, g, b) > 225 and max(r, g, b) - min(r, g, b) < 10  # uncovered: light grey


def test_family_map_counts_kpis(printer):
    """観光入込客数: KPIs whose indicator ends so, counted per 振興局 straight from the plan."""
    counts = {s.short: 0 for s in printer.atlas.hierarchy.subprefectures}
    for p in printer.plan.projects:
        for k in p.kpis:
            if k.indicator.endswith("観光入込客数"):
                for s in p.subprefectures:
                    counts[s] += 1
    assert sum(1 for p in printer.plan.projects for k in p.kpis
               if k.indicator.endswith("観光入込客数")) >= 5
    colours = _sub_colours(printer, "family-観光入込客数")
    assert len(colours) == 14
    _assert_darker_with_more(colours, counts)


def test_overlap_map_counts_shared_projects(printer):
    """振興局 by projects naming more than one 振興局 (the /overlap measure), from the plan;
    the two cross-region projects' outline colours are drawn."""
    from geo.render.views import OKABE_ITO

    counts = {s.short: sum(s.short in p.subprefectures and len(p.subprefectures) > 1
                           for p in printer.plan.projects)
              for s in printer.atlas.hierarchy.subprefectures}
    colours = _sub_colours(printer, "overlap")
    assert len(colours) == 14
    _assert_darker_with_more(colours, counts)
    pixels = _png(printer, "overlap")
    for colour in OKABE_ITO[:2]:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert np.all(np.abs(pixels - rgb) <= 10, axis=-1).sum() > 500, colour


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
    ids = {m["id"] for m in listing["maps"]}
    assert {"town-01400", "family-観光入込客数", "overlap"} <= ids
    town = client.get("/print/town-01400.svg")
    assert town.status_code == 200 and town.mimetype == "image/svg+xml"
    family = client.get("/print/family-観光入込客数.png")
    assert family.status_code == 200 and family.mimetype == "image/png"
    assert Image.open(io.BytesIO(family.data)).size == (1200, 1050)
    # Header values are Latin-1: the Japanese name goes percent-encoded in filename*.
    disposition = family.headers["Content-Disposition"]
    assert disposition.isascii() and "filename*=UTF-8''" + quote("family-観光入込客数.png") in disposition
    assert client.get("/print/" + quote("family-観光入込客数") + ".png").data == family.data
    assert client.get("/print/town-01999.png").status_code == 404
    assert client.get("/print/town-1400.png").status_code == 404
    assert client.get("/print/family-存在しない.png").status_code == 404


def test_cli_print(tmp_path):
    from geo.cli import main
    from tests.conftest import boundaries_path

    code = main(["print", str(tmp_path), "--boundaries", str(boundaries_path()), "--quiet",
                 "--only", "overview-regions", "--formats", "png"])
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["overview-regions.png"]
    assert main(["print", str(tmp_path), "--boundaries", str(boundaries_path()), "--only", "x"]) == 2


@pytest.mark.parametrize("map_id", ["town-01544", "town-01549", "town-01550", "town-01552",
                                    "town-01400", "overview-subprefectures", "overlap",
                                    "subprefecture-hiyama", "region-donan"])
def test_visible_labels_do_not_overlap(printer, map_id):
    """訓子府町's name (and 津別町's, 置戸町's, 佐呂間町's) covered オホーツク's count: the 振興局
    labels keep clear of the town's name, of the legend and of each other; labels of areas
    outside a zoomed map are not drawn on it, so only those inside the map are compared."""
    import itertools

    from matplotlib.text import Text

    assert map_id in printer.map_ids()
    fig = printer.figure(map_id)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    boxes = [(t.get_text().replace("\n", " "), Text.get_window_extent(t, renderer)) for t in ax.texts
             if t.get_text().strip()]
    shown = [(name, box) for name, box in boxes if box.overlaps(frame)]
    assert len(shown) >= 2, boxes  # the test compares something
    legends = [lg.get_window_extent(renderer) for lg in [*ax.artists, ax.get_legend()]
               if lg is not None and hasattr(lg, "get_window_extent")]
    for (a, box_a), (b, box_b) in itertools.combinations(shown, 2):
        assert not box_a.overlaps(box_b), (map_id, a, b)
    for name, box in shown:
        assert not any(box.overlaps(lg) for lg in legends), (map_id, name)
