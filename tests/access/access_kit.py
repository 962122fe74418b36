"""What the access suite builds on: an app with every plugin, accounts with real tokens.

``tests/access`` checks SPEC §9 (docs/access.md) on the whole product: core,
auth, notify, ui, io and the two example plugins, found through their entry points
exactly as ``create_app()`` finds them in production.  Accounts sign in through
``POST /auth/login`` (the auth package's real identify runs on every request);
share links are sent as ``Authorization: Bearer tfs_...``.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from lcore import Lcore
from lcore_taskflow.core.testing import (
    ROOMY_AUTH,
    Client,
    Response,
    installed_plugin,
    login,
    make_app,
)

#: Every plugin the suite loads, by entry point name (``lcore_taskflow.plugins``).
PLUGINS = ("auth", "notify", "ui", "io", "labels", "webhooks")
#: The password of every account the suite makes.
PASSWORD = "correct-horse-9"

_unique = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other object of the run has (``prefix-N``)."""
    return f"{prefix}-{next(_unique)}"


def all_plugins() -> list[Any]:
    """A fresh instance of each plugin of :data:`PLUGINS`; fails naming a missing one."""
    found = []
    for name in PLUGINS:
        plugin = installed_plugin(name)
        if plugin is None:
            raise LookupError(
                f"the plugin {name!r} is not installed: tests/access needs core, auth, notify, io, "
                "ui and the example plugins (tox -e access installs them)")
        found.append(plugin)
    return found


def build_app(directory, database_url: str, extra: Iterable[Any] = (), **config: Any) -> Lcore:
    """An assembled app with every plugin (and ``extra`` ones) on ``database_url``."""
    return make_app(directory, plugins=[*all_plugins(), *extra], database_url=database_url,
                    **{**ROOMY_AUTH, **config})


#: Configuration that keeps the outboxes still between requests: a failed email or webhook
#: delivery is not tried again later in the background, so the database changes only when a
#: request (or the sending it starts at once) changes it.  See :func:`settle`.
STILL_OUTBOXES = {"notify_max_attempts": 1, "webhooks_max_attempts": 1,
                  # io's import jobs stay queued: no worker thread writes between requests
                  "import_worker": False}


def expect(reply: Response, status: int, what: str) -> Any:
    """The JSON of ``reply`` when it answered ``status``; else fail saying what was set up."""
    if reply.status != status:
        raise AssertionError(f"setting up: {what} answered {reply.status}, not {status}: "
                             f"{reply.text[:300]}")
    return reply.json if reply.body else None


class Accounts:
    """Accounts of one app, created through the API by the demo admin, with their tokens."""

    def __init__(self, app: Lcore):
        self.app = app
        self.admin = login(app, "admin")
        self.ids: dict[str, int] = {"admin": self._id_of("admin")}
        self.roles: dict[str, str] = {"admin": "admin"}
        self.emails: dict[str, str] = {}
        self.passwords: dict[str, str] = {"admin": "admin123"}
        self._clients: dict[str, Client] = {"admin": self.admin}

    def _id_of(self, username: str) -> int:
        with self.app.taskflow.database() as db:
            return db.scalar("SELECT id FROM users WHERE username = ?", (username,))

    def add(self, username: str, role: str = "member") -> int:
        """A new account (``member`` or ``guest``) made with ``POST /api/users/``."""
        email = f"{username}@example.test"
        body = expect(self.admin.post("/api/users/", json={
            "username": username, "email": email, "role": role, "password": PASSWORD}),
            201, f"POST /api/users/ {username}")
        self.ids[username], self.roles[username] = body["id"], role
        self.emails[username] = email
        self.passwords[username] = PASSWORD
        return body["id"]

    def client(self, username: str) -> Client:
        """A client with a real bearer token of ``username`` (logged in once, then kept)."""
        if username not in self._clients:
            self._clients[username] = login(self.app, username, self.passwords[username])
        return self._clients[username]

    def fresh(self, username: str) -> Client:
        """A client with a new token of ``username`` (for logging out, say)."""
        return login(self.app, username, self.passwords[username])

    def relogin(self, username: str) -> None:
        """Forget the kept token (after a password change revoked it) and log in again."""
        self._clients.pop(username, None)
        if username == "admin":
            self.admin = self.client("admin")
        else:
            self.client(username)

    def reset_limits(self) -> None:
        """Empty the rate-limit buckets: every in-process request comes from one address."""
        self.app.taskflow.limits.backend.reset()


def share_client(app: Lcore, token: str | None) -> Client:
    """A client that sends a share link's token (``None``: anonymous)."""
    return Client(app).with_token(token) if token else Client(app)


def ids_of(items: Iterable[dict[str, Any]], key: str = "id") -> list[Any]:
    return [item[key] for item in items]


# ---------------------------------------------------------------- what is in the database
#: Columns that only record that a credential was used (written at most once a minute, by
#: any request that presents it): left out of :func:`rows_of`.
USE_MARKS = {"auth_tokens": ("last_used_at",), "auth_sessions": ("last_seen_at",)}
TABLES_SQL = {  # SQLite: a virtual table (full-text search) but not the tables that store it
    "sqlite": "SELECT name FROM sqlite_master t WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
              " AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL%'"
              " AND t.name LIKE v.name || '\\_%' ESCAPE '\\')",
    "postgresql": "SELECT table_name AS name FROM information_schema.tables"
                  " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
}
Rows = dict[str, tuple[tuple[str, ...], Counter[tuple[Any, ...]]]]


def rows_of(app: Lcore) -> Rows:
    """Every row of every table of the app's database, by table: its columns and its rows,
    counted (:data:`USE_MARKS` left out).  Equal before and after a request iff the request
    changed nothing.  Read through the engine's own cursor as plain tuples: a snapshot of the
    whole matrix database takes milliseconds."""
    found: Rows = {}
    with app.taskflow.database() as db:
        for table in sorted(r["name"] for r in db.fetchall(TABLES_SQL[db.engine])):
            names, rows = _tuples(db, f'SELECT * FROM "{table}"')
            skip = USE_MARKS.get(table, ())
            if skip:
                keep = [i for i, name in enumerate(names) if name not in skip]
                names, rows = [names[i] for i in keep], [tuple(r[i] for i in keep) for r in rows]
            try:
                counted = Counter(rows)
            except TypeError:  # a JSON column read as a dict or a list
                counted = Counter(tuple(repr(v) if isinstance(v, (dict, list)) else v
                                        for v in row) for row in rows)
            found[table] = tuple(names), counted
    return found


def _tuples(db, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The columns and rows (plain tuples: no dict per row) of a query."""
    if db.engine == "sqlite":
        cursor = db.conn.cursor()
        cursor.row_factory = None
    else:
        from psycopg.rows import tuple_row

        cursor = db.conn.cursor(row_factory=tuple_row)
    try:
        cursor.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        cursor.close()


def changes(before: Rows, after: Rows, shown: int = 2) -> list[str]:
    """What differs between two :func:`rows_of`, per table (a few rows of each)."""
    found = []
    for table in sorted(set(before) | set(after)):
        names, old = before.get(table, ((), Counter()))
        new_names, new = after.get(table, ((), Counter()))
        if old == new:
            continue
        gone, came = old - new, new - old
        if gone or came:
            found.append(f"{table}: {gone.total()} row(s) only before {_show(gone, names, shown)}"
                         f", {came.total()} only after {_show(came, new_names, shown)}")
    return found


def _show(rows: Counter, names: tuple[str, ...], shown: int) -> list[str]:
    return [str(dict(zip(names, row)))[:200] for row in sorted(rows, key=repr)[:shown]]


#: Deliveries being sent or about to be (notify's outbox, the webhooks example's).
BUSY_SQL = ("SELECT (SELECT COUNT(*) FROM notifications WHERE status = 'pending')"
            " + (SELECT COUNT(*) FROM webhook_deliveries"
            " WHERE status IN ('pending', 'sending')) AS busy")


def settle(app: Lcore, timeout: float = 10.0) -> None:
    """Wait until the background senders have finished what earlier requests gave them
    (with :data:`STILL_OUTBOXES` nothing else is due later), so that a snapshot taken next
    changes only when a request changes something."""
    deadline = time.monotonic() + timeout
    while True:
        with app.taskflow.database() as db:
            busy = db.scalar(BUSY_SQL)
        if not busy:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"setting up: {busy} deliveries still pending after "
                                 f"{timeout} s")
        time.sleep(0.01)
