"""Sessions and personal access tokens (SPEC §10)."""

from __future__ import annotations

import time

import pytest
from auth_testutil import bearer, login, token_of
from lcore_taskflow.core.testing import assert_error, engine_database
from lcore_taskflow.core.testing.serve import ServerProcess

UA = {"User-Agent": "pytest-browser/1.0"}


def sessions(client, token):
    reply = client.get("/auth/sessions", headers=bearer(token))
    assert reply.status == 200, reply
    return reply.json["sessions"]


def test_each_sign_in_is_a_session_that_can_be_ended(app, client):
    first = client.post("/auth/login", json={"username": "alice", "password": "alice123"},
                        headers=UA).json["token"]
    second = token_of(client, "alice")
    listed = sessions(client, second)
    assert len(listed) == 2
    current = [s for s in listed if s["current"]]
    assert len(current) == 1 and current[0]["via"] == "password"
    other = next(s for s in listed if not s["current"])
    assert other["client"] == "pytest-browser/1.0"
    assert other["last_seen_at"] >= other["created_at"] > time.time() - 60
    assert client.delete(f"/auth/sessions/{other['id']}", headers=bearer(second)).status == 204
    dead = client.get("/api/users/", headers=bearer(first))
    assert dead.status == 401
    assert [s["id"] for s in sessions(client, second)] == [current[0]["id"]]
    # someone else's session, or one already ended: 404
    bob = token_of(client, "bob")
    assert_error(client.delete(f"/auth/sessions/{current[0]['id']}", headers=bearer(bob)), 404)
    assert_error(client.delete(f"/auth/sessions/{other['id']}", headers=bearer(second)), 404)
    admin = token_of(client, "admin")
    audit = client.get("/api/admin/audit?action=session.ended", headers=bearer(admin)).json
    assert audit["total"] == 1 and audit["entries"][0]["actor"] == "alice"


def test_a_password_change_or_a_logout_ends_sessions(client):
    old = token_of(client, "alice")
    token_of(client, "alice")
    fresh = client.post("/auth/password", headers=bearer(old), json={
        "current_password": "alice123", "new_password": "another-long-phrase-7"}).json["token"]
    assert [s["current"] for s in sessions(client, fresh)] == [True]
    assert client.post("/auth/logout", headers=bearer(fresh)).status == 200
    assert client.get("/auth/sessions", headers=bearer(fresh)).status == 401
    relogin = login(client, "alice", "another-long-phrase-7").json["token"]
    assert sessions(client, relogin) and all(s["current"] for s in sessions(client, relogin))


def make_token(client, token, **body):
    payload = {"name": "script", "scopes": ["read"], "expires_in_days": 30, **body}
    return client.post("/auth/tokens", headers=bearer(token), json=payload)


def test_personal_access_tokens_are_scoped(client):
    alice = token_of(client, "alice")
    made = make_token(client, alice)
    assert made.status == 201 and made.json["token"].startswith("tfp_")
    read = made.json["token"]
    assert client.get("/api/projects/", headers=bearer(read)).status == 200
    refused = client.post("/api/projects/1/tasks", headers=bearer(read), json={"title": "x"})
    assert refused.status == 403 and "read scope" in refused.json["error"]
    write = make_token(client, alice, scopes=["read", "write"]).json["token"]
    assert client.post("/api/projects/1/tasks", headers=bearer(write),
                       json={"title": "by script"}).status == 201
    assert_error(make_token(client, alice, scopes=["admin"]), 403)
    for bad in ({"expires_in_days": 0}, {"expires_in_days": 366}, {"scopes": []},
                {"scopes": ["root"]}, {"name": ""}):
        assert_error(make_token(client, alice, **bad), 422)
    # a token never manages tokens, sessions or passwords
    assert_error(make_token(client, write), 403)
    assert_error(client.get("/auth/sessions", headers=bearer(write)), 403)
    assert_error(client.post("/auth/password", headers=bearer(write), json={
        "current_password": "alice123", "new_password": "whatever-long-9"}), 403)


def test_an_admins_token_needs_the_admin_scope(client):
    admin = token_of(client, "admin")
    plain = make_token(client, admin, scopes=["read", "write"]).json["token"]
    assert client.get("/admin/stats", headers=bearer(plain)).status == 403
    full = make_token(client, admin, scopes=["read", "write", "admin"]).json["token"]
    assert client.get("/admin/stats", headers=bearer(full)).status == 200
    reads_only = make_token(client, admin, scopes=["read", "admin"]).json["token"]
    assert_error(client.post("/api/projects/", headers=bearer(reads_only),
                             json={"name": "nope"}), 403)


def test_tokens_are_listed_without_secrets_and_revoked_at_once(app, client):
    alice = token_of(client, "alice")
    made = make_token(client, alice).json
    listed = client.get("/auth/tokens", headers=bearer(alice)).json["tokens"]
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    assert listed[0]["last_used_at"] is None and listed[0]["scopes"] == ["read"]
    assert client.get("/api/projects/", headers=bearer(made["token"])).status == 200
    used = client.get("/auth/tokens", headers=bearer(alice)).json["tokens"][0]["last_used_at"]
    assert used is not None
    # refreshed at most about once a minute: a second use does not write again
    with app.taskflow.database() as db:
        db.execute("UPDATE auth_tokens SET last_used_at = 1 WHERE id = ?", (made["id"],))
    client.get("/api/projects/", headers=bearer(made["token"]))
    assert client.get("/auth/tokens", headers=bearer(alice)).json["tokens"][0][
        "last_used_at"] == 1
    with app.taskflow.database() as db:
        stored = db.scalar("SELECT token_hash FROM auth_tokens WHERE id = ?", (made["id"],))
    assert made["token"] not in stored and len(stored) == 64
    bob = token_of(client, "bob")
    assert_error(client.delete(f"/auth/tokens/{made['id']}", headers=bearer(bob)), 404)
    assert client.delete(f"/auth/tokens/{made['id']}", headers=bearer(alice)).status == 204
    assert client.get("/api/projects/", headers=bearer(made["token"])).status == 401


def test_expired_tokens_and_garbage_are_refused(app, client):
    alice = token_of(client, "alice")
    made = make_token(client, alice).json
    with app.taskflow.database() as db:
        db.execute("UPDATE auth_tokens SET expires_at = ? WHERE id = ?", (time.time() - 1,
                                                                          made["id"]))
    reply = client.get("/api/projects/", headers=bearer(made["token"]))
    assert reply.status == 401 and "access token" in reply.json["error"]
    assert client.get("/api/projects/", headers=bearer("tfp_" + "A" * 43)).status == 401


@pytest.mark.timeout(90)
def test_ending_a_session_on_one_server_is_seen_by_another(tmp_path):
    """Two servers on one PostgreSQL database (a deployment's shape)."""
    with engine_database("postgresql", tmp_path) as database_url:
        settings = {"APP_PLUGINS_ENABLED": "auth", "APP_DATABASE_URL": database_url}
        with ServerProcess(tmp_path / "one", settings) as one, \
                ServerProcess(tmp_path / "two", settings) as two:
            _end_on_one_see_on_two(one, two)


def _end_on_one_see_on_two(one, two):
    def sign_in(server):
        return server.request("POST", "/auth/login", json={
            "username": "alice", "password": "alice123"}).json["token"]

    laptop, phone = sign_in(one), sign_in(two)
    mine, theirs = bearer(laptop), bearer(phone)
    assert two.request("GET", "/api/users/", headers=theirs).status == 200
    listed = one.request("GET", "/auth/sessions", headers=mine).json["sessions"]
    phone_session = next(s for s in listed if not s["current"])
    assert one.request("DELETE", f"/auth/sessions/{phone_session['id']}",
                       headers=mine).status == 204
    assert two.request("GET", "/api/users/", headers=theirs).status == 401


def test_failed_sign_ins_slow_down_one_account_not_everyone(build):
    from lcore_taskflow.core.testing import Client

    app = build(login_account_free_failures=2, login_account_max_delay=300)
    client = Client(app)
    tries = [login(client, "alice", "wrong").status for _ in range(3)]
    assert tries == [401, 401, 401]  # the third failure starts a 2 s wait
    locked = login(client, "alice")
    assert locked.status == 429 and locked.headers["retry-after"] in ("1", "2")
    assert "this account" in locked.json["error"]
    assert login(client, "bob").status == 200  # other accounts are not slowed
    assert login(client, "nobody-at-all", "x").status == 401  # unknown names count the same
    time.sleep(2.1)
    assert login(client, "alice").status == 200  # and a success clears the count
    assert login(client, "alice", "wrong").status == 401
    admin = Client(app).with_token(token_of(client, "admin"))
    failures = admin.get("/api/admin/audit", query={"action": "auth.login_failed"}).json
    assert [e["details"]["failures"] for e in failures["entries"]][:2] == [1, 1]


def test_password_sign_in_can_be_turned_off(build):
    from auth_testutil import basic
    from lcore_taskflow.core.testing import Client

    client = Client(build(password_login=False))
    refused = login(client, "alice")
    assert refused.status == 403 and "single sign-on" in refused.json["error"]
    assert client.get("/auth/basic-demo", headers=basic("alice", "alice123")).status == 401


def test_a_session_started_for_another_plugin_carries_the_current_generation(app, client):
    """kernel.sign_in with a bare users row (a single sign-on plugin's) after a password change."""
    old = token_of(client, "alice")
    client.post("/auth/password", headers=bearer(old), json={
        "current_password": "alice123", "new_password": "a-fresh-long-phrase-1"})
    with app.taskflow.database() as db:
        row = db.fetchone("SELECT id, username, role FROM users WHERE username = 'alice'")
    kernel = app.taskflow
    with kernel.database():  # as inside the plugin's request
        token = kernel.sign_in(dict(row), via="oidc")["token"]
    assert client.get("/api/projects/", headers=bearer(token)).status == 200
