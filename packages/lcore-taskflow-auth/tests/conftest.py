"""Auth's tests run on the testing kit (docs/testing.md): core + auth on a temp database.

No ``HeaderIdentity`` here: every request is identified by auth itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from auth_testutil import token_of
from lcore_taskflow.auth import AuthPlugin
from lcore_taskflow.core.testing import (
    DEMO_PASSWORDS,
    ENGINES,
    ROOMY_AUTH,
    Client,
    engine_database,
    user_ids,
)


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """Each test runs on every engine (SQLite; PostgreSQL when a server is found)."""
    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def taskflow_database_url(database_url):
    """Every app the kit builds in a test uses the test's database."""
    return database_url


@pytest.fixture
def build(taskflow_app) -> Callable:
    """``build(*plugins, **config)``: a core+auth app with roomy login limits."""
    def factory(*extra_plugins, **config):
        return taskflow_app(plugins=[AuthPlugin(), *extra_plugins], identity=False,
                            **{**ROOMY_AUTH, **config})
    return factory


@pytest.fixture
def recorder(taskflow_events):
    return taskflow_events


@pytest.fixture
def app(build):
    return build()


@pytest.fixture
def kernel(app):
    return app.taskflow


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def ids(app) -> dict[str, int]:
    return user_ids(app)


@pytest.fixture
def tokens(client) -> dict[str, str]:
    return {name: token_of(client, name) for name in DEMO_PASSWORDS}
