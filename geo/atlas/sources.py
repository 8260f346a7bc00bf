"""Where the boundary file comes from: an explicit path, the environment, the cache, a download.

Order: ``--boundaries PATH`` / ``HOKKAIDO_MAP_BOUNDARIES``; a file already in the local cache
(``HOKKAIDO_MAP_CACHE`` or ``~/.cache/hokkaido-map``) whose sha256 matches; else the pinned
file from SOURCES.md, downloaded with pooch (temporary file in the cache folder, sha256
checked, then renamed: a half-written or wrong file never gets the final name). A cached
file whose hash no longer matches is downloaded again, never served. Boundary data is never
part of the repo.

``HOKKAIDO_MAP_BOUNDARIES_URL`` / ``HOKKAIDO_MAP_BOUNDARIES_SHA256`` override the pinned
address and hash (a mirror, or a local server in tests).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

from geo.errors import BoundaryError

ENV_BOUNDARIES = "HOKKAIDO_MAP_BOUNDARIES"
ENV_CACHE = "HOKKAIDO_MAP_CACHE"
ENV_URL = "HOKKAIDO_MAP_BOUNDARIES_URL"
ENV_SHA256 = "HOKKAIDO_MAP_BOUNDARIES_SHA256"

PINNED_NAME = "N03-21_01_210101.geojson"
PINNED_URL = (
    "https://raw.githubusercontent.com/smartnews-smri/japan-topography/"
    "b403e71eb97f1fdf32f63d16bd485129f703855e/data/municipality/geojson/s0010/"
    "N03-21_01_210101.json"
)
PINNED_SHA256 = "510c69fe570e89c5bb16c1475361ba70631d83bc3456b5c4f3d11137a327be16"
CREDIT = "出典：「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"


def cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "hokkaido-map")


def pinned_url() -> str:
    return os.environ.get(ENV_URL) or PINNED_URL


def pinned_sha256() -> str:
    return (os.environ.get(ENV_SHA256) or PINNED_SHA256).lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_boundaries(
    path: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    sha256: str | None = None,
    directory: Path | None = None,
) -> Path:
    """The boundary file to read. Explicit path, then environment, then cache, then download."""
    if path:
        return Path(path)
    env = os.environ.get(ENV_BOUNDARIES)
    if env:
        return Path(env)
    return download_boundaries(url, sha256, directory)


def download_boundaries(
    url: str | None = None,
    sha256: str | None = None,
    directory: Path | None = None,
    progress: bool | None = None,
) -> Path:
    """The pinned file in the cache: served if its sha256 matches, else (re-)downloaded.

    A download is always announced on stderr (one line before, one after); ``progress`` (the
    bar) defaults to "stderr is a terminal": a bar in a log or a pipe is noise.
    """
    url = url or pinned_url()
    sha256 = (sha256 or pinned_sha256()).lower()
    directory = Path(directory or cache_dir())
    target = directory / PINNED_NAME
    stale = False
    if target.is_file():
        if sha256_of(target) == sha256:
            return target
        stale = True  # edited, truncated or an older pin: replace it, never serve it
    if progress is None:
        progress = sys.stderr.isatty()
    verb = "replacing stale cached" if stale else "first run: downloading"
    print(f"hokkaido-map: {verb} boundary file {url} → {target}", file=sys.stderr)
    try:
        _fetch(url, sha256, directory, progress)
    except BoundaryError as exc:
        if stale:
            # The stale copy must not be picked up later either.
            target.unlink(missing_ok=True)
            raise BoundaryError(
                f"cached file had the wrong sha256 and could not be replaced ({exc.message}); "
                "it was removed",
                path=target,
            ) from None
        raise
    print(f"hokkaido-map: sha256 verified ({sha256[:12]}…), cached for later runs", file=sys.stderr)
    return target


def _fetch(url: str, sha256: str, directory: Path, progress: bool) -> None:
    import pooch  # imported here: only a first run without a local file needs it
    import requests

    pooch_log = pooch.get_logger()
    level = pooch_log.level
    pooch_log.setLevel(logging.WARNING)  # pooch's own "Downloading…" lines go to stderr
    try:
        pooch.retrieve(
            url=url, known_hash=f"sha256:{sha256}", fname=PINNED_NAME, path=directory,
            progressbar=progress,
        )
    except ValueError:  # pooch's hash mismatch; its temporary file is already deleted
        raise BoundaryError(
            f"download refused: sha256 of the downloaded file is not {sha256}; nothing was saved",
            path=url,
        ) from None
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "an error"
        raise BoundaryError(
            f"download failed: the server answered {status}; check {ENV_URL} or give a local "
            f"copy with --boundaries PATH",
            path=url,
        ) from None
    except requests.exceptions.RequestException as exc:
        raise BoundaryError(
            f"cannot download the boundary file ({type(exc).__name__}: offline?). On a machine "
            f"with internet access download {url} , then either give it with --boundaries PATH "
            f"(or {ENV_BOUNDARIES}=PATH) or copy it to {directory / PINNED_NAME}",
            path=url,
        ) from None
    except OSError as exc:
        raise BoundaryError(
            f"cannot write the cache folder ({exc.strerror or exc}); set {ENV_CACHE} to a "
            "writable folder or give the file with --boundaries PATH",
            path=directory,
        ) from None
    finally:
        pooch_log.setLevel(level)
