"""The transaction book of one database handle.

:class:`Transactions` is the part of a :class:`~lcore_taskflow.core._db.Database`
behind ``transaction()`` and ``after_commit()``: how deep the blocks are
nested, the savepoints not sent yet, the callbacks waiting for the outermost
commit, and the statements that open, release, commit and roll back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import DatabaseError

if TYPE_CHECKING:
    from .handle import Handle

log = logging.getLogger("lcore_taskflow")


class Transactions:
    """Nesting, savepoints and after-commit callbacks of one handle."""

    def __init__(self) -> None:
        self.depth = 0
        # nested blocks whose SAVEPOINT is not sent yet (see block())
        self.pending: list[int] = []
        self.callbacks: list[tuple[int, Callable[[], Any]]] = []

    def take_pending(self) -> list[int]:
        """The depths whose SAVEPOINT is still to send, from now on counted as sent."""
        pending, self.pending = self.pending, []
        return pending

    def block(self, db: Handle) -> Block:
        """One block of ``db.transaction()``: the outermost commits, nested ones are savepoints."""
        return Block(self, db)

    def _unopened(self, depth: int) -> bool:
        """Whether the savepoint of ``depth`` was never sent (and forget it)."""
        if self.pending and self.pending[-1] == depth:
            self.pending.pop()
            return True
        return False

    def _rollback(self, db: Handle, depth: int) -> None:
        self.callbacks = [(d, fn) for d, fn in self.callbacks if d <= depth]
        statements = ["ROLLBACK"] if depth == 0 else [f"ROLLBACK TO sp{depth}",
                                                       f"RELEASE sp{depth}"]
        # A rollback that fails (the connection died) must not hide the error
        # that caused it; the pool discards or resets the connection.
        with contextlib.suppress(DatabaseError):
            if db.in_transaction:
                for statement in statements:
                    db.execute(statement)

    def after_commit(self, fn: Callable[[], Any]) -> None:
        """Call ``fn`` after the outermost commit, or now outside a transaction."""
        if self.depth == 0:
            self._call(fn)
        else:
            self.callbacks.append((self.depth, fn))

    def _run_callbacks(self) -> None:
        callbacks, self.callbacks = self.callbacks, []
        for _, fn in callbacks:
            self._call(fn)

    @staticmethod
    def _call(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception:
            log.exception("after-commit callback %r failed", fn)

    def reset(self) -> None:
        """No block is open any more (the connection went back to the pool)."""
        self.depth = 0
        self.pending = []


class Block:
    """A ``with db.transaction():`` block (a class, not a generator: a request opens
    one per event listener, and ``contextlib``'s machinery cost more than the block)."""

    __slots__ = ("db", "depth", "tx")

    def __init__(self, tx: Transactions, db: Handle):
        self.tx, self.db, self.depth = tx, db, 0

    def __enter__(self) -> Any:
        tx, db = self.tx, self.db
        depth = self.depth = tx.depth
        if depth == 0:
            db.execute(db._pool.begin_sql)
        else:
            # Sent just before the block's first statement: a nested block that
            # runs no SQL (an event listener with nothing to write) costs none.
            tx.pending.append(depth)
        tx.depth = depth + 1
        return db

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        tx, db, depth = self.tx, self.db, self.depth
        tx.depth = depth
        if kind is not None:
            if tx._unopened(depth):
                tx.callbacks = [(d, fn) for d, fn in tx.callbacks if d <= depth]
            else:
                tx._rollback(db, depth)
            return
        if depth:
            if not tx._unopened(depth):
                db.execute(f"RELEASE sp{depth}")
            if tx.callbacks:  # they now stand or fall with the enclosing block
                tx.callbacks = [(min(d, depth), fn) for d, fn in tx.callbacks]
            return
        try:
            db.execute("COMMIT")
        except BaseException:
            tx._rollback(db, 0)
            raise
        tx._run_callbacks()
