"""``taskflow serve`` as a real process: slow clients, idle connections, options.

The slow-client probe of issue 13: 150 connections trickle their request
headers a byte at a time while five ordinary ``/health`` calls must each be
answered within a few seconds.  Under waitress's own connection limit (100)
the same probe locks everybody out, which the second test shows — so the
first one can fail.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess, request

CORE_ONLY = {"APP_PLUGINS_ENABLED": "core"}
SLOW_CLIENTS = 150
HEALTH_BOUND = 5.0  # seconds each /health may take while the slow clients hang on


class Trickle:
    """``n`` clients sending one request's headers a byte every ``interval`` s."""

    def __init__(self, port: int, n: int, interval: float = 0.5):
        self.port, self.n, self.interval = port, n, interval
        self.stop = threading.Event()
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> Trickle:
        for _ in range(self.n):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(sock)
        thread = threading.Thread(target=self._drip, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def _drip(self) -> None:
        while not self.stop.wait(self.interval):
            for sock in self.sockets:
                try:
                    sock.send(b"a")
                except OSError:
                    pass  # the server may close one; the others keep going

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(5)
        for sock in self.sockets:
            sock.close()


def health_latencies(port: int, calls: int = 5) -> list[tuple[int | str, float]]:
    """``(status or error, seconds)`` of ``calls`` sequential ``/health`` requests."""
    results = []
    for _ in range(calls):
        started = time.monotonic()
        try:
            status: int | str = request(port, "GET", "/health", timeout=HEALTH_BOUND).status
        except OSError as exc:
            status = type(exc).__name__
        results.append((status, round(time.monotonic() - started, 3)))
    return results


@pytest.mark.timeout(30)
def test_health_answers_while_150_slow_clients_trickle_headers(tmp_path):
    with ServerProcess(tmp_path, CORE_ONLY) as server, Trickle(server.port, SLOW_CLIENTS):
        time.sleep(1.5)  # every slow client has been accepted and has sent more bytes
        results = health_latencies(server.port)
        print(f"/health with {SLOW_CLIENTS} slow clients: {results}")
        assert all(status == 200 and took < HEALTH_BOUND for status, took in results), \
            f"{results}\n{server.log()}"


@pytest.mark.timeout(30)
def test_the_probe_locks_out_health_at_waitress_default_limit(tmp_path):
    """The same probe against ``--connection-limit 100`` (waitress's default)."""
    server = ServerProcess(tmp_path, CORE_ONLY)
    server.command = [*server.argv(), "--connection-limit", "100"]
    with server, Trickle(server.port, SLOW_CLIENTS):
        time.sleep(1.5)
        status = health_latencies(server.port, calls=1)[0][0]
        assert status != 200, "the probe no longer reproduces the lock-out it guards against"


@pytest.mark.timeout(30)
def test_idle_connection_is_closed_after_channel_timeout(tmp_path):
    server = ServerProcess(tmp_path, {**CORE_ONLY, "APP_CHANNEL_TIMEOUT": "2"})
    with server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        with sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # ... and then nothing
            started = time.monotonic()
            try:
                data = sock.recv(1024)
            except TimeoutError:
                data = None
            waited = time.monotonic() - started
        assert data == b"", f"still open after {waited:.1f} s (recv: {data!r})"
        assert "idle timeout 2 s" in server.log(), server.log()


def test_serve_flags_override_the_configuration(tmp_path):
    server = ServerProcess(tmp_path, {**CORE_ONLY, "APP_THREADS": "3"})
    server.command = [*server.argv(), "--threads", "2", "--connection-limit", "321",
                      "--channel-timeout", "17"]
    with server:
        out = server.log()
    assert "2 threads, up to 321 connections, idle timeout 17 s" in out, out
