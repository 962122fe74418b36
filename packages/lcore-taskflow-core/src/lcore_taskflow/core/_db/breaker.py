"""A circuit breaker for an unreachable database server.

When PostgreSQL goes away, each request would otherwise wait for the pool
(its background workers retrying the connection) and then fail; with a few
dozen clients the server's threads all wait, and even ``/health`` queues
behind them.  The breaker opens at the first sign of an outage (a broken
connection, no connection within the pool wait): for ``retry_after``
seconds every request is refused at once with :class:`Unavailable` (HTTP
503 + ``Retry-After``) instead of waiting.  Then one request tries again
(half-open) while the others are still refused: success closes the
breaker, a failure opens it anew.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from .errors import OperationalError

log = logging.getLogger("lcore_taskflow")


class Unavailable(OperationalError):
    """The database cannot be reached now; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Breaker:
    """Open for ``retry_after`` seconds after an outage; thread-safe."""

    def __init__(self, retry_after: float = 2.0, clock=time.monotonic):
        self.retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._reason = ""
        self.tripped = False  # read without the lock on the fast path

    def check(self) -> None:
        """Raise :class:`Unavailable` while open; let a request through otherwise.

        When the open period is over, one request goes through to try the
        database (half-open) and the period starts again for the others:
        were they all let through, each would wait the pool timeout at once.
        """
        if not self.tripped:
            return
        with self._lock:
            now = self._clock()
            remaining = self._open_until - now
            if remaining <= 0:
                self._open_until = now + self.retry_after  # this request is the probe
                return
        seconds = max(1, math.ceil(remaining))
        raise Unavailable(f"The database is unavailable ({self._reason}): try again in "
                          f"{seconds} s", seconds)

    def trip(self, reason: str) -> Unavailable:
        """Open (again) for ``retry_after`` seconds; the error to raise."""
        with self._lock:
            if not self.tripped:
                log.error("database unavailable, answering 503 for %g s at a time: %s",
                          self.retry_after, reason)
            self.tripped = True
            self._reason = reason.splitlines()[0][:200] if reason else "unreachable"
            self._open_until = self._clock() + self.retry_after
        seconds = max(1, math.ceil(self.retry_after))
        return Unavailable(f"The database is unavailable ({self._reason}): try again in "
                           f"{seconds} s", seconds)

    def reset(self) -> None:
        """A connection worked: close the breaker."""
        if self.tripped:
            with self._lock:
                if self.tripped:
                    log.warning("database reachable again")
                self.tripped = False
