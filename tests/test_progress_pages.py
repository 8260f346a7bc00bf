"""推進管理 screens and commands: /progress (HTML, JSON, CSV, embed), trend charts, maps, towns.

Two apps: the repository's data (no actuals: every screen says 実績未登録) and a copy of it with
the fixture actuals imported by the CLI (tests/progress_fixtures.py).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from geo.atlas.sources import CREDIT
from geo.render.progress_commands import run_import, run_report, run_template
from tests.progress_fixtures import EXPECTED_LATEST, data_dir_with_actuals

NO_ACTUALS = "実績未登録"
ROOT_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def empty_client():
    from app import create_app
    from tests.conftest import boundaries_path

    return create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path())}).test_client()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return data_dir_with_actuals(tmp_path_factory.mktemp("progress"))


@pytest.fixture(scope="module")
def client(data_dir):
    from app import create_app
    from tests.conftest import boundaries_path

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data_dir)})
    return app.test_client()


def text(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:300])
    return r.data.decode("utf-8")


# --- the empty state -----------------------------------------------------------------------------


def test_repository_ships_no_actuals() -> None:
    from tests.progress_fixtures import ROOT

    folder = ROOT / "data" / "editions" / "h28" / "actuals"
    shipped = [p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx")]
    assert shipped == []


def test_empty_state_on_every_screen(empty_client) -> None:
    page = text(empty_client, "/progress")
    assert NO_ACTUALS in page and CREDIT in page
    data = empty_client.get("/api/progress").get_json()
    assert data["status"] == NO_ACTUALS and data["as_of"] is None and data["count"] == 40
    assert {k["grade"]["grade"] for k in data["kpis"]} == {"−"}
    assert {k["grade"]["reason"] for k in data["kpis"]} == {NO_ACTUALS}
    kpi = text(empty_client, "/kpi/donan-industry-jobs-1")
    assert NO_ACTUALS in kpi and '<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img"' in kpi
    town = text(empty_client, "/town/01202")  # 函館市: 渡島's projects, each KPI says 実績未登録
    assert town.count(NO_ACTUALS) >= 5
    assert empty_client.get("/api/progress/kpi/donan-industry-jobs-1").get_json()["status"] == NO_ACTUALS
    rows = list(csv.reader(io.StringIO(empty_client.get("/progress.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 41


def test_empty_maps_have_no_actuals_class(empty_client) -> None:
    page = text(empty_client, "/progress")
    assert "実績なし" in page  # the legend's class
    (script,) = re.findall(r'src="(/maps/page/progress/[^"]+)"', page)
    js = text(empty_client, script)
    assert "#d9d9d9" in js and "実績なし" in js


# --- with actuals --------------------------------------------------------------------------------


def test_grades_and_as_of(client) -> None:
    data = client.get("/api/progress").get_json()
    assert data["status"] == "ok"
    assert data["as_of"] == "2020-10-01"  # the newest 公表日 of the fixture
    got = {k["id"]: k["grade"]["grade"] for k in data["kpis"]}
    for kid, grade in EXPECTED_LATEST.items():
        assert got[kid] == grade, kid
    final = next(k for k in data["kpis"] if k["id"] == "donan-shinkansen-exchange-1")
    assert final["grade"]["final"] and final["grade"]["year"] == 2019
    assert final["evaluated"]["provisional"] is True
    assert final["grade"]["rate"] == pytest.approx(238 / 278)


def test_progress_page_shows_text_and_symbol(client) -> None:
    page = text(client, "/progress")
    assert "2020年10月1日" in page  # as of
    row = re.search(r'<tr data-kpi="donan-industry-jobs-1">(.*?)</tr>', page, re.S)[1]
    assert "△ B 概ね順調" in row and "（H28）" in row
    assert "第2回連携会議資料 p.4" in row  # a document reference, not a link
    assert "累計 90件" in row  # the running sum the grade rests on, beside the year's own 50件
    row = re.search(r'<tr data-kpi="rumoi-food-health-1">(.*?)</tr>', page, re.S)[1]
    assert '<a href="https://example.org/shuno" rel="noopener">' in row
    assert "▲ C やや遅れ" in row


def test_sort_and_filter(client) -> None:
    page = text(client, "/progress?sort=grade&order=asc")
    order = re.findall(r'<tr data-kpi="([^"]+)">', page)
    # worst first (D, 未達成, C, B, A, 達成), then the ungraded
    assert order[:7] == [
        "donan-primary-industry-1",
        "donan-shinkansen-exchange-1",
        "rumoi-food-health-1",
        "donan-industry-jobs-1",
        "dohoku-safety-1",
        "okhotsk-visits-1",
        order[6],
    ]
    assert 'aria-sort="ascending"' in page
    donan = re.findall(r'<tr data-kpi="([^"]+)">', text(client, "/progress?region=donan"))
    assert donan and all(k.startswith(("donan-", "hiyama-", "nitan-")) for k in donan)
    hiyama = re.findall(r'<tr data-kpi="([^"]+)">', text(client, "/progress?sub=檜山"))
    assert "hiyama-bureau-towns-1" in hiyama and "okhotsk-visits-1" not in hiyama
    assert client.get("/api/progress?sort=nope").status_code == 400
    assert client.get("/api/progress?region=doo&region=donan").status_code == 400
    assert client.get("/progress?sub=nowhere").status_code == 400


def test_csv(client) -> None:
    r = client.get("/progress.csv?region=donan")
    assert r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    jobs = next(x for x in rows if x["kpi_id"] == "donan-industry-jobs-1")
    assert jobs["評価"] == "△ B 概ね順調" and jobs["実績値"] == "90件" and jobs["見込み"] == "104件"


def test_area_map_and_table(client) -> None:
    data = client.get("/api/progress?year=2016").get_json()
    oshima = data["areas"]["subprefectures"]["渡島"]
    # 渡島 in H28: shinkansen A, jobs B, primary D; on track = A only → 1 of 3
    assert (oshima["on_track"], oshima["graded"]) == (1, 3)
    page = text(client, "/progress?year=2016&level=subprefectures")
    (script,) = re.findall(r'src="(/maps/page/progress/subprefectures\.2016\.js[^"]*)"', page)
    js = text(client, script)
    assert "順調以上（◎達成・○A）1/3件（33%）" in js
    assert "○ A 順調：1件" in js and "▼ D 遅れ：1件" in js
    assert "実績なし" in page
    regions = text(client, "/progress?year=2016&level=regions")
    assert re.search(r"/maps/page/progress/regions\.2016\.js", regions)
    embed = text(client, "/embed/progress?level=regions&year=2016")
    assert CREDIT in embed and "/maps/embed/progress/regions.2016.js" in embed


def test_kpi_trend_chart(client) -> None:
    page = text(client, "/kpi/donan-shinkansen-exchange-1")
    svg = re.search(r'<svg[^>]*role="img".*?</svg>', page, re.S)[0]
    assert "<title" in svg and "<desc" in svg
    assert 'class="expected"' in svg and 'class="base"' in svg and 'class="target"' in svg
    assert svg.count('class="actual"') == 1 and svg.count('class="actual provisional"') == 1
    assert "速報" in svg
    assert "1,290万人（H28）" not in svg  # the table beside it says it in its own words:
    table = re.search(r'<table id="trend-table">(.*?)</table>', page, re.S)[1]
    assert "1,400万人（速報）" in table and "1,290万人" in table
    assert "✕ 未達成" in page
    trend = client.get("/api/progress/kpi/donan-shinkansen-exchange-1").get_json()
    h28 = next(p for p in trend["points"] if p["year"] == 2016)
    assert h28["expected"] == pytest.approx(12_732_000) and h28["grade"]["grade"] == "A"
    r = client.get("/progress/kpi/donan-shinkansen-exchange-1.svg")
    assert r.mimetype == "image/svg+xml" and r.data.startswith(b"<svg")


def test_kpi_progress_map(client) -> None:
    page = text(client, "/progress/kpi/donan-industry-jobs-1")
    (script,) = re.findall(r'src="(/maps/page/kpi-progress/donan-industry-jobs-1\.js[^"]*)"', page)
    js = text(client, script)
    assert "評価：△ B 概ね順調（H28(2016)）" in js
    assert "実績なし・評価なし（−）" in page  # legend class
    assert client.get("/progress/kpi/nope-1").status_code == 404
    assert client.get("/api/progress/kpi/nope-1").status_code == 404


def test_town_page_shows_latest_grade(client) -> None:
    page = text(client, "/town/01202")  # 函館市 (渡島)
    assert "✕ 未達成（R1・最終）" in page
    assert "△ B 概ね順調（H28）" in page


# --- commands ------------------------------------------------------------------------------------


def test_template_round_trip(tmp_path, data) -> None:
    out = tmp_path / "sheet.csv"
    assert run_template(out, data) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header = rows[0]
    assert header[:8] == [
        "kpi_id",
        "連携地域",
        "プロジェクト",
        "KPI（記載）",
        "指標",
        "単位",
        "基準値",
        "目標値",
    ]
    assert "R1(2019) 実績値" in header and "H28(2016) 出典" in header
    assert len(rows) == 41
    # A planner fills one cell group and imports the sheet back.
    row = next(r for r in rows if r[0] == "tokachi-next-industry-2")  # 13件(H26)→17件(R2)
    for field, value in (
        ("実績値", "15件"),
        ("出典", "十勝の産業（テスト用）"),
        ("URL/資料", "資料 p.1"),
        ("公表日", "2019/6/1"),
    ):
        row[header.index(f"H30(2018) {field}")] = value
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    out.write_text(buf.getvalue(), encoding="utf-8")
    log = io.StringIO()
    assert run_import(out, data, out=log, err=log) == 0
    assert "+ tokachi-next-industry-2 H30(2018): 15件" in log.getvalue()
    assert "追加 1件、変更 0件、変更なし 0件" in log.getvalue()
    written = (data / "editions" / "h28" / "actuals" / "actuals.csv").read_text(encoding="utf-8-sig")
    assert "tokachi-next-industry-2,H30,15件,確報,十勝の産業（テスト用）,資料 p.1,2019-06-01," in written
    assert written.count("\n") == 11  # header + 9 fixture rows + 1


@pytest.fixture()
def data(tmp_path, data_dir) -> Path:
    """A fresh copy of the folder with the fixture actuals, for a test that imports into it."""
    import shutil

    return Path(shutil.copytree(data_dir, tmp_path / "data"))


def test_import_error_changes_nothing(tmp_path, data) -> None:
    before = (data / "editions" / "h28" / "actuals" / "actuals.csv").read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kpi_id,年度,実績値,出典,URL/資料,公表日\n"
        "okhotsk-visits-2,R1,300件,s,r,2020-05-01\n"  # fine on its own
        "okhotsk-visits-2,R2,300人,s,r,2021-05-01\n",
        encoding="utf-8",
    )
    log = io.StringIO()
    assert run_import(bad, data, out=log, err=log) == 1
    assert f"{bad}:3: 実績値: unit '人' cannot measure this KPI" in log.getvalue()
    assert "nothing was written" in log.getvalue()
    assert (data / "editions" / "h28" / "actuals" / "actuals.csv").read_bytes() == before
    actuals = data / "editions" / "h28" / "actuals"
    assert sorted(p.name for p in actuals.iterdir()) == ["README.md", "actuals.csv"]


def test_import_shows_changes_and_dry_run(tmp_path, data) -> None:
    before = (data / "editions" / "h28" / "actuals" / "actuals.csv").read_bytes()
    fix = tmp_path / "fix.csv"
    fix.write_text(
        "kpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日\n"
        'donan-shinkansen-exchange-1,R1,"1,450万人",確報,確報値（テスト用）,https://example.org/k,2021-03-01\n',
        encoding="utf-8",
    )
    log = io.StringIO()
    assert run_import(fix, data, dry_run=True, out=log, err=log) == 0
    assert "~ donan-shinkansen-exchange-1 R1(2019): 1,400万人（速報" in log.getvalue()
    assert "→ 1,450万人（確報" in log.getvalue()
    assert (data / "editions" / "h28" / "actuals" / "actuals.csv").read_bytes() == before
    assert run_import(fix, data, out=io.StringIO(), err=io.StringIO()) == 0
    from geo.plan.actuals import load_actuals
    from geo.plan.model import load_plan

    recs = load_actuals(data, load_plan(data)).of("donan-shinkansen-exchange-1")
    assert [(r.fiscal_year, r.value, r.provisional) for r in recs] == [
        (2016, 12_900_000, False),
        (2019, 14_500_000, False),
    ]


@pytest.mark.parametrize("fmt", ["md", "csv", "html"])
def test_report(data_dir, fmt) -> None:
    out = io.StringIO()
    assert run_report("平成28年度", "donan", fmt, data_dir, out=out, err=io.StringIO()) == 0
    body = out.getvalue()
    assert "農林水産業新規就業者数" in body  # D
    assert "ロシア" not in body  # another region's KPI
    late = body.index("農林水産業新規就業者数")
    assert late < body.index("商談成約件数")  # C/D first, B after
    if fmt == "html":
        assert body.startswith("<!doctype html>") and "<table>" in body
    if fmt == "md":
        assert body.startswith("# 推進管理 H28(2016)年度 評価（道南連携地域）")


def test_report_arguments(data_dir) -> None:
    err = io.StringIO()
    assert run_report("R99x", None, "md", data_dir, out=io.StringIO(), err=err) == 2
    assert "--year" in err.getvalue()
    assert run_report("R1", "nowhere", "md", data_dir, out=io.StringIO(), err=err) == 2


def test_json_twins_of_kpi_and_town_pages(client, empty_client) -> None:
    kpi = client.get("/api/kpis/donan-industry-jobs-1").get_json()
    assert kpi["progress"]["grade"] == "B" and kpi["progress"]["year"] == 2016
    town = client.get("/api/municipalities/01202").get_json()
    assert town["kpi_progress"]["donan-shinkansen-exchange-1"]["grade"] == "未達成"
    assert len(town["kpi_progress"]) == sum(len(p["kpis"]) for p in town["projects"])
    empty = empty_client.get("/api/municipalities/01202").get_json()
    assert {g["reason"] for g in empty["kpi_progress"].values()} == {NO_ACTUALS}


def test_links_stay_few_for_the_static_export(client) -> None:
    page = text(client, "/progress?sort=grade&order=desc&year=2016&level=regions&region=donan")
    links = set(re.findall(r'href="(/progress\?[^"]*)"', page))
    for link in links:
        has_sort, has_map = "sort=" in link, ("year=" in link or "level=" in link)
        assert not (has_sort and has_map), link  # sort links and map switches do not multiply


def test_validate_checks_actuals_and_thresholds(data) -> None:
    from geo.plan.commands import run_validate
    from tests.conftest import boundaries_path

    out, err = io.StringIO(), io.StringIO()
    assert run_validate(boundaries_path(), data, out=out, err=err) == 0
    assert "KPI actuals: 9, published up to 2020-10-01" in out.getvalue()
    (data / "editions" / "h28" / "actuals" / "extra.csv").write_text(
        "kpi_id,年度,実績値,出典,URL/資料,公表日\nokhotsk-visits-1,H30,1件,s,r,2019-09-30\n", encoding="utf-8"
    )
    (data / "editions" / "h28" / "progress.yaml").write_text("thresholds:\n  b: 2\n", encoding="utf-8")
    assert run_validate(boundaries_path(), data, out=io.StringIO(), err=err) == 1
    extra = data / "editions" / "h28" / "actuals" / "extra.csv"
    assert f"{extra}:2: 実績値: unit '件' cannot measure" in err.getvalue()
    settings = data / "editions" / "h28" / "progress.yaml"
    assert f"{settings}:2: thresholds.b:" in err.getvalue()  # both files reported


def test_hostile_source_text_is_inert(tmp_path) -> None:
    import shutil

    from app import create_app
    from tests.conftest import boundaries_path

    data = Path(shutil.copytree(ROOT_DATA, tmp_path / "data"))
    (data / "editions" / "h28" / "actuals").mkdir(exist_ok=True)
    (data / "editions" / "h28" / "actuals" / "x.csv").write_text(
        "kpi_id,年度,実績値,出典,URL/資料,公表日,備考\n"
        'okhotsk-visits-1,H30,910万人,"=1+1<script>alert(1)</script>",javascript:alert(1),2019-09-30,"=HYPERLINK(""x"")"\n',
        encoding="utf-8",
    )
    c = create_app(
        {"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)}
    ).test_client()
    for url in ("/progress", "/kpi/okhotsk-visits-1", "/progress/kpi/okhotsk-visits-1"):
        page = text(c, url)
        assert "<script>alert(1)" not in page, url
        assert 'href="javascript:' not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    assert "<script>alert(1)" not in text(c, "/progress/kpi/okhotsk-visits-1.svg")
    body = c.get("/progress.csv").data.decode("utf-8-sig")
    assert ",'=1+1<script>" in body and ",=1+1" not in body  # a formula cell is made text


def test_print_map_and_report_page(client) -> None:
    page = text(client, "/progress?year=2016")
    png = re.search(r'href="(/print/progress/subprefectures\.2016\.png)"', page)[1]
    r = client.get(png)
    assert r.mimetype == "image/png" and r.data.startswith(b"\x89PNG")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(r.data)).size == (1200, 1050)
    svg = client.get("/print/progress/regions.2016.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data[:500]
    assert client.get("/print/progress/towns.2016.png").status_code == 404
    report = text(client, "/progress/report?year=2016&region=donan")
    assert "推進管理 H28(2016)年度 評価（道南連携地域）" in report and "▼ D 遅れ" in report


def test_print_map_labels_do_not_overlap(client) -> None:
    # 檜山's label ran into 渡島's (and 留萌's into 上川's in H29–H30): every label of every
    # progress print with data is clear of the others, inside the map, and on its own area's
    # point or joined to it by a leader line.
    from matplotlib.text import Text

    from geo.plan.progress import area_summaries
    from geo.render.model import progress_years as years
    from geo.render.model import year_grades as grades
    from geo.render.printing.progress import progress_figure
    from geo.web.state import state

    with client.application.test_request_context("/"):
        s = state()
        assert years(s) == list(range(2014, 2021))
        for level in ("subprefectures", "regions"):
            for year in years(s):
                fig = progress_figure(s.atlas, level, year, area_summaries(s.plan, grades(s, year))[level])
                fig.canvas.draw()
                renderer = fig.canvas.get_renderer()
                ax = fig.axes[0]
                frame = ax.get_window_extent(renderer)
                labels = {t.get_text().split("\n")[0]: t for t in ax.texts}
                assert len(labels) == (14 if level == "subprefectures" else 6)
                boxes = {name: Text.get_window_extent(t, renderer) for name, t in labels.items()}
                where = f"{level} {year}"
                for name, box in boxes.items():
                    assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (where, name, box)
                    assert frame.y0 <= box.y0 and box.y1 <= frame.y1, (where, name, box)
                    anchor = ax.transData.transform(labels[name].xy)
                    assert box.contains(*anchor) or labels[name].arrow_patch is not None, (where, name)
                names = sorted(boxes)
                clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                           if boxes[a].overlaps(boxes[b])]
                assert clashes == [], (where, clashes)


def test_progress_prints_share_the_print_slots(data_dir) -> None:
    # A progress print is drawn like every print: in a bounded slot, 503 + Retry-After when all
    # are taken; once drawn it is kept in the app's bounded memo and served without a slot.
    from app import create_app
    from tests.conftest import boundaries_path, print_slots_taken

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data_dir)})
    client = app.test_client()
    drawn = client.get("/print/progress/regions.2018.png")
    assert drawn.status_code == 200
    with print_slots_taken(app) as taken:
        busy = client.get("/print/progress/regions.2017.png")
        assert busy.status_code == 503 and busy.headers["Retry-After"]
        assert client.get("/print/progress/regions.2018.png").data == drawn.data  # memo, no slot
    assert taken == 3  # PRINT_WORKERS + PRINT_QUEUE
    assert client.get("/print/progress/regions.2017.png").status_code == 200


def test_report_is_a_page_of_the_site_grouped_by_region(client) -> None:
    """Issue 21: the 連携会議 material had no stylesheet and no navigation."""
    import html
    import re

    from geo.web.state import state

    page = text(client, "/progress/report?year=2016")
    assert re.search(r'<link rel="stylesheet" href="[^"]*/site\.css[?"]', page)
    assert '<nav aria-label="サイト">' in page and 'class="report"' in page
    with client.application.test_request_context():
        plan = state().plan
    # One section per 連携地域 (each starts a printed page), in plan order, its projects under it.
    regions = re.findall(r'<section class="report-region"[^>]*>\s*<h2[^>]*>([^<]+)</h2>', page)
    named = [r.name + "連携地域" for r in plan.regions if r.project_ids]
    assert regions == named
    first = page.split('<section class="report-region"', 2)[1]
    ours = [p.name for p in plan.projects if p.region == plan.regions[0].id]
    assert re.findall(r"<h3>([^<]+)</h3>", first) == [html.escape(n) for n in ours]
    # Every KPI once in the regions, each a link to its 推進管理 page; the late ones first, too.
    body = page.split('class="report-region"', 1)[1]
    links = re.findall(r'href="/progress/kpi/([^"]+)"', body)
    kids = [f"{p.id}-{i + 1}" for p in plan.projects for i in range(len(p.kpis))]
    assert sorted(links) == sorted(kids)
    late = page.split('id="late-heading"', 1)[1].split("</section>", 1)[0]
    assert "▼ D 遅れ" in late and "report-table" in late
