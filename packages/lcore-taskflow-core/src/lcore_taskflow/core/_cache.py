"""``AppCache``: the seed's in-memory TTL cache, injected as the ``cache`` singleton."""

from __future__ import annotations

import threading
import time
from typing import Any


class AppCache:
    """A small thread-safe TTL cache (per process)."""

    def __init__(self, max_entries: int = 10_000):
        self._store: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._store.get(key)
            if entry is None:
                return default
            if entry[0] <= time.monotonic():
                del self._store[key]
                return default
            return entry[1]

    def set(self, key: str, value: Any, ttl: float = 300) -> None:
        with self._lock:
            if len(self._store) >= self.max_entries:
                now = time.monotonic()
                self._store = {k: v for k, v in self._store.items() if v[0] > now}
                if len(self._store) >= self.max_entries:
                    self._store.pop(next(iter(self._store)))
            self._store[key] = (time.monotonic() + ttl, value)

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._store.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
