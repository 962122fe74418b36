"""``/api/users/`` (SPEC §4 users table): every row, RBAC, validation, events."""

from __future__ import annotations

import pytest
from core_testutil import assert_error, no_secrets

NEW = {"username": "carol", "email": "carol@example.test", "password": "carol-secret-1"}


def test_list_users_with_role_filter_and_pagination(admin, alice):
    resp = alice.get("/api/users/")
    assert resp.status == 200
    body = resp.json
    assert body["total"] == 3 and body["page"] == 1 and body["limit"] == 20
    assert [u["username"] for u in body["users"]] == ["admin", "alice", "bob"]
    no_secrets(resp)
    members = admin.get("/api/users/", query={"role": "member"}).json
    assert members["total"] == 2 and {u["role"] for u in members["users"]} == {"member"}
    page2 = admin.get("/api/users/", query={"page": 2, "limit": 2}).json
    assert [u["username"] for u in page2["users"]] == ["bob"] and page2["total"] == 3
    assert admin.get("/api/users/", query={"page": 9}).json["users"] == []
    assert admin.get("/api/users/", query={"limit": 100}).status == 200


@pytest.mark.parametrize("query", [{"page": 0}, {"page": -1}, {"limit": 0}, {"limit": 101},
                                   {"page": "x"}, {"limit": "1.5"}, {"role": "boss"}])
def test_list_users_bad_query_is_400(admin, query):
    assert_error(admin.get("/api/users/", query=query), 400)


def test_search_users(alice, admin):
    body = alice.get("/api/users/search", query={"q": "ALI"}).json
    assert body["total"] == 1 and body["users"][0]["username"] == "alice"
    # Addresses are for admins: a member's search does not match them, nor shows them.
    assert alice.get("/api/users/search", query={"q": "taskflow.local"}).json["total"] == 0
    body = admin.get("/api/users/search", query={"q": "taskflow.local"}).json
    assert body["total"] == 3 and all("@" in u["email"] for u in body["users"])
    body = alice.get("/api/users/search", query={"q": "b"}).json
    assert [u["email"] for u in body["users"]] == [None]
    assert alice.get("/api/users/search", query={"q": "%"}).json["total"] == 0
    assert alice.get("/api/users/search", query={"q": "_"}).json["total"] == 0
    assert_error(alice.get("/api/users/search"), 400)


def test_get_user(alice, ids):
    resp = alice.get(f"/api/users/{ids['bob']}")
    assert resp.status == 200 and resp.json["username"] == "bob"
    assert resp.json["is_active"] is True
    no_secrets(resp)
    assert_error(alice.get("/api/users/999"), 404)


def test_create_user(admin, alice, recorder, kernel):
    resp = admin.post("/api/users/", json={**NEW, "role": "admin"})
    assert resp.status == 201
    body = resp.json
    assert body["username"] == "carol" and body["created"] is True
    no_secrets(resp)
    user = admin.get(f"/api/users/{body['id']}").json
    assert user["role"] == "admin" and user["email"] == NEW["email"]
    with kernel.database() as db:
        stored = db.scalar("SELECT password_hash FROM users WHERE id = ?", (body["id"],))
    assert stored and NEW["password"] not in stored
    [event] = recorder.of("user.created")
    assert event.user["username"] == "carol" and event.actor["username"] == "admin"
    assert "password_hash" not in event.user
    assert_error(alice.post("/api/users/", json={**NEW, "username": "dave",
                                                 "email": "d@example.test"}), 403)


def test_create_user_conflicts_and_validation(admin):
    admin.post("/api/users/", json=NEW)
    body = assert_error(admin.post("/api/users/", json={**NEW, "email": "x@example.test"}), 409)
    assert "username" in body["error"]
    assert_error(admin.post("/api/users/", json={**NEW, "username": "CAROL",
                                                 "email": "y@example.test"}), 409)
    assert_error(admin.post("/api/users/", json={**NEW, "username": "other",
                                                 "email": "CAROL@example.test"}), 409)
    body = assert_error(admin.post("/api/users/", json={
        "username": "a", "email": "not-an-email", "password": "short", "role": "root"}), 422,
        fields=("username", "email", "password", "role"))
    assert "at least 10 characters" in body["fields"]["password"]
    assert_error(admin.post("/api/users/", json={}), 422, fields=("username", "email",
                                                                  "password"))
    assert_error(admin.post("/api/users/", json={**NEW, "username": 12}), 422,
                 fields=("username",))


def test_put_user_admin_or_self(admin, alice, bob, ids):
    me = ids["alice"]
    resp = alice.put(f"/api/users/{me}", json={"username": "alice2",
                                               "email": "alice2@example.test"})
    assert resp.status == 200 and resp.json == {"id": me, "updated": True,
                                                 "_api_version": "1.0.0",
                                                 "_request_number": 1}
    assert alice.get(f"/api/users/{me}").status == 401  # renamed: header no longer matches
    assert bob.get(f"/api/users/{me}").json["username"] == "alice2"
    assert_error(bob.put(f"/api/users/{me}", json={"username": "hijack",
                                                   "email": "h@example.test"}), 403)
    assert admin.put(f"/api/users/{me}", json={"username": "alice",
                                               "email": "alice@example.test"}).status == 200
    assert_error(admin.put("/api/users/999", json={"username": "zed",
                                                   "email": "z@example.test"}), 404)
    assert_error(admin.put(f"/api/users/{me}", json={"username": "bob",
                                                     "email": "q@example.test"}), 409)
    assert_error(admin.put(f"/api/users/{me}", json={"username": "alice"}), 422,
                 fields=("email",))
    assert_error(alice.put(f"/api/users/{me}", json={"username": "alice",
                                                     "email": "bad@"}), 422, fields=("email",))


def test_patch_user(admin, alice, ids, client):
    bob = ids["bob"]
    resp = admin.patch(f"/api/users/{bob}", json={"role": "admin", "is_active": False})
    assert resp.status == 200
    assert resp.json["patched"] is True and sorted(resp.json["fields"]) == ["is_active", "role"]
    user = admin.get(f"/api/users/{bob}").json
    assert user["role"] == "admin" and user["is_active"] is False
    assert_error(client.as_user("bob").get("/api/users/"), 401)  # deactivated
    assert_error(admin.patch(f"/api/users/{bob}", json={"nickname": "x"}), 400)
    assert_error(alice.patch(f"/api/users/{bob}", json={"role": "member"}), 403)
    assert_error(admin.patch("/api/users/999", json={"role": "member"}), 404)
    assert_error(admin.patch(f"/api/users/{bob}", json={"role": "root"}), 422, fields=("role",))
    assert_error(admin.patch(f"/api/users/{bob}", json={"is_active": "no"}), 422,
                 fields=("is_active",))
    assert_error(admin.patch(f"/api/users/{bob}", json={"username": "alice"}), 409)


def test_delete_user(admin, alice, ids):
    carol = admin.post("/api/users/", json=NEW).json["id"]
    assert_error(alice.delete(f"/api/users/{carol}"), 403)
    resp = admin.delete(f"/api/users/{carol}")
    assert resp.status == 200 and resp.json["deleted"] is True and resp.json["id"] == carol
    assert_error(admin.get(f"/api/users/{carol}"), 404)
    assert_error(admin.delete(f"/api/users/{carol}"), 404)
    body = assert_error(admin.delete(f"/api/users/{ids['bob']}"), 409)
    assert "referenced" in body["error"] and "deactivate" in body["error"]
    assert_error(admin.delete(f"/api/users/{ids['admin']}"), 409)


def test_no_response_leaks_password_material(admin, alice, ids):
    responses = [admin.get("/api/users/"), admin.get("/api/users/search?q=a"),
                 admin.post("/api/users/", json=NEW), alice.get(f"/api/users/{ids['alice']}"),
                 admin.patch(f"/api/users/{ids['bob']}", json={"email": "b2@example.test"}),
                 admin.get("/api/projects/1/tasks/1"), admin.get("/admin/stats")]
    for resp in responses:
        assert resp.status < 300, resp
        no_secrets(resp)


def test_admin_cannot_demote_or_deactivate_self(admin, ids):
    me = ids["admin"]
    for body in ({"role": "member"}, {"is_active": False}):
        r = admin.patch(f"/api/users/{me}", json=body)
        assert r.status == 409, r
        assert "your own account" in r.json["error"]
    assert admin.get(f"/api/users/{me}").json["role"] == "admin"
