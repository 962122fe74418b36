"""Every admin-only route of SPEC §4, for anonymous, member and admin (core + auth)."""

from __future__ import annotations

import pytest
from auth_testutil import bearer, token_of
from lcore_taskflow.core.testing import Client


@pytest.fixture
def world(kernel, ids):
    """Ids the routes need: a task and its project, and an unreferenced user."""
    with kernel.database() as db:
        task = db.fetchone("SELECT id, project_id FROM tasks ORDER BY id LIMIT 1")
        with db.transaction():
            spare = db.insert("users", {"username": "spare", "email": "spare@example.com",
                                        "password_hash": "x", "role": "member"})
    return {**ids, "pid": task["project_id"], "tid": task["id"], "spare": spare}


ADMIN_ONLY = [
    ("POST", "/api/users/", {"username": "newbie", "email": "newbie@example.com",
                             "password": "newbie-pass"}, 201),
    ("PUT", "/api/users/{bob}", {"username": "bobby", "email": "bobby@example.com"}, 200),
    ("PATCH", "/api/users/{bob}", {"role": "admin"}, 200),
    ("DELETE", "/api/users/{spare}", None, 200),
    ("POST", "/api/projects/", {"name": "Secret plan"}, 201),
    ("PUT", "/api/projects/{pid}", {"name": "Renamed"}, 200),
    ("DELETE", "/api/projects/{pid}", None, 200),
    ("DELETE", "/api/projects/{pid}/tasks/{tid}", None, 200),
    ("GET", "/admin/stats", None, 200),
]
# /debug/routes is refused to anonymous and members below; its admin answer is core's
# (Lcore's show_routes() loops on closures over non-callables: reported to core).
DEBUG_ONLY = ["/debug/middleware", "/debug/config", "/debug/stats",
              "/debug/di"]


@pytest.mark.parametrize("method, path, body, ok", ADMIN_ONLY,
                         ids=[f"{m} {p}" for m, p, *_ in ADMIN_ONLY])
def test_admin_only_routes(client, tokens, world, method, path, body, ok):
    url = path.format(**world)
    anonymous = client.request(method, url, json=body)
    assert anonymous.status == 401, anonymous
    member = client.request(method, url, json=body, headers=bearer(tokens["alice"]))
    assert member.status == 403, member
    assert member.json["status"] == 403 and member.json["error"]
    admin = client.request(method, url, json=body, headers=bearer(tokens["admin"]))
    assert admin.status == ok, admin


def test_member_may_update_only_themself(client, tokens, ids):
    alice = bearer(tokens["alice"])
    own = client.put(f"/api/users/{ids['alice']}", headers=alice,
                     json={"username": "alice", "email": "alice@example.org"})
    assert own.status == 200
    other = client.put(f"/api/users/{ids['bob']}", headers=alice,
                       json={"username": "bob", "email": "bob@example.org"})
    assert other.status == 403
    assert client.patch(f"/api/users/{ids['alice']}", headers=alice,
                        json={"role": "admin"}).status == 403


def test_member_refused_writes_change_nothing(client, tokens, world, kernel):
    alice = bearer(tokens["alice"])
    client.delete(f"/api/projects/{world['pid']}", headers=alice)
    client.patch(f"/api/users/{world['alice']}", json={"role": "admin"}, headers=alice)
    with kernel.database() as db:
        assert db.count("projects", "id = ?", (world["pid"],)) == 1
        assert db.scalar("SELECT role FROM users WHERE id = ?", (world["alice"],)) == "member"


def test_member_may_use_the_rest_of_the_api(client, tokens, world):
    alice = bearer(tokens["alice"])
    pid, tid = world["pid"], world["tid"]
    for path in ("/api/users/", f"/api/users/{world['bob']}", "/api/users/search?q=bo",
                 "/api/projects/", f"/api/projects/{pid}", f"/api/projects/{pid}/tasks",
                 f"/api/projects/{pid}/tasks/{tid}", f"/api/projects/{pid}/tasks/{tid}/comments",
                 "/api/projects/dashboard/overview", "/api/projects/dashboard/activity"):
        assert client.get(path, headers=alice).status == 200, path
    created = client.post(f"/api/projects/{pid}/tasks", headers=alice, json={"title": "Mine"})
    assert created.status == 201
    assert client.patch(f"/api/projects/{pid}/tasks/{tid}", headers=alice,
                        json={"status": "done"}).status == 200
    assert client.post(f"/api/projects/{pid}/tasks/{tid}/comments", headers=alice,
                       json={"body": "On it"}).status == 201


@pytest.mark.parametrize("path", DEBUG_ONLY)
def test_debug_routes_are_admin_only(build, path):
    client = Client(build(debug=True))
    assert client.get(path).status == 401
    assert client.get(path, headers=bearer(token_of(client, "bob"))).status == 403
    assert client.get(path, headers=bearer(token_of(client, "admin"))).status == 200


def test_debug_routes_refused_to_anonymous_and_members(build):
    client = Client(build(debug=True))
    assert client.get("/debug/routes").status == 401
    assert client.get("/debug/routes", headers=bearer(token_of(client, "bob"))).status == 403


def test_debug_config_redacts_auth_secrets(build):
    client = Client(build(debug=True, previous_secret_keys=["an-old-secret-0123456789"]))
    res = client.get("/debug/config", headers=bearer(token_of(client, "admin")))
    config = res.json["config"]
    assert config["previous_secret_keys"] == "***" and config["secret_key"] == "***"
    assert "an-old-secret" not in res.text
