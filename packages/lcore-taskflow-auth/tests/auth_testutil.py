"""Helpers shared by the auth tests (a uniquely named module, not ``conftest``)."""

from __future__ import annotations

import base64

from lcore_taskflow.core.testing import DEMO_PASSWORDS, Client

PASSWORDS = DEMO_PASSWORDS


def login(client: Client, username: str, password: str | None = None):
    return client.post("/auth/login", json={"username": username,
                                            "password": password or PASSWORDS[username]})


def token_of(client: Client, username: str) -> str:
    res = login(client, username)
    assert res.status == 200, res
    return res.json["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def session_cookie(res) -> str:
    """The ``session_user=...`` pair of a response's Set-Cookie header."""
    return res.headers["set-cookie"].split(";", 1)[0]


def from_address(app, address: str):
    """The WSGI app seen from client ``address`` (TestClient sends no REMOTE_ADDR)."""
    def wsgi(environ, start_response):
        return app({**environ, "REMOTE_ADDR": address}, start_response)
    return wsgi
