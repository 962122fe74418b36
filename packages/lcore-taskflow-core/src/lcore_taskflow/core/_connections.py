"""The database as a kernel hands it out: the pool, one connection per request.

A request (or an event dispatch outside one) gets one ``Database`` handle,
shared by the handler and the listeners of its events, and given back when
the answer is ready.  The per-thread state also carries the request's small
caches (``request_cache``), dropped with the connection.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from ._db import Database, OperationalError, open_pool, sqlite_url
from ._db.urls import describe_url
from ._storage import LocalStorage


class Connections:
    """The pool of one kernel (``kernel.pool``) and the current request's handle."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.local = threading.local()
        #: the database of the pool, password masked, and SQLite's lock wait (``open``)
        self.where: str | None = None
        self.busy_timeout = 0.0

    def open(self) -> None:
        """Open the connection pool and the upload storage (the first assembly does it)."""
        kernel, config = self.kernel, self.kernel.config
        kernel.storage = LocalStorage(config.upload_dir)
        url = config.database_url or sqlite_url(config.db_path)
        self.where, self.busy_timeout = describe_url(url), config.db_busy_timeout
        kernel.pool = open_pool(url, busy_timeout=config.db_busy_timeout,
                                max_size=max(4, config.threads * 2),
                                pool_timeout=config.db_pool_timeout,
                                retry_after=config.db_retry_after)

    def unavailable(self, exc: OperationalError) -> OperationalError | None:
        """``exc`` of a database that could not serve the start-up (opening it, the
        migrations, the seed) as the one line a person starting the server reads: which
        database, why, and for SQLite's write lock what usually holds it.  ``None`` when
        the message names the database already (PostgreSQL's refused connection)."""
        where = self.where
        if where is None or where in str(exc):
            return None
        text = f"the database {where} cannot serve the start-up: {exc}"
        if where.startswith("sqlite") and "locked" in str(exc):
            text += (f" (another process held its write lock for more than "
                     f"{self.busy_timeout:g} s, APP_DB_BUSY_TIMEOUT: another server or "
                     "`taskflow` command writing to the same file?)")
        return OperationalError(text)

    def close(self) -> None:
        """Close the pool (a failed first assembly, or the kernel's ``close``)."""
        if self.kernel.pool is not None:
            self.kernel.pool.close()

    @property
    def db(self) -> Database:
        """The request's handle (see ``TaskFlow.db``)."""
        local = self.local
        db = local.__dict__.get("db")
        if db is None:
            if not local.__dict__.get("depth"):
                raise RuntimeError("kernel.db exists only while TaskFlow serves a request; "
                                   "use `with kernel.database() as db:` elsewhere")
            db = local.db = Database(self.kernel.pool)
        return db

    def current(self) -> Database | None:
        """The handle already open in this thread, if any (opens none)."""
        return self.local.__dict__.get("db")

    def begin_request(self) -> None:
        local = self.local.__dict__
        depth = local["depth"] = local.get("depth", 0) + 1
        if depth == 1:
            self.kernel.runtime_settings.maybe_refresh()  # a clock read, a query every few s

    def end_request(self) -> None:
        local = self.local.__dict__
        local["depth"] -= 1
        if not local["depth"]:
            local.pop("scoped", None)
            db = local.pop("db", None)
            if db is not None:
                db.close()

    def request_cache(self) -> dict[str, Any] | None:
        """This thread's per-request state while a request runs, else ``None``."""
        local = self.local.__dict__
        return local if local.get("depth") else None

    def database(self) -> AbstractContextManager[Database]:
        """The request's handle inside a request, else a pooled connection (see
        ``TaskFlow.database``)."""
        if self.local.__dict__.get("depth"):  # the hot path: no generator
            return contextlib.nullcontext(self.db)
        return self._own_database()

    @contextlib.contextmanager
    def _own_database(self) -> Iterator[Database]:
        local = self.local.__dict__
        db = Database(self.kernel.pool)
        local["depth"], local["db"] = 1, db
        try:
            yield db
        finally:
            local.pop("depth", None)
            local.pop("db", None)
            local.pop("scoped", None)
            db.close()
