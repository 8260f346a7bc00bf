#!/usr/bin/env bash
# Sets up everything the app and its tests need, in ./.venv (re-runnable, idempotent).
#   ./setup.sh          check prerequisites, then install
#   ./setup.sh --check  only check prerequisites: one message naming everything missing
# Library assets (Leaflet, its gesture handling, topojson-client) come from package registries:
# PyPI xstatic-* packages via pip, the rest via npm into ./vendor/npm (git-ignored); never a CDN.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
APT_LINE="apt-get install python3 python3-venv npm chromium fonts-ipafont-gothic wrk"

# Prints one message with everything missing. Returns 1 if the app cannot be set up, 2 if only
# what the tests need is missing, 0 if nothing is.
check_prerequisites() {
  local app=() tests=()
  if ! command -v "$PYTHON" >/dev/null; then
    app+=("Python ≥ 3.11 ($PYTHON not found; set PYTHON=/path/to/python3.11 to use another)")
  elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    app+=("Python ≥ 3.11 ($PYTHON is $("$PYTHON" -c 'import platform; print(platform.python_version())'))")
  elif ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    app+=("Python's venv module (python3-venv)")
  fi
  command -v npm >/dev/null || app+=("npm (installs the browser libraries once)")
  command -v chromium >/dev/null || tests+=("chromium (browser tests)")
  # grep without -q: it reads all of fc-list's output, so pipefail sees no SIGPIPE.
  { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -i ipa >/dev/null; } \
    || tests+=("an IPA font, fonts-ipafont-gothic (Japanese in browser screenshots)")
  command -v wrk >/dev/null || tests+=("wrk (load test)")
  if [ ${#app[@]} -eq 0 ] && [ ${#tests[@]} -eq 0 ]; then
    return 0
  fi
  {
    if [ ${#app[@]} -gt 0 ]; then
      echo "setup: missing, needed to run the app:"
      printf '  - %s\n' "${app[@]}"
    fi
    if [ ${#tests[@]} -gt 0 ]; then
      echo "setup: missing, needed only for the tests:"
      printf '  - %s\n' "${tests[@]}"
    fi
    echo "On Debian or Ubuntu, as root: $APT_LINE"
  } >&2
  [ ${#app[@]} -eq 0 ] && return 2
  return 1
}

status=0
check_prerequisites || status=$?
if [ "${1:-}" = "--check" ]; then
  [ "$status" -eq 0 ] && echo "setup: all prerequisites found"
  exit "$status"
fi
[ "$status" -eq 1 ] && exit 1

"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# constraints.txt pins the versions CI tested; drop -c to try newer ones.
.venv/bin/python -m pip install --quiet -e '.[test]' -c constraints.txt
# Browser-side libraries without a PyPI package; exact versions, no lock-file churn.
# axe-core: the accessibility audit injected by tests/browser/test_a11y.py (not served to users).
# One command for both: npm --no-save removes what the same prefix holds but this call does not name.
if [ ! -f vendor/npm/node_modules/topojson-client/dist/topojson-client.min.js ] || [ ! -f vendor/npm/node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-audit --no-fund --no-save --prefix vendor/npm topojson-client@3.1.0 axe-core@4.14.1
fi
echo "setup: done (.venv ready, browser libraries in vendor/npm)"
echo "setup: run the app with  .venv/bin/hokkaido-map serve  and the tests with  .venv/bin/python -m pytest"
