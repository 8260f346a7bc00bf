"""Where the boundary file comes from: an explicit path, the environment, the cache, a download.

Order: ``--boundaries PATH`` / ``HOKKAIDO_MAP_BOUNDARIES``; a file already in the local cache
(``HOKKAIDO_MAP_CACHE`` or ``~/.cache/hokkaido-map``); else the pinned file from SOURCES.md,
downloaded with pooch and checked against its sha256. Boundary data is never part of the repo.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.errors import BoundaryError

ENV_BOUNDARIES = "HOKKAIDO_MAP_BOUNDARIES"
ENV_CACHE = "HOKKAIDO_MAP_CACHE"

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


def resolve_boundaries(path: str | os.PathLike[str] | None = None) -> Path:
    """The boundary file to read. Explicit path, then environment, then cache, then download."""
    if path:
        return Path(path)
    env = os.environ.get(ENV_BOUNDARIES)
    if env:
        return Path(env)
    cached = cache_dir() / PINNED_NAME
    if cached.exists():
        return cached
    return download_boundaries()


def download_boundaries(
    url: str = PINNED_URL, sha256: str = PINNED_SHA256, directory: Path | None = None,
    progress: bool = True,
) -> Path:
    """Fetch the pinned file into the cache (atomic write, sha256 checked) and return its path."""
    import pooch  # imported here: only a first run without a local file needs it

    directory = directory or cache_dir()
    try:
        fetched = pooch.retrieve(
            url=url, known_hash=f"sha256:{sha256}", fname=PINNED_NAME, path=directory,
            progressbar=progress,
        )
    except ValueError as exc:  # pooch's hash mismatch
        raise BoundaryError(f"download refused: {exc}", path=url) from None
    except Exception as exc:
        raise BoundaryError(
            f"cannot download the boundary file ({type(exc).__name__}). Offline? Give a local "
            f"copy with --boundaries PATH or {ENV_BOUNDARIES}=PATH "
            "(e.g. ../shared/boundaries/N03-21_01_210101.geojson)",
            path=url,
        ) from None
    return Path(fetched)
