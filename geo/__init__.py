"""Hokkaido regional policy map: boundaries and plan → one immutable model → maps, pages, JSON.

The package is layered; each folder is one layer and imports only the layers below it
(``tests/test_layers.py`` checks this)::

    errors, yamlfile,  shared by every layer: ``DataError`` and the problems collector,
    csvfile, frozen,   located YAML, the Excel CSV writer and formula guard, the frozen
    atomic, lru        pydantic base, the all-or-nothing file write, the bounded memo
    atlas/             boundaries → municipalities, 振興局, 連携地域 (the map itself)
    plan/              the plan's projects and KPIs, joined to the atlas (coverage, queries)
    render/            pure functions: model → JSON views, Folium maps, PNG/SVG prints
    web/               Flask blueprints, caching, security, browser assets
    export, cli        the static site and the command line, on top of everything
"""

__version__ = "0.1.0"
