"""axe-core (npm, vendor/npm) on every page and every embed, at 1280 and 360 px: no violation.

Add a page or an embed by adding its URL to ``PAGES`` or ``EMBEDS``. The audit's context
bypasses the CSP (``script-src 'self'`` would block the injected axe.min.js); only the audit's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.a11y_results import record_axe
from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "vendor" / "npm" / "node_modules" / "axe-core" / "axe.min.js"

PAGES = [
    "/",
    "/?sub=後志",
    "/?level=regions&measure=cross&region=doo",  # the state in the URL: the panel and a note
    "/?town=01400&q=くっちゃん",  # a town's panel, the search's list open
    "/town/01400",
    "/town/01101",
    "/project/yotei-nishiiburi",
    "/kpi",
    "/kpi/yotei-nishiiburi-1",
    "/kpi/family/観光入込客数",
    "/overlap",
    "/region/doo",
    "/region/kushiro-nemuro",
    "/subprefecture/shiribeshi",
    "/subprefecture/nemuro",
    "/progress",  # 実績未登録 here; tests/browser/test_progress_browser.py audits it with actuals
    "/progress/kpi/yotei-nishiiburi-1",
    "/progress/report",
    "/progress/report?year=2016&region=donan",
    "/town/99999",  # the HTML error page: nearest matches, search box
    "/project/yotei-nishiibur",  # a mistyped id: its nearest match
    "/progress?year=R99",  # a 400: the page without the bad parameter
    "/accessibility",
    "/data",  # the data catalogue (issue 22)
]
EMBEDS = [
    "/embed/",
    "/embed/?level=regions&measure=cross",
    "/embed/town/01400",
    "/embed/project/yotei-nishiiburi",
    "/embed/kpi/yotei-nishiiburi-1",
    "/embed/kpi/family/観光入込客数",
    "/embed/overlap",
    "/embed/region/doo",
    "/embed/subprefecture/nemuro",
    "/embed/progress",
    "/embed/progress/kpi/yotei-nishiiburi-1",
]
WIDTHS = {1280: 900, 360: 740}


@pytest.fixture()
def audit_page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run ./setup.sh (npm installs axe-core)")
    made = []

    def make(width: int):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="ja-JP",
                                      bypass_csp=True)
        made.append(context)
        pg = context.new_page()
        pg.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1"
                 else r.abort())
        return pg

    yield make
    for context in made:
        context.close()


def violations(pg) -> list[str]:  # type: ignore[no-untyped-def]
    pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    record_axe(result)  # the criteria of the rules that applied: /accessibility (tests/a11y_results.py)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:5])
            for v in result["violations"]]


@pytest.mark.wcag(axe=True)
@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("url", PAGES + EMBEDS)
def test_axe_finds_nothing(audit_page, live_server, url: str, width: int) -> None:
    pg = audit_page(width)
    response = pg.goto(live_server + url)
    assert response is not None and response.status in (200, 400, 404)
    if response.status == 200:
        wait_for_map(pg) if pg.locator(".map").count() else None
    if url.startswith("/?") and any(k in url for k in ("town=", "sub=", "region=")):
        pg.locator("#panel a").first.wait_for()  # the picked area's panel (index.js), audited too
    found = violations(pg)
    assert not found, f"{url} at {width} px:\n" + "\n".join(found)
