"""Sign-ins in the audit log (SPEC §10), over real HTTP: actor, target and address."""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess

SETTINGS = {"APP_PLUGINS_ENABLED": "auth", "APP_TRUSTED_PROXIES": "127.0.0.1"}


def login(server, username, password, forwarded="203.0.113.7"):
    return server.request("POST", "/auth/login", json={"username": username,
                                                       "password": password},
                          headers={"X-Forwarded-For": forwarded})


def audit(server, token, **query):
    path = "/api/admin/audit" + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                                 if query else "")
    reply = server.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200, reply
    return reply.json["entries"]


@pytest.mark.timeout(60)
def test_sign_ins_failures_password_changes_and_logouts_are_audited(tmp_path):
    with ServerProcess(tmp_path, SETTINGS) as server:
        assert login(server, "alice", "wrong-password").status == 401
        alice = login(server, "alice", "alice123").json["token"]
        changed = server.request(
            "POST", "/auth/password", json={"current_password": "alice123",
                                            "new_password": "a-much-better-one-42"},
            headers={"Authorization": f"Bearer {alice}", "X-Forwarded-For": "203.0.113.8"})
        assert changed.status == 200, changed
        fresh = changed.json["token"]
        assert server.request("POST", "/auth/logout",
                              headers={"Authorization": f"Bearer {fresh}"}).status == 200
        admin = login(server, "admin", "admin123", forwarded="198.51.100.1").json["token"]
        entries = audit(server, admin)
        mine = [(e["action"], e["actor"], e["target"], e["address"]) for e in entries][::-1]
        assert mine == [
            ("auth.login_failed", None, "user:alice", "203.0.113.7"),
            ("auth.login", "alice", "user:alice", "203.0.113.7"),
            ("auth.password_changed", "alice", "user:alice", "203.0.113.8"),
            ("auth.logout", "alice", "user:alice", "127.0.0.1"),
            ("auth.login", "admin", "user:admin", "198.51.100.1"),
        ], server.log()
        assert {e["actor_id"] for e in entries if e["actor"] == "alice"} == {2}
        assert [e["action"] for e in audit(server, admin, action="auth.login_failed")] == \
            ["auth.login_failed"]
