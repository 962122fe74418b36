"""What the access suite builds on: an app with every plugin, accounts with real tokens.

``tests/access`` checks SPEC §9 (docs/access.md) on the whole product: core,
auth, notify, ui and the two example plugins, found through their entry points
exactly as ``create_app()`` finds them in production.  Accounts sign in through
``POST /auth/login`` (the auth package's real identify runs on every request);
share links are sent as ``Authorization: Bearer tfs_...``.
"""

from __future__ import annotations

import itertools
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
PLUGINS = ("auth", "notify", "ui", "labels", "webhooks")
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
                f"the plugin {name!r} is not installed: tests/access needs core, auth, notify, "
                "ui and the example plugins (tox -e access installs them)")
        found.append(plugin)
    return found


def build_app(directory, database_url: str, extra: Iterable[Any] = (), **config: Any) -> Lcore:
    """An assembled app with every plugin (and ``extra`` ones) on ``database_url``."""
    return make_app(directory, plugins=[*all_plugins(), *extra], database_url=database_url,
                    **{**ROOMY_AUTH, **config})


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
