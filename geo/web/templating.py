"""Rendering a page: its data (:mod:`geo.render.pages`) plus what every template shares.

:func:`render_page` renders a template with a page's ``data`` (its JSON twin) and ``context``, and
adds from the page's map kind (:mod:`geo.render.kinds`) the map block, the JSON, embed and print
links and the embed snippet. :func:`init_app` installs the one context processor that gives every
template the shared helpers (credit, hierarchy, 推進管理 badges and formatting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask, current_app, render_template, url_for
from markupsafe import Markup, escape

from geo.atlas.sources import CREDIT
from geo.plan.fiscal import fiscal_label
from geo.plan.kpi import parse_unit
from geo.plan.progress import GRADE_LABEL, GRADE_SYMBOL, NO_ACTUALS, Evaluation, value_text
from geo.render.editions import edition_note
from geo.render.model import progress_row
from geo.render.pages import Page
from geo.render.progress import GRADE_COLORS, rate_text, trend_json
from geo.render.progress_maps import share_text
from geo.render.trend import trend_svg
from geo.web.editions import same_page_in, site_url
from geo.web.maps import map_block
from geo.web.state import state

SITE_TITLE = "北海道 地域政策マップ"


def embed_snippet(path: str, title: str, *, width: int | None = None, height: int = 480) -> str:
    """The ``<iframe>`` an editor pastes, and ``/embed.js``, which makes it as tall as its map
    (docs/embedding.md); without the script it keeps ``height``. ``width`` None: the column's
    width, else at most that many pixels (oEmbed). The page script rewrites both addresses from
    the embed link, so a static export gets its own. The server writes an absolute address only
    from ``PUBLIC_URL`` (operator's setting), never from the request's Host: pages are cached and
    shared, so one forged Host header would reach every later visitor."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    size = f'width="100%" height="{height}" style="border:0"' if width is None else \
        f'width="{width}" height="{height}" style="border:0;width:100%;max-width:{width}px"'
    return (f'<iframe src="{escape(base + path)}" title="{escape(title)}" {size} loading="lazy" '
            f'data-hokkaido-map></iframe>\n'
            f'<script src="{escape(base + site_url("oembed.embed_js"))}" async></script>')


def print_links(kind: str, subjects: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(label, PNG URL, SVG URL) of each (label, subject) of a kind's prints."""
    route = state().kinds[kind].print
    return [(label, route.url(url_for, subject, fmt="png"), route.url(url_for, subject, fmt="svg"))
            for label, subject in subjects]


def map_extras(kind: str, subject: str, *, prints: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
    """What the page of a map adds around its data: the map, its JSON twin, its embed (with the
    snippet) and its prints (``prints``: (label, subject) pairs; default the page's own map)."""
    s = state()
    kind_ = s.kinds[kind]
    embed_url = kind_.embed.url(url_for, subject)
    return {
        "map": map_block(kind, subject),
        "json_url": kind_.api.url(url_for, subject),
        "embed_url": embed_url,
        "embed_snippet": embed_snippet(embed_url, kind_.title(s, subject)),
        # oEmbed discovery (base.html): a file per map, so a static host serves it too.
        "oembed_url": url_for("oembed.oembed_file", kind=kind, subject=subject),
        "oembed_title": kind_.title(s, subject),
        "prints": print_links(kind, prints if prints is not None else [("この地図", subject)]),
    }


def render_page(template: str, page: Page, **extras: Any) -> str:
    """``template`` with the page's data, its context, its map's extras, then ``extras``
    (presentation only: the request's selection, a link builder)."""
    around = map_extras(*page.map, prints=extras.pop("prints", None)) if page.map else {}
    return render_template(template, data=page.data, **page.context, **{**around, **extras})


def render_embed(kind: str, subject: str) -> str:
    """The embed page of a map: the map, its legend and credit, a link back to its page."""
    s = state()
    kind_ = s.kinds[kind]
    return render_template("embed.html", map=map_block(kind, subject, True), title=kind_.title(s, subject),
                           back=kind_.page.url(url_for, subject), oembed_title=kind_.title(s, subject),
                           oembed_url=url_for("oembed.oembed_file", kind=kind, subject=subject))


# --- shared template helpers -------------------------------------------------------------------


def grade_badge(ev: Evaluation, *, with_year: bool = True) -> Markup:
    """``◎ 達成（R1・最終）``: symbol and words, the colour only as a swatch beside them."""
    when = ""
    if with_year and ev.year is not None:
        when = f"（{fiscal_label(ev.year).split('(')[0]}{'・最終' if ev.final else ''}）"
    text = f"{GRADE_SYMBOL[ev.grade]} {GRADE_LABEL[ev.grade] if ev.year is not None else NO_ACTUALS}{when}"
    return Markup(
        '<span class="grade" data-grade="{g}"><span class="swatch" style="background:{c}" '
        'aria-hidden="true"></span>{t}</span>'
    ).format(g=ev.grade, c=GRADE_COLORS[ev.grade], t=text)


def trend_block(kid: str) -> dict[str, Any]:
    """A KPI's trend chart (SVG, memoized) and the data of its table."""
    s = state()
    r = progress_row(s, kid)
    data = trend_json(r, s.thresholds, edition=s.edition)
    _, factor = parse_unit(r.kpi.unit_as_written)
    unit = r.kpi.unit_as_written
    title = f"{r.kpi.title}の推移（基準値・見込み・実績・目標値）"
    svg = s.memo(("trend-svg", kid), lambda: trend_svg(data, title, factor, unit, ident=f"trend-{kid}",
                                                       edition=s.edition))
    return {"row": r, "data": data, "svg": Markup(svg), "factor": factor, "unit": unit}


def value_in_unit(value: float | None, factor: int, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value / factor:,.2f}".rstrip("0").rstrip(".") + unit


def _helpers() -> dict[str, Any]:
    return {
        "credit": CREDIT,
        "edition_note": edition_note(state(), dt.date.today()),
        "same_page_in": same_page_in,
        "site_url": site_url,
        "hierarchy": state().atlas.hierarchy,
        "version": state().version,  # of the data: versions the URLs of what pages load
        "kpi_progress": lambda kid: progress_row(state(), kid).latest,
        "grade_badge": grade_badge,
        "trend_block": trend_block,
        "rate_text": rate_text,
        "value_text": value_text,
        "value_in_unit": value_in_unit,
        "fiscal_label": fiscal_label,
        "share_text": share_text,
        "grade_label": GRADE_LABEL,
        "grade_symbol": GRADE_SYMBOL,
        "grade_colors": GRADE_COLORS,
    }


def init_app(app: Flask) -> None:
    app.context_processor(_helpers)
    # Constants as globals, not context: macros imported without context (_trend.html) see them.
    app.jinja_env.globals["NO_ACTUALS"] = NO_ACTUALS
