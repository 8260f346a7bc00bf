"""Issue 26, item 4: the Markdown report escapes Markdown and HTML in every cell.

Hostile text reaches the report from where it really comes from (a project name in the plan's
YAML, a source and a note in an imported actuals sheet), through ``progress report --format md``;
the output is then rendered by a CommonMark renderer with raw HTML *allowed* (as many are), and
the result must hold no tag, no link and no ``javascript:`` URL from the data, and show the text
as it was written.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geo.render.progress import Report, _md, _md_line, report_md
from tests.cli_fixtures import csv_row, run_cli

ROOT = Path(__file__).resolve().parents[1]
NAME = "新幹線開業を活かした交流人口拡大プロジェクト"
IMG = '<img src=x onerror="alert(1)">'
LINK = "[x](javascript:alert(1))"
AUTOLINK = "<javascript:alert(2)>"
HOSTILE = [IMG, LINK, AUTOLINK, "![i](javascript:alert(3))", "**太字** _斜体_ `code` ~~消~~",
           "a | b", "<script>alert(4)</script>", "&lt;already&gt;", "[ref]: javascript:alert(5)",
           "# 見出し", "- 項目", "1. 番号", "> 引用", "\\*backslash\\*"]


def _markdown():
    import markdown_it  # a test dependency (pyproject.toml): never skipped
    return markdown_it.MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
        ["table", "strikethrough"])


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _rendered(md: str) -> _Html:
    parser = _Html()
    parser.feed(_markdown().render(md))
    return parser


SAFE_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td"}


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_cell_renders_as_its_own_text(text):
    table = "| a |\n|---|\n| " + _md(text) + " |\n"
    html = _rendered(table)
    assert {t for t, _ in html.tags} <= SAFE_TAGS, (text, html.tags)
    assert "".join(html.text).strip().endswith(text), (text, html.text)
    para = _rendered(_md_line(text) + "\n")
    assert {t for t, _ in para.tags} <= {"p"}, (text, para.tags)
    assert "".join(para.text).strip() == text, (text, para.text)


def test_a_line_break_in_a_cell_cannot_end_the_row():
    html = _rendered("| a |\n|---|\n| " + _md("x\n| y |\n\n<img src=z>") + " |\n")
    assert [t for t, _ in html.tags].count("tr") == 2 and "img" not in {t for t, _ in html.tags}


def test_every_field_of_a_report_is_escaped():
    line = {k: IMG for k in ("grade", "kpi", "expected", "actual", "target", "rate", "reason", "source")}
    line.update(id="k", region=LINK, project=LINK, year="", in_period="")
    r = Report(title=f"推進管理 {AUTOLINK}", edition=f"- {IMG}", note=f"1. {LINK}", counts=IMG,
               lines=[line], late=[line])
    html = _rendered(report_md(r))
    assert {t for t, _ in html.tags} <= SAFE_TAGS, html.tags
    text = "".join(html.text)
    assert text.count(IMG) == 2 * 8 + 2 and LINK in text and AUTOLINK in text




def test_progress_report_md_from_hostile_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    projects = data / "editions" / "h28" / "projects" / "donan.yaml"
    text = projects.read_text(encoding="utf-8")
    assert f"name: {NAME}\n" in text
    projects.write_text(text.replace(f"name: {NAME}\n", f"name: '{LINK} {NAME}'\n", 1), encoding="utf-8")
    sheet = tmp_path / "office.csv"
    sheet.write_text("kpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日,備考\n"
                     + csv_row("donan-shinkansen-exchange-1", "H28", "1,290万人", "確報", IMG, AUTOLINK,
                                "2017-10-02", "![i](javascript:alert(3))"), encoding="utf-8")
    done = run_cli("progress", "import", str(sheet), "--data", str(data))
    assert done.returncode == 0, done.stderr
    done = run_cli("progress", "report", "--year", "H28", "--format", "md", "--data", str(data))
    assert done.returncode == 0, done.stderr
    md = done.stdout
    # No tag can open (< is an entity), and no ](…) or <…> link can form (its [ ] are escaped).
    assert "<img" not in md and "<javascript:" not in md
    assert re.search(r"(?<!\\)\]\(javascript:", md) is None
    html = _rendered(md)
    assert {t for t, _ in html.tags} <= SAFE_TAGS, sorted({t for t, _ in html.tags})
    assert not any(re.search("javascript:", str(v or "")) for _, attrs in html.tags for v in attrs.values())
    shown = "".join(html.text)
    assert f"{LINK} {NAME}" in shown  # the project's heading, as written
    assert f"{IMG}（2017-10-02）" in shown  # the source column, as written
