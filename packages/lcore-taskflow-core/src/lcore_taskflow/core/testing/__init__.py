"""The testing kit for TaskFlow plugins (and the suite's own tests).

Importable without pytest.  The pytest fixtures built on it (``taskflow_app``,
``taskflow_client``, ``taskflow_admin``, ``taskflow_member``,
``taskflow_events``, ``taskflow_queries``, ``taskflow_login``) come from the
pytest plugin :mod:`lcore_taskflow.pytest_taskflow`, registered as the
``pytest11`` entry point ``taskflow``: installing lcore-taskflow-core is
enough to use them.  See ``docs/testing.md``.

* :func:`make_app` — an assembled app on a temporary SQLite file;
* :func:`make_project`, :func:`make_private`, :func:`with_project_role`,
  :func:`project_roles` — projects and users with a given project role;
* :class:`Client` — in-process requests as a user (``as_user``) or with a
  real bearer token (:func:`login`);
* :class:`HeaderIdentity` — test-only identity from the ``X-Test-User``
  header, authorizing with the real ``role_policy``; never register it in a
  real application;
* :class:`EventRecorder` — a plugin that records every domain event;
* :class:`QueryCounter` — counts the SQL statements run inside a block;
* :func:`check_spa_catalogs` — a static check of a frontend module's translations:
  text not wrapped in ``t()``/``tn()``, msgids missing from its ``i18n/<lang>.json``,
  stale entries, broken placeholders;
* :func:`wait_until` — polls until something another thread or process does
  has happened, failing with what was awaited;
* :func:`private_imports` — what a plugin's source imports of TaskFlow beyond
  the public API (:data:`PUBLIC_MODULES`);
* :data:`ENGINES`, :func:`engine_database` — the suite runs on SQLite and
  PostgreSQL: a conftest parametrises ``taskflow_database_url`` with them
  (a PostgreSQL test without a server skips with the reason, or fails under
  CI; see :mod:`.services`).
"""

from __future__ import annotations

from ._access import make_private, make_project, project_roles, with_project_role
from ._apps import (
    FAST_CONFIG,
    ROOMY_AUTH,
    AppFactory,
    installed_plugin,
    make_app,
    quiet_test_warnings,
    user_ids,
)
from ._client import DEMO_PASSWORDS, Client, Response, assert_error, login, multipart
from ._engines import ENGINES, engine_database, require_postgres, skip_or_fail
from ._imports import PUBLIC_MODULES, private_imports
from ._plugins import EventRecorder, HeaderIdentity
from ._queries import QueryCounter
from ._spa_i18n import SpaCatalogReport, check_spa_catalogs, scan_js
from .serve import wait_until

__all__ = [
    "DEMO_PASSWORDS",
    "ENGINES",
    "FAST_CONFIG",
    "PUBLIC_MODULES",
    "ROOMY_AUTH",
    "AppFactory",
    "Client",
    "EventRecorder",
    "HeaderIdentity",
    "QueryCounter",
    "Response",
    "SpaCatalogReport",
    "assert_error",
    "check_spa_catalogs",
    "engine_database",
    "installed_plugin",
    "login",
    "make_app",
    "make_private",
    "make_project",
    "multipart",
    "private_imports",
    "project_roles",
    "quiet_test_warnings",
    "require_postgres",
    "scan_js",
    "skip_or_fail",
    "user_ids",
    "wait_until",
    "with_project_role",
]
