"""``AppCache``: the seed's in-memory TTL cache, injected as the ``cache`` singleton.

With ``APP_REDIS_URL`` the singleton is a :class:`RedisCache` instead: the
same four methods on Redis, so a value set or invalidated by one process or
server is seen by every other one.  Values then travel as JSON (never
pickle: whoever can write to Redis must not be able to run code here).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
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


class RedisCache:
    """:class:`AppCache`'s interface on Redis: shared by every process; JSON values."""

    def __init__(self, url: str, prefix: str = "taskflow:", *, client: Any = None):
        from ._ratelimit import redis_client

        self._client = client if client is not None else redis_client(url)
        self.prefix = f"{prefix}cache:"

    def get(self, key: str, default: Any = None) -> Any:
        raw = self._client.get(self.prefix + key)
        return default if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float = 300) -> None:
        self._client.set(self.prefix + key, json.dumps(value), px=max(1, int(ttl * 1000)))

    def invalidate(self, key: str) -> None:
        self._client.delete(self.prefix + key)

    def clear(self) -> None:
        keys = list(self._client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self._client.delete(*keys)


def make_cache(config: Mapping[str, Any]) -> AppCache | RedisCache:
    """The ``cache`` singleton for ``config``: shared through Redis when configured."""
    url = config.get("redis_url")
    if url:
        return RedisCache(url, config.get("redis_prefix") or "taskflow:")
    return AppCache()
