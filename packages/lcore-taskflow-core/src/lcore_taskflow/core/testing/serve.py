"""Real server processes for tests: ``taskflow serve`` (or any command) on a free port.

``ServerProcess`` starts the server with a clean environment (no ``APP_*``
of the caller), waits for ``/health``, sends requests over real sockets —
optionally from another loopback address, to play a second client or an
untrusted peer — and stops the process by its pid.  Its output goes to a
log file whose tail every failure message includes.
"""

from __future__ import annotations

import contextlib
import json as _json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any, TypeVar

SECRET_KEY = "serve-test-secret-key-0123456789abcdef"
T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    """Poll ``check()`` until it returns something true, and return that; after
    ``timeout`` seconds fail, saying ``what`` did not happen (for effects that
    another thread or process brings about: a delivery, a worker's claim)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without ``APP_*`` settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(extra)
    return env


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return _json.loads(self.body)

    def __str__(self) -> str:
        return f"{self.status} {self.body[:300]!r}"


def request(port: int, method: str, path: str, *, json: Any = None,
            headers: Mapping[str, str] | None = None, source: str | None = None,
            timeout: float = 10) -> Reply:
    """One request on a fresh connection to 127.0.0.1:``port``, sent from ``source``."""
    sent = {"Accept": "application/json", **(headers or {})}
    body = None
    if json is not None:
        body = _json.dumps(json).encode()
        sent["Content-Type"] = "application/json"
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout,
                          source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=sent)
        raw = conn.getresponse()
        return Reply(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    finally:
        conn.close()


@dataclass
class ServerProcess:
    """A TaskFlow server as its own process (``taskflow serve`` by default).

    ``settings`` are ``APP_*`` variables; the database and uploads live in
    ``workdir``.  Use as a context manager, or call :meth:`start` and
    :meth:`stop`.
    """

    workdir: Path
    settings: Mapping[str, str] = field(default_factory=dict)
    command: Sequence[str] | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"server-{self.port}.log"

    @property
    def env(self) -> dict[str, str]:
        defaults = dict(
            APP_HOST="127.0.0.1", APP_PORT=str(self.port), APP_SECRET_KEY=SECRET_KEY,
            APP_PASSWORD_ITERATIONS="1000", APP_SEED_DEMO="true", APP_LOG_LEVEL="WARNING",
            APP_DB_PATH=str(self.workdir / "taskflow.db"),
            APP_UPLOAD_DIR=str(self.workdir / "uploads"))
        return clean_environ(**{**defaults, **dict(self.settings)})  # settings win

    def argv(self) -> list[str]:
        if self.command is not None:
            return [str(c).format(port=self.port) for c in self.command]
        script = shutil.which("taskflow", path=os.path.dirname(sys.executable))
        if script:
            return [script, "serve"]
        return [sys.executable, "-m", "lcore_taskflow.core._cli", "serve"]

    def start(self, timeout: float = 60) -> ServerProcess:
        """Start the process and wait until ``/health`` answers 200."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes to it
        try:
            self.proc = subprocess.Popen(self.argv(), cwd=self.workdir, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n"
                                     f"{self.log()}")
            with contextlib.suppress(OSError):
                if request(self.port, "GET", "/health", timeout=2).status == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server not ready after {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; by pid, never by name."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-chars:]
        except OSError:
            return "(no log)"

    def request(self, method: str, path: str, **kw: Any) -> Reply:
        return request(self.port, method, path, **kw)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def require_redis() -> str:
    """The URL of a Redis for tests (``services.find_redis``: ``TASKFLOW_TEST_REDIS_URL``,
    127.0.0.1:6379, or a private redis-server); without one, skip saying why (fail under CI)."""
    from . import services
    from ._engines import skip_or_fail

    found = services.find_redis()
    if found.url is None:
        skip_or_fail(found.note)
    print(f"Redis: {found.note}")
    return found.url
