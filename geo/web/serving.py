"""How ``hokkaido-map serve`` runs the app: waitress's limits and the trusted-proxy setting.

- waitress: a client that stays silent for ``channel_timeout`` seconds is dropped; up to
  ``connection_limit`` connections are open at once (waitress's default, 100, let 150 slow
  sockets lock everyone out); poll() instead of select(), which fails past file descriptor
  1,024.
- one client cannot take all of those (issue 26: ~520 slow sockets from one address made
  ``/healthz`` time out for everyone): :class:`ClientGuard` gives each client address at most
  ``CLIENT_CONNECTIONS`` open connections and ``CLIENT_INCOMPLETE`` requests still arriving, and
  a request must arrive whole within ``HEADER_TIMEOUT`` seconds even when it trickles a byte at a
  time (silence alone is ``channel_timeout``). A connection beyond a limit is answered 503 at
  once and closed, so the others stay free. Behind a proxy every connection comes from the proxy's
  address, so the per-client limits are off there by default: the proxy limits its clients
  (``limit_conn``, docs/production.md), and still absorbs many slow clients from many addresses,
  which no per-address limit can.
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
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from werkzeug.middleware.proxy_fix import ProxyFix

from geo.errors import DataError

ENV_BEHIND_PROXY = "HOKKAIDO_MAP_BEHIND_PROXY"
ENV_CHANNEL_TIMEOUT = "HOKKAIDO_MAP_CHANNEL_TIMEOUT"
ENV_CONNECTION_LIMIT = "HOKKAIDO_MAP_CONNECTION_LIMIT"
CHANNEL_TIMEOUT = 20  # s of silence before waitress drops a connection (its default: 120)
CONNECTION_LIMIT = 500  # open connections (waitress's default: 100); below `ulimit -n` 1,024
MAX_HEADER_BYTES = 32 * 1024  # a GET with headers beyond this is refused (default: 256 KB)
ENV_CLIENT_CONNECTIONS = "HOKKAIDO_MAP_CLIENT_CONNECTIONS"
ENV_CLIENT_INCOMPLETE = "HOKKAIDO_MAP_CLIENT_INCOMPLETE"
ENV_HEADER_TIMEOUT = "HOKKAIDO_MAP_HEADER_TIMEOUT"
# One address may hold at most 200 of the 500 connections, so 300 are always left to everyone
# else; an office behind one NAT address (dozens of browsers, ≤ 6 connections each, idle ones
# dropped after 20 s) stays well inside. Of those, at most 160 may be requests still arriving
# (a browser's are complete within milliseconds; a slow-loris attacker's never are).
CLIENT_CONNECTIONS = 200
CLIENT_INCOMPLETE = 160
HEADER_TIMEOUT = 10  # s for a request to arrive whole (nginx advice in docs/production.md: 10 s)
REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nConnection: close\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 42\r\n\r\n"
           b"too many connections from this address.\r\n\r\n")


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


@dataclass(frozen=True)
class ClientLimits:
    """What one client address may hold; 0 = no limit."""

    connections: int = CLIENT_CONNECTIONS
    incomplete: int = CLIENT_INCOMPLETE
    header_timeout: float = HEADER_TIMEOUT


def client_limits(proxies: int, env: Mapping[str, str] = os.environ) -> ClientLimits:
    """The per-client limits: the defaults, or ``HOKKAIDO_MAP_CLIENT_*``; off behind a proxy
    unless set (every connection then comes from the proxy, which limits its own clients)."""
    off = bool(proxies)
    return ClientLimits(
        connections=_int_env(env, ENV_CLIENT_CONNECTIONS, 0 if off else CLIENT_CONNECTIONS, 0),
        incomplete=_int_env(env, ENV_CLIENT_INCOMPLETE, 0 if off else CLIENT_INCOMPLETE, 0),
        header_timeout=_int_env(env, ENV_HEADER_TIMEOUT, HEADER_TIMEOUT, 1),
    )


class ClientGuard:
    """The open connections of each client address, shared by the channels of one server.

    waitress runs every channel's ``readable()``/``received()`` on its one event-loop thread, but a
    channel may be closed from a worker thread (a client gone mid-answer): hence the lock."""

    def __init__(self, limits: ClientLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._by_client: dict[str, set[Any]] = {}
        self.refused = 0  # connections answered 503 at once (for tests and the benchmark)

    def admit(self, client: str, channel: Any) -> bool:
        """Count ``channel`` for ``client``, or False if that would pass one of its limits."""
        with self._lock:
            held = self._by_client.setdefault(client, set())
            over_open = 0 < self.limits.connections <= len(held)
            over_incomplete = 0 < self.limits.incomplete <= sum(1 for c in held if c.incomplete())
            if over_open or over_incomplete:
                self.refused += 1
                if not held:
                    del self._by_client[client]
                return False
            held.add(channel)
            return True

    def release(self, client: str, channel: Any) -> None:
        with self._lock:
            held = self._by_client.get(client)
            if held is not None:
                held.discard(channel)
                if not held:
                    del self._by_client[client]

    def held(self, client: str) -> int:
        with self._lock:
            return len(self._by_client.get(client, ()))


class GuardedChannel(HTTPChannel):
    """waitress's channel, counted by :attr:`guard` and dropped when its request trickles in too
    slowly. :func:`create_server` makes a subclass with the server's guard."""

    guard: ClientGuard

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        # A request is "arriving" from accept, or from the first byte of the next request on a
        # kept-alive connection, until the parser has it whole; None when none is.
        self.arriving_since: float | None = time.monotonic()
        self.client = str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)
        super().__init__(server, sock, addr, adj, map)
        self.admitted = self.guard.admit(self.client, self)
        if not self.admitted:
            # Told, not silently dropped: a browser behind a busy NAT address sees why.
            self.write_soon(REFUSED)
            self.close_when_flushed = True

    def incomplete(self) -> bool:
        return self.arriving_since is not None and not self.requests

    def received(self, data: bytes) -> bool:
        if self.arriving_since is None and self.request is None and data:
            self.arriving_since = time.monotonic()
        done = super().received(data)
        if self.request is None:  # whole (queued for a worker), or nothing pending
            self.arriving_since = None
        return bool(done)

    def readable(self) -> bool:
        # Called on every turn of the event loop (at least once a second): the place to drop a
        # request that trickles in too slowly, which waitress's silence timeout never sees.
        since = self.arriving_since
        if since is not None and not self.requests and not self.will_close \
                and time.monotonic() - since > self.guard.limits.header_timeout:
            self.will_close = True
        return bool(super().readable())

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        if self.admitted:
            self.guard.release(self.client, self)


def create_server(app: Any, limits: ClientLimits, **options: Any) -> Any:
    """``waitress.create_server`` whose listening sockets make guarded channels.

    ``waitress.serve(app, _server=partial(create_server, limits=…), …)`` serves with it: waitress
    takes the factory as its ``_server`` argument and keeps its own start-up and logging."""
    import waitress
    from waitress.server import BaseWSGIServer

    server = waitress.create_server(app, **options)
    guard = ClientGuard(limits)
    channel = type("GuardedChannel", (GuardedChannel,), {"guard": guard})
    # One address gives one server; several (localhost → 127.0.0.1 and ::1) a MultiSocketServer
    # whose map holds them. Each is given the channel class before the loop accepts anything.
    sockets = getattr(server, "map", None) or server._map
    for listener in {server, *sockets.values()}:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    server.client_guard = guard
    return server


def freeze_loaded_heap() -> int:
    """Move everything alive now out of the garbage collector's sight; returns how many objects.

    Called once, after the app has loaded and just before it serves: what start-up built lives as
    long as the process (the model is immutable), so scanning it again in every full collection
    only stops the server. No collection first: it would cost start-up time to find almost nothing."""
    gc.freeze()
    return gc.get_freeze_count()
