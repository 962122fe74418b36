"""Counting the SQL statements a piece of code runs (``QueryCounter``).

It wraps the statement methods of :class:`lcore_taskflow.core.Database` —
the one door every query of the suite goes through, whatever the engine —
while at least one counter is active, and records only the calls made on
the thread that entered the counter (in-process test clients serve the
request on that thread; background workers do not pollute the count).
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from .._db import Database

_STATEMENTS = ("execute", "executemany", "fetchone", "fetchall", "scalar")
_ROW_HELPERS = {"insert": "INSERT INTO {}", "update": "UPDATE {}", "delete": "DELETE FROM {}",
                "upsert": "INSERT INTO {} ... ON CONFLICT"}
_local = threading.local()
_lock = threading.Lock()
_originals: dict[str, Any] = {}
_active = [0]


def _counters() -> list[QueryCounter]:
    return _local.__dict__.setdefault("counters", [])


def _wrap(name: str, original: Any) -> Any:
    template = _ROW_HELPERS.get(name)

    @functools.wraps(original)
    def counted(self, *args: Any, **kw: Any) -> Any:
        counters = _counters()
        # Only the outermost call counts: a helper built on another one is one query.
        if not counters or _local.__dict__.get("inside"):
            return original(self, *args, **kw)
        sql = template.format(args[0]) if template else str(args[0])
        for counter in counters:
            counter.statements.append(" ".join(sql.split()))
        _local.inside = True
        try:
            return original(self, *args, **kw)
        finally:
            _local.inside = False

    return counted


def _patch() -> None:
    with _lock:
        _active[0] += 1
        if _active[0] == 1:
            for name in (*_STATEMENTS, *_ROW_HELPERS):
                _originals[name] = getattr(Database, name)
                setattr(Database, name, _wrap(name, _originals[name]))


def _unpatch() -> None:
    with _lock:
        _active[0] -= 1
        if _active[0] == 0:
            for name, original in _originals.items():
                setattr(Database, name, original)
            _originals.clear()


class QueryCounter:
    """``with QueryCounter() as q: ...`` then ``q.count``, ``q.statements``, ``q.matching()``.

    Counts every statement that TaskFlow code (core's and plugins') sends
    through :class:`~lcore_taskflow.core.Database` on this thread inside the
    block.  Transaction statements (``BEGIN``, savepoints) are not counted.
    A counter can be entered again; each entry starts from zero.
    """

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __enter__(self) -> QueryCounter:
        self.statements = []
        _patch()
        _counters().append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _counters().remove(self)
        _unpatch()

    @property
    def count(self) -> int:
        return len(self.statements)

    def matching(self, pattern: str) -> list[str]:
        """The statements that mention ``pattern`` (a regex, case-insensitive): a table name."""
        rx = re.compile(pattern, re.IGNORECASE)
        return [s for s in self.statements if rx.search(s)]

    def __repr__(self) -> str:
        return f"<QueryCounter {self.count}: {self.statements!r}>"
