"""Per-client rate limits with named buckets and ``Retry-After``.

``kernel.limits.limit("login", 5, per=300)`` decorates a handler: each client
address may call it 5 times per 300 s, then gets 429 with ``Retry-After``.
Handlers that share a bucket name share the allowance (every
password-checking endpoint uses the ``password`` bucket, so a guesser gains
nothing by switching endpoints).

Buckets live in this process (a token bucket per client) unless
``APP_REDIS_URL`` is set: then :class:`RedisBuckets` keeps the same token
buckets in Redis, updated by one Lua script (atomic, on Redis's clock), so
every worker process and server enforces one limit and ``Retry-After`` is
exact.  Lcore's own ``rate_limit`` has no bucket names and no
``Retry-After``, and its ``RedisRateLimitBackend`` is a fixed window that
fails open; TaskFlow uses neither (see :class:`RedisBuckets` for why and for
what happens when Redis is down).
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lcore import request

from ._config import ConfigError
from ._db.urls import describe_url
from ._errors import ApiError

log = logging.getLogger("lcore_taskflow")
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


# KEYS[1] bucket; ARGV limit, per (seconds).  The same arithmetic as
# MemoryBuckets.hit, on Redis's clock (TIME) so that servers whose clocks
# differ still agree.  The answer is a string: Redis truncates Lua numbers to
# integers, and Retry-After must not lose the fraction before rounding up.
# replicate_commands: Redis < 5 refuses writes after TIME without it.
_TOKEN_BUCKET = """
if redis.replicate_commands then redis.replicate_commands() end
local limit, per = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = limit / per
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = limit, now end
tokens = math.min(limit, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(per * 1000) + 1000)
return tostring(wait)
"""


def redis_client(url: str, *, timeout: float = 1.0):
    """A redis-py client for ``url`` with short timeouts.

    The same construction as Lcore's ``RedisRateLimitBackend`` (``from_url``,
    ``decode_responses``, a connect timeout, health checks) plus a *read*
    timeout, which Lcore leaves unset: a Redis that accepts connections but
    hangs would otherwise hang every rate-limited request with it.
    """
    try:
        import redis
    except ImportError:
        raise ConfigError("redis_url: APP_REDIS_URL is set but the redis package is not "
                          "installed: pip install 'lcore-taskflow-core[redis]'") from None
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=timeout,
                                socket_timeout=timeout, health_check_interval=30)


class RedisBuckets:
    """The token buckets of :class:`MemoryBuckets`, kept in Redis and shared.

    When Redis cannot be reached the limits do **not** fail open (Lcore's
    ``RedisRateLimitBackend`` lets every request through, which under a
    password-guessing attack is exactly the wrong moment): each process falls
    back to its own in-memory buckets, so a limit still holds — per process
    instead of shared — and the service stays up.  The outage is logged once;
    Redis is tried again after ``retry_after`` seconds.
    """

    shared = True

    def __init__(self, url: str, prefix: str = "taskflow:", *, client: Any = None,
                 retry_after: float = 5.0, timeout: float = 1.0):
        self.url, self.prefix = url, f"{prefix}rl:"
        self._client = client if client is not None else redis_client(url, timeout=timeout)
        self._script = self._client.register_script(_TOKEN_BUCKET)
        self.fallback = MemoryBuckets()
        self.retry_after = retry_after
        self._down_until = 0.0
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, per: float) -> float:
        if time.monotonic() >= self._down_until:
            try:
                wait = float(self._script(keys=[self.prefix + key], args=[limit, per]))
            except Exception as exc:  # any redis-py error: connection, timeout, script
                self._went_down(exc)
            else:
                if self._down_until:
                    self._came_back()
                return wait
        return self.fallback.hit(key, limit, per)

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            first = not self._down_until
            self._down_until = time.monotonic() + self.retry_after
        if first:
            log.error("rate limits: Redis at %s is unreachable (%s); limits are enforced "
                      "per process until it answers again", describe_url(self.url), exc)

    def _came_back(self) -> None:
        with self._lock:
            self._down_until = 0.0
        log.warning("rate limits: Redis at %s answers again; limits are shared again",
                    describe_url(self.url))

    def ping(self) -> str | None:
        """``None`` when Redis answers, else why not."""
        try:
            self._client.ping()
        except Exception as exc:
            return str(exc) or type(exc).__name__
        return None

    def reset(self) -> None:
        self.fallback.reset()
        keys = list(self._client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self._client.delete(*keys)

    def close(self) -> None:
        try:
            self._client.close()
        except Exception:
            pass


# ------------------------------------------------------------ processes
def _gunicorn_workers(argv: Sequence[str], cmd_args: str) -> int | None:
    """``-w N`` / ``--workers N`` / ``--workers=N`` of a gunicorn command line."""
    found = None
    for args in (cmd_args.split(), argv[1:]):  # the command line wins over GUNICORN_CMD_ARGS
        for i, arg in enumerate(args):
            value = None
            if arg in ("-w", "--workers") and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith("--workers="):
                value = arg.partition("=")[2]
            elif arg.startswith("-w") and arg[2:].isdigit():
                value = arg[2:]
            if value and value.isdigit():
                found = int(value)
    return found


def worker_processes(config: Mapping[str, Any], environ: Mapping[str, str] = os.environ,
                     argv: Sequence[str] = sys.argv) -> tuple[int, str]:
    """How many processes serve this app, and how we know.

    ``APP_WORKERS`` when set; else gunicorn's ``-w``/``--workers`` (from its
    command line or ``GUNICORN_CMD_ARGS``, read in the worker, which inherits
    the master's ``sys.argv``); else ``WEB_CONCURRENCY`` (gunicorn's and
    most platforms' default).  Workers set only in a gunicorn config file are
    not seen: set ``APP_WORKERS`` then.
    """
    if config.get("workers"):
        return int(config["workers"]), "APP_WORKERS"
    if "gunicorn" in os.path.basename(argv[0] if argv else "") or "gunicorn" in sys.modules:
        workers = _gunicorn_workers(argv, environ.get("GUNICORN_CMD_ARGS", ""))
        if workers:
            return workers, "gunicorn --workers"
    concurrency = environ.get("WEB_CONCURRENCY", "").strip()
    if concurrency.isdigit() and int(concurrency) > 0:
        return int(concurrency), "WEB_CONCURRENCY"
    return 1, ""


class Limits:
    """The rate limits of one kernel (``kernel.limits``)."""

    def __init__(self, backend: Any | None = None):
        self.backend = backend or MemoryBuckets()

    def configure(self, config: Mapping[str, Any]) -> None:
        """Choose the backend at start-up: Redis when ``redis_url`` is set.

        Without Redis and with more than one worker process, say that every
        limit is multiplied by the number of processes.
        """
        url = config.get("redis_url")
        if url:
            backend = RedisBuckets(url, config.get("redis_prefix") or "taskflow:")
            problem = backend.ping()
            if problem:
                log.warning("rate limits: Redis at %s does not answer (%s); limits are "
                            "per process until it does", describe_url(url), problem)
            self.close()
            self.backend = backend
            return
        workers, source = worker_processes(config)
        if workers > 1:
            log.warning("rate limits are per process: %d worker processes (%s) each allow "
                        "the full limit, so a client gets up to %d times as many tries; "
                        "set APP_REDIS_URL to share them", workers, source, workers)

    def check(self, bucket: str, limit: int, per: float, key: str | None = None) -> None:
        """Count one request of ``key`` (the client address) in ``bucket``; 429 past the limit."""
        client = key or request.remote_addr or "unknown"
        wait = self.backend.hit(f"{bucket}:{client}", limit, per)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, "Too many requests: try again in {seconds} s",
                           params={"seconds": seconds},
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
        """Close the shared backend's connection (``kernel.close()`` does it)."""
        self.backend.close()
