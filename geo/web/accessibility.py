"""``/accessibility``: ウェブアクセシビリティ方針 and 試験結果表 (JIS X 8341-3:2016, level AA).

The criteria file is validated when the blueprint is registered (a broken file stops the app
with ``file:line`` errors, like the plan's files). The test run's results file is read on every
request: the suite writes it while a server may be running, and a page that cached it would
show an older run than the one on disk. See :mod:`geo.render.accessibility`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, make_response, render_template
from flask.blueprints import BlueprintSetupState

from geo.render import accessibility as a11y

bp = Blueprint("accessibility", __name__)
KEY = "accessibility_report"


@bp.record_once
def _load(setup: BlueprintSetupState) -> None:
    app = setup.app
    # The report is about the software, not one edition's plan data: its file sits with the
    # app's data, whatever DATA_DIR a deployment points at (A11Y_CRITERIA overrides it).
    app.extensions[KEY] = a11y.load_report_data(app.config.get("A11Y_CRITERIA") or a11y.CRITERIA_FILE)


@bp.get("/accessibility")
def page() -> Response:
    data: a11y.ReportData = current_app.extensions[KEY]
    path = a11y.results_path(current_app.config, Path(current_app.root_path))
    results, missing = a11y.load_results(path)
    rows = a11y.report_rows(data, results)
    body = render_template(
        "accessibility.html", data=data, rows=rows, results=results, missing=missing,
        counts=a11y.summary_counts(rows), pages=a11y.tested_pages(results),
        PASS=a11y.PASS, FAIL=a11y.FAIL, UNTESTED=a11y.UNTESTED,
    )
    response = make_response(body)
    # Out of the response cache (geo/web/caching.py): the page follows the results file on disk.
    response.headers["Cache-Control"] = "no-store"
    return response
