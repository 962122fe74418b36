"""Core's tests run on the testing kit (the ``taskflow`` pytest plugin, docs/testing.md).

These fixtures only give the kit's objects the short names the tests use:
one app per test (core + ``HeaderIdentity``), clients signed in as the demo
users, and the kit's event recorder.
"""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing import user_ids


@pytest.fixture
def database_url(taskflow_engine_database):
    """Each test runs on every engine (the kit's ``taskflow_engine_database``)."""
    return taskflow_engine_database


@pytest.fixture
def taskflow_database_url(database_url):
    """Every app the kit builds in a test uses the test's database."""
    return database_url


@pytest.fixture
def recorder(taskflow_events):
    return taskflow_events


@pytest.fixture
def app(taskflow_app):
    return taskflow_app.default()


@pytest.fixture
def kernel(app):
    return app.taskflow


@pytest.fixture
def client(app, taskflow_client):
    return taskflow_client


@pytest.fixture
def admin(taskflow_admin):
    return taskflow_admin


@pytest.fixture
def alice(taskflow_member):
    return taskflow_member


@pytest.fixture
def bob(client):
    return client.as_user("bob")


@pytest.fixture
def ids(app) -> dict[str, int]:
    return user_ids(app)
