"""Delivery: a loop that claims due outbox rows and sends them on a bounded pool.

The same :class:`Dispatcher` runs in the background of the web process
(``APP_NOTIFY_DELIVERY=embedded``, woken right after each commit that wrote
rows) and in the foreground of ``taskflow notify worker``.  Any number of them
may share one database: claims are atomic (see ``_outbox.py``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._outbox import Outbox, process_name

log = logging.getLogger("lcore_taskflow.notify")


class Dispatcher:
    """Claims due rows and delivers them with at most ``threads`` sends at a time.

    It claims only as many rows as it has idle threads, so every claimed row
    starts sending at once and no claim waits in a queue while its lease runs.
    ``stop()`` stops claiming and lets the sends in flight finish (each ends
    within its lease), so a stopped dispatcher holds no claims.
    """

    def __init__(self, outbox: Outbox, *, threads: int, poll: float, role: str = "worker",
                 periodic: Callable[[], None] | None = None, period: float = 300.0):
        self.outbox = outbox
        self.periodic = periodic  # the digests and the inbox's clean-up
        self.period = period
        self._next_periodic = 0.0
        self.threads = threads
        self.poll = poll
        self.name = process_name(role)
        self.counts: Counter[str] = Counter()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Look for due rows now (called after a commit that wrote some)."""
        self._wake.set()

    def run(self, once: bool = False) -> Counter[str]:
        """Deliver until :meth:`stop` (with ``once``: until nothing is due); return the counts."""
        with ThreadPoolExecutor(self.threads, thread_name_prefix="taskflow-notify") as pool:
            while not self._stopping.is_set():
                self._wake.clear()
                self._run_periodic()
                with self._lock:
                    free = self.threads - self._in_flight
                rows = self._claim(free) if free else []
                with self._lock:
                    self._in_flight += len(rows)
                    idle = self._in_flight == 0
                for row in rows:
                    pool.submit(self._deliver, row)
                if once and idle:
                    break
                # Every thread is busy or nothing more is due: wait for a
                # finished send, a commit that wrote rows, or the next poll.
                self._wake.wait(self.poll)
        return self.counts

    def _run_periodic(self) -> None:
        """Every ``period`` seconds (and at the start): write due digests, prune the inbox."""
        now = time.monotonic()
        if self.periodic is None or now < self._next_periodic:
            return
        self._next_periodic = now + self.period
        try:
            self.periodic()
        except Exception:  # the database is busy or gone: the next period tries again
            log.exception("notify %s: the periodic work (digests, pruning) failed", self.name)

    def _claim(self, limit: int) -> list[dict[str, Any]]:
        try:
            return self.outbox.claim_due(self.name, limit)
        except Exception:  # the database is busy or gone: try again at the next poll
            log.exception("notify %s: claiming due notifications failed", self.name)
            return []

    def _deliver(self, row: dict[str, Any]) -> None:
        try:
            result = self.outbox.deliver(row)
        except Exception:  # e.g. the outcome could not be written: the lease brings it back
            log.exception("notify %s: notification %s: delivery failed", self.name, row["id"])
            result = {"status": "error"}
        with self._lock:
            self._in_flight -= 1
            self.counts[result["status"]] += 1
        self._wake.set()
        log.info("notification %s (%s to %s): %s, attempt %s", row["id"], row["type"],
                 row["recipient"], result["status"], row["attempts"])

    # ---------------------------------------------------------- background
    def start(self) -> None:
        """Run in a background thread (embedded delivery)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="taskflow-notify-dispatcher",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop claiming; return once the sends in flight have finished."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()


def run_worker(outbox: Outbox, *, threads: int, poll: float, once: bool,
               periodic: Callable[[], None] | None = None,
               period: float = 300.0) -> Counter[str]:
    """``taskflow notify worker``: a foreground dispatcher that SIGTERM/SIGINT stop cleanly."""
    dispatcher = Dispatcher(outbox, threads=threads, poll=poll, role="worker",
                            periodic=periodic, period=period)
    outbox.waker = dispatcher.wake
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda signum, frame: _stopping(dispatcher, signum))
    config = outbox.kernel.config
    # Printed like `taskflow serve`'s banner, not logged: whatever APP_LOG_LEVEL
    # says, the operator (or the supervisor's log) sees that the worker is up.
    print(f"notify worker {dispatcher.name} started: {threads} threads, poll {poll:g}s, "
          f"lease {config.notify_lease:g}s, up to {config.notify_max_attempts} attempts, "
          f"channels: {', '.join(outbox.channels())}{' (once)' if once else ''}", flush=True)
    try:
        counts = dispatcher.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("notify worker %s stopped: %s", dispatcher.name, summary(counts))
    return counts


def _stopping(dispatcher: Dispatcher, signum: int) -> None:
    log.info("notify worker %s: %s, finishing the sends in flight", dispatcher.name,
             signal.Signals(signum).name)
    dispatcher.stop()


def summary(counts: Counter[str]) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in ("sent", "simulated", "failed")) + (
        f", {counts['error']} not recorded" if counts["error"] else "")
