"""The web layer: thin Flask blueprints that turn the model into pages and JSON.

Blueprints, caching, security headers and the browser assets (``static/``). May import
``geo.render``, ``geo.plan``, ``geo.atlas`` and the shared modules, never ``geo.export`` or ``geo.cli``.
"""
