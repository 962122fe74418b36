"""The pytest plugin of TaskFlow's testing kit (``pytest11`` entry point ``taskflow``).

pytest loads this module in every session of an environment where
lcore-taskflow-core is installed, so it holds fixture *definitions* only: no
hooks, nothing autouse, and no import of TaskFlow or Lcore until a test asks
for one of its fixtures.  That is why it lives beside ``lcore_taskflow.core``
rather than in it: importing anything under ``lcore_taskflow.core`` imports
the kernel.  The machinery is in :mod:`lcore_taskflow.core.testing`; the
guide is ``docs/testing.md``.

Fixtures:

* ``taskflow_app`` — factory: ``taskflow_app(plugins=[...], identity=True,
  auth=False, **config)`` builds an assembled app on a temporary database
  (demo users admin/alice/bob seeded); every app is closed after the test;
* ``taskflow_plugins`` / ``taskflow_config`` — override them in your
  ``conftest.py`` to set the defaults of ``taskflow_app()``;
* ``taskflow_database_url`` — the database of every app of the test (``None``:
  one SQLite file per app); override it with ``taskflow_engine_database`` to
  run a whole suite on SQLite and PostgreSQL;
* ``taskflow_engine_database`` — parametrised over the engines
  (``TASKFLOW_TEST_ENGINES``, default ``sqlite,postgresql``): the URL of a new,
  empty database of each, found or started the way the suite's own tests do
  (:mod:`lcore_taskflow.core.testing.services`);
* ``taskflow_client`` — an anonymous :class:`~lcore_taskflow.core.testing.Client`
  of the default app; ``taskflow_admin`` / ``taskflow_member`` — the same
  app signed in as ``admin`` / ``alice`` (through ``HeaderIdentity``);
* ``taskflow_events`` — an :class:`~lcore_taskflow.core.testing.EventRecorder`
  that every app of the test reports to;
* ``taskflow_queries`` — a :class:`~lcore_taskflow.core.testing.QueryCounter`;
* ``taskflow_login`` — ``taskflow_login("alice", app=None)``: a client with a
  real bearer token (the app needs ``auth=True``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest


def engines() -> tuple[str, ...]:
    """``TASKFLOW_TEST_ENGINES`` (default ``sqlite,postgresql``), read without importing
    TaskFlow; :data:`lcore_taskflow.core.testing.ENGINES` is the same tuple."""
    return tuple(e.strip() for e in os.environ.get(
        "TASKFLOW_TEST_ENGINES", "sqlite,postgresql").split(",") if e.strip())


@pytest.fixture
def taskflow_plugins() -> list[Any]:
    """The plugins of ``taskflow_app()`` when called without ``plugins=`` (override me)."""
    return []


@pytest.fixture
def taskflow_config() -> dict[str, Any]:
    """Settings of every ``taskflow_app()`` of the test (override me)."""
    return {}


@pytest.fixture
def taskflow_database_url() -> str | None:
    """The database every app of the test shares; ``None``: one SQLite file per app.

    Override it in your ``conftest.py`` to run every test on both engines::

        @pytest.fixture
        def taskflow_database_url(taskflow_engine_database):
            return taskflow_engine_database
    """
    return None


@pytest.fixture(params=engines())
def taskflow_engine_database(request, tmp_path):
    """The URL of a new, empty database, once per engine: a test that uses it runs
    as ``test[sqlite]`` and ``test[postgresql]``.

    SQLite: a file under the test's ``tmp_path``.  PostgreSQL: a database of its
    own on the server the suite finds (``TASKFLOW_TEST_POSTGRES_URL``, else
    127.0.0.1:5432, else a private server it starts), emptied for each test and
    dropped when the session ends.  Without a server the PostgreSQL run skips
    saying why (it fails when ``CI`` or ``TASKFLOW_REQUIRE_SERVICES`` is set);
    ``TASKFLOW_TEST_ENGINES=sqlite`` leaves it out.
    """
    from lcore_taskflow.core.testing import engine_database

    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def taskflow_events():
    """An EventRecorder; every app built by ``taskflow_app`` in this test reports to it."""
    from lcore_taskflow.core.testing import EventRecorder

    return EventRecorder()


@pytest.fixture
def taskflow_app(request, tmp_path, taskflow_plugins, taskflow_config, taskflow_database_url):
    """Factory of assembled apps on temporary databases; all closed after the test."""
    from lcore_taskflow.core.testing import AppFactory, quiet_test_warnings

    quiet_test_warnings()  # kept for this test only: pytest restores the filters after it
    recorder = (request.getfixturevalue("taskflow_events")
                if "taskflow_events" in request.fixturenames else None)
    factory = AppFactory(tmp_path / "taskflow", default_plugins=taskflow_plugins,
                         default_config=taskflow_config, recorder=recorder,
                         database_url=taskflow_database_url)
    yield factory
    factory.close()


@pytest.fixture
def taskflow_client(taskflow_app):
    """An anonymous client of the default app (``taskflow_app()`` with the defaults)."""
    from lcore_taskflow.core.testing import Client

    return Client(taskflow_app.default())


@pytest.fixture
def taskflow_admin(taskflow_client):
    """The default app as the demo admin ``admin`` (HeaderIdentity)."""
    return taskflow_client.as_user("admin")


@pytest.fixture
def taskflow_member(taskflow_client):
    """The default app as the demo member ``alice`` (HeaderIdentity)."""
    return taskflow_client.as_user("alice")


@pytest.fixture
def taskflow_queries():
    """A QueryCounter: ``with taskflow_queries: ...`` then ``taskflow_queries.count``."""
    from lcore_taskflow.core.testing import QueryCounter

    return QueryCounter()


@pytest.fixture
def taskflow_login(taskflow_app):
    """``taskflow_login(username, password=None, app=None)``: a client with a real token."""
    from lcore_taskflow.core.testing import login

    def sign_in(username: str, password: str | None = None, app: Any = None):
        return login(app if app is not None else taskflow_app.default(), username, password)

    return sign_in
