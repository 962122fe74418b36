"""Assembled apps on temporary databases, and the factory behind ``taskflow_app``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from lcore import Lcore

from .._kernel import create_app
from .._plugins import ENTRY_POINT_GROUP
from ._plugins import EventRecorder, HeaderIdentity

FAST_CONFIG = {
    "debug": False,
    "secret_key": "test-secret-key-0123456789abcdef",
    "password_iterations": 1000,  # hashing at production strength would dominate test time
    "seed_demo": True,
}
# In-process clients all come from one address: one rate-limit bucket for every login.
ROOMY_AUTH = {"login_rate_limit": 1000, "register_rate_limit": 1000}


def make_app(tmp_path: str | os.PathLike, *, plugins: Iterable[Any] = (),
             discover: bool = False, database_url: str | None = None,
             **config: Any) -> Lcore:
    """An assembled app on ``database_url``, by default a fresh SQLite file under
    ``tmp_path`` (which also holds the uploads).

    Demo users are seeded (``admin``, ``alice``, ``bob``); the environment
    and any ``.env`` file are ignored.  Close it with ``app.taskflow.close()``.
    """
    settings = {**FAST_CONFIG, "db_path": os.path.join(tmp_path, "taskflow.db"),
                "upload_dir": os.path.join(tmp_path, "uploads"),
                "database_url": database_url or "", **config}
    return create_app(settings, plugins=plugins, discover=discover, environ={}, dotenv=None)


def installed_plugin(name: str) -> Any | None:
    """A fresh instance of the plugin installed under entry point ``name`` (``"auth"``), or None.

    Lets a plugin's tests use another distribution's plugin without
    importing that package.
    """
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            found = ep.load()
            return found() if isinstance(found, type) else found
    return None


def user_ids(app: Lcore) -> dict[str, int]:
    """Every user's id by username."""
    with app.taskflow.database() as db:
        return {r["username"]: r["id"] for r in db.fetchall("SELECT id, username FROM users")}


def quiet_test_warnings() -> None:
    """Silence two warnings every in-process TaskFlow test triggers, and nothing else.

    Lcore warns that rate limits share one bucket when requests carry no
    client address (the TestClient's), and that an ``async def`` handler
    (core's dashboard) runs synchronously under WSGI.
    """
    warnings.filterwarnings("ignore", message="rate_limit", category=RuntimeWarning)
    warnings.filterwarnings("ignore", message=".*is async def.*", category=UserWarning)


class AppFactory:
    """Builds apps for one test and closes them all afterwards (``taskflow_app``).

    ``factory(plugins=[...], identity=True, auth=False, **config)``:

    * ``plugins`` — plugin instances or classes (a class gets one instance per
      app); by default the factory's ``default_plugins``;
    * ``identity`` — add :class:`HeaderIdentity` (``X-Test-User``; the real
      ``role_policy``); by default on unless ``auth`` is;
    * ``auth`` — add the installed ``auth`` plugin (real logins and tokens);
    * ``config`` — settings over ``default_config`` and :data:`FAST_CONFIG`.

    The ``recorder``, when given, is added to every app; with a
    ``database_url`` every app of the test shares that database, else each
    gets its own SQLite file.
    """

    def __init__(self, directory: str | os.PathLike, *, default_plugins: Iterable[Any] = (),
                 default_config: Mapping[str, Any] | None = None,
                 recorder: EventRecorder | None = None, database_url: str | None = None):
        self.directory = Path(directory)
        self.database_url = database_url  # shared by every app of the test when given
        self.default_plugins = list(default_plugins)
        self.default_config = dict(default_config or {})
        self.recorder = recorder
        self.apps: list[Lcore] = []
        self._default: Lcore | None = None

    def __call__(self, plugins: Iterable[Any] | None = None, *, identity: bool | None = None,
                 auth: bool = False, **config: Any) -> Lcore:
        chosen = [p() if isinstance(p, type) else p
                  for p in (self.default_plugins if plugins is None else plugins)]
        extra: list[Any] = []
        settings = {**self.default_config, **config}
        if auth:
            plugin = installed_plugin("auth")
            if plugin is None:
                raise LookupError("the auth plugin is not installed: install "
                                  "lcore-taskflow-auth (from a TaskFlow checkout's "
                                  "packages/ or its wheel)")
            extra.append(plugin)
            settings = {**ROOMY_AUTH, **settings}
        if identity if identity is not None else not auth:
            extra.append(HeaderIdentity())
        if self.recorder is not None:
            extra.append(self.recorder)
        home = self.directory / f"app{len(self.apps)}"
        home.mkdir(parents=True, exist_ok=True)
        settings.setdefault("database_url", self.database_url)
        app = make_app(home, plugins=[*extra, *chosen], **settings)
        self.apps.append(app)
        return app

    def default(self) -> Lcore:
        """The app of ``taskflow_client``/``taskflow_admin``: built once, with the defaults."""
        if self._default is None:
            self._default = self()
        return self._default

    def close(self) -> None:
        for app in reversed(self.apps):
            app.taskflow.close()
        self.apps.clear()
