"""The SQLite engine: a pool of connections to one file, and its SQL dialect.

Connections are opened in autocommit mode: each statement outside
:meth:`Database.transaction` commits by itself, and a transaction is an
explicit ``BEGIN IMMEDIATE`` that takes the write lock up front, so concurrent
writers queue on ``busy_timeout`` instead of failing with "database is locked"
half-way through.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from .._words import starts_words
from .errors import OperationalError, translated

#: ``UPDATE ... RETURNING`` exists from SQLite 3.35 on; older libraries claim
#: rows with a SELECT, an UPDATE and a SELECT inside the same write lock.
HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row)}


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


class ConnectionPool:
    """Idle SQLite connections kept for reuse, one file per pool.

    Opening a connection and setting its pragmas costs more than most queries
    here; a request borrows one through :class:`Database` and gives it back.
    """

    engine = "sqlite"
    Error = sqlite3.Error
    begin_sql = "BEGIN IMMEDIATE"
    skip_locked = ""  # one writer at a time: BEGIN IMMEDIATE is the lock
    returning = HAS_RETURNING

    def __init__(self, path: str, busy_timeout: float = 10.0, max_idle: int = 16):
        self.path = path
        self.busy_timeout = busy_timeout
        self.max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = _dict_row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        conn.execute("PRAGMA synchronous=NORMAL")
        # the board's q= for common words (_board_search.py): the index's word rule
        conn.create_function("taskflow_starts_words", 2, starts_words, deterministic=True)
        return conn

    def acquire(self, timeout: float | None = None) -> sqlite3.Connection:
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
        """Switch the file to write-ahead logging (persistent, once per file).

        Processes opening a new file at once race for the switch, and SQLite
        answers the losers "database is locked" at once, without waiting for
        the busy timeout: they try again until it has passed.
        """
        deadline = time.monotonic() + self.busy_timeout
        conn = self._connect()
        try:
            while True:
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
        finally:
            conn.close()

    # -- dialect: what Database asks of its engine ---------------------------
    @staticmethod
    def translate(exc: Exception):
        return translated(exc, sqlite3.IntegrityError, sqlite3.OperationalError)

    @staticmethod
    def in_transaction(conn: sqlite3.Connection) -> bool:
        return conn.in_transaction

    @staticmethod
    def execute(conn: sqlite3.Connection, sql: str,
                params: Sequence[Any] | Mapping[str, Any]) -> sqlite3.Cursor:
        return conn.execute(sql, params)

    @staticmethod
    def executemany(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return conn.executemany(sql, rows).rowcount

    @staticmethod
    def insert(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
        return cast(int, conn.execute(sql, params).lastrowid)  # an int after an INSERT

    @staticmethod
    def bulk_insert(conn: sqlite3.Connection, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> int:
        # executemany of one prepared INSERT is SQLite's fastest path.
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        return conn.executemany(sql, rows).rowcount

    @staticmethod
    def run_script(conn: sqlite3.Connection, script: str) -> None:
        # Not conn.executescript(): it COMMITs first, ending our transaction.
        for statement in split_statements(script):
            conn.execute(statement)

    table_exists_sql = "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?"
