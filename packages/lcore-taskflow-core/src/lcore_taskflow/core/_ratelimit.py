"""Per-client rate limits with named buckets and ``Retry-After``.

``kernel.limits.limit("login", 5, per=300)`` decorates a handler: each client
address may call it 5 times per 300 s, then gets 429 with ``Retry-After``.
Handlers that share a bucket name share the allowance (every
password-checking endpoint uses the ``password`` bucket, so a guesser gains
nothing by switching endpoints).

Buckets live in this process (a token bucket per client) unless the kernel
has a shared backend (``APP_REDIS_URL``), so that every worker process and
server enforces one limit.  Lcore's own ``rate_limit`` has no bucket names
and no ``Retry-After``; its ``RateLimitBackend`` interface is what a shared
backend implements.
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from lcore import request

from ._errors import ApiError

MAX_BUCKETS = 100_000


class MemoryBuckets:
    """Token buckets in this process: ``limit`` tokens, refilled over ``per`` seconds."""

    shared = False

    def __init__(self, max_buckets: int = MAX_BUCKETS):
        self._buckets: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self.max_buckets = max_buckets

    def hit(self, key: str, limit: int, per: float) -> float:
        """Take a token: 0 when allowed, else the seconds until one is back."""
        now = time.monotonic()
        rate = limit / per
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_buckets:
                    self._prune(now, per)
                bucket = self._buckets[key] = [now, float(limit)]
            tokens = min(limit, bucket[1] + (now - bucket[0]) * rate)
            bucket[0] = now
            if tokens < 1:
                bucket[1] = tokens
                return (1 - tokens) / rate
            bucket[1] = tokens - 1
            return 0.0

    def _prune(self, now: float, per: float) -> None:
        """Drop buckets idle for a whole window (they would be full again)."""
        stale = [k for k, (seen, _) in self._buckets.items() if now - seen > per]
        for key in stale or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def close(self) -> None:
        pass


class Limits:
    """The rate limits of one kernel (``kernel.limits``)."""

    def __init__(self, backend: Any | None = None):
        self.backend = backend or MemoryBuckets()

    def check(self, bucket: str, limit: int, per: float, key: str | None = None) -> None:
        """Count one request of ``key`` (the client address) in ``bucket``; 429 past the limit."""
        client = key or request.remote_addr or "unknown"
        wait = self.backend.hit(f"{bucket}:{client}", limit, per)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too many requests: try again in {seconds} s",
                           headers={"Retry-After": str(seconds)})

    def limit(self, bucket: str, limit: int, per: float) -> Callable:
        """Decorate a handler with ``check(bucket, limit, per)``."""
        def decorate(handler):
            if inspect.iscoroutinefunction(handler):
                # Stay a coroutine function, so the kernel still runs it to completion
                # (a plain wrapper would hand the middleware an un-awaited coroutine).
                @functools.wraps(handler)
                async def limited(*args, **kwargs):
                    self.check(bucket, limit, per)
                    return await handler(*args, **kwargs)
            else:
                @functools.wraps(handler)
                def limited(*args, **kwargs):
                    self.check(bucket, limit, per)
                    return handler(*args, **kwargs)
            limited.rate_limit = (bucket, limit, per)  # /openapi.json documents the 429
            return limited
        return decorate

    def close(self) -> None:
        self.backend.close()
