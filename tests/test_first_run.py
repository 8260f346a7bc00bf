"""A newcomer's first five minutes: setup's prerequisite check, `serve`'s start, skipped tests.

``setup.sh --check`` runs with a PATH we build (links to the real tools we keep, small stand-ins
for the ones we fake), so each missing tool is really missing for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import ROOT, boundaries_path

SETUP = ROOT / "setup.sh"
# What setup.sh itself runs besides the prerequisites it checks.
BASICS = ("bash", "dirname", "grep", "cat", "env")


def _bin(tmp_path: Path, real: tuple[str, ...] = (), fake: dict[str, str] | None = None) -> Path:
    """A folder for PATH: links to the real ``BASICS`` and ``real`` tools, and ``fake`` scripts."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in (*BASICS, *real):
        # python3 is this interpreter's base (a pyenv or venv python3 may be a shim needing PATH).
        found = sys.executable if tool == "python3" else shutil.which(tool)
        assert found, f"{tool} is needed to run this test"
        (folder / tool).symlink_to(os.path.realpath(found))
    for name, script in (fake or {}).items():
        (folder / name).write_text("#!/bin/sh\n" + script + "\n")
        (folder / name).chmod(0o755)
    return folder


def _check(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SETUP), "--check"], env={"PATH": str(folder), **env},
                          capture_output=True, text=True, timeout=60)


PRESENT = {"npm": "exit 0", "chromium": "exit 0", "wrk": "exit 0",
           "fc-list": "echo 'IPAGothic:style=Regular'"}


def test_setup_check_names_every_missing_tool_in_one_message(tmp_path):
    folder = _bin(tmp_path, real=("python3",))  # no npm, chromium, fc-list, wrk
    done = _check(folder)
    assert done.returncode == 1  # the app cannot be set up without npm
    err = done.stderr
    assert "missing, needed to run the app:\n  - npm" in err
    tests_part = err.split("missing, needed only for the tests:")[1]
    for tool in ("chromium", "fonts-ipafont-gothic", "wrk"):
        assert tool in tests_part
    assert "apt-get install python3 python3-venv npm chromium fonts-ipafont-gothic wrk" in err
    assert err.count("setup: missing") == 2  # one message, not one failure at a time


def test_setup_check_only_test_tools_missing_lets_setup_go_on(tmp_path):
    folder = _bin(tmp_path, real=("python3",), fake={"npm": "exit 0"})
    done = _check(folder)
    assert done.returncode == 2
    assert "needed to run the app" not in done.stderr
    assert "needed only for the tests:\n  - chromium" in done.stderr


def test_setup_check_old_python(tmp_path):
    old_python = ('case "$*" in *version_info*) exit 1;; *python_version*) echo 3.9.2;; esac')
    folder = _bin(tmp_path, fake={**PRESENT, "python3": old_python})
    done = _check(folder)
    assert done.returncode == 1
    assert "Python ≥ 3.11 (python3 is 3.9.2)" in done.stderr


def test_setup_check_all_present(tmp_path):
    folder = _bin(tmp_path, real=("python3",), fake=PRESENT)
    done = _check(folder)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "setup: all prerequisites found\n"


def test_a_skip_for_a_missing_tool_is_named_and_fails_ci(tmp_path):
    (tmp_path / "test_needs_tool.py").write_text(
        "from missing_tools import require_tool\n\n"
        "def test_a():\n    require_tool('no-such-tool-here', 'apt-get install no-such-tool-here')\n\n"
        "def test_b():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HOKKAIDO_MAP_REQUIRE_TOOLS")}
    env["PYTHONPATH"] = str(ROOT / "tests")
    cmd = [sys.executable, "-m", "pytest", "-p", "missing_tools", "-p", "no:cacheprovider",
           str(tmp_path / "test_needs_tool.py")]
    local = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert local.returncode == 0, local.stdout
    assert "skipped for a missing tool" in local.stdout
    assert "no-such-tool-here (apt-get install no-such-tool-here): 1 test(s) skipped" in local.stdout
    ci = subprocess.run(cmd, cwd=tmp_path, env={**env, "HOKKAIDO_MAP_REQUIRE_TOOLS": "1"},
                        capture_output=True, text=True, timeout=120)
    assert ci.returncode == 1, ci.stdout
    assert "these tools must be installed" in ci.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_says_what_it_loaded_how_to_stop_and_logs_requests():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "serve", "--boundaries", str(boundaries_path()),
         "--port", str(port), "--access-log"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, f"serve stopped: {lines}"
            lines.append(line.rstrip("\n"))
            if "Ctrl+C" in line:
                break
        text = "\n".join(lines)
        assert f"boundaries {boundaries_path()}" in text
        # The document's counts (Part III): 179 市町村 in 14 振興局 and 6 連携地域.
        assert "179 市町村 (+10 区, 6 北方領土), 14 振興局, 6 連携地域" in text
        assert f"plan data {ROOT / 'data'}" in text
        assert "34 projects named (51 stated), 40 KPIs, no KPI actuals (実績未登録)" in text
        assert f"serving http://127.0.0.1:{port}/" in text
        assert lines[-1] == "hokkaido-map: press Ctrl+C to stop"
        for _ in range(50):  # waitress may need a moment after the banner
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?q=%0Aforged", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        logged = proc.stderr.readline()
        assert '"GET /healthz?q=%0Aforged HTTP/1.1" 200' in logged
        assert logged.count("\n") == 1
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_access_log_cannot_be_forged_by_the_request_line():
    import io

    from geo.web.access_log import AccessLog

    def app(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Length", "3")])
        return [b"no\n"]

    out = io.StringIO()
    forged = b'/x HTTP/1.1" 200 1\n127.0.0.1 - - "GET /admin'.decode("latin-1")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": forged + "/北海道".encode().decode("latin-1"),
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    body = b"".join(AccessLog(app, out)(environ, lambda *a: None))
    assert body == b"no\n"
    line = out.getvalue()
    assert line.count("\n") == 1
    assert '\\" 200 1\\x0a127.0.0.1' in line  # quote and newline escaped, in one line
    assert "/北海道 HTTP/1.1\" 404 3 " in line


def test_pyproject_uses_spdx_license():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"  # the table form prints setuptools' deprecation banner
