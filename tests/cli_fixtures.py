"""The command line as a user runs it (a subprocess, no HOKKAIDO_MAP_* from the test run's
environment but the real boundaries), and a CSV line as a spreadsheet would write it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import boundaries_path

ROOT = Path(__file__).resolve().parents[1]


def csv_row(*cells: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``hokkaido-map ARGS`` (as ``python -m geo.cli``) from the checkout; its output as text."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(PYTHONPATH=str(ROOT), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()))
    return subprocess.run([sys.executable, "-m", "geo.cli", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=180)
