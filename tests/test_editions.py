"""Plan editions: the shipped one as the document states it, a second one added as a planner
would (copy the folder, edit edition.yaml), and the errors they meet on the way."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import plan_document
import pytest
import yaml
from conftest import ROOT, boundaries_path

from geo.errors import DataError, DataErrors
from geo.plan.edition import edition_folder, load_editions, period_label
from geo.plan.fiscal import fiscal_year_ja
from geo.plan.model import load_plan

H28 = ROOT / "data" / "editions" / "h28"
R3 = "連携地域別政策展開方針（令和3年度〜）"  # a made-up next edition, for the tests only


def test_the_shipped_edition_is_the_documents_own() -> None:
    (only,) = load_editions(ROOT / "data")
    e = only.edition
    assert (e.id, e.period.start, e.period.end, e.period.approximate) == ("h28", 2016, 2020, True)
    text = plan_document.text()
    # The period's sentence is the document's, verbatim, and says what the numbers say.
    sentence = e.period.source.strip("「」")
    assert sentence in text and "平成28年度から概ね5年間" in sentence
    assert fiscal_year_ja(e.period.start) == "平成28年度" and e.period.end - e.period.start + 1 == 5
    assert e.adopted.date is None  # the document names no date
    assert period_label(e) == "平成28年度〜概ね令和2年度"
    assert e.ended(dt.date(2021, 3, 31)) is False and e.ended(dt.date(2021, 4, 1)) is True


def test_fiscal_years_as_the_document_writes_them() -> None:
    assert [fiscal_year_ja(y) for y in (1989, 2016, 2018, 2019, 2020, 2025)] == [
        "平成元年度", "平成28年度", "平成30年度", "令和元年度", "令和2年度", "令和7年度"]


def add_edition(data: Path, folder: str, **changes: object) -> Path:
    """Copy h28 to ``folder`` and change its edition.yaml as a planner would, in a text editor."""
    target = data / "editions" / folder
    shutil.copytree(data / "editions" / "h28", target)
    doc = yaml.safe_load((target / "edition.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key in ("from", "to"):
            doc["period"][key] = value
        else:
            doc[key] = value
    (target / "edition.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    return target


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(ROOT / "data", out)
    return out


def test_the_newest_edition_is_the_default_and_names_what_it_replaced(data: Path) -> None:
    from app import create_app

    add_edition(data, "r3", id="r3", title=R3, **{"from": 2021, "to": 2030})
    assert edition_folder(data) == data / "editions" / "r3"
    assert [e.edition.id for e in load_editions(data)] == ["h28", "r3"]

    new = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data)})
    page = new.test_client().get("/town/01400").get_data(as_text=True)
    assert "連携地域別政策展開方針（令和3年度〜）・対象期間：令和3年度〜概ね令和12年度" in page
    assert "終了しています" not in page  # FY2026 is inside 2021–2030

    old = create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data),
                      "EDITION": "h28"})
    page = old.test_client().get("/town/01400").get_data(as_text=True)
    assert "この方針の対象期間（平成28年度〜概ね令和2年度）は終了しています。" in page
    assert "新しい方針：連携地域別政策展開方針（令和3年度〜）" in page


def test_an_unknown_edition_names_the_known_ones(data: Path) -> None:
    from app import create_app

    with pytest.raises(DataError, match=r"no edition 'r9' \(known: h28\)"):
        create_app({"TESTING": True, "BOUNDARIES": str(boundaries_path()), "DATA_DIR": str(data),
                    "EDITION": "r9"})


def validate(data: Path) -> tuple[int, str, str]:
    from geo.plan.commands import run_validate

    out, err = io.StringIO(), io.StringIO()
    rc = run_validate(boundaries_path(), data, out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_validate_checks_every_edition(data: Path) -> None:
    add_edition(data, "r3", id="r3", title=R3, **{"from": 2021, "to": 2024})
    rc, out, err = validate(data)
    assert rc == 0, err
    headers = [line for line in out.splitlines() if line.startswith("edition ")]
    assert headers == ["edition h28: 連携地域別政策展開方針（平成28年度〜）（平成28年度〜概ね令和2年度）",
                       "edition r3: 連携地域別政策展開方針（令和3年度〜）（令和3年度〜概ね令和6年度）"]
    assert out.count("KPIs parsed: 40") == 2


@pytest.mark.parametrize(("changes", "message"), [
    ({"from": 2021, "to": 2024}, r"r3/edition\.yaml:\d+: id: 'h28' is also the id of .*h28/edition\.yaml"),
    ({"id": "r3"},
     r"r3/edition\.yaml:\d+: period\.from: 2016 is also the period\.from of .*h28/edition\.yaml"),
    ({"id": "r3", "from": 2021, "to": 2019},
     r"r3/edition\.yaml:\d+: period\.to: the period ends \(FY2019\) before it starts \(FY2021\)"),
    ({"id": "r3", "from": 20021}, r"r3/edition\.yaml:\d+: period\.from: Input should be less than or equal"),
    ({"id": "R 3", "from": 2021}, r"r3/edition\.yaml:\d+: id: String should match pattern"),
])
def test_a_planners_mistakes_are_named_by_file_line_and_field(data: Path, changes, message) -> None:
    add_edition(data, "r3", **changes)
    rc, _out, err = validate(data)
    assert rc == 1
    assert re.search(message, err), err
    assert "Traceback" not in err
    with pytest.raises(DataErrors):
        load_editions(data)


def test_a_missing_title_and_no_editions_at_all(data: Path) -> None:
    target = add_edition(data, "r3", id="r3", **{"from": 2021})
    text = (target / "edition.yaml").read_text(encoding="utf-8")
    (target / "edition.yaml").write_text(re.sub(r"^title:.*\n", "", text, flags=re.M), encoding="utf-8")
    assert re.search(r"r3/edition\.yaml:\d+: title: Field required", validate(data)[2])
    shutil.rmtree(data / "editions")
    (data / "editions").mkdir()
    rc, _out, err = validate(data)
    assert rc == 1 and "editions: no edition: make a folder editions/<id>/ with an edition.yaml" in err


def test_an_edition_reads_its_own_files(data: Path) -> None:
    """A project renamed in the new edition's files is renamed there only."""
    target = add_edition(data, "r3", id="r3", **{"from": 2021, "to": 2024})
    old_plan = load_plan(data / "editions" / "h28")
    project = old_plan.projects_of("doo")[0]
    doo = target / "projects" / "doo.yaml"
    text = doo.read_text(encoding="utf-8")
    doo.write_text(text.replace(f"name: {project.name}\n", "name: 新しい名前\n", 1), encoding="utf-8")
    new_plan = load_plan(data)  # the data folder: its newest edition, r3
    assert new_plan.project(project.id).name == "新しい名前"
    assert load_plan(data / "editions" / "h28").project(project.id).name == project.name


def test_a_folder_of_thousands_of_editions_is_refused_before_any_is_read(tmp_path: Path) -> None:
    from geo.plan.edition import MAX_EDITIONS

    for i in range(MAX_EDITIONS + 1):
        (tmp_path / "editions" / f"e{i}").mkdir(parents=True)
    with pytest.raises(DataErrors, match=rf"{MAX_EDITIONS + 1} folders; at most {MAX_EDITIONS} editions"):
        load_editions(tmp_path)
