"""A thread-safe LRU memo bounded in entries *and* bytes, shared by every cache of the app.

Why hand-written: the caches need both bounds at once (a few big map scripts or many small
JSON bodies), a size function per cache, and a build-outside-the-lock ``get_or_build``; that is
30 lines, where a dependency (cachetools) bounds one weight only.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


def approx_size(value: Any) -> int:
    """Bytes a cached value holds, roughly: exact for str/bytes, summed over containers and
    dataclass fields (map views), ``sys.getsizeof`` for the rest."""
    if isinstance(value, str | bytes | bytearray):
        return sys.getsizeof(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(
            approx_size(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(approx_size(k) + approx_size(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(approx_size(v) for v in value)
    return sys.getsizeof(value)


class BoundedLRU(Generic[V]):
    """Key → value, least recently used evicted first once ``max_entries`` or ``max_bytes`` is
    passed. A value larger than ``max_bytes`` is returned but not kept."""

    def __init__(self, max_entries: int, max_bytes: int,
                 sizeof: Callable[[Any], int] = approx_size) -> None:
        self.max_entries, self.max_bytes, self.sizeof = max_entries, max_bytes, sizeof
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def held_keys(self) -> list[Hashable]:
        """The keys now held, least recently used first (a copy)."""
        with self._lock:
            return list(self._items)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: V) -> V:
        """Keep ``value`` (unless ``key`` is already kept: then return the kept one)."""
        size = self.sizeof(value)
        with self._lock:
            kept = self._items.get(key)
            if kept is not None:
                return kept[0]
            if size > self.max_bytes:
                return value
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        hit = self.get(key)
        if hit is not None:
            return hit
        # Built outside the lock: a rare duplicate build is harmless (every value is deterministic).
        return self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
