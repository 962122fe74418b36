"""Fixtures: the real OpenID provider (Node's oidc-provider), live TaskFlow apps with
auth + oidc on both database engines, and browsers.

Registers the ``browser`` marker (the Chromium test); ``tox -e py311-oidc``
runs every test of the package, the browser one included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from lcore_taskflow.core.testing import Client
from lcore_taskflow.oidc import OIDCPlugin
from oidc_testutil import Browser, LiveServer, ProviderProcess, provider_install


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: the sign-in through the provider's login form in real Chromium")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The provider for the whole session (accounts and clients are per test)."""
    installed = provider_install()
    provider = ProviderProcess(installed, tmp_path_factory.mktemp("oidc-provider")).start()
    print(f"OpenID provider (oidc-provider on Node): {provider.issuer}")
    yield provider
    provider.stop()


@pytest.fixture
def taskflow_database_url(taskflow_engine_database):
    """Each app test runs on every engine (the kit's SQLite / PostgreSQL databases)."""
    return taskflow_engine_database


@dataclass
class Site:
    """A live TaskFlow (core + auth + oidc) registered as a client of the provider."""

    app: Any
    server: LiveServer
    client: dict[str, Any]

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def kernel(self):
        return self.app.taskflow

    def admin(self) -> Client:
        from lcore_taskflow.core.testing import login

        return login(self.app, "admin")

    def rows(self, sql: str, params=()) -> list[dict[str, Any]]:
        with self.kernel.database() as db:
            return db.fetchall(sql, params)

    def user(self, username: str) -> dict[str, Any] | None:
        found = self.rows("SELECT id, username, email, role, is_active FROM users"
                          " WHERE username = ?", (username,))
        return found[0] if found else None


@pytest.fixture
def make_site(oidc_provider, taskflow_app) -> Callable[..., Site]:
    """``make_site(**config)``: a live app on the test's database, its own client id."""
    servers: list[LiveServer] = []

    def make(*, register: dict[str, Any] | None = None, **config: Any) -> Site:
        server = LiveServer()
        servers.append(server)
        callback = f"{server.base}/auth/oidc/callback"
        client = oidc_provider.register([callback], **(register or {}))
        settings = {"oidc_issuer": oidc_provider.issuer, "oidc_client_id": client["client_id"],
                    "oidc_client_secret": client.get("client_secret", ""),
                    "oidc_scopes": ["openid", "email", "profile", "groups"],
                    "oidc_provider_name": "Test provider", **config}
        app = taskflow_app(plugins=[OIDCPlugin()], auth=True, **settings)
        server.serve(app)
        return Site(app, server, client)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def site(make_site) -> Site:
    return make_site()


@pytest.fixture
def browser() -> Browser:
    return Browser()


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def person(oidc_provider) -> Callable[..., tuple[str, str]]:
    """``person(**claims)`` -> ``(login, password)`` of a new account at the provider.

    Defaults: a unique login, ``<login>@example.com`` verified, no groups.
    """
    def make(login: str | None = None, **claims: Any) -> tuple[str, str]:
        login = login or f"person{next(_counter)}"
        password = f"pw-{login}-secret"
        claims.setdefault("email", f"{login}@example.com")
        claims.setdefault("email_verified", True)
        claims.setdefault("preferred_username", login)
        oidc_provider.account(login, password, **claims)
        return login, password
    return make
