"""The database layer: every SQL statement of the suite goes through here.

Feature code calls :class:`Database` methods with ``?`` placeholders and plain
SQL that both engines understand; what differs between SQLite and PostgreSQL
(connecting, placeholders, how an insert reports its id, locking, bulk
loads, error classes) lives in the engine modules :mod:`.sqlite` and
:mod:`.postgresql`, behind the same methods.  Feature code never asks which
engine it runs on (``db.engine`` exists for the migration runner and tests).

``open_pool(url)`` opens the connection pool of a ``database_url``;
``Database(pool)`` borrows one connection from it for a request, a command or
a worker.  ``connect(url)`` does both for scripts and tests.

:class:`Database` is built of parts: :mod:`.handle` borrows the connection
and runs statements, :mod:`.rows` adds the row helpers (insert, upsert,
claim, ...), :mod:`.transactions` keeps the book of ``transaction()``'s
blocks and savepoints; this module opens pools and adds the rest.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .breaker import Breaker, Unavailable
from .errors import DatabaseError, IntegrityError, OperationalError
from .handle import Pool
from .rows import SQL, Rows
from .sqlite import ConnectionPool, split_statements
from .urls import URL_FORMS, check_url, describe_url, engine_of, sqlite_url

__all__ = [
    "SQL",
    "URL_FORMS",
    "ConnectionPool",
    "Database",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "Pool",
    "Unavailable",
    "check_url",
    "connect",
    "describe_url",
    "open_pool",
    "split_statements",
    "sqlite_url",
]

PING_TIMEOUT = 0.5  # seconds /health waits for a pooled connection (never queue it long)


# -- opening -----------------------------------------------------------------
def open_pool(url: str, *, busy_timeout: float = 10.0, max_size: int = 16,
              pool_timeout: float | None = None, retry_after: float = 2.0) -> Pool:
    """The connection pool of ``url`` (see :data:`URL_FORMS`).

    ``busy_timeout``: how long a statement waits for SQLite's write lock.
    ``pool_timeout``: how long a request waits for a PostgreSQL connection
    (default ``busy_timeout``) before the database counts as unavailable;
    ``retry_after``: how long the circuit breaker then refuses at once.
    ``max_size``: connections kept (SQLite: idle ones; PostgreSQL: at most).
    """
    engine, target = engine_of(url)
    if engine == "sqlite":
        if target != ":memory:" and not target.startswith("file:"):
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        pool = ConnectionPool(target, busy_timeout, max_idle=max_size)
        if target != ":memory:":
            try:
                pool.enable_wal()
            except pool.Error as exc:
                raise pool.translate(exc) from exc
        return pool
    try:
        from .postgresql import PostgresPool
    except ImportError as exc:
        from .._config import ConfigError

        raise ConfigError(
            f"database_url: PostgreSQL needs psycopg 3 and psycopg_pool ({exc.name} is "
            "missing): pip install 'lcore-taskflow-core[postgresql]'") from exc
    server = PostgresPool(target, busy_timeout if pool_timeout is None else pool_timeout,
                          max_size=max_size)
    server.breaker = Breaker(retry_after)
    return server


@contextlib.contextmanager
def connect(url: str, **options: Any) -> Iterator[Database]:
    """A :class:`Database` on its own pool for ``url``; both closed on exit."""
    pool = open_pool(url, **options)
    db = Database(pool)
    try:
        yield db
    finally:
        db.close()
        pool.close()


# -- the facade ---------------------------------------------------------------
class Database(Rows):
    """One borrowed connection: the scoped ``ctx.db`` of a request.

    Not shared between threads; the connection is taken from the pool on first
    use and given back by :meth:`close`.
    """

    def run_script(self, script: str) -> None:
        """Run a file of statements (a migration) in the current transaction."""
        self._engine(self._pool.run_script, script)

    def ping(self) -> None:
        """Fail fast unless the database is reachable (readiness for ``/health``)."""
        self._pool.check()
        if self._conn is None:
            try:
                self._conn = self._acquire(timeout=PING_TIMEOUT)
            except self._pool.Error as exc:
                raise self._pool.translate(exc) from exc
        self.scalar("SELECT 1")

    def table_exists(self, table: str) -> bool:
        """Whether the database has a table of that name (either engine)."""
        return self.fetchone(self._pool.table_exists_sql, (table,)) is not None

    # -- transactions (kept by the Transactions part, see transactions.py) ----
    def transaction(self) -> AbstractContextManager[Database]:
        """Commit everything inside the block, or nothing.

        Nested blocks become savepoints, so a helper can open its own
        transaction without knowing whether its caller already did.  On
        PostgreSQL a failed statement spoils the whole transaction: catch
        errors outside the block, or around a nested one.
        """
        return self._tx.block(self)

    def after_commit(self, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` once the outermost transaction has committed, or now
        when none is open.  Dropped if the transaction (or the savepoint it was
        registered in) rolls back.  A failing ``fn`` is logged: the data is
        committed by then, so its error is not the caller's."""
        self._tx.after_commit(fn)

    def close(self) -> None:
        """Give the connection back to the pool (a request's handle is closed for you)."""
        self._tx.callbacks = []
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._tx.reset()
            self._pool.release(conn)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
