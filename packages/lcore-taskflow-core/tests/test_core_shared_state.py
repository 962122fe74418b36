"""Shared state (``APP_REDIS_URL``) against a real Redis, and the per-process warning.

Redis comes from ``TASKFLOW_TEST_REDIS_URL``, 127.0.0.1:6379 or a private
redis-server (``testing.services``); without one the Redis tests skip and say
why (under CI they fail).  Each test keeps its keys under a prefix
of its own and deletes them afterwards.  A private ``redis-server`` (when
the binary exists) plays the outage: it is stopped in the middle of a test.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from lcore_taskflow.core._cache import AppCache, RedisCache, make_cache
from lcore_taskflow.core._ratelimit import MemoryBuckets, RedisBuckets, worker_processes
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app
from lcore_taskflow.core.testing.serve import (
    ServerProcess,
    clean_environ,
    free_port,
    require_redis,
)


@pytest.fixture(scope="module")
def redis_url() -> str:
    return require_redis()


@pytest.fixture
def prefix(redis_url):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    name = f"taskflow-test:{uuid.uuid4().hex[:12]}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=name + "*"))
    if keys:
        client.delete(*keys)
    client.close()


# ------------------------------------------------------------ rate limits
def test_redis_buckets_behave_like_memory_buckets(redis_url, prefix):
    redis_side, memory = RedisBuckets(redis_url, prefix), MemoryBuckets()
    try:
        for backend in (redis_side, memory):
            waits = [backend.hit("login:10.0.0.1", 3, 30) for _ in range(4)]
            assert waits[:3] == [0.0, 0.0, 0.0], waits
            assert 9.0 < waits[3] <= 10.0, waits  # one token per 10 s
            assert backend.hit("login:10.0.0.2", 3, 30) == 0.0  # another client
    finally:
        redis_side.close()


def test_redis_bucket_keys_expire(redis_url, prefix):
    import redis

    backend = RedisBuckets(redis_url, prefix)
    backend.hit("register:10.0.0.9", 10, 3600)
    backend.close()
    client = redis.Redis.from_url(redis_url)
    ttl = client.pttl(f"{prefix}rl:register:10.0.0.9")
    client.close()
    assert 3_600_000 < ttl <= 3_601_000, ttl


def test_two_backends_share_one_limit_atomically(redis_url, prefix):
    """Two clients (as two processes would have) hammer one bucket from 16 threads."""
    backends = [RedisBuckets(redis_url, prefix), RedisBuckets(redis_url, prefix)]
    allowed, lock = [], threading.Lock()

    def hammer(i: int) -> None:
        for _ in range(10):
            ok = backends[i % 2].hit("password:10.0.0.3", 25, 3600) == 0
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for b in backends:
        b.close()
    assert len(allowed) == 160 and sum(allowed) == 25, sum(allowed)


def private_redis(tmp_path, port: int) -> subprocess.Popen:
    """A throw-away redis-server on ``port`` that keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server binary to play an outage with (apt-get install "
                    "redis-server)")
    return subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def wait_for(backend: RedisBuckets, up: bool, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while (backend.ping() is None) != up:
        assert time.monotonic() < deadline, f"redis never became {'up' if up else 'down'}"
        time.sleep(0.05)


def test_an_outage_falls_back_to_per_process_limits_never_open(tmp_path, caplog):
    port = free_port()
    proc = private_redis(tmp_path, port)
    backend = RedisBuckets(f"redis://127.0.0.1:{port}/0", "outage:", retry_after=0.2,
                           timeout=0.5)
    try:
        wait_for(backend, up=True)
        assert backend.hit("login:c", 2, 300) == 0
        proc.terminate()
        proc.wait(10)
        with caplog.at_level(logging.WARNING, "lcore_taskflow"):
            waits = [backend.hit("login:c", 2, 300) for _ in range(3)]
            assert waits[:2] == [0.0, 0.0] and waits[2] > 0, waits  # still a limit
            time.sleep(0.3)  # past retry_after: Redis is tried (and fails) again
            assert backend.hit("login:c", 2, 300) > 0
        down = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(down) == 1, [r.getMessage() for r in caplog.records]  # logged once
        assert "per process" in down[0].getMessage()

        proc = private_redis(tmp_path, port)  # Redis is back (empty)
        wait_for(backend, up=True)
        time.sleep(0.3)
        with caplog.at_level(logging.WARNING, "lcore_taskflow"):
            assert backend.hit("login:c", 2, 300) == 0  # a fresh, shared bucket again
        assert any("answers again" in r.getMessage() for r in caplog.records)
    finally:
        backend.close()
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


# ------------------------------------------------------------------ cache
def test_redis_cache_is_shared_and_invalidated_everywhere(redis_url, prefix):
    one, two = RedisCache(redis_url, prefix), RedisCache(redis_url, prefix)
    one.set("board:7", {"columns": ["todo", "done"]}, ttl=60)
    assert two.get("board:7") == {"columns": ["todo", "done"]}
    two.invalidate("board:7")
    assert one.get("board:7") is None and one.get("board:7", "gone") == "gone"
    one.set("short", 1, ttl=0.2)
    time.sleep(0.4)
    assert two.get("short") is None
    one.set("a", 1)
    two.clear()
    assert one.get("a") is None
    with pytest.raises(TypeError):
        one.set("not-json", object())


def test_make_cache_follows_the_configuration(redis_url, prefix):
    assert isinstance(make_cache({"redis_url": ""}), AppCache)
    assert isinstance(make_cache({"redis_url": redis_url, "redis_prefix": prefix}), RedisCache)


# ------------------------------------------------------------- the kernel
def test_two_kernels_share_rate_limits_through_redis(tmp_path, redis_url, prefix):
    apps = [make_app(tmp_path / name, plugins=[HeaderIdentity()], redis_url=redis_url,
                     redis_prefix=prefix, rate_limit_default=3, rate_limit_window=60)
            for name in ("one", "two")]
    try:
        assert all(isinstance(a.taskflow.limits.backend, RedisBuckets) for a in apps)
        clients = [Client(a).as_user("admin") for a in apps]
        statuses = [clients[i % 2].get("/api/users/").status for i in range(4)]
        assert statuses == [200, 200, 200, 429], statuses
        late = clients[1].get("/api/users/")
        assert late.status == 429 and late.headers["retry-after"] in ("19", "20"), late.headers
    finally:
        for a in apps:
            a.taskflow.close()


def test_the_redis_url_is_never_shown(tmp_path, redis_url, prefix):
    secret_url = redis_url.replace("redis://", "redis://:s3cret-pw@", 1)
    app = make_app(tmp_path, plugins=[HeaderIdentity()], debug=True, redis_url=secret_url,
                   redis_prefix=prefix)
    try:
        shown = Client(app).as_user("admin").get("/debug/config")
        assert shown.status == 200, shown
        assert shown.json["config"]["redis_url"] == secret_url.replace("s3cret-pw", "***")
        assert "s3cret-pw" not in shown.text
    finally:
        app.taskflow.close()


def test_missing_redis_package_stops_start_up_with_the_extra_to_install(tmp_path):
    code = ("import sys; sys.modules['redis'] = None\n"
            "from lcore_taskflow.core.testing import make_app\n"
            f"make_app({str(tmp_path)!r}, redis_url='redis://127.0.0.1:6379/0')\n")
    proc = subprocess.run([sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=60, env=clean_environ())
    assert proc.returncode != 0
    assert "lcore-taskflow-core[redis]" in proc.stderr, proc.stderr[-2000:]


# ---------------------------------------------------- per-process warning
@pytest.mark.parametrize(("argv", "environ", "expected"), [
    (["taskflow", "serve"], {}, (1, "")),
    (["/v/bin/gunicorn", "-w", "4", "app:app"], {}, (4, "gunicorn --workers")),
    (["/v/bin/gunicorn", "-w3", "app:app"], {}, (3, "gunicorn --workers")),
    (["/v/bin/gunicorn", "--workers=2", "app:app"], {}, (2, "gunicorn --workers")),
    (["/v/bin/gunicorn", "app:app"], {"GUNICORN_CMD_ARGS": "--workers 5"},
     (5, "gunicorn --workers")),
    (["/v/bin/gunicorn", "-w", "2", "app:app"], {"GUNICORN_CMD_ARGS": "-w 5"},
     (2, "gunicorn --workers")),
    (["/v/bin/gunicorn", "app:app"], {"WEB_CONCURRENCY": "3"}, (3, "WEB_CONCURRENCY")),
])
def test_worker_processes_are_detected(argv, environ, expected):
    assert worker_processes({"workers": None}, environ, argv) == expected


def test_app_workers_wins():
    assert worker_processes({"workers": 6}, {"WEB_CONCURRENCY": "2"}, ["x"]) == (6, "APP_WORKERS")


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "per process" in r.getMessage()]


def test_start_up_warns_that_limits_are_per_process(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, "lcore_taskflow"):
        make_app(tmp_path / "a", workers=3).taskflow.close()
    assert len(warnings_of(caplog)) == 1 and "APP_REDIS_URL" in warnings_of(caplog)[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, "lcore_taskflow"):
        make_app(tmp_path / "b").taskflow.close()  # one process: nothing to say
    assert warnings_of(caplog) == []


def test_no_warning_with_redis(tmp_path, caplog, redis_url, prefix):
    with caplog.at_level(logging.WARNING, "lcore_taskflow"):
        make_app(tmp_path, workers=3, redis_url=redis_url, redis_prefix=prefix).taskflow.close()
    assert warnings_of(caplog) == []


@pytest.mark.timeout(60)
def test_gunicorn_with_two_workers_warns_in_each(tmp_path):
    pytest.importorskip("gunicorn", reason="gunicorn is not installed (core's test extra)")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    server = ServerProcess(tmp_path, {"APP_PLUGINS_ENABLED": "core"})
    server.command = [gunicorn, "-w", "2", "-b", "127.0.0.1:{port}",
                      "lcore_taskflow.core:create_app()"]
    with server:
        time.sleep(1)  # both workers have booted (one answered /health)
        deadline = time.monotonic() + 20
        while server.log().count("rate limits are per process") < 2:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
    assert "2 worker processes (gunicorn --workers)" in server.log()
