"""How ``hokkaido-map serve`` runs the app: waitress's limits and the trusted-proxy setting.

- waitress: a client that stays silent for ``channel_timeout`` seconds is dropped; up to
  ``connection_limit`` connections are open at once (waitress's default, 100, let 150 slow
  sockets lock everyone out); poll() instead of select(), which fails past file descriptor
  1,024. A client that trickles a byte every few seconds is not
  idle: only a reverse proxy that buffers whole requests absorbs that (docs/production.md).
- ``X-Forwarded-Proto``/``-Host``/``-For`` are honoured only with ``behind_proxy`` = the number
  of proxies in front (Werkzeug's ``ProxyFix``); without it anyone could forge them. The app
  writes no absolute URL from them anyway (``PUBLIC_URL`` only), but logs and ``request.scheme``
  would believe them.
- The heap loaded at start (the model, the libraries: hundreds of thousands of objects) is frozen
  before serving: otherwise each full collection scans all of it with every thread stopped, and
  the request that triggered it waits (``docs/performance.md`` has the measurements).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from geo.errors import DataError

ENV_BEHIND_PROXY = "HOKKAIDO_MAP_BEHIND_PROXY"
ENV_CHANNEL_TIMEOUT = "HOKKAIDO_MAP_CHANNEL_TIMEOUT"
ENV_CONNECTION_LIMIT = "HOKKAIDO_MAP_CONNECTION_LIMIT"
CHANNEL_TIMEOUT = 20  # s of silence before waitress drops a connection (its default: 120)
CONNECTION_LIMIT = 500  # open connections (waitress's default: 100); below `ulimit -n` 1,024
MAX_HEADER_BYTES = 32 * 1024  # a GET with headers beyond this is refused (default: 256 KB)


def _int_env(env: Mapping[str, str], name: str, default: int, low: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DataError(f"must be a whole number, not {raw!r}", path=name) from None
    if value < low:
        raise DataError(f"must be at least {low}, not {value}", path=name)
    return value


def behind_proxy(option: int | None, env: Mapping[str, str] = os.environ) -> int:
    """How many proxies to trust: ``--behind-proxy N``, else ``HOKKAIDO_MAP_BEHIND_PROXY``, else 0."""
    if option is not None:
        if option < 0:
            raise DataError(f"must be 0 or more, not {option}", path="--behind-proxy")
        return option
    return _int_env(env, ENV_BEHIND_PROXY, 0, 0)


def wsgi_app(app: Flask, proxies: int) -> Any:
    """The app as waitress serves it: wrapped in ProxyFix only when proxies are trusted."""
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)
    return app


def waitress_options(threads: int, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Keyword arguments for ``waitress.serve`` besides host and port."""
    timeout = _int_env(env, ENV_CHANNEL_TIMEOUT, CHANNEL_TIMEOUT, 1)
    return {
        "threads": threads,
        "channel_timeout": timeout,
        "cleanup_interval": max(1, min(10, timeout // 2)),  # how often idle channels are looked at
        "connection_limit": _int_env(env, ENV_CONNECTION_LIMIT, CONNECTION_LIMIT, 1),
        "asyncore_use_poll": True,
        "max_request_header_size": MAX_HEADER_BYTES,
        "max_request_body_size": 64 * 1024,  # GET-only app
        "ident": "hokkaido-map",
    }


def freeze_loaded_heap() -> int:
    """Move everything alive now out of the garbage collector's sight; returns how many objects.

    Called once, after the app has loaded and just before it serves: what start-up built lives as
    long as the process (the model is immutable), so scanning it again in every full collection
    only stops the server. No collection first: it would cost start-up time to find almost nothing."""
    gc.freeze()
    return gc.get_freeze_count()
