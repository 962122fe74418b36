"""The login throttle over real HTTP against real server processes.

Behind a reverse proxy (``APP_TRUSTED_PROXIES``) each client gets its own
bucket, under ``taskflow serve`` (waitress) and under gunicorn; a peer that
is not a trusted proxy cannot choose its bucket with ``X-Forwarded-For``.
With ``APP_REDIS_URL`` two servers share one login limit and ``Retry-After``
says when the next try is allowed.

The "proxy" is this test sending ``X-Forwarded-For`` from 127.0.0.1; the
untrusted peer sends from 127.0.0.2 (Linux routes all of 127/8 to loopback).
"""

from __future__ import annotations

import shutil
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess, require_redis

LIMIT = 3
SETTINGS = {"APP_PLUGINS_ENABLED": "auth", "APP_LOGIN_RATE_LIMIT": str(LIMIT),
            "APP_LOGIN_RATE_WINDOW": "300"}
WRONG = {"username": "alice", "password": "not-her-password"}


def other_loopback_works() -> bool:
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.2", 0))
    except OSError:
        return False
    return True


def gunicorn_command() -> list[str]:
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("gunicorn is not installed (lcore-taskflow-core's test extra has it)")
    # gunicorn trusts X-Forwarded-Proto from these peers; TaskFlow reads
    # X-Forwarded-For itself from APP_TRUSTED_PROXIES.
    return [binary, "-w", "1", "-k", "gthread", "--threads", "4", "-b", "127.0.0.1:{port}",
            "--forwarded-allow-ips", "127.0.0.1,127.0.0.3", "lcore_taskflow.core:create_app()"]


def login(server: ServerProcess, forwarded_for: str | None = None, source: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return server.request("POST", "/auth/login", json=WRONG, headers=headers, source=source)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("launcher", ["serve", "serve-two-proxies", "gunicorn"])
def test_clients_behind_a_trusted_proxy_get_their_own_login_buckets(tmp_path, launcher):
    if not other_loopback_works():
        pytest.skip("cannot send from 127.0.0.2 here (needed for the untrusted peer)")
    proxies = "127.0.0.1" if launcher == "serve" else "127.0.0.1,127.0.0.3"
    server = ServerProcess(tmp_path, {**SETTINGS, "APP_TRUSTED_PROXIES": proxies})
    if launcher == "gunicorn":
        server.command = gunicorn_command()
    with server:
        first = [login(server, "203.0.113.1").status for _ in range(LIMIT + 1)]
        assert first == [401] * LIMIT + [429], f"{first}\n{server.log()}"
        # Another client behind the same proxy still has every try.
        assert login(server, "203.0.113.2").status == 401, server.log()
        # The proxy's own address (no header) is a bucket of its own too.
        assert login(server).status == 401

        # An untrusted peer's header is ignored: one bucket, whatever it claims.
        spoofed = [login(server, f"198.51.100.{i}", source="127.0.0.2").status
                   for i in range(LIMIT + 1)]
        assert spoofed == [401] * LIMIT + [429], f"{spoofed}\n{server.log()}"
        # ... and it did not spend the tries of the client it named.
        assert login(server, "203.0.113.2").status == 401


# ---------------------------------------------------------------- Redis
@pytest.fixture(scope="module")
def redis_url() -> str:
    return require_redis()


def two_servers(tmp_path, **settings: str) -> list[ServerProcess]:
    common = {**SETTINGS, "APP_LOGIN_RATE_LIMIT": "4", "APP_LOGIN_RATE_WINDOW": "8",
              **settings}  # 4 tries, then one every 2 s
    return [ServerProcess(tmp_path / name, common) for name in ("one", "two")]


@pytest.mark.timeout(60)
def test_two_servers_share_one_login_limit_through_redis(tmp_path, redis_url):
    prefix = f"taskflow-test:{uuid.uuid4().hex[:12]}:"
    one, two = two_servers(tmp_path, APP_REDIS_URL=redis_url, APP_REDIS_PREFIX=prefix)
    with one, two:
        statuses = [login(server).status for server in (one, two, one, two)]
        assert statuses == [401] * 4, statuses
        refused = [login(one), login(two)]
        assert [r.status for r in refused] == [429, 429], [str(r) for r in refused]
        waits = [int(r.headers["retry-after"]) for r in refused]
        assert all(1 <= w <= 2 for w in waits), waits  # a token every 2 s
        print(f"login limit across two servers: 4 x 401 then 429, Retry-After {waits}")

        time.sleep(waits[-1])  # what Retry-After asked for ...
        assert login(two).status == 401  # ... is enough for one more try,
        assert login(one).status == 429  # and only one, on either server.


@pytest.mark.timeout(60)
def test_without_redis_each_server_has_its_own_limit(tmp_path):
    """The control: the same four tries on one server leave the other untouched."""
    one, two = two_servers(tmp_path)
    with one, two:
        assert [login(one).status for _ in range(5)] == [401] * 4 + [429]
        assert login(two).status == 401
