"""The PostgreSQL engine: psycopg 3 behind a ``psycopg_pool.ConnectionPool``.

Feature SQL is written once, for both engines, with ``?`` placeholders;
:func:`to_pyformat` turns it into psycopg's ``%s`` style.  Connections run
in autocommit mode with explicit ``BEGIN``/``COMMIT`` from
:meth:`Database.transaction`, exactly like the SQLite engine, so a statement
outside a transaction commits by itself on both.

Values come back as SQLite would give them: ``numeric`` (``SUM`` of a
``bigint``, ``AVG``) as ``int`` when integral and ``float`` otherwise,
booleans as 1/0, dates and times as ISO text; each session runs in UTC, as
SQLite's ``date('now')`` does.  Python booleans are sent as 1/0.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

import psycopg
import psycopg_pool
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.types.string import TextLoader

from .errors import OperationalError, translated
from .urls import describe_url

if TYPE_CHECKING:
    from .breaker import Breaker

# what this module's connections are: rows as dicts (row_factory=dict_row)
Connection = psycopg.Connection[dict[str, Any]]

CONNECT_TIMEOUT = 5  # seconds; libpq waits forever by default

# A string literal, a quoted identifier or a comment (kept whole), or a ? or a %.
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|\?|%""", re.S)


def _swap(match: re.Match) -> str:
    token = match.group()
    if token == "?":
        return "%s"
    return token.replace("%", "%%")  # psycopg reads % everywhere, literals included


@functools.lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders as ``%s`` and every literal ``%`` as ``%%``.

    A ``?`` inside a string literal, a quoted identifier or a comment stays.
    """
    return _TOKENS.sub(_swap, sql)


class _NumericLoader(Loader):
    """``numeric`` as ``int`` when integral, else ``float``: SQLite's types."""

    def load(self, data: Any) -> int | float:
        text = bytes(data)
        try:
            return int(text)
        except ValueError:
            return float(text)


class _BoolLoader(Loader):
    """``boolean`` (``SELECT a = b``) as 1 or 0, as SQLite answers."""

    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class _BoolDumper(Dumper):
    """Python ``True``/``False`` as 1/0: flags are integer columns on both engines."""

    oid = psycopg.adapters.types["int2"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def _configure(conn: Connection) -> None:
    adapters = conn.adapters
    adapters.register_loader("numeric", _NumericLoader)
    adapters.register_loader("bool", _BoolLoader)
    adapters.register_dumper(bool, _BoolDumper)
    for name in ("date", "time", "timestamp", "timestamptz"):  # ISO text, as SQLite's
        adapters.register_loader(name, TextLoader)
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")


def _conninfo(url: str) -> str:
    """The URL as libpq takes it, with a connect timeout unless it names one."""
    if "connect_timeout" in dict(parse_qsl(urlsplit(url).query)):
        return url
    return url + ("&" if "?" in url else "?") + f"connect_timeout={CONNECT_TIMEOUT}"


class PostgresPool:
    """A psycopg connection pool plus the PostgreSQL dialect of :class:`Database`."""

    engine = "postgresql"
    Error = psycopg.Error
    begin_sql = "BEGIN"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    returning = True
    breaker: Breaker | None = None  # set by open_pool

    def __init__(self, url: str, busy_timeout: float = 10.0, max_size: int = 16):
        self.url = url
        conninfo = _conninfo(url)
        try:  # one direct connection first: its error says what is wrong
            psycopg.connect(conninfo).close()
        except psycopg.Error as exc:
            raise OperationalError(
                f"cannot connect to PostgreSQL at {describe_url(url)}: {exc}".strip()) from exc
        self._pool = psycopg_pool.ConnectionPool(
            conninfo, min_size=1, max_size=max(1, max_size), timeout=busy_timeout,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=_configure,
            # a connection broken by a server restart is replaced, not handed out
            check=psycopg_pool.ConnectionPool.check_connection,
            open=False, name="taskflow")
        self._pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        self._conninfo = conninfo
        self._closed = False

    def describe(self) -> str:
        return describe_url(self.url)

    def acquire(self, timeout: float | None = None) -> Connection:
        if self._closed:  # as SQLite's pool: closing drops the idle connections only
            conn = psycopg.connect(self._conninfo, autocommit=True, row_factory=dict_row)
            _configure(conn)
            return conn
        return self._pool.getconn(timeout)

    def release(self, conn: Connection) -> None:
        if self._closed:
            conn.close()
            return
        if self.in_transaction(conn) and not conn.closed:
            try:
                conn.execute("ROLLBACK")
            except psycopg.Error:
                pass  # broken: the pool sees it and discards the connection
        self._pool.putconn(conn)

    def close(self) -> None:
        """Close the pooled connections; later use connects (and closes) on demand."""
        self._closed = True
        self._pool.close()

    def check(self) -> None:
        """Nothing to check beyond the query itself (connections are checked on loan)."""

    # -- dialect: what Database asks of its engine ---------------------------
    @staticmethod
    def translate(exc: Exception):
        return translated(exc, psycopg.errors.IntegrityError, psycopg.OperationalError)

    @staticmethod
    def in_transaction(conn: Connection) -> bool:
        return conn.info.transaction_status != TransactionStatus.IDLE

    @staticmethod
    def execute(conn: Connection, sql: str,
                params: Sequence[Any] | Mapping[str, Any]) -> psycopg.Cursor[dict[str, Any]]:
        if isinstance(params, Mapping):
            raise TypeError("named parameters are not portable: use ? placeholders")
        return conn.execute(to_pyformat(sql), params)

    @staticmethod
    def executemany(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), rows)
            return cur.rowcount

    @staticmethod
    def insert(conn: Connection, sql: str, params: Sequence[Any]) -> int:
        row = conn.execute(to_pyformat(sql + " RETURNING id"), params).fetchone()
        return cast("dict[str, Any]", row)["id"]  # RETURNING always answers a row

    @staticmethod
    def bulk_insert(conn: Connection, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        with conn.cursor() as cur, \
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    @staticmethod
    def run_script(conn: Connection, script: str) -> None:
        # The whole file at once: no parameters, so psycopg sends it as one
        # simple query and plpgsql bodies ($$ ... ; ... $$) stay intact.
        conn.execute(script.encode(), prepare=False)

    table_exists_sql = ("SELECT 1 AS x FROM information_schema.tables"
                        " WHERE table_schema = current_schema() AND table_name = ?")
