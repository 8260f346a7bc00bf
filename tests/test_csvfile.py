"""One CSV writer and one formula guard for every CSV the site and the command line write.

The guard is checked against what a spreadsheet runs as a formula, and each CSV the app serves
is checked for the same bytes Excel on Japanese Windows needs (BOM, CRLF), so none can drift.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.csvfile import FORMULA_STARTS, excel_csv, formula_safe, formula_unguard


@given(st.text(max_size=40))
def test_formula_safe_never_starts_a_formula_and_keeps_the_text(text):
    safe = formula_safe(text)
    assert safe[:1] not in FORMULA_STARTS
    assert safe in (text, "'" + text)
    # Also guarded: a formula start behind apostrophes ('=x), so the guard can be undone exactly.
    assert (safe == text) == (text.lstrip("'")[:1] not in FORMULA_STARTS)


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", "1", "あ"]), max_size=12)
       | st.text(max_size=40))
def test_the_guard_is_undone_exactly(text):
    """Issue 26: what is read back from a file written for a spreadsheet is the value as given."""
    assert formula_unguard(formula_safe(text)) == text


@pytest.mark.parametrize(("cell", "value"), [
    ("'=1+1", "=1+1"), ("'-1+1", "-1+1"), ("''=x", "'=x"), ("'abc", "'abc"), ("'", "'"),
    ("it's", "it's"), ("=1", "=1"),  # no guard on it: left as it is
])
def test_unguard_removes_only_a_guard(cell, value):
    assert formula_unguard(cell) == value


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    assert formula_safe(start + "1+1") == "'" + start + "1+1"


@given(st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), max_size=8))
def test_excel_csv_reads_back_as_written(rows):
    text = excel_csv(["a", "b", "c"], rows)
    assert text.startswith("\ufeff")
    back = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert back == [["a", "b", "c"], *rows]


def test_excel_csv_ends_each_line_with_crlf():
    text = excel_csv(["kpi_id", "出典"], [["x-1", "観光入込客数調査"]])
    assert text == "\ufeffkpi_id,出典\r\nx-1,観光入込客数調査\r\n"


@pytest.mark.parametrize(
    "url",
    [
        "/overlap/coverage.csv",
        "/region/doo/projects.csv",
        "/subprefecture/ishikari/projects.csv",
        "/progress.csv",
    ],
)
def test_every_served_csv_is_excel_csv(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, url
    body = resp.get_data()
    assert body.startswith("\ufeff".encode()), url
    lines = body.split(b"\r\n")
    assert len(lines) > 2 and lines[-1] == b"", url  # every line, the last too, ends in CRLF
    assert all(b"\n" not in ln for ln in lines), url  # no bare LF
