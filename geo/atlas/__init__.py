"""The atlas layer (地図): municipal boundaries, codes and the 連携地域 → 振興局 → 市町村 hierarchy.

Reads boundary files and ``data/hierarchy.yaml`` into one immutable :class:`~geo.atlas.model.Atlas`,
and turns it into GeoJSON and TopoJSON. May import only ``geo.errors`` and ``geo.yamlfile``.
"""
