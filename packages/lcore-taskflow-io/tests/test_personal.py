"""Personal data: the export holds what TaskFlow keeps about me; deleting my account ends my
credentials at once, clears my assignments, keeps my comments as "deleted user" and is audited.

The first test runs against a real server process over HTTP (``taskflow serve``) on each
engine; the others use the in-process client (SQLite and PostgreSQL: conftest.py).
"""

from __future__ import annotations

import json

import pytest
from lcore_taskflow.core.testing import Client, assert_error, user_ids
from lcore_taskflow.core.testing.serve import ServerProcess


def sign_in(server: ServerProcess, username: str, password: str | None = None) -> str:
    reply = server.request("POST", "/auth/login", json={
        "username": username, "password": password or f"{username}123"})
    assert reply.status == 200, reply
    return reply.json["token"]


def test_export_then_delete_over_http(taskflow_engine_database, tmp_path):
    settings = {"APP_DATABASE_URL": taskflow_engine_database,
                "APP_PLUGINS_ENABLED": "auth,io", "APP_LOGIN_RATE_LIMIT": "100"}
    with ServerProcess(tmp_path, settings) as server:
        admin, bob = sign_in(server, "admin"), sign_in(server, "bob")
        as_admin = {"Authorization": f"Bearer {admin}"}
        as_bob = {"Authorization": f"Bearer {bob}"}
        bob_id = server.request("GET", "/auth/me", headers=as_bob).json["id"]
        task = server.request("POST", "/api/projects/1/tasks", headers=as_admin, json={
            "title": "Bob's <i>task</i>", "assignee_id": bob_id, "due_date": "2027-01-01"}).json
        comment = server.request("POST", f"/api/projects/1/tasks/{task['id']}/comments",
                                 headers=as_bob, json={"body": "Bob was here"})
        assert comment.status == 201, comment

        export = server.request("GET", "/api/users/me/export", headers=as_bob)
        assert export.status == 200, export
        assert export.headers["content-type"].startswith("application/json")
        assert 'filename="taskflow-personal-data-bob.json"' in export.headers[
            "content-disposition"]
        data = export.json
        assert data["format"] == "taskflow-personal-data" and data["version"] == 1
        assert data["profile"]["username"] == "bob"
        assert "password_hash" not in json.dumps(data) and "token_hash" not in json.dumps(data)
        assert [c["body"] for c in data["comments"]] == ["Bob was here"]
        mine = {t["id"]: t for t in data["tasks"]}
        assert mine[task["id"]]["title"] == "Bob's <i>task</i>"
        assert mine[task["id"]]["assigned_to_me"] is True
        assert data["plugins"]["auth.sessions"], "the sign-in of this test is listed"

        wrong = server.request("DELETE", "/api/users/me", headers=as_bob,
                               json={"password": "not-it-at-all"})
        assert wrong.status == 422 and "password" in wrong.json["fields"]
        gone = server.request("DELETE", "/api/users/me", headers=as_bob,
                              json={"password": "bob123"})
        assert gone.status == 204, gone
        assert server.request("GET", "/auth/me", headers=as_bob).status == 401
        assert server.request("POST", "/auth/login", json={
            "username": "bob", "password": "bob123"}).status == 401

        kept = server.request("GET", f"/api/projects/1/tasks/{task['id']}", headers=as_admin).json
        assert kept["assignee_id"] is None
        assert [c["username"] for c in kept["comments"]] == ["deleted user"]
        audit = server.request("GET", "/api/admin/audit?action=account.deleted",
                               headers=as_admin).json["entries"]
        assert [(e["actor"], e["target"]) for e in audit] == [("bob", f"user:{bob_id}")]
        assert audit[0]["details"]["assignments_cleared"] >= 1


@pytest.fixture
def app(taskflow_app):
    return taskflow_app(auth=True)


def test_the_export_holds_memberships_views_checklists_and_feeds(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    alice = taskflow_login("alice", app=app)
    ids = user_ids(app)
    team = admin.post("/api/teams", json={"name": "Writers"}).json["id"]
    admin.put(f"/api/teams/{team}/members/{ids['alice']}")
    tid = alice.post("/api/projects/1/tasks", json={"title": "Mine"}).json["id"]
    alice.post(f"/api/projects/1/tasks/{tid}/checklist",
               json={"title": "Step one", "assignee_id": ids["alice"]})
    alice.post("/api/views", json={"name": "Todo", "query": "status=todo"})
    alice.post("/api/users/me/calendar")
    data = alice.get("/api/users/me/export").json
    assert [t["name"] for t in data["memberships"]["teams"]] == ["Writers"]
    assert [i["title"] for i in data["checklist_items"]] == ["Step one"]
    assert [v["name"] for v in data["saved_views"]] == ["Todo"]
    assert [f["scope"] for f in data["calendar_feeds"]] == ["me"]
    created = {t["id"]: t for t in data["tasks"]}[tid]
    assert (created["created_by_me"], created["assigned_to_me"]) == (True, False)
    assert "token_hash" not in json.dumps(data)
    assert any(e["action"] == "auth.login" for e in data["audit"])


def test_the_export_keeps_to_what_i_may_see(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    bob = taskflow_login("bob", app=app)
    ids = user_ids(app)
    pid = admin.post("/api/projects/", json={"name": "Hidden",
                                             "visibility": "private"}).json["id"]
    admin.put(f"/api/projects/{pid}/members/users/{ids['bob']}", json={"role": "editor"})
    admin.post(f"/api/projects/{pid}/tasks", json={"title": "Secret", "assignee_id": ids["bob"]})
    assert "Secret" in [t["title"] for t in bob.get("/api/users/me/export").json["tasks"]]
    admin.delete(f"/api/projects/{pid}/members/users/{ids['bob']}")
    assert "Secret" not in [t["title"] for t in bob.get("/api/users/me/export").json["tasks"]]


def test_deletion_ends_every_credential_and_the_users_rows(app, taskflow_login, taskflow_events):
    alice = taskflow_login("alice", app=app)
    second = taskflow_login("alice", app=app)
    pat = alice.post("/auth/tokens", json={"name": "ci", "scopes": ["read"],
                                           "expires_in_days": 1}).json["token"]
    feed = alice.post("/api/users/me/calendar").json["url"]
    assert alice.delete("/api/users/me", json={"password": "alice123"}).status == 204
    for client in (alice, second, Client(app).with_token(pat)):
        assert_error(client.get("/auth/me"), 401)
    assert Client(app).get(feed[feed.index("/calendar/"):]).status == 404
    uid = user_ids(app).get("deleted-user-2") or 2
    with app.taskflow.database() as db:
        for table in ("auth_sessions", "auth_tokens", "project_members", "io_calendar_feeds"):
            assert db.scalar(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (uid,)) == 0
        row = db.fetchone("SELECT username, email, is_active FROM users WHERE id = ?", (uid,))
    assert row["username"] == f"deleted-user-{uid}" and "alice" not in row["email"]
    assert not row["is_active"]
    deleted = taskflow_events.of("user.deleted")
    assert [e.user["username"] for e in deleted] == ["alice"]


def test_wrong_or_missing_password_changes_nothing(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    assert_error(alice.delete("/api/users/me", json={"password": "alice124"}), 422,
                 fields=("password",))
    assert_error(alice.delete("/api/users/me", json={}), 422, fields=("password",))
    assert alice.request("DELETE", "/api/users/me", body=b"{not json",
                         content_type="application/json").status == 400
    assert alice.get("/auth/me").json["username"] == "alice"


def test_the_last_admin_stays(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    reply = admin.delete("/api/users/me", json={"password": "admin123"})
    assert_error(reply, 409)
    assert "last admin" in reply.json["error"]
    ids = user_ids(app)
    admin.patch(f"/api/users/{ids['bob']}", json={"role": "admin"})
    assert admin.delete("/api/users/me", json={"password": "admin123"}).status == 204


def test_tokens_cannot_export_or_delete(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    pat = alice.post("/auth/tokens", json={"name": "x", "scopes": ["read", "write"],
                                           "expires_in_days": 1}).json["token"]
    with_pat = Client(app).with_token(pat)
    assert_error(with_pat.get("/api/users/me/export"), 403)
    assert_error(with_pat.delete("/api/users/me", json={"password": "alice123"}), 403)
    assert_error(Client(app).get("/api/users/me/export"), 401)
    assert alice.get("/auth/me").status == 200
