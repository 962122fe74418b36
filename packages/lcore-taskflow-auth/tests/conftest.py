"""Fixtures: core + auth assembled on a fresh database per test and engine (no other plugin)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from auth_testutil import PASSWORDS, ROOMY, EventRecorder, token_of
from lcore_taskflow.auth import AuthPlugin
from lcore_taskflow.core.testing import ENGINES, Client, engine_database, make_app


def pytest_configure(config: pytest.Config) -> None:
    # TestClient requests come from no address: Lcore warns that they share one bucket.
    config.addinivalue_line("filterwarnings", "ignore:rate_limit:RuntimeWarning")
    # core's async dashboard route triggers Lcore's WSGI warning.
    config.addinivalue_line("filterwarnings", "ignore:.*is async def.*:UserWarning")


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """Each test that builds an app runs on every engine (see core.testing)."""
    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def build(tmp_path, database_url) -> Callable:
    """``build(*plugins, **config)``: a core+auth app; closed after the test.
    Apps built in one test share its database."""
    apps = []

    def factory(*extra_plugins, **config):
        app = make_app(tmp_path, plugins=[AuthPlugin(), *extra_plugins],
                       **{"database_url": database_url, **ROOMY, **config})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.taskflow.close()


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def app(build, recorder):
    return build(recorder)


@pytest.fixture
def kernel(app):
    return app.taskflow


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def ids(kernel) -> dict[str, int]:
    with kernel.database() as db:
        return {r["username"]: r["id"] for r in db.fetchall("SELECT id, username FROM users")}


@pytest.fixture
def tokens(client) -> dict[str, str]:
    return {name: token_of(client, name) for name in PASSWORDS}
