"""The render layer: pure functions from the atlas and plan to JSON views, Folium maps and prints.

Nothing here reads a request or writes a response. May import ``geo.plan``, ``geo.atlas`` and
the shared modules, never ``geo.web``.
"""
