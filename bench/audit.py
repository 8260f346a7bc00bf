"""Lighthouse audit of the map pages: accessibility, best practices and SEO scores, into a doc.

    python bench/audit.py [--boundaries PATH] [--out docs/accessibility.md] [URL path ...]

Not part of the test suite (about 30 s a page): axe-core in tests/browser/test_a11y.py is the
gate; this records what Lighthouse says. Lighthouse comes from npm into ``vendor/lighthouse``
(pinned; installed on first use) and drives Debian's Chromium (``CHROME_PATH``). Each page is
audited twice: Lighthouse's default mobile emulation and ``--preset=desktop``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CHROMIUM, CHROMIUM_ARGS, DEFAULT_BOUNDARIES, ROOT, Server

LIGHTHOUSE_VERSION = "12.8.2"
PREFIX = ROOT / "vendor" / "lighthouse"
CLI = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("accessibility", "best-practices", "seo")
PAGES = ("/", "/town/01400")
MARKER = "<!-- end of generated part -->"


def install() -> None:
    if CLI.is_file():
        return
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--no-save", "--prefix",
                    str(PREFIX), f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)


def lighthouse(url: str, desktop: bool) -> dict:
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    cmd = ["node", str(CLI), url, "--output=json", "--output-path=stdout", "--quiet",
           f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"]
    if desktop:
        cmd.append("--preset=desktop")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "CHROME_PATH": CHROMIUM})
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse {url}: exit {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
    failing = sorted(
        f"{a['id']}: {a['title']}"
        for c in CATEGORIES for ref in report["categories"][c]["auditRefs"] if ref["weight"]
        for a in [report["audits"][ref["id"]]] if a["score"] is not None and a["score"] < 1
    )
    return {"scores": scores, "failing": failing, "version": report["lighthouseVersion"],
            "chrome": report["environment"]["hostUserAgent"]}


def report(rows: list[dict]) -> str:
    head = rows[0]["result"]
    lines = [
        "# Accessibility audit (Lighthouse)",
        "",
        f"Written by `python bench/audit.py`; rerun it to update. Lighthouse {head['version']}, "
        f"{head['chrome'].split(') ')[-1]}. Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| page | form factor | accessibility | best practices | SEO | not passed |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = row["result"]["scores"]
        lines.append(f"| `{row['path']}` | {row['form']} | "
                     + " | ".join(f"{round(s[c] * 100)}" for c in CATEGORIES)
                     + f" | {'; '.join(row['result']['failing']) or '—'} |")
    lines += ["", "The gate is axe-core in `tests/browser/test_a11y.py` (every page and embed, 1280 and "
              "360 px, no violation of any impact).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "accessibility.md")
    parser.add_argument("paths", nargs="*", default=list(PAGES))
    args = parser.parse_args(argv)
    install()
    rows = []
    with Server(args.boundaries.resolve()) as server:
        for path in args.paths:
            for form, desktop in (("mobile", False), ("desktop", True)):
                print(f"[audit] {path} {form}", file=sys.stderr, flush=True)
                rows.append({"path": path, "form": form, "result": lighthouse(server.base + path, desktop)})
    text = report(rows)
    existing = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    tail = existing.split(MARKER, 1)[1] if MARKER in existing else "\n"
    args.out.write_text(text + "\n" + MARKER + tail, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
