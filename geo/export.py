"""Static export: every page, embed, JSON and geometry file as a site for any static host or file://.

How: crawl the app with Flask's test client (no server), starting from ``site_urls(state)``
(:mod:`geo.web.site`: every subject of every map kind, and the lists); follow the
local URLs each HTML/CSS file references (library assets come along that way). Then:

- files: ``/`` → ``index.html``; ``/a/`` → ``a/index.html``; ``/a`` (HTML) → ``a.html``; a URL
  without extension gets one from its media type (``/api/x`` JSON → ``api/x.json``); a query
  other than ``?v=`` is folded into the name (``map__level-region.html``);
- HTML and CSS: absolute local URLs are rewritten to relative ones, depth-aware;
- data for ``fetch()``: JS is not rewritten (one JS file serves pages of every depth). Instead
  each HTML page gets ``_export/shim.js``, which knows the URL → file map and wraps ``fetch``:
  over http(s) it fetches the exported file; from file://, where Chromium refuses fetch(), it
  loads the ``.js`` twin the export writes beside every JSON file (it sets a global);
- atomic: everything is written into a temporary folder beside OUT_DIR, checked (no absolute
  path of this machine in any file), then swapped in with renames; on error OUT_DIR is untouched;
- re-runs: a file whose content hash equals the one already in OUT_DIR is hard-linked, not
  rewritten (mtime kept, so rsync to a host sends only what changed);
- never someone else's folder: OUT_DIR (symlinks resolved first) must be missing, empty, or a
  previous export, under an existing writable parent, checked before anything is crawled and again
  just before the swap; the hidden temporary folder is removed on SIGTERM/SIGHUP/SIGINT and at
  exit, and one left by a killed (SIGKILL) run is removed by the next one;
- a previous export is proved, not assumed (issue 26: any ``_export/manifest.txt`` used to do):
  its manifest (:func:`manifest_bytes`) lists the sha256 of every file the export wrote and ends
  with the sha256 of itself. The folder is replaced only if that manifest is intact and the
  folder holds nothing else: every file listed, with the content listed (a file added or edited
  since is someone's work), no link, no other folder. Otherwise the export refuses, naming the
  folder and the first file at fault.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

from flask import Flask

SHIM_DIR = "_export"
SHIM_FILE = f"{SHIM_DIR}/shim.js"
MANIFEST = f"{SHIM_DIR}/manifest.txt"  # what the export wrote: only that is ever deleted
MANIFEST_HEAD = "hokkaido-map export manifest, format 2"
_MANIFEST_LINE = re.compile(r"(?P<digest>[0-9a-f]{64})  (?P<path>[^\n]+)")
DATA_GLOBAL = "__HOKKAIDO_MAP_DATA__"
EXTENSIONS = {
    "text/html": ".html",
    "application/json": ".json",
    "application/geo+json": ".geojson",
    "application/javascript": ".js",
    "text/javascript": ".js",
    "text/css": ".css",
    "image/svg+xml": ".svg",
    "image/png": ".png",
    "text/plain": ".txt",
}
TEXT_TYPES = ("text/", "application/json", "application/geo+json", "application/javascript",
              "image/svg+xml")
# A local absolute URL in an attribute, a CSS url() or a quoted string: "/x…", never "//host".
_LOCAL_REF = re.compile(r"""(?P<pre>["'(=]\s*)(?P<url>/(?!/)[A-Za-z0-9_\-./%~]*(?:\?[^"'()\s<>#]*)?)""")
_CSS_URL = re.compile(r"""url\(\s*["']?(?P<url>[^"')\s]+)["']?\s*\)""")
_HTML_REF = re.compile(r"""(?:src|href)\s*=\s*["'](?P<url>[^"'#]+)["']""", re.I)

# The page-side half of the export: wraps fetch (and XHR) so page code written for the live app
# (fetch("/api/…")) works on a static host and from file://. Filled in by ``_shim``.
SHIM_JS = """\
/* hokkaido-map static export: URL → file map and a fetch() that works from file:// */
(function () {
  "use strict";
  var FILES = /*FILES*/{};
  var DATA = /*DATA*/[];
  var root = new URL(window.HOKKAIDO_MAP_ROOT || "./", document.baseURI);
  var byFile = {}, isData = {}, G = window.__DATA_GLOBAL__ = window.__DATA_GLOBAL__ || {};
  Object.keys(FILES).forEach(function (u) { byFile[FILES[u]] = u; });
  DATA.forEach(function (u) { isData[u] = true; });

  function lookup(input) {
    var s = typeof input === "string" ? input : (input && input.url) || String(input);
    s = s.split("#")[0];
    if (s.charAt(0) === "/" && s.charAt(1) !== "/") {  // app-absolute, as the live app writes it
      if (FILES[s]) return {url: s, file: FILES[s]};
      var bare = s.split("?")[0];
      return FILES[bare] ? {url: bare, file: FILES[bare]} : null;
    }
    var abs = new URL(s, document.baseURI);
    if (abs.href.indexOf(root.href) !== 0) return null;
    var rel = decodeURIComponent(abs.pathname.slice(root.pathname.length));
    return byFile[rel] ? {url: byFile[rel], file: rel} : null;
  }

  function loadTwin(hit) {
    return new Promise(function (resolve, reject) {
      if (hit.url in G) return resolve();
      var s = document.createElement("script");
      s.src = new URL(hit.file + ".js", root).href;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new TypeError("cannot load " + hit.file + ".js")); };
      (document.head || document.documentElement).appendChild(s);
    });
  }

  var nativeFetch = window.fetch ? window.fetch.bind(window) : null;
  window.fetch = function (input, init) {
    var hit = lookup(input);
    if (!hit) return nativeFetch(input, init);
    if (location.protocol === "file:" && isData[hit.url]) {  // Chromium: no fetch() on file://
      return loadTwin(hit).then(function () {
        return new Response(JSON.stringify(G[hit.url]), {
          status: 200, headers: {"Content-Type": "application/json"}});
      });
    }
    return nativeFetch(new URL(hit.file, root).href, init);
  };

  var open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) {
    var hit = lookup(url);
    var args = Array.prototype.slice.call(arguments);
    if (hit) args[1] = new URL(hit.file, root).href;
    return open.apply(this, args);
  };
  // A page's own links are rewritten; a link the page script builds (a map click, a search
  // result, the panel) goes through HokkaidoMap.href, which asks this for the exported file.
  function href(url) {
    var hit = lookup(url);
    return hit ? new URL(hit.file, root).href : url;
  }
  window.HOKKAIDO_MAP_EXPORT = {files: FILES, lookup: lookup, href: href};
})();
"""


class ExportError(RuntimeError):
    pass


@dataclass
class ExportReport:
    out_dir: Path
    files: int = 0
    written: int = 0
    unchanged: int = 0
    bytes: int = 0
    seconds: float = 0.0
    urls: list[str] = field(default_factory=list)


# -- which URLs ---------------------------------------------------------------------------------
def start_urls(app: Flask) -> list[str]:
    """Every URL of the site, of every edition (:func:`geo.web.site.every_edition_urls`, from
    the map kinds registry)."""
    from geo.web.site import every_edition_urls

    return every_edition_urls(app)


# -- URL → file ---------------------------------------------------------------------------------
def file_for(url: str, mimetype: str | None) -> str:
    """Relative POSIX path of the exported file for a URL (see module docstring)."""
    parts = urlsplit(url)
    # The file is named as the browser will ask for it: decoded (観光入込客数.html, not %E8…).
    path = unquote(parts.path) or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "v"]
    if path.endswith("/"):
        path += "index.html" if mimetype in (None, "text/html") else "index" + EXTENSIONS.get(
            mimetype, "")
    stem, ext = posixpath.splitext(path)
    if query:  # fold the query into the name: a static host serves one file per path
        # \w keeps 空知 readable (and distinct): hosts and file:// take UTF-8 names.
        stem += "__" + "_".join(re.sub(r"[^\w.\-]", "-", f"{k}-{v}") for k, v in query)
    if not ext:  # keep an extension the URL has (.topojson served as JSON stays .topojson)
        ext = EXTENSIONS.get(mimetype or "", "")
    return (stem + ext).lstrip("/")


def relative(target: str, from_file: str) -> str:
    """Relative URL from the folder of ``from_file`` to ``target`` (both export-relative)."""
    rel = posixpath.relpath(target, posixpath.dirname(from_file) or ".")
    return quote(rel, safe="/")  # a URL again: 観光入込客数.html → %E8%A6%B3….html


def root_prefix(from_file: str) -> str:
    depth = from_file.count("/")
    return "../" * depth or "./"


# -- crawl --------------------------------------------------------------------------------------
@dataclass
class _Fetched:
    url: str
    mimetype: str
    body: bytes
    file: str


def _discover(url: str, mimetype: str, text: str) -> set[str]:
    found: set[str] = set()
    if mimetype == "text/html":
        found |= {m["url"] for m in _HTML_REF.finditer(text)}
        found |= {m["url"] for m in _LOCAL_REF.finditer(text)}
    if mimetype in ("text/html", "text/css"):
        found |= {m["url"] for m in _CSS_URL.finditer(text)}
    out = set()
    for ref in found:
        if ref.startswith(("data:", "http:", "https:", "mailto:", "javascript:", "//", "#")):
            continue
        absolute = urljoin(url, html.unescape(ref))  # href="/?a=1&amp;b=2" means a=1&b=2
        if absolute.startswith("/"):
            out.add(absolute.split("#")[0])
    return out


def crawl(app: Flask, urls: Iterable[str], progress: bool = True,
          skip: tuple[str, ...] = ()) -> dict[str, _Fetched]:
    """GET every URL (and what HTML/CSS references, except under ``skip`` prefixes); the given
    URLs must answer 200."""
    from tqdm import tqdm

    required = list(dict.fromkeys(urls))
    queue = list(required)
    seen = set(queue)
    fetched: dict[str, _Fetched] = {}
    client = app.test_client()
    bar = tqdm(total=len(queue), desc="export", unit="url", disable=not progress)
    while queue:
        url = queue.pop(0)
        response = client.get(url)  # no Accept-Encoding: plain bytes
        bar.update()
        if response.status_code != 200:
            if url in required:
                raise ExportError(f"{url}: HTTP {response.status_code}")
            continue  # a discovered string that was not a URL of this app (e.g. a JS regex)
        mimetype = response.mimetype or "application/octet-stream"
        body = response.get_data()
        fetched[url] = _Fetched(url, mimetype, body, file_for(url, mimetype))
        if mimetype in ("text/html", "text/css"):
            for ref in sorted(_discover(url, mimetype, body.decode("utf-8", "replace")) - seen):
                seen.add(ref)
                if ref.startswith(skip):
                    continue
                queue.append(ref)
                bar.total += 1
        response.close()
    bar.close()
    return fetched


# -- rewrite ------------------------------------------------------------------------------------
def _rewrite(item: _Fetched, files: dict[str, str]) -> bytes:
    """Absolute local URLs of an HTML/CSS file → relative to that file."""
    text = item.body.decode("utf-8")

    def swap(m: re.Match[str]) -> str:
        url = html.unescape(m["url"])
        target = files.get(url) or files.get(url.split("?")[0])
        if target is None:
            return m.group(0)
        return m["pre"] + relative(target, item.file)

    text = _LOCAL_REF.sub(swap, text)
    if item.mimetype == "text/html":
        shim = relative(SHIM_FILE, item.file)
        root = root_prefix(item.file)
        tag = (f'<script>window.HOKKAIDO_MAP_ROOT="{root}";</script>'
               f'<script src="{shim}"></script>')
        # Before the first script, so fetch is wrapped before any page code runs.
        text = re.sub(r"(<script\b)", lambda m: tag + m.group(1), text, count=1) if "<script" in text \
            else text.replace("</head>", tag + "</head>", 1)
    return text.encode("utf-8")


def _data_twin(url: str, body: bytes) -> bytes:
    """``x.json.js``: the same data as a script that sets a global (file:// cannot fetch)."""
    payload = body.decode("utf-8")
    return (f"(window.{DATA_GLOBAL}=window.{DATA_GLOBAL}||{{}})[{json.dumps(url)}]={payload};\n"
            ).encode()


def _fetched_by_scripts(url: str) -> bool:
    """The page scripts fetch only the JSON API (the overview's counts, an area, the search
    data, the topology): those get a script twin. The data downloads under /data (a map's CSV
    and GeoJSON, ~60 MB of GeoJSON in all) are links a person follows: no twin."""
    return "/api/" in url


def _shim(files: dict[str, str]) -> bytes:
    data_urls = {u: f for u, f in files.items()
                 if f.endswith((".json", ".geojson", ".topojson")) and _fetched_by_scripts(u)}
    table = json.dumps(files, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = json.dumps(sorted(data_urls), ensure_ascii=False, separators=(",", ":"))
    return (SHIM_JS.replace("/*FILES*/{}", table).replace("/*DATA*/[]", data)
            .replace("__DATA_GLOBAL__", DATA_GLOBAL)).encode("utf-8")


def build_files(fetched: dict[str, _Fetched]) -> dict[str, bytes]:
    """Export-relative path → bytes, for every crawled URL plus twins and the shim."""
    files = {url: f.file for url, f in fetched.items()}
    by_file: dict[str, _Fetched] = {}
    for item in fetched.values():
        first = by_file.setdefault(item.file, item)
        if first.body != item.body:
            raise ExportError(f"{first.url} and {item.url} would both be written to {item.file}")
    out: dict[str, bytes] = {}
    for item in fetched.values():
        if item.mimetype in ("text/html", "text/css"):
            out[item.file] = _rewrite(item, files)
        else:
            out[item.file] = item.body
        if item.mimetype in ("application/json", "application/geo+json") and _fetched_by_scripts(item.url):
            out[item.file + ".js"] = _data_twin(item.url, item.body)
    out[SHIM_FILE] = _shim(files)
    folders = {path.rsplit("/", n)[0] for path in out for n in range(1, path.count("/") + 1)}
    clashes = sorted(p for p in out if p in folders)
    if clashes:
        raise ExportError(f"a file and a folder share a name: {clashes[:3]}")
    out[MANIFEST] = manifest_bytes(out)
    return out


# -- write --------------------------------------------------------------------------------------
def forbidden_strings(out_dir: Path, extra: Iterable[Path] = ()) -> list[str]:
    """Absolute paths of this machine that no exported file may contain."""
    repo = Path(__file__).resolve().parent.parent
    paths = {repo, out_dir.resolve(), out_dir.resolve().parent, *extra}
    home = Path.home()
    strings = {str(p) for p in paths if str(p) not in ("/", "")}
    strings.add(str(home) + "/")
    return sorted(strings, key=len, reverse=True)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """``_export/manifest.txt`` for ``files``: a head line, the count, ``sha256  path`` of every
    file (the manifest itself left out), and last the sha256 of all the lines before it, so a
    manifest that was not written whole by this function is told apart."""
    listed = sorted(rel for rel in files if rel != MANIFEST)
    bad = next((rel for rel in listed if "\n" in rel or "\r" in rel), None)
    if bad is not None:
        raise ExportError(f"a file name with a line break cannot be listed: {bad!r}")
    lines = [MANIFEST_HEAD, f"files: {len(listed)}", *(f"{_digest(files[rel])}  {rel}" for rel in listed)]
    body = "\n".join(lines) + "\n"
    return (body + f"sha256: {_digest(body.encode())}\n").encode()


def read_manifest(data: bytes) -> dict[str, str] | None:
    """Path → sha256 from a manifest :func:`manifest_bytes` wrote; None for any other file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body, sep, seal = text.rpartition("sha256: ")
    lines = body.split("\n")[:-1]
    if not sep or seal != f"{_digest(body.encode())}\n" or lines[:1] != [MANIFEST_HEAD]:
        return None
    listed = {}
    for line in lines[2:]:
        m = _MANIFEST_LINE.fullmatch(line)
        if m is None:
            return None
        listed[m["path"]] = m["digest"]
    return listed if lines[1:2] == [f"files: {len(listed)}"] else None


def _foreign_entry(real: Path, listed: dict[str, str]) -> str | None:
    """The first thing in ``real`` the export did not write as it is now, said as why."""
    folders = {posixpath.dirname(rel) for rel in listed} | {SHIM_DIR}
    folders |= {f for d in list(folders) for f in _parents(d)}
    for root, dirs, names in os.walk(real):
        here = Path(root)
        for name in sorted(dirs + names):
            path = here / name
            rel = path.relative_to(real).as_posix()
            if path.is_symlink():
                return f"{rel} is a link, which the export never writes"
            if path.is_dir():
                if rel not in folders:
                    return f"{rel}/ is a folder the export did not write"
            elif rel != MANIFEST and rel not in listed:
                return f"{rel} is a file the export did not write"
            elif rel != MANIFEST and _digest(path.read_bytes()) != listed[rel]:
                return f"{rel} was changed since the export wrote it"
    return None


def _parents(folder: str) -> list[str]:
    out = []
    while folder:
        out.append(folder)
        folder = posixpath.dirname(folder)
    return out


def _check_previous_export(real: Path, shown: str) -> None:
    """ExportError unless ``real`` holds exactly what its manifest says the export wrote."""
    manifest = real / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        raise ExportError(f"{shown} is not empty and not a previous export (no {MANIFEST}); "
                          "choose a new or empty folder")
    listed = read_manifest(manifest.read_bytes())
    if listed is None:
        raise ExportError(f"{shown}: {MANIFEST} was not written by hokkaido-map export (or was edited); "
                          "nothing is deleted: choose a new or empty folder")
    foreign = _foreign_entry(real, listed)
    if foreign is not None:
        raise ExportError(f"{shown}: {foreign}; nothing is deleted: move it away or choose another folder")


def check_out_dir(out_dir: str | Path) -> Path:
    """The real folder to (re)write, or ExportError (one line) if it is not ours to replace."""
    given = Path(out_dir)
    real = Path(os.path.realpath(given))  # a symlink is followed explicitly: its target is judged
    shown = f"{given}" if real == given.absolute() else f"{given} (→ {real})"
    if real.exists() and not real.is_dir():
        raise ExportError(f"{shown} exists and is not a folder")
    if real.is_dir() and any(real.iterdir()):
        _check_previous_export(real, shown)
    if real == real.parent:
        raise ExportError(f"{shown}: cannot replace the root folder")
    # Missing parents are created later; the nearest existing one must be a writable folder.
    existing = next(p for p in real.parents if p.exists())
    if not existing.is_dir():
        raise ExportError(f"{existing} is not a folder: cannot create {real}")
    try:  # really try: os.access says yes to root on a read-only filesystem
        Path(tempfile.mkdtemp(prefix=".hokkaido-map-probe-", dir=existing)).rmdir()
    except OSError as exc:
        raise ExportError(f"{existing}: not writable ({exc.strerror}); the export is built beside "
                          f"{real.name}") from None
    return real


def _tmp_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.tmp-"


def _remove_stale_tmp(out_dir: Path) -> None:
    """Temporary folders of killed runs (SIGKILL gives no chance to clean up): pid not alive."""
    for old in out_dir.parent.glob(_tmp_prefix(out_dir) + "*"):
        pid = old.name[len(_tmp_prefix(out_dir)):].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)


class _CleanUp:
    """Remove ``tmp`` when the process is ended by a signal or exits while writing."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._old: dict[int, object] = {}

    def _remove(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _on_signal(self, signum: int, frame: object) -> None:
        self._remove()
        raise SystemExit(128 + signum)

    def __enter__(self) -> _CleanUp:
        atexit.register(self._remove)
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._old[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        atexit.unregister(self._remove)


def write_site(files: dict[str, bytes], out_dir: Path) -> tuple[int, int]:
    """Atomically replace ``out_dir`` with ``files``; returns (written, unchanged)."""
    out_dir = check_out_dir(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir.parent}: cannot create ({exc.strerror})") from None
    _remove_stale_tmp(out_dir)
    if MANIFEST not in files:
        files = {**files, MANIFEST: manifest_bytes(files)}
    tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_prefix(out_dir)}{os.getpid()}-", dir=out_dir.parent))
    with _CleanUp(tmp):
        return _fill(files, out_dir, tmp)


def _fill(files: dict[str, bytes], out_dir: Path, tmp: Path) -> tuple[int, int]:
    written = unchanged = 0
    try:
        banned = [s.encode() for s in forbidden_strings(out_dir, [tmp])]
        for rel, data in sorted(files.items()):
            leaked = next((s for s in banned if s in data), None)
            if leaked is not None:
                raise ExportError(f"{rel} contains a local path ({leaked.decode()!r})")
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            old = out_dir / rel
            same = old.is_file() and old.stat().st_size == len(data)
            if same and _digest(old.read_bytes()) == _digest(data):
                try:
                    os.link(old, dest)  # same bytes: keep the old file (and its mtime)
                except OSError:
                    shutil.copy2(old, dest)
                unchanged += 1
                continue
            dest.write_bytes(data)
            written += 1
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written, unchanged


def _swap(tmp: Path, out_dir: Path) -> None:
    os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a web server must be able to read it
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a folder")
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def export_site(app: Flask, out_dir: str | Path, progress: bool = True,
                with_print: bool = False) -> ExportReport:
    """Crawl ``app`` and write the static site into ``out_dir`` (replaced atomically).

    ``with_print`` adds the PNG/SVG of every map (~500 files, ~250 MB, minutes to draw);
    without it the pages are exported without their print links.
    """
    started = time.perf_counter()
    check_out_dir(out_dir)  # before minutes of crawling, not after
    out_dir = Path(out_dir)
    urls = start_urls(app)
    pages = app.extensions.get("response_cache")
    app.config["PRINT_LINKS"] = with_print
    try:
        if pages is not None:
            pages.clear()  # pages rendered with the other setting must not be reused
        fetched = crawl(app, urls, progress=progress, skip=() if with_print else ("/print/",))
    finally:
        app.config["PRINT_LINKS"] = True
        if pages is not None:
            pages.clear()
    files = build_files(fetched)
    written, unchanged = write_site(files, out_dir)
    return ExportReport(
        out_dir=out_dir, files=len(files), written=written, unchanged=unchanged,
        bytes=sum(len(b) for b in files.values()), seconds=time.perf_counter() - started,
        urls=urls,
    )
