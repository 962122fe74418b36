"""Redis for tests: found or started (:func:`find_redis`), and key prefixes of one's own.

Part of :mod:`.services` (which re-exports it and says where a server comes
from): the standard library, plus redis-py when installed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

from ._services_common import (
    START_TIMEOUT,
    PrivateServer,
    Service,
    ServiceError,
    _apt_install,
    _free_port,
    find_service,
)

REDIS_ENV = "TASKFLOW_TEST_REDIS_URL"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_url() -> str | None:
    """The URL of a Redis server for tests, or ``None``."""
    return find_redis().url


@functools.cache
def find_redis() -> Service:
    """Where Redis comes from (see :mod:`.services`); looked up once."""
    return find_service("Redis", REDIS_ENV, LOCAL_REDIS, "127.0.0.1:6379",
                        lambda: _redis_problem("127.0.0.1", 6379),
                        start_private_redis)


def _redis_problem(host: str, port: int) -> str | None:
    """Why no usable Redis answers at ``host:port``, or ``None`` (a RESP PING)."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return f"nothing listening ({exc.strerror or exc})"
    if not answer.startswith(b"+PONG"):
        return f"PING answered {answer.strip().decode(errors='replace')!r}"
    return None


def start_private_redis(port: int | None = None) -> PrivateServer:
    """Start a throw-away Redis on 127.0.0.1 that keeps nothing on disk, stopped at exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        _apt_install("redis-server")
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("apt-get installed redis-server but it is not on PATH")
    directory = tempfile.mkdtemp(prefix="taskflow-redis-")
    port = port or _free_port()
    with open(os.path.join(directory, "server.log"), "wb") as log:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", directory, "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    deadline = time.monotonic() + START_TIMEOUT
    while _redis_problem("127.0.0.1", port) is not None:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            with open(os.path.join(directory, "server.log"), errors="replace") as fh:
                tail = fh.read()[-800:]
            shutil.rmtree(directory, ignore_errors=True)
            raise ServiceError(f"redis-server did not start: {tail.strip()}")
        time.sleep(0.05)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    server = PrivateServer(f"redis://127.0.0.1:{port}/0", directory, stop)
    atexit.register(server.stop)
    return server


@contextlib.contextmanager
def redis_namespace(url: str | None = None) -> Iterator[str]:
    """A key prefix of its own (``taskflow-test:<random>:``); its keys are
    deleted afterwards when redis-py is installed and ``url`` (default:
    :func:`redis_url`) answers."""
    prefix = f"taskflow-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        url = url or redis_url()
        try:
            import redis
        except ImportError:
            redis = None  # type: ignore[assignment]  # optional: no Redis client, no cleanup
        if url and redis is not None:
            client = redis.Redis.from_url(url)
            try:
                keys = list(client.scan_iter(match=prefix + "*", count=1000))
                if keys:
                    client.delete(*keys)
            finally:
                client.close()
