"""Real PostgreSQL and Redis servers for tests: configured, found, or started here.

Standalone: the standard library, plus psycopg and redis-py when installed,
and nothing else of TaskFlow, so any project's tests can use it::

    url = postgres_url()              # None when there is no way to get one
    with fresh_database(url) as db_url:
        ...                           # a new database, dropped afterwards
    with empty_database(url) as db_url:
        ...                           # the same for a test, reusing an emptied one
    with redis_namespace() as prefix:
        ...                           # keys under a prefix of its own

Where each service comes from, first that works:

1. ``TASKFLOW_TEST_POSTGRES_URL`` / ``TASKFLOW_TEST_REDIS_URL``;
2. a server already listening on 127.0.0.1:5432 (user ``postgres``, trust
   auth) / 127.0.0.1:6379 (no password);
3. a private server in a temporary directory on a free port, stopped when the
   process exits; as root on Debian, ``apt-get install`` first brings
   ``postgresql`` / ``redis-server`` if their programs are missing;
4. none: the URL is ``None`` and :func:`find_postgres` / :func:`find_redis`
   say why in their ``note``.

The finders and servers live in :mod:`._services_common`,
:mod:`._services_postgres` and :mod:`._services_redis`; this module gathers them.
"""

from __future__ import annotations

import os

if not __package__:
    # Loaded from this file alone (``importlib.util.spec_from_file_location``, as
    # tests/e2e/test_deployment.py does where TaskFlow is not installed): make the
    # module a package of its own folder, so the relative imports below find its
    # sibling files.  Imported as lcore_taskflow.core.testing.services this is skipped.
    __path__ = [os.path.dirname(os.path.abspath(__file__))]
    __spec__.submodule_search_locations = __path__
    __package__ = __name__

from ._services_common import (
    START_TIMEOUT,
    PrivateServer,
    Service,
    ServiceError,
)
from ._services_postgres import (
    LOCAL_POSTGRES,
    POSTGRES_ENV,
    _postgres_bindir,  # noqa: F401  (tests reach it here)
    _postgres_problem,  # noqa: F401  (tests reach it here)
    create_database,
    drop_database,
    empty,
    empty_database,
    find_postgres,
    fresh_database,
    postgres_url,
    start_private_postgres,
    with_database,
)
from ._services_redis import (
    LOCAL_REDIS,
    REDIS_ENV,
    _redis_problem,  # noqa: F401  (tests reach it here)
    find_redis,
    redis_namespace,
    redis_url,
    start_private_redis,
)

__all__ = [
    "LOCAL_POSTGRES",
    "LOCAL_REDIS",
    "POSTGRES_ENV",
    "REDIS_ENV",
    "START_TIMEOUT",
    "PrivateServer",
    "Service",
    "ServiceError",
    "create_database",
    "drop_database",
    "empty",
    "empty_database",
    "find_postgres",
    "find_redis",
    "fresh_database",
    "postgres_url",
    "redis_namespace",
    "redis_url",
    "start_private_postgres",
    "start_private_redis",
    "with_database",
]
