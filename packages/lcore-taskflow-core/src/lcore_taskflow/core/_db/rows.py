"""The row helpers of the database handle: statements built from names.

:class:`Rows` adds ``insert``, ``update``, ``delete``, ``count``, ``upsert``,
``claim`` and ``bulk_insert`` to :class:`~.handle.Handle`; every table and
column name they put into SQL passes :func:`_ident` first.  :class:`SQL`
marks an expression among ``claim()``'s values.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .handle import Handle

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@functools.lru_cache(maxsize=512)
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not an SQL identifier: {name!r}")
    return name


# The statements of insert() and upsert() are built once per table and set of columns:
# building them (identifier checks, joins) cost as much as a short statement's execute.
@functools.lru_cache(maxsize=1024)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {_ident(table)} ({', '.join(_ident(c) for c in columns)})"
            f" VALUES ({', '.join('?' * len(columns))})")


@functools.lru_cache(maxsize=1024)
def _upsert_sql(table: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                update: tuple[str, ...] | None) -> str:
    if update is None:
        update = tuple(c for c in columns if c not in conflict)
    action = ("DO UPDATE SET " + ", ".join(f"{_ident(c)} = excluded.{c}" for c in update)
              if update else "DO NOTHING")
    return (f"{_insert_sql(table, columns)}"
            f" ON CONFLICT ({', '.join(_ident(c) for c in conflict)}) {action}")


@dataclass(frozen=True)
class SQL:
    """An SQL expression used as a value in :meth:`Database.claim`'s ``set``
    (``{"attempts": SQL("attempts + 1")}``); never build one from user input."""

    text: str


class Rows(Handle):
    """A :class:`Handle` with the row helpers: one row by ``id``, counts, upserts,
    claims and bulk loads, from a table's and its columns' names."""

    def insert(self, table: str, data: Mapping[str, Any]) -> int:
        """Insert a row (``created_at`` defaults to now); return its new ``id``.

        The table needs an ``id`` column (PostgreSQL answers through
        ``RETURNING id``); insert into other tables with :meth:`execute`.
        """
        columns, values = tuple(data), tuple(data.values())
        if "created_at" not in data:
            columns, values = (*columns, "created_at"), (*values, time.time())
        return self._engine(self._pool.insert, _insert_sql(table, columns), values)

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
        sql = _upsert_sql(table, tuple(values), tuple(conflict),
                          None if update is None else tuple(update))
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
        with self._tx.block(self):  # what Database.transaction() opens
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
