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
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .breaker import Breaker, Unavailable
from .errors import DatabaseError, IntegrityError, OperationalError
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

log = logging.getLogger("lcore_taskflow")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PING_TIMEOUT = 0.5  # seconds /health waits for a pooled connection (never queue it long)


@functools.lru_cache(maxsize=512)
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not an SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class SQL:
    """An SQL expression used as a value in :meth:`Database.claim`'s ``set``
    (``{"attempts": SQL("attempts + 1")}``); never build one from user input."""

    text: str


class Pool(Protocol):
    """What :class:`Database` needs of an engine (see ``sqlite.py``, ``postgresql.py``):
    its connections, and the few statements and calls that differ."""

    engine: str                # "sqlite" | "postgresql"

    @property
    def Error(self) -> type[Exception]:
        """The engine's base error, translated by translate()."""
    begin_sql: str             # opens the outermost transaction
    skip_locked: str           # appended to claim()'s row pick
    returning: bool            # UPDATE ... RETURNING available
    table_exists_sql: str      # one ? for the table name

    def acquire(self, timeout: float | None = None) -> Any: ...
    def release(self, conn: Any) -> None: ...
    def close(self) -> None: ...
    def check(self) -> None: ...
    def describe(self) -> str: ...
    def translate(self, exc: Exception) -> DatabaseError: ...
    def in_transaction(self, conn: Any) -> bool: ...
    def execute(self, conn: Any, sql: str, params: Any) -> Any: ...
    def executemany(self, conn: Any, sql: str, rows: Iterable[Sequence[Any]]) -> int: ...
    def insert(self, conn: Any, sql: str, params: Sequence[Any]) -> int: ...
    def bulk_insert(self, conn: Any, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> int: ...
    def run_script(self, conn: Any, script: str) -> None: ...


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
class Database:
    """One borrowed connection: the scoped ``ctx.db`` of a request.

    Not shared between threads; the connection is taken from the pool on first
    use and given back by :meth:`close`.
    """

    def __init__(self, pool: Pool):
        self._pool = pool
        self._breaker: Breaker | None = getattr(pool, "breaker", None)
        self.engine: str = pool.engine
        self._conn: Any = None
        self._depth = 0
        # nested blocks whose SAVEPOINT is not sent yet (see transaction())
        self._pending: list[int] = []
        self._after_commit: list[tuple[int, Callable[[], Any]]] = []

    @property
    def conn(self) -> Any:
        """The engine's own connection (sqlite3 or psycopg); for tests and tools."""
        if self._conn is None:
            self._conn = self._acquire()
        return self._conn

    def _acquire(self, timeout: float | None = None) -> Any:
        """A connection from the pool, unless the breaker says the server is down."""
        breaker = self._breaker
        if breaker is None:
            return self._pool.acquire(timeout)
        breaker.check()
        try:
            conn = self._pool.acquire(timeout)
        except self._pool.Error as exc:
            raise breaker.trip(f"no connection: {exc}") from exc
        breaker.reset()
        return conn

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this handle (``transaction()``, or a savepoint)."""
        return self._conn is not None and self._pool.in_transaction(self._conn)

    def _engine(self, method: Callable, *args: Any) -> Any:
        """Call an engine method on the connection; engine errors become ours."""
        try:
            if self._pending:
                self._open_savepoints()
            return method(self.conn, *args)
        except self._pool.Error as exc:
            conn = self._conn
            if self._breaker is not None and conn is not None and getattr(conn, "broken", False):
                raise self._breaker.trip(f"connection lost: {exc}") from exc
            raise self._pool.translate(exc) from exc

    def _open_savepoints(self) -> None:
        pending, self._pending = self._pending, []
        for depth in pending:
            self._pool.execute(self.conn, f"SAVEPOINT sp{depth}", ())

    # -- queries ----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """Run one statement; the cursor has ``rowcount`` and ``fetchone/fetchall``."""
        return self._engine(self._pool.execute, sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of ``rows`` (parameter sequences)."""
        self._engine(self._pool.executemany, sql, rows)

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row of a query as a dict (column -> value), or ``None``."""
        return self._engine(self._pool.execute, sql, params).fetchone()

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row of a query, each a dict (column -> value)."""
        return self._engine(self._pool.execute, sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (``SELECT COUNT(*) ...``), or ``None``."""
        row = self.fetchone(sql, params)
        return next(iter(row.values())) if row else None

    # -- row helpers --------------------------------------------------------
    def insert(self, table: str, data: Mapping[str, Any]) -> int:
        """Insert a row (``created_at`` defaults to now); return its new ``id``.

        The table needs an ``id`` column (PostgreSQL answers through
        ``RETURNING id``); insert into other tables with :meth:`execute`.
        """
        data = dict(data)
        data.setdefault("created_at", time.time())
        cols = ", ".join(_ident(c) for c in data)
        marks = ", ".join("?" for _ in data)
        return self._engine(self._pool.insert,
                            f"INSERT INTO {_ident(table)} ({cols}) VALUES ({marks})",
                            tuple(data.values()))

    def update(self, table: str, row_id: int, data: Mapping[str, Any], *,
               stamp: bool = True) -> int:
        """Set the columns ``data`` of the row ``id = row_id`` (and ``updated_at`` to now,
        unless ``stamp=False``); returns the number of rows changed (0 or 1)."""
        data = dict(data)
        if stamp:
            data["updated_at"] = time.time()
        sets = ", ".join(f"{_ident(c)} = ?" for c in data)
        cur = self.execute(
            f"UPDATE {_ident(table)} SET {sets} WHERE id = ?", (*data.values(), row_id))
        return cur.rowcount

    def delete(self, table: str, row_id: int) -> bool:
        """Delete the row ``id = row_id``; whether there was one."""
        cur = self.execute(f"DELETE FROM {_ident(table)} WHERE id = ?", (row_id,))
        return cur.rowcount > 0

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        """``SELECT COUNT(*) FROM table [WHERE where]`` with ``?`` parameters."""
        sql = f"SELECT COUNT(*) AS n FROM {_ident(table)}"
        return self.scalar(sql + (f" WHERE {where}" if where else ""), params)

    def upsert(self, table: str, values: Mapping[str, Any], *, conflict: Sequence[str],
               update: Sequence[str] | None = None) -> int:
        """Insert ``values``, or on a ``conflict`` (a unique key's columns) update
        the columns ``update`` (default: every other column; ``()``: keep the
        existing row).  Returns the number of rows written (0 or 1)."""
        cols = [_ident(c) for c in values]
        if update is None:
            update = [c for c in cols if c not in conflict]
        action = ("DO UPDATE SET " + ", ".join(f"{_ident(c)} = excluded.{c}" for c in update)
                  if update else "DO NOTHING")
        sql = (f"INSERT INTO {_ident(table)} ({', '.join(cols)})"
               f" VALUES ({', '.join('?' for _ in cols)})"
               f" ON CONFLICT ({', '.join(_ident(c) for c in conflict)}) {action}")
        return self.execute(sql, tuple(values.values())).rowcount

    def claim(self, table: str, where: str, params: Sequence[Any] = (), *,
              set: Mapping[str, Any], limit: int, order_by: str = "id") -> list[dict[str, Any]]:
        """Take up to ``limit`` rows matching ``where``, apply ``set`` to them and
        return them (updated), ordered by ``order_by``.

        Atomic across processes and hosts: each row is claimed by exactly one
        caller, and concurrent callers skip the rows others hold instead of
        waiting for them (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: the
        write lock of ``BEGIN IMMEDIATE``).  ``set`` must make the rows stop
        matching ``where`` (e.g. a new status), or the next claim takes them again.
        """
        if not set:
            raise ValueError("claim() needs columns to set: claimed rows must stop matching")
        table, order_by = _ident(table), _ident(order_by)
        assigned, values = [], []
        for column, value in set.items():
            if isinstance(value, SQL):
                assigned.append(f"{_ident(column)} = {value.text}")
            else:
                assigned.append(f"{_ident(column)} = ?")
                values.append(value)
        sets = ", ".join(assigned)
        pick = (f"SELECT id FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ?"
                f"{self._pool.skip_locked}")
        with self.transaction():
            if self._pool.returning:
                rows = self.fetchall(f"UPDATE {table} SET {sets} WHERE id IN ({pick})"
                                     " RETURNING *", (*values, *params, limit))
            else:
                ids = [r["id"] for r in self.fetchall(pick, (*params, limit))]
                if not ids:
                    return []
                marks = ", ".join("?" for _ in ids)
                self.execute(f"UPDATE {table} SET {sets} WHERE id IN ({marks})",
                             (*values, *ids))
                rows = self.fetchall(f"SELECT * FROM {table} WHERE id IN ({marks})", ids)
        rows.sort(key=lambda row: (row[order_by] is None, row[order_by]))
        return rows

    def bulk_insert(self, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> int:
        """Insert many rows fast (PostgreSQL: ``COPY``); returns how many.

        ``rows`` may be a generator.  Nothing is filled in (no ``created_at``),
        and the new ids are not returned.
        """
        return self._engine(self._pool.bulk_insert, _ident(table),
                            [_ident(c) for c in columns], rows)

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

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """Commit everything inside the block, or nothing.

        Nested blocks become savepoints, so a helper can open its own
        transaction without knowing whether its caller already did.  On
        PostgreSQL a failed statement spoils the whole transaction: catch
        errors outside the block, or around a nested one.
        """
        depth = self._depth
        if depth == 0:
            self.execute(self._pool.begin_sql)
        else:
            # Sent just before the block's first statement: a nested block that
            # runs no SQL (an event listener with nothing to write) costs none.
            self._pending.append(depth)
        self._depth = depth + 1
        try:
            yield self
        except BaseException:
            self._depth = depth
            if self._unopened(depth):
                self._after_commit = [(d, fn) for d, fn in self._after_commit if d <= depth]
            else:
                self._rollback(depth)
            raise
        self._depth = depth
        if depth:
            if not self._unopened(depth):
                self.execute(f"RELEASE sp{depth}")
            # its callbacks now stand or fall with the enclosing block
            self._after_commit = [(min(d, depth), fn) for d, fn in self._after_commit]
            return
        try:
            self.execute("COMMIT")
        except BaseException:
            self._rollback(0)
            raise
        self._run_after_commit()

    def _unopened(self, depth: int) -> bool:
        """Whether the savepoint of ``depth`` was never sent (and forget it)."""
        if self._pending and self._pending[-1] == depth:
            self._pending.pop()
            return True
        return False

    def _rollback(self, depth: int) -> None:
        self._after_commit = [(d, fn) for d, fn in self._after_commit if d <= depth]
        statements = ["ROLLBACK"] if depth == 0 else [f"ROLLBACK TO sp{depth}",
                                                       f"RELEASE sp{depth}"]
        # A rollback that fails (the connection died) must not hide the error
        # that caused it; the pool discards or resets the connection.
        with contextlib.suppress(DatabaseError):
            if self.in_transaction:
                for statement in statements:
                    self.execute(statement)

    def after_commit(self, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` once the outermost transaction has committed, or now
        when none is open.  Dropped if the transaction (or the savepoint it was
        registered in) rolls back.  A failing ``fn`` is logged: the data is
        committed by then, so its error is not the caller's."""
        if self._depth == 0:
            self._call(fn)
        else:
            self._after_commit.append((self._depth, fn))

    def _run_after_commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for _, fn in callbacks:
            self._call(fn)

    @staticmethod
    def _call(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception:
            log.exception("after-commit callback %r failed", fn)

    def close(self) -> None:
        """Give the connection back to the pool (a request's handle is closed for you)."""
        self._after_commit = []
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._depth = 0
            self._pending = []
            self._pool.release(conn)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
