"""One borrowed connection and the statements run on it.

:class:`Pool` is what the database layer needs of an engine (``sqlite.py``,
``postgresql.py``); :class:`Handle` borrows one connection of a pool, runs
statements on it with the engine's errors translated into ours, and is the
base of :class:`~lcore_taskflow.core._db.Database`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from .breaker import Breaker
from .errors import DatabaseError
from .transactions import Transactions


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


class Handle:
    """One connection borrowed from a pool, and the plain statements run on it.

    The base of :class:`Database`, which adds the row helpers, transactions
    and closing.
    """

    def __init__(self, pool: Pool):
        self._pool = pool
        self._breaker: Breaker | None = getattr(pool, "breaker", None)
        self.engine: str = pool.engine
        self._conn: Any = None
        self._tx = Transactions()

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
            if self._tx.pending:
                self._open_savepoints()
            return method(self.conn, *args)
        except self._pool.Error as exc:
            conn = self._conn
            if self._breaker is not None and conn is not None and getattr(conn, "broken", False):
                raise self._breaker.trip(f"connection lost: {exc}") from exc
            raise self._pool.translate(exc) from exc

    def _open_savepoints(self) -> None:
        for depth in self._tx.take_pending():
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
