"""Issue 26, item 1: a malformed workbook is a one-line data error, never a traceback.

Each hostile .xlsx is a real workbook (written by openpyxl, as a 振興局's Excel would) with one
part rewritten: broken sheet XML, an entity declaration (and a billion laughs) in the shared
strings, an impossible cell type, style or reference, a shared string that does not exist, a
damaged zip member. Each goes through the real command line: ``progress import`` exits non-zero
with one error line naming the file and the sheet/cell, no traceback, the actuals file unchanged;
and left in ``data/.../actuals/``, ``validate`` and ``serve`` report it as a data error and stop.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geo.errors import DataErrors
from geo.plan.actuals import read_actuals
from geo.plan.model import load_plan
from tests.conftest import boundaries_path

ROOT = Path(__file__).resolve().parents[1]
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
HEADER = ["kpi_id", "年度", "実績値", "速報/確報", "出典", "URL/資料", "公表日", "備考"]
ROW = ["okhotsk-visits-1", "H30", "910万人", "確報", "報告書", "https://example.org/r", "2019-09-30", None]


def _workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "実績"
    ws.append(HEADER)
    ws.append(ROW)
    ws["A1"].font = Font(bold=True)  # a styled cell: s="1"
    buf = io.BytesIO()
    wb.save(buf)
    return _with_shared_strings(buf.getvalue())


_INLINE = re.compile(rb'<c r="(?P<r>[A-Z]+\d+)"(?P<s> s="\d+")? t="inlineStr">'
                     rb"<is><t>(?P<t>[^<]*)</t></is></c>")
_SST = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _with_shared_strings(data: bytes) -> bytes:
    """openpyxl writes text cells inline; Excel writes them to ``xl/sharedStrings.xml`` (the
    part a hostile workbook hides entities in): rewrite it as Excel would."""
    strings: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        strings.append(m["t"])
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m["r"], m["s"] or b"", len(strings) - 1)

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == SHEET:
                body = _INLINE.sub(shared, body)
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                    b'sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            z.writestr(info, body)
        z.writestr(STRINGS, _SST + b"".join(b"<si><t>%s</t></si>" % t for t in strings) + b"</sst>")
    return out.getvalue()


def _rewrite(data: bytes, part: str, change) -> bytes:
    """The workbook with ``part`` passed through ``change`` (bytes → bytes), the rest as it was."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            z.writestr(info, change(body) if info.filename == part else body)
    return out.getvalue()


def _sub(pattern: bytes, repl: bytes, count: int = 1):
    def change(body: bytes) -> bytes:
        new, n = re.subn(pattern, repl, body, count=count)
        assert n, (pattern, body[:300])
        return new
    return change


# Ten levels of ten: 10¹⁰ "lol"s if a parser expanded them.
LAUGHS = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a0 "lol">' + b"".join(
    b'<!ENTITY a%d "%s">' % (i, b"".join([b"&a%d;" % (i - 1)] * 10)) for i in range(1, 11)) + b"]>"


def _damaged_member(data: bytes) -> bytes:
    """The sheet's compressed bytes flipped in the middle: the zip's CRC no longer matches."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    broken = bytearray(data)
    broken[middle] ^= 0xFF
    broken[middle + 1] ^= 0xFF
    return bytes(broken)


# name → (how the workbook is broken, what the one error line must say)
HOSTILE = {
    "mismatched tag": (lambda d: _rewrite(d, SHEET, _sub(rb"</row>", b"</rox>")), f"{SHEET}:", "broken XML"),
    "entity in shared strings": (
        lambda d: _rewrite(d, STRINGS, lambda b: re.sub(rb"^(<\?xml[^>]*\?>)?", rb'\1<!DOCTYPE sst '
                                                        rb'[<!ENTITY x "boom">]>', b, count=1)
                           .replace(b"<t>H30</t>", b"<t>&x;</t>")),
        STRINGS, "DTD or entities"),
    "billion laughs": (lambda d: _rewrite(d, STRINGS, lambda b: LAUGHS + re.sub(rb"^<\?xml[^>]*\?>", b"", b)
                                          .replace(b"<t>H30</t>", b"<t>&a10;</t>")), STRINGS, "DTD"),
    "impossible cell type": (lambda d: _rewrite(d, SHEET, _sub(rb'(<c r="B2"[^>]*?) t="\w+"', rb'\1 t="zz"')),
                             "sheet '実績', cell B2", "impossible cell type 'zz'"),
    "impossible style": (lambda d: _rewrite(d, SHEET, _sub(rb'<c r="A1"([^>]*?) s="\d+"',
                                                           rb'<c r="A1"\1 s="999"')),
                         "sheet '実績', cell A1", "impossible style '999'"),
    "impossible reference": (lambda d: _rewrite(d, SHEET, _sub(rb'<c r="C2"', b'<c r="C0"')),
                             "sheet '実績'", "impossible cell reference 'C0'"),
    "reference outside the sheet": (lambda d: _rewrite(d, SHEET, _sub(rb'<c r="H1"', b'<c r="XFE1"')),
                                    "sheet '実績'", "outside a sheet"),
    "cell in another row": (lambda d: _rewrite(d, SHEET, _sub(rb'<c r="D2"', b'<c r="D7"')),
                            "sheet '実績'", "cell D7 is written inside row 2"),
    "missing shared string": (lambda d: _rewrite(d, SHEET, _sub(rb'(<c r="A2"[^>]*t="s"[^>]*>)<v>\d+</v>',
                                                                rb"\1<v>4000</v>")),
                              "sheet '実績', cell A2", "shared string '4000' does not exist"),
    "number cell that is not a number": (
        lambda d: _rewrite(d, SHEET, _sub(rb'<c r="B2"[^>]*?>.*?</c>', b'<c r="B2" t="n"><v>12abc</v></c>')),
        "cell B2", "is not a number"),
    "damaged zip member": (_damaged_member, SHEET, "cannot be decompressed"),
}


@pytest.fixture(scope="module")
def good() -> bytes:
    return _workbook()


@pytest.fixture(scope="module")
def plan():
    return load_plan(ROOT / "data")


def test_the_unbroken_workbook_is_read(plan, good, tmp_path):
    path = tmp_path / "good.xlsx"
    path.write_bytes(good)
    [rec] = read_actuals([path], plan)
    assert (rec.kpi_id, rec.fiscal_year, rec.value) == ("okhotsk-visits-1", 2018, 9_100_000)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_workbook_is_one_data_error(plan, good, tmp_path, case):
    breaks, where, what = HOSTILE[case]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(breaks(good))
    with pytest.raises(DataErrors) as exc:
        read_actuals([path], plan)
    [line] = str(exc.value).splitlines()
    assert line.startswith(f"{path}: ") and where in line and what in line, line


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(PYTHONPATH=str(ROOT), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()))
    return subprocess.run([sys.executable, "-m", "geo.cli", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=180)


@pytest.fixture(scope="module")
def hostile_dir(good, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for i, (breaks, _, _) in enumerate(HOSTILE.values()):
        (folder / f"bad{i}.xlsx").write_bytes(breaks(good))
    return folder


@pytest.fixture()
def data(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(ROOT / "data", out)
    return out


def _actuals_files(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in data.rglob("actuals/*") if p.is_file()}


def test_progress_import_of_each_hostile_workbook(hostile_dir, data):
    """All cases in one subprocess each (the CLI as a 振興局 runs it), the folder unchanged."""
    before = _actuals_files(data)
    for i, (case, (_, where, what)) in enumerate(HOSTILE.items()):
        bad = hostile_dir / f"bad{i}.xlsx"
        done = _cli("progress", "import", str(bad), "--data", str(data))
        assert done.returncode != 0, case
        assert "Traceback" not in done.stderr, (case, done.stderr[-2000:])
        lines = done.stderr.strip().splitlines()
        assert lines[-1] == f"{bad}: 1 error(s); nothing was written", (case, lines)
        [error] = lines[:-1]
        assert error.startswith(f"{bad}: ") and where in error and what in error, (case, error)
        assert _actuals_files(data) == before, case


@pytest.mark.parametrize("case", ["mismatched tag", "entity in shared strings", "impossible style"])
def test_hostile_workbook_in_the_actuals_folder_stops_validate_and_serve(good, data, case):
    breaks, where, what = HOSTILE[case]
    sheet = data / "editions" / "h28" / "actuals" / "from-office.xlsx"
    sheet.write_bytes(breaks(good))
    done = _cli("validate", "--data", str(data))
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    errors = [ln for ln in (done.stdout + done.stderr).splitlines() if str(sheet) in ln]
    assert len(errors) == 1 and where in errors[0] and what in errors[0], done.stdout + done.stderr
    # serve loads the same folder before it listens: a data error on one line, exit 2.
    env_data = {"HOKKAIDO_MAP_DATA": str(data)}
    done = subprocess.run([sys.executable, "-m", "geo.cli", "serve", "--port", "1"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env_data,
                               "HOKKAIDO_MAP_BOUNDARIES": str(boundaries_path())},
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"hokkaido-map: error: {sheet}: ") and what in last, last
