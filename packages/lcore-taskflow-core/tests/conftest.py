"""Fixtures for core's tests: a fresh app on a fresh database per test and engine.

Identity comes from ``HeaderIdentity`` (the test-only plugin of
``lcore_taskflow.core.testing``) registered through the same hooks that a
real authentication plugin implements.
"""

from __future__ import annotations

import pytest
from core_testutil import EventRecorder
from lcore_taskflow.core.testing import (
    ENGINES,
    Client,
    HeaderIdentity,
    engine_database,
    make_app,
)


def pytest_configure(config: pytest.Config) -> None:
    # TestClient requests come from 0.0.0.0: Lcore warns that rate limits then
    # share one bucket; the async dashboard triggers Lcore's WSGI warning.
    config.addinivalue_line("filterwarnings", "ignore:rate_limit:RuntimeWarning")
    config.addinivalue_line("filterwarnings", "ignore:.*is async def.*:UserWarning")


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """Each test that builds an app runs on every engine (see core.testing)."""
    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def app(tmp_path, recorder, database_url):
    application = make_app(tmp_path, plugins=[HeaderIdentity(), recorder],
                           database_url=database_url)
    yield application
    application.taskflow.close()


@pytest.fixture
def kernel(app):
    return app.taskflow


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def admin(client) -> Client:
    return client.as_user("admin")


@pytest.fixture
def alice(client) -> Client:
    return client.as_user("alice")


@pytest.fixture
def bob(client) -> Client:
    return client.as_user("bob")


@pytest.fixture
def ids(kernel) -> dict[str, int]:
    """Seed user ids by username."""
    with kernel.database() as db:
        return {r["username"]: r["id"] for r in db.fetchall("SELECT id, username FROM users")}


