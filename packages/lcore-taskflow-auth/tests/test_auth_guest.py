"""Auth as a guest: protection with auth installed and disabled, cookies under a prefix,
and revocation (logout, password change, deactivation) across two servers."""

from __future__ import annotations

import io
import json
import sys
from importlib.metadata import entry_points

import pytest
from auth_testutil import bearer, login, session_cookie, token_of
from lcore import Lcore
from lcore_taskflow.auth import AuthPlugin, TaskFlowAuth
from lcore_taskflow.core import ENTRY_POINT_GROUP, create_app, hookimpl
from lcore_taskflow.core.testing import FAST_CONFIG, ROOMY_AUTH, Client
from lcore_taskflow.core.testing.host import answers, inventory_app


def settings(tmp_path, name="tf", **extra):
    return {**FAST_CONFIG, **ROOMY_AUTH, "db_path": str(tmp_path / f"{name}.db"),
            "upload_dir": str(tmp_path / "up"), **extra}


def test_host_answers_unchanged_with_auth_installed(tmp_path):
    alone = list(answers(inventory_app(str(tmp_path / "alone.db"))))
    ext = TaskFlowAuth(settings(tmp_path), environ={}, dotenv=None)
    host = inventory_app(str(tmp_path / "host.db"), install=ext)
    try:
        assert list(answers(host)) == alone
        assert login(Client(host), "alice").status == 200
    finally:
        host.taskflow.close()


class Shelf:
    """A third-party plugin with an admin-only DELETE."""

    name = "shelf"

    def __init__(self):
        self.items = {1: "book"}

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.delete("/<item:int>", auth="admin")
        def remove(item):
            self.items.pop(item, None)
            return {"deleted": item}

        return [("/shelf/", sub)]


def test_auth_disabled_by_configuration_fails_closed(tmp_path):
    shelf = Shelf()
    # every installed feature plugin but none that is absent (tox's auth env has only auth)
    installed = [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]
    app = create_app(settings(tmp_path, plugins_disabled=installed),
                     plugins=[shelf], environ={}, dotenv=None)

    @app.get("/reports", auth="admin")
    def reports():
        return {"report": "confidential"}

    try:
        # Other installed plugins (e.g. the example plugins in a dev venv) may load too.
        names = [i.name for i in app.taskflow.infos]
        assert names[:2] == ["core", "shelf"] and "auth" not in names
        client = Client(app)
        res = client.get("/reports")
        assert res.status == 401 and "confidential" not in res.text
        assert "lcore-taskflow-auth is disabled by the configuration" in res.json["error"]
        assert client.delete("/shelf/1").status == 401
        assert shelf.items == {1: "book"}  # nothing was deleted
    finally:
        app.taskflow.close()


def test_auth_installed_protects_host_and_plugin_routes(tmp_path):
    shelf = Shelf()
    app = create_app(settings(tmp_path), plugins=[AuthPlugin(), shelf], discover=False,
                     environ={}, dotenv=None)
    try:
        client = Client(app)
        assert client.delete("/shelf/1").status == 401
        assert client.delete("/shelf/1", headers=bearer(token_of(client, "bob"))).status == 403
        assert shelf.items == {1: "book"}
        assert client.delete("/shelf/1", headers=bearer(token_of(client, "admin"))).status == 200
        assert shelf.items == {}
    finally:
        app.taskflow.close()


def test_cookie_path_and_calls_under_a_prefix(tmp_path):
    app = create_app(settings(tmp_path), plugins=[AuthPlugin()], discover=False,
                     prefix="/pm", environ={}, dotenv=None)
    try:
        client = Client(app)
        res = client.post("/pm/auth/login", json={"username": "alice", "password": "alice123"})
        assert res.status == 200 and "Path=/pm/" in res.headers["set-cookie"]
        me = client.get("/pm/auth/me", headers={"Cookie": session_cookie(res)})
        assert me.json["username"] == "alice"
        assert client.post("/auth/login", json={}).status == 404
    finally:
        app.taskflow.close()


def _login_from(app, remote: str, proto: str) -> str:
    """Log in as bob from ``remote`` saying ``X-Forwarded-Proto: proto``; the Set-Cookie."""
    body = json.dumps({"username": "bob", "password": "bob123"}).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/auth/login", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "wsgi.url_scheme": "http", "REMOTE_ADDR": remote, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/json", "HTTP_X_FORWARDED_PROTO": proto}
    headers = []
    b"".join(app(environ, lambda status, h, exc=None: headers.extend(h)))
    return next(v for k, v in headers if k.lower() == "set-cookie")


def test_secure_cookie_follows_a_trusted_https_proxy(tmp_path):
    app = create_app(settings(tmp_path, trusted_proxies=["10.0.0.1"]), plugins=[AuthPlugin()],
                     discover=False, environ={}, dotenv=None)
    try:
        assert "Secure" in _login_from(app, "10.0.0.1", "https")
        assert "Secure" not in _login_from(app, "10.6.6.6", "https")  # untrusted sender
        assert "Secure" not in _login_from(app, "10.0.0.1", "http")
    finally:
        app.taskflow.close()


# ------------------------------------------------------------ revocation
@pytest.fixture
def two_servers(tmp_path):
    """Two apps (two "servers") on one database file."""
    apps = [create_app(settings(tmp_path, "shared"), plugins=[AuthPlugin()], discover=False,
                       environ={}, dotenv=None) for _ in range(2)]
    yield [Client(a) for a in apps]
    for a in apps:
        a.taskflow.close()


def test_logout_revokes_the_token_on_every_server(two_servers):
    one, two = two_servers
    token = token_of(one, "alice")
    other = token_of(one, "alice")  # a second device
    assert two.get("/auth/me", headers=bearer(token)).status == 200
    assert one.post("/auth/logout", headers=bearer(token)).json["revoked"] is True
    res = two.get("/auth/me", headers=bearer(token))
    assert res.status == 401 and res.json["error"] == "Invalid, expired or revoked token"
    assert two.get("/auth/me", headers=bearer(other)).status == 200  # only that one


def test_logout_revokes_the_cookie_it_came_with(two_servers):
    one, two = two_servers
    cookie = session_cookie(login(one, "bob"))
    assert two.get("/auth/me", headers={"Cookie": cookie}).status == 200
    out = one.post("/auth/logout", headers={"Cookie": cookie, "X-Requested-With": "fetch"})
    assert out.json["revoked"] is True
    assert 'session_user="";' in out.headers["set-cookie"]  # cleared in the browser too
    assert two.get("/auth/me", headers={"Cookie": cookie}).status == 401


def test_password_change_revokes_every_other_token(two_servers):
    one, two = two_servers
    old = [token_of(one, "alice") for _ in range(2)]
    res = one.post("/auth/password", headers=bearer(old[0]),
                   json={"current_password": "alice123", "new_password": "correct horse 42"})
    assert res.status == 200 and res.json["token"]
    for token in old:
        assert two.get("/auth/me", headers=bearer(token)).status == 401
    assert two.get("/auth/me", headers=bearer(res.json["token"])).json["username"] == "alice"
    assert login(two, "alice", "correct horse 42").status == 200
    assert login(two, "alice", "alice123").status == 401


@pytest.mark.parametrize("new, field, message", [
    ("short", "new_password", "at least 10 characters"),
    ("password123", "new_password", "most common passwords"),
    ("alice", "new_password", "at least 10"),
    ("          ", "new_password", "only spaces"),
])
def test_password_change_applies_the_policy(two_servers, new, field, message):
    one, _ = two_servers
    res = one.post("/auth/password", headers=bearer(token_of(one, "alice")),
                   json={"current_password": "alice123", "new_password": new})
    assert res.status == 422 and message in res.json["fields"][field]


def test_password_change_needs_the_current_password(two_servers):
    one, _ = two_servers
    res = one.post("/auth/password", headers=bearer(token_of(one, "alice")),
                   json={"current_password": "wrong", "new_password": "correct horse 42"})
    assert res.status == 422 and "current_password" in res.json["fields"]


def test_deactivation_revokes_and_reactivation_keeps_old_tokens_dead(two_servers):
    one, two = two_servers
    admin = bearer(token_of(one, "admin"))
    bob = token_of(one, "bob")
    bob_id = two.get("/auth/me", headers=bearer(bob)).json["id"]
    assert one.patch(f"/api/users/{bob_id}", headers=admin, json={"is_active": False}).status \
        == 200
    assert two.get("/auth/me", headers=bearer(bob)).status == 401
    assert one.patch(f"/api/users/{bob_id}", headers=admin, json={"is_active": True}).status \
        == 200
    assert two.get("/auth/me", headers=bearer(bob)).status == 401
    assert login(two, "bob").status == 200  # a fresh sign-in works again
