"""Every URL of the site, for the static export: derived from the map kinds registry.

For each registered kind and each of its subjects: the page, the embed, the JSON twin and both map
scripts. Then what no map kind owns: the lists, the CSV tables, the geometry. Then the same for
every other edition, under ``/editions/<id>/``, and the list of editions.
"""

from __future__ import annotations

from flask import Flask, url_for

from geo.render.views import LEVELS
from geo.web.assets import bundle_url
from geo.web.editions import edition_request_context
from geo.web.maps import map_script_url, topology_script_url
from geo.web.state import State, edition_states, state

# JSON lists and tables that belong to no single map.
LISTS = ("pages.kpi_index", "pages.coverage_csv", "api.regions", "api.subprefectures", "api.municipalities",
         "api.projects", "api.kpis")


def kind_urls(s: State) -> list[str]:
    """Page, embed, JSON twin and map scripts of every subject of every map kind."""
    urls: list[str] = []
    for kind in s.kinds:
        for subject in kind.subjects(s):
            urls += [kind.page.url(url_for, subject), kind.embed.url(url_for, subject),
                     kind.api.url(url_for, subject),
                     map_script_url(kind.name, subject), map_script_url(kind.name, subject, embed=True),
                     url_for("oembed.oembed_file", kind=kind.name, subject=subject)]  # oEmbed discovery
    return urls


def site_urls(s: State) -> list[str]:
    """Every page, embed, map script and JSON URL of the site (call inside a request context)."""
    urls = kind_urls(s) + [url_for(endpoint) for endpoint in LISTS]
    urls += [url_for("api.topology", v=s.version), topology_script_url()]
    urls += [url_for("assets.icon", name="favicon.ico"), url_for("api.search_data", v=s.version),
             bundle_url("search.js")]  # the search box loads these on first use
    urls += [url_for("oembed.embed_js"), bundle_url("frame.js")]  # the embed snippet's two halves
    urls += [url_for("api.geojson", level=lv) for lv in LEVELS]
    hierarchy = s.atlas.hierarchy
    urls += [url_for("areas.region_csv", rid=r.id) for r in hierarchy.regions]
    urls += [url_for("areas.subprefecture_csv", key=x.id) for x in hierarchy.subprefectures]
    urls += [url_for("api.subprefecture", key=x.short) for x in hierarchy.subprefectures]  # by short name too
    # 推進管理 filtered by area: what a click on the progress maps opens (their areas' links).
    urls += [url_for("progress.index", region=r.id) for r in hierarchy.regions]
    urls += [url_for("progress.index", sub=x.short) for x in hierarchy.subprefectures]
    from geo.web.data import data_urls  # /data, its ZIP and every map's data (issue 22)

    urls += data_urls(s)
    return list(dict.fromkeys(urls))  # one each, in order (a kind's page may serve many subjects)


def every_edition_urls(app: Flask) -> list[str]:
    """:func:`site_urls` of the default edition (the bare URLs), the editions list and its
    JSON, then :func:`site_urls` of every other edition under ``/editions/<id>/``, newest first."""
    with edition_request_context(app, None):
        default = state().default_edition
        urls = [*site_urls(state()), url_for("editions.index"), url_for("editions.api_index")]
        others = [eid for eid in reversed(list(edition_states())) if eid != default]
    for eid in others:
        with edition_request_context(app, eid):
            urls += site_urls(state())
    return list(dict.fromkeys(urls))
