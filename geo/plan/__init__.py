"""The plan layer (計画): regions, projects, 施策 and KPIs as data, and their joins to the atlas.

Loads and validates ``data/``, parses KPIs, computes coverage and the queries pages need.
May import ``geo.atlas`` and the shared modules, never ``geo.render`` or ``geo.web``.
"""
