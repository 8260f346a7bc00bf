"""A request log for ``hokkaido-map serve --access-log``: one line per request on a stream.

waitress logs no requests itself. Lines follow the Common Log Format plus the time taken:
``127.0.0.1 - - [30/Nov/2026:12:00:00 +0000] "GET /healthz HTTP/1.1" 200 15 0.8ms``.
The request line is the client's text: control characters and quotes are escaped so that no
request can forge or split a log line.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

_ESCAPES = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F)} | {ord('"'): '\\"', ord("\\"): "\\\\"}


def _clean(text: str) -> str:
    return text.translate(_ESCAPES)


class AccessLog:
    """WSGI middleware that writes one line per finished response to ``stream``."""

    def __init__(self, app: Callable[..., Iterable[bytes]], stream: TextIO | None = None) -> None:
        self.app = app
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()  # whole lines, even with many threads

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {}

        def recording_start_response(status: str, headers: list[tuple[str, str]], *args: Any):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, *args)

        body = self.app(environ, recording_start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._write(environ, seen, time.perf_counter() - started)

    def _write(self, environ: dict[str, Any], seen: dict[str, Any], seconds: float) -> None:
        # WSGI hands the path over as Latin-1; decode it back so Japanese paths read as typed.
        path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
        query = environ.get("QUERY_STRING", "")
        target = f"{path}?{query}" if query else path
        request = f"{environ.get('REQUEST_METHOD', '-')} {target} {environ.get('SERVER_PROTOCOL', '-')}"
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime())
        line = (f"{environ.get('REMOTE_ADDR', '-')} - - [{stamp}] \"{_clean(request)}\" "
                f"{seen.get('status', '-')} {seen.get('length', '-')} {seconds * 1000:.1f}ms\n")
        with self._lock:
            self.stream.write(line)
            self.stream.flush()
