"""The database layer: every SQL statement of the suite goes through here.

Feature code calls :class:`Database` methods with ``?`` placeholders and plain
SQL; engine specifics (connecting, pragmas, how an insert reports its id,
transaction statements) live only in this module, so a second engine can be
added behind the same methods.

SQLite is opened in autocommit mode: each statement outside
:meth:`Database.transaction` commits by itself, and a transaction is an
explicit ``BEGIN IMMEDIATE`` that takes the write lock up front, so concurrent
writers queue on ``busy_timeout`` instead of failing with "database is locked"
half-way through.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IntegrityError = sqlite3.IntegrityError
OperationalError = sqlite3.OperationalError


@functools.lru_cache(maxsize=512)
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not an SQL identifier: {name!r}")
    return name


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row)}


class ConnectionPool:
    """Idle SQLite connections kept for reuse, one file per pool.

    Opening a connection and setting its pragmas costs more than most queries
    here; a request borrows one through :class:`Database` and gives it back.
    """

    def __init__(self, path: str, busy_timeout: float = 10.0, max_idle: int = 16):
        self.path = path
        self.busy_timeout = busy_timeout
        self.max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = _dict_row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.rollback()
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def check(self) -> None:
        """Raise ``OperationalError`` when the database file has gone away.

        Pooled connections keep an unlinked file open and answer queries
        happily (writing to a ghost), so readiness checks the path itself.
        """
        if self.path != ":memory:" and not self.path.startswith("file:") \
                and not os.path.isfile(self.path):
            raise OperationalError(f"database file {self.path} is missing")

    def enable_wal(self) -> None:
        """Switch the file to write-ahead logging (persistent, once per file)."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()


class Database:
    """One borrowed connection: the scoped ``ctx.db`` of a request."""

    def __init__(self, pool: ConnectionPool):
        self._pool = pool
        self._conn: sqlite3.Connection | None = None
        self._depth = 0
        self._on_commit: list = []

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._pool.acquire()
        return self._conn

    # -- queries ----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        return self.conn.execute(sql, params).fetchone()

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return next(iter(row.values())) if row else None

    # -- row helpers --------------------------------------------------------
    def insert(self, table: str, data: Mapping[str, Any]) -> int:
        data = dict(data)
        data.setdefault("created_at", time.time())
        cols = ", ".join(_ident(c) for c in data)
        marks = ", ".join("?" for _ in data)
        cur = self.conn.execute(
            f"INSERT INTO {_ident(table)} ({cols}) VALUES ({marks})", tuple(data.values())
        )
        return cur.lastrowid

    def update(self, table: str, row_id: int, data: Mapping[str, Any], *,
               stamp: bool = True) -> int:
        data = dict(data)
        if stamp:
            data["updated_at"] = time.time()
        sets = ", ".join(f"{_ident(c)} = ?" for c in data)
        cur = self.conn.execute(
            f"UPDATE {_ident(table)} SET {sets} WHERE id = ?", (*data.values(), row_id)
        )
        return cur.rowcount

    def delete(self, table: str, row_id: int) -> bool:
        cur = self.conn.execute(f"DELETE FROM {_ident(table)} WHERE id = ?", (row_id,))
        return cur.rowcount > 0

    def upsert(self, table: str, values: Mapping[str, Any], *, conflict: Sequence[str],
               update: Sequence[str] = ()) -> None:
        """Insert ``values``; on a ``conflict`` key, update the ``update`` columns (or nothing)."""
        cols = ", ".join(_ident(c) for c in values)
        marks = ", ".join("?" for _ in values)
        keys = ", ".join(_ident(c) for c in conflict)
        action = ("DO UPDATE SET " + ", ".join(f"{_ident(c)} = excluded.{_ident(c)}"
                                               for c in update)) if update else "DO NOTHING"
        self.conn.execute(f"INSERT INTO {_ident(table)} ({cols}) VALUES ({marks})"
                          f" ON CONFLICT ({keys}) {action}", tuple(values.values()))

    def after_commit(self, fn) -> None:
        """Run ``fn()`` once the outermost transaction commits (never, if it rolls back).

        Outside a transaction ``fn`` runs at once.
        """
        if self._depth == 0:
            fn()
        else:
            self._on_commit.append(fn)

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f"SELECT COUNT(*) AS n FROM {_ident(table)}"
        return self.scalar(sql + (f" WHERE {where}" if where else ""), params)

    def ping(self) -> None:
        """Fail unless the database is reachable (readiness for ``/health``)."""
        self._pool.check()
        self.scalar("SELECT 1")

    def table_exists(self, table: str) -> bool:
        return self.fetchone(
            "SELECT 1 AS x FROM sqlite_master WHERE type='table' AND name=?", (table,)
        ) is not None

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """Commit everything inside the block, or nothing.

        Nested blocks become savepoints, so a helper can open its own
        transaction without knowing whether its caller already did.
        """
        conn = self.conn
        if self._depth == 0:
            conn.execute("BEGIN IMMEDIATE")
            begin, commit, rollback = None, "COMMIT", "ROLLBACK"
        else:
            name = f"sp{self._depth}"
            begin, commit, rollback = (
                f"SAVEPOINT {name}", f"RELEASE {name}", f"ROLLBACK TO {name}; RELEASE {name}")
            conn.execute(begin)
        self._depth += 1
        mark = len(self._on_commit)
        try:
            yield self
        except BaseException:
            self._depth -= 1
            del self._on_commit[mark:]
            for stmt in rollback.split("; "):
                conn.execute(stmt)
            raise
        self._depth -= 1
        conn.execute(commit)
        if self._depth == 0:
            callbacks, self._on_commit = self._on_commit, []
            for fn in callbacks:
                fn()

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._depth = 0
            self._pool.release(conn)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers included)."""
    statements, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                statements.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        statements.append(buf.strip())
    return statements
