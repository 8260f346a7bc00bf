"""The thin web layer: blueprints that turn the model into pages and JSON."""
