"""core.testing.services against the real servers: found, private ones started
on second ports, per-test databases and Redis namespaces."""

from __future__ import annotations

import os

import pytest
from lcore_taskflow.core._db import connect
from lcore_taskflow.core.testing import (
    Client,
    HeaderIdentity,
    make_app,
    require_postgres,
    services,
    skip_or_fail,
)


def require_redis() -> str:
    found = services.find_redis()
    if found.url is None:
        skip_or_fail(found.note)
    return found.url


def database_exists(base_url: str, url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    with connect(base_url) as db:
        return db.scalar("SELECT COUNT(*) FROM pg_database WHERE datname = ?", (name,)) == 1


def test_configured_url_wins(monkeypatch):
    services.find_postgres.cache_clear()
    monkeypatch.setenv(services.POSTGRES_ENV, "postgresql://someone@db.example:6543/x")
    try:
        found = services.find_postgres()
    finally:
        services.find_postgres.cache_clear()
    assert found == services.Service("postgresql://someone@db.example:6543/x",
                                     f"from {services.POSTGRES_ENV}")


def test_nothing_listening_is_a_reason():
    assert "nothing listening" in services._postgres_problem("postgresql://p@127.0.0.1:1/x")
    assert "nothing listening" in services._redis_problem("127.0.0.1", 1)


def test_missing_service_skips_or_fails_under_ci(monkeypatch):
    for key in ("CI", "TASKFLOW_REQUIRE_SERVICES"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no server"):
        skip_or_fail("no server")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no server"):
        skip_or_fail("no server")
    monkeypatch.setenv("CI", "0")
    monkeypatch.setenv("TASKFLOW_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception):
        skip_or_fail("no server")


def test_fresh_database_is_empty_own_and_dropped_after():
    base = require_postgres()
    with services.fresh_database(base) as first, services.fresh_database(base) as second:
        assert first != second and first.startswith(base.rsplit("/", 1)[0])
        with connect(first) as db:
            db.execute("CREATE TABLE mine (x INTEGER)")
            assert db.table_exists("mine")
        with connect(second) as db:
            assert not db.table_exists("mine")
            db.scalar("SELECT 1")  # still connected when the block ends: DROP forces it
        assert database_exists(base, first)
    assert not database_exists(base, first) and not database_exists(base, second)


def test_empty_ends_sessions_and_drops_everything():
    base = require_postgres()
    import psycopg

    with services.fresh_database(base) as url:
        with connect(url) as db:
            db.execute("CREATE TABLE mine (x INTEGER)")
            db.execute("CREATE FUNCTION f() RETURNS INTEGER LANGUAGE sql AS 'SELECT 1'")
        leaked = psycopg.connect(url)  # a pool some test forgot to close
        services.empty(url)
        with pytest.raises(psycopg.OperationalError):
            leaked.execute("SELECT 1")
        leaked.close()
        with connect(url) as db:
            assert not db.table_exists("mine")
            assert db.scalar("SELECT COUNT(*) FROM pg_proc WHERE proname = 'f'") == 0


def test_empty_database_hands_out_each_database_once_and_emptied():
    base = require_postgres()
    with services.empty_database(base) as one, services.empty_database(base) as two:
        assert one != two
        for url in (one, two):
            with connect(url) as db:
                db.execute("CREATE TABLE mine (x INTEGER)")
    with services.empty_database(base) as again, connect(again) as db:
        assert again == one  # the last one given back, reused
        assert not db.table_exists("mine")


def test_template_copies_a_prepared_database():
    base = require_postgres()
    with services.fresh_database(base) as template:
        with connect(template) as db:
            db.execute("CREATE TABLE prepared (x INTEGER)")
        name = template.rsplit("/", 1)[1]
        with services.fresh_database(base, template=name) as copy, connect(copy) as db:
            assert db.table_exists("prepared")


def test_private_postgres_serves_and_health_is_503_once_it_stops(tmp_path):
    """A private server on a second port (one already runs on 5432 here), a
    TaskFlow app on it, then the server goes away under the app."""
    require_postgres()  # the same conditions: skip or fail alike
    server = services.start_private_postgres()
    try:
        assert not server.url.endswith(":5432/postgres")
        with connect(server.url) as db:
            assert db.scalar("SHOW listen_addresses") == "127.0.0.1"
        app = make_app(tmp_path, plugins=[HeaderIdentity()], database_url=server.url)
        client = Client(app)
        try:
            assert client.get("/health").json["database"] == "ok"
            server.stop()
            resp = client.get("/health")  # fails within the ping timeout, no hang
            assert resp.status == 503, resp
            assert resp.json["database"] == "unreachable"
        finally:
            app.taskflow.close()
    finally:
        server.stop()
    assert not os.path.exists(server.directory)


def test_private_redis_and_namespaces():
    require_redis()
    redis = pytest.importorskip("redis", reason="redis-py is in core's test extra")
    server = services.start_private_redis()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("outside", "stays")
        with services.redis_namespace(server.url) as one, \
                services.redis_namespace(server.url) as two:
            assert one != two and one.startswith("taskflow-test:")
            client.set(one + "a", 1)
            client.set(two + "a", 2)
            assert client.get(one + "a") == b"1" and client.get(two + "a") == b"2"
        assert client.keys("taskflow-test:*") == [] and client.get("outside") == b"stays"
        client.close()
    finally:
        server.stop()
    assert services._redis_problem("127.0.0.1", int(server.url.rsplit(":", 1)[1][:-2]))


def test_shared_redis_namespace_cleans_up_its_keys():
    url = require_redis()
    redis = pytest.importorskip("redis", reason="redis-py is in core's test extra")
    client = redis.Redis.from_url(url)
    try:
        with services.redis_namespace() as prefix:
            client.set(prefix + "k", "v", ex=60)
            assert client.exists(prefix + "k") == 1
        assert client.exists(prefix + "k") == 0
    finally:
        client.close()
