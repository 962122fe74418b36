"""PostgreSQL goes down under a real server: fast, honest 503s, then recovery (issue 24).

A private PostgreSQL that the test can stop (``PrivateServer.halt``), a real
``taskflow serve`` (waitress, 8 threads) on it.  While the database is down
every request answers 503 with ``Retry-After`` well within a second (a short
pool wait, then the circuit breaker), ``/health`` too, also while 48 clients
hammer the API; once it is back the server serves again without a restart.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import services, wait_until
from lcore_taskflow.core.testing.serve import ServerProcess, request

HERE = Path(__file__).resolve().parent
ADMIN = {"X-Test-User": "admin"}
BOUND = 1.0  # seconds: the promise of issue 24, for one client at a time
# With 48 clients hammering, the answers queue for the CPU too (the test shares a
# 2-core machine with other suites): the server's own time stays ~1 ms, the clients'
# latency is bounded more loosely.  Before the breaker each waited the 10 s pool wait.
LOADED_BOUND = 2.0
CLIENTS = 48


@pytest.fixture
def private_postgres():
    if services._postgres_bindir() is None:
        pytest.skip("PostgreSQL's binaries (initdb, pg_ctl) are not installed")
    server = services.start_private_postgres()
    yield server
    server.stop()


def timed(port: int, path: str, headers=None) -> tuple[int, float, dict]:
    started = time.monotonic()
    reply = request(port, "GET", path, headers=headers, timeout=15)
    return reply.status, time.monotonic() - started, reply


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Hammer:
    """``n`` threads sending GET requests in a loop, recording status and latency."""

    def __init__(self, port: int, n: int, path: str):
        self.port, self.path = port, path
        self.results: list[tuple[int | str, float]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(n)]

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status: int | str = request(self.port, "GET", self.path, headers=ADMIN,
                                            timeout=15).status
            except OSError as exc:
                status = type(exc).__name__
            self.results.append((status, time.monotonic() - started))

    def __enter__(self) -> Hammer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(20)


@pytest.mark.timeout(180)
def test_a_database_outage_answers_503_fast_and_recovers(tmp_path, private_postgres):
    command = [sys.executable, str(HERE / "serve_test_identity.py")]
    settings = {"APP_DATABASE_URL": private_postgres.url, "APP_THREADS": "8"}
    with ServerProcess(tmp_path, settings, command=command) as server:
        port = server.port
        assert timed(port, "/api/projects/", ADMIN)[0] == 200

        # The private server trades durability for speed (synchronous_commit=off), and
        # halt() is a crash: flush what the server committed so the crash loses nothing.
        import psycopg

        with psycopg.connect(private_postgres.url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        private_postgres.halt()
        first = [timed(port, "/api/projects/", ADMIN) for _ in range(5)]
        health = [timed(port, "/health") for _ in range(5)]
        for status, took, reply in first + health:
            assert status == 503, f"{reply}\n{server.log()}"
            assert int(reply.headers["retry-after"]) >= 1
            assert took < BOUND, (took, server.log())
        print("database down, one client: API "
              f"{[round(t * 1000) for _, t, _ in first]} ms, /health "
              f"{[round(t * 1000) for _, t, _ in health]} ms")
        assert first[0][2].json["error"].startswith("The database is unavailable")
        assert health[0][2].json["database"] == "unreachable"

        with Hammer(port, CLIENTS, "/api/projects/") as hammer:
            time.sleep(0.5)
            during = [timed(port, "/health") for _ in range(20)]
        loads = [took for status, took in hammer.results]
        statuses = {status for status, _ in hammer.results}
        waits = [took for _, took, _ in during]
        print(f"database down, {CLIENTS} clients: {len(loads)} API answers {statuses}, "
              f"p50 {statistics.median(loads) * 1000:.0f} ms, p99 {p99(loads) * 1000:.0f} ms;"
              f" /health p50 {statistics.median(waits) * 1000:.0f} ms, "
              f"max {max(waits) * 1000:.0f} ms")
        assert statuses == {503}, statuses
        assert all(status == 503 for status, _, _ in during)
        assert max(waits) < LOADED_BOUND, waits
        assert p99(loads) < LOADED_BOUND, p99(loads)

        private_postgres.resume()
        started = time.monotonic()
        wait_until(lambda: timed(port, "/health")[0] == 200, "/health to recover", timeout=30)
        back = time.monotonic() - started
        print(f"recovered {back:.1f} s after PostgreSQL came back")
        answers = []

        def api_back() -> bool:
            answers.append(str(timed(port, "/api/projects/", ADMIN)[2])[:120])
            return answers[-1].startswith("200")

        wait_until(api_back, f"the API to recover: {answers[-3:]}", timeout=30)
        print(f"API answers after /health recovered: {answers}")
        assert "Traceback" not in server.log(200_000)


@pytest.mark.timeout(120)
def test_health_is_not_queued_behind_stuck_requests(tmp_path):
    """Every application thread waits for SQLite's write lock; /health still answers.

    The test holds the database's write lock, so 12 project creations occupy all four
    of waitress's threads (and queue behind them) for as long as it likes; ``/health``
    has threads of its own (``_waitress.py``) and answers at once, 200.
    """
    import sqlite3

    command = [sys.executable, str(HERE / "serve_test_identity.py")]
    settings = {"APP_THREADS": "4", "APP_DB_BUSY_TIMEOUT": "30"}
    with ServerProcess(tmp_path, settings, command=command) as server:
        port = server.port
        holder = sqlite3.connect(tmp_path / "taskflow.db", isolation_level=None, timeout=5)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, until ROLLBACK
        results: list[int] = []

        def create(n: int) -> None:
            reply = request(port, "POST", "/api/projects/", json={"name": f"stuck {n}"},
                            headers=ADMIN, timeout=60)
            results.append(reply.status)

        writers = [threading.Thread(target=create, args=(n,)) for n in range(12)]
        try:
            for writer in writers:
                writer.start()
            time.sleep(1.0)  # every thread of the pool is now waiting for the lock
            assert not results, results
            waits = [timed(port, "/health") for _ in range(5)]
            assert not results, "the writers were not stuck: the test proves nothing"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for writer in writers:
            writer.join(60)
        took = [round(t, 3) for _, t, _ in waits]
        print(f"/health while 12 writers hold every thread: {took} s")
        assert [s for s, _, _ in waits] == [200] * 5
        assert max(took) < BOUND, took
        assert sorted(results) == [201] * 12, results
