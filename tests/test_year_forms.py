"""A fiscal year in a URL may be written as the document and the importer write it (R1, R元,
令和元年度, H26, full-width digits): it is redirected (308) to the one URL with the plain number."""

from __future__ import annotations

import pytest
from web_fixtures import app  # noqa: F401


@pytest.mark.parametrize(("asked", "year"), [
    ("R1", 2019), ("R元", 2019), ("令和元年度", 2019), ("H26", 2014), ("平成30年度", 2018),
    ("２０２０", 2020), ("FY2017", 2017), ("r2", 2020),
])
@pytest.mark.parametrize("path", ["/progress", "/api/progress", "/embed/progress", "/progress/report",
                                  "/progress.csv", "/editions/h28/progress"])
def test_the_documents_year_forms_lead_to_one_url(app, path: str, asked: str, year: int) -> None:  # noqa: F811
    client = app.test_client()
    r = client.get(path, query_string={"year": asked, "level": "regions"} if path != "/progress/report"
                   else {"year": asked})
    assert r.status_code == 308
    assert f"year={year}" in r.headers["Location"] and r.headers["Location"].startswith(path)
    assert client.get(r.headers["Location"]).status_code == 200


@pytest.mark.parametrize("asked", ["X", "1900", "R99", "2019x", "令和"])
def test_a_year_that_is_none_is_a_400_that_shows_the_forms(app, asked: str) -> None:  # noqa: F811
    r = app.test_client().get("/api/progress", query_string={"year": asked})
    assert r.status_code == 400
    assert r.get_json()["error"].startswith("year: a fiscal year like 2019, R1, R元, 令和元年度 or H26")
