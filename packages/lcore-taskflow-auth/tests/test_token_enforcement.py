"""``TokenAuthMiddleware`` and ``AdminGuardHook`` in the assembled app (core + auth)."""

from __future__ import annotations

import time

import pytest
from auth_testutil import bearer, login, session_cookie, token_of
from lcore_taskflow.auth._tokens import issue_token, verify_token
from lcore_taskflow.core.testing import Client

OLD = "old-secret-key-0123456789abcdef!"
NEW = "new-secret-key-0123456789abcdef!"


def test_api_without_token_is_401(client):
    res = client.get("/api/projects/")
    assert res.status == 401
    assert res.json["status"] == 401
    assert res.json["error"] == "Authentication required (Authorization: Bearer <token>)"
    assert res.headers["x-request-id"] and res.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("header", [
    "Token abc", "Bearer", "Bearer ", "Basic YWxpY2U6YWxpY2UxMjM=", "bearer-abc",
])
def test_malformed_authorization_header_is_401(client, header):
    assert client.get("/api/users/", headers={"Authorization": header}).status == 401


def test_valid_token_reaches_the_api(client, tokens):
    res = client.get("/api/users/", headers=bearer(tokens["alice"]))
    assert res.status == 200 and res.json["total"] == 3


def test_tampered_token_is_401(client, tokens):
    token = tokens["alice"]
    payload_b64, sig = token.rsplit(".", 1)
    admin_payload = token_of(client, "admin").rsplit(".", 1)[0]
    for forged in (f"{admin_payload}.{sig}", token[:-1] + ("a" if token[-1] != "a" else "b"),
                   f"{payload_b64}.{sig.upper()}"):
        res = client.get("/api/users/", headers=bearer(forged))
        assert res.status == 401, forged
        assert res.json["error"] == "Invalid, expired or revoked token"


@pytest.mark.parametrize("cut", [1, 30, 64, 70])
def test_truncated_token_is_401(client, tokens, cut):
    assert client.get("/api/users/", headers=bearer(tokens["bob"][:-cut])).status == 401


def test_expired_token_is_401(client, kernel, ids):
    user = {"id": ids["alice"], "username": "alice", "role": "member"}
    expired = issue_token(user, kernel.config.secret_key, ttl=3600, now=time.time() - 3601)
    assert client.get("/api/users/", headers=bearer(expired)).status == 401
    fresh = issue_token(user, kernel.config.secret_key, ttl=3600, now=time.time() - 3500)
    assert client.get("/api/users/", headers=bearer(fresh)).status == 200


def test_wrong_secret_token_is_401(client, ids):
    forged = issue_token({"id": ids["admin"], "username": "admin", "role": "admin"},
                         "guessed-secret-0123456789abcdef")
    assert client.get("/admin/stats", headers=bearer(forged)).status == 401


def test_rotated_secret_old_tokens_verify_new_ones_use_current(build):
    old_app = Client(build(secret_key=OLD))
    old_token = token_of(old_app, "alice")

    rotated = Client(build(secret_key=NEW, previous_secret_keys=[OLD]))
    assert rotated.get("/api/users/", headers=bearer(old_token)).status == 200
    new_token = token_of(rotated, "alice")
    assert verify_token(new_token, NEW) and verify_token(new_token, OLD) is None

    dropped = Client(build(secret_key=NEW))
    assert dropped.get("/api/users/", headers=bearer(old_token)).status == 401
    assert dropped.get("/api/users/", headers=bearer(new_token)).status == 200


def test_previous_secret_cookie_still_verifies(build):
    cookie = session_cookie(login(Client(build(secret_key=OLD)), "bob"))
    rotated = Client(build(secret_key=NEW, previous_secret_keys=[OLD]))
    assert rotated.get("/auth/me", headers={"Cookie": cookie}).json["username"] == "bob"


def test_token_of_deactivated_user_is_401(client, tokens, ids):
    admin, bob = bearer(tokens["admin"]), bearer(tokens["bob"])
    assert client.get("/api/projects/", headers=bob).status == 200
    res = client.patch(f"/api/users/{ids['bob']}", json={"is_active": False}, headers=admin)
    assert res.status == 200
    assert client.get("/api/projects/", headers=bob).status == 401
    assert client.get("/auth/me", headers=bob).status == 401


def test_token_of_deleted_user_is_401(client, tokens):
    res = client.post("/auth/register", json={"username": "carol", "email": "c@example.com",
                                              "password": "carol-pass-1"})
    carol_id = res.json["id"]
    carol = bearer(login(client, "carol", "carol-pass-1").json["token"])
    assert client.get("/api/users/", headers=carol).status == 200
    res = client.delete(f"/api/users/{carol_id}", headers=bearer(tokens["admin"]))
    assert res.status == 200
    assert client.get("/api/users/", headers=carol).status == 401


def test_role_comes_from_the_database_not_the_token(client, tokens, ids):
    admin = bearer(tokens["admin"])
    res = client.post("/api/users/", headers=admin, json={
        "username": "boss2", "email": "boss2@example.com", "password": "boss2-pass",
        "role": "admin"})
    assert res.status == 201
    boss = bearer(login(client, "boss2", "boss2-pass").json["token"])
    assert client.get("/admin/stats", headers=boss).status == 200
    client.patch(f"/api/users/{res.json['id']}", json={"role": "member"}, headers=admin)
    assert client.get("/admin/stats", headers=boss).status == 403


def test_cookie_alone_does_not_open_the_api(client):
    cookie = session_cookie(login(client, "admin"))
    assert client.get("/api/projects/", headers={"Cookie": cookie}).status == 401


@pytest.mark.parametrize("path, status", [
    ("/health", 200), ("/old-api", 301), ("/auth/basic-demo", 401),
])
def test_public_paths_need_no_token(client, path, status):
    assert client.get(path).status == status


def test_protection_is_declared_per_route_not_by_path(client, tokens):
    # an unknown path is a plain 404: routes declare their protection (auth=),
    # no path prefix is protected wholesale
    assert client.get("/api/nowhere").status == 404
    assert client.get("/api/nowhere", headers=bearer(tokens["alice"])).status == 404


def test_admin_guard_anonymous_member_admin(client, tokens):
    assert client.get("/admin/stats").status == 401
    res = client.get("/admin/stats", headers=bearer(tokens["alice"]))
    assert res.status == 403 and res.json["error"] == "Admin access required"
    assert client.get("/admin/stats", headers=bearer(tokens["admin"])).status == 200


def test_middleware_runs_at_the_seed_orders(kernel):
    names = {m["name"]: m["order"] for m in kernel.pipeline.describe()}
    assert names["token_auth"] == 6 and names["admin_guard"] == 7
