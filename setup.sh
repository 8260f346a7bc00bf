#!/usr/bin/env bash
# Sets up everything the app and its tests need, in ./.venv (re-runnable, idempotent).
# Library assets (Leaflet, d3 v3, jQuery …) come from package registries, never from a CDN:
# PyPI xstatic-* packages via pip, the rest via npm into ./vendor/npm (git-ignored).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Browser-side libraries without a PyPI package; exact versions, no lock-file churn.
if [ ! -f vendor/npm/node_modules/topojson-client/dist/topojson-client.min.js ]; then
  command -v npm >/dev/null || { echo "setup: npm is needed once for topojson-client (apt-get install npm)" >&2; exit 1; }
  npm install --silent --no-audit --no-fund --no-save --prefix vendor/npm topojson-client@3.1.0
fi
echo "setup done: .venv ready, browser assets in vendor/npm"
