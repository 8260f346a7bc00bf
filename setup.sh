#!/usr/bin/env bash
# Sets up everything the app and its tests need, in ./.venv (re-runnable, idempotent).
# Library assets (Leaflet, its gesture handling, topojson-client) come from package registries:
# PyPI xstatic-* packages via pip, the rest via npm into ./vendor/npm (git-ignored); never a CDN.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# constraints.txt pins the versions CI tested; drop -c to try newer ones.
.venv/bin/python -m pip install --quiet -e '.[test]' -c constraints.txt
# Browser-side libraries without a PyPI package; exact versions, no lock-file churn.
# axe-core: the accessibility audit injected by tests/browser/test_a11y.py (not served to users).
if [ ! -f vendor/npm/node_modules/topojson-client/dist/topojson-client.min.js ] || [ ! -f vendor/npm/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { echo "setup: npm is needed once for topojson-client and axe-core (apt-get install npm)" >&2; exit 1; }
  npm install --silent --no-audit --no-fund --no-save --prefix vendor/npm topojson-client@3.1.0 axe-core@4.14.1
fi
echo "setup done: .venv ready, browser assets in vendor/npm"
