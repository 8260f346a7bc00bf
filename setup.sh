#!/usr/bin/env bash
# Sets up everything the app and its tests need, in ./.venv (re-runnable, idempotent).
# Library assets (Leaflet, d3 v3, jQuery …) come from package registries, never from a CDN.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
echo "setup done: .venv ready"
