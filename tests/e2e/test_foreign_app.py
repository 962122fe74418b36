"""SPEC §5 and §7: the foreign Lcore app installs only core and auth, the Lcore way.

It runs from the same venv as the full server, where notify and ui are
installed too: without discovery they must stay out of it.  Its own routes
and errors stay its own (``{"ok", "code", "reason"}``); TaskFlow's routes
answer TaskFlow's JSON.
"""

from __future__ import annotations

from e2e_support import Reply, Server, expect, expect_error


def host_error(reply: Reply, status: int, what: str) -> dict:
    """An error of the host's own shape (its error handlers stay in charge)."""
    assert reply.status == status, f"{what}: {reply}"
    body = reply.json
    assert body["ok"] is False and body["code"] == status and body["reason"], f"{what}: {reply}"
    return body


def test_health_lists_only_what_the_app_installed(foreign: Server) -> None:
    body = expect(foreign.get("/health"), 200, "health")
    assert [p["name"] for p in body["plugins"]] == ["core", "auth"], body


def test_public_routes_stay_public(foreign: Server) -> None:
    assert expect(foreign.get("/hello"), 200, "hello")["message"]
    # under /api/ but declared auth=False: public, and exactly the host's JSON
    reply = foreign.get("/api/status")
    assert reply.status == 200 and reply.body == b'{"ok": true}', reply


def test_signed_in_route(foreign: Server) -> None:
    body = host_error(foreign.get("/me"), 401, "anonymous /me")
    assert "Bearer" in body["reason"], body
    body = expect(foreign.get("/me", token=foreign.token("alice")), 200, "alice /me")
    assert body["username"] == "alice" and body["role"] == "member", body


def test_admin_route(foreign: Server) -> None:
    host_error(foreign.get("/reports"), 401, "anonymous /reports")
    host_error(foreign.get("/reports", token=foreign.token("alice")), 403, "member /reports")
    body = expect(foreign.get("/reports", token=foreign.token("admin")), 200, "admin /reports")
    assert body["report"]["users"] >= 3, body


def test_core_api_and_no_feature_leaks(foreign: Server) -> None:
    body = expect(foreign.get("/api/projects/", token=foreign.token("admin")), 200, "projects")
    assert body["total"] >= 2, body
    expect_error(foreign.get("/api/projects/999", token=foreign.token("admin")), 404,
                 "TaskFlow's own errors stay TaskFlow's")
    host_error(foreign.get("/api/notifications/history", token=foreign.token("admin")), 404,
               "notify is installed in the venv but not in this app")
    host_error(foreign.get("/frontend", headers={"Accept": "text/html"}), 404, "no ui here")
