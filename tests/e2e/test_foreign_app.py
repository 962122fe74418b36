"""SPEC §5: the foreign Lcore app installs only core and auth, the Lcore way.

It runs from the same venv as the full server, where notify and ui are
installed too: without discovery they must stay out of it.
"""

from __future__ import annotations

from e2e_support import Server, expect, expect_error


def test_health_lists_only_what_the_app_installed(foreign: Server) -> None:
    body = expect(foreign.get("/health"), 200, "health")
    assert [p["name"] for p in body["plugins"]] == ["core", "auth"], body


def test_public_route(foreign: Server) -> None:
    body = expect(foreign.get("/hello"), 200, "hello")
    assert body["message"], body


def test_signed_in_route(foreign: Server) -> None:
    expect_error(foreign.get("/me"), 401, "anonymous /me")
    body = expect(foreign.get("/me", token=foreign.token("alice")), 200, "alice /me")
    assert body["username"] == "alice" and body["role"] == "member", body


def test_admin_route(foreign: Server) -> None:
    expect_error(foreign.get("/reports"), 401, "anonymous /reports")
    expect_error(foreign.get("/reports", token=foreign.token("alice")), 403, "member /reports")
    body = expect(foreign.get("/reports", token=foreign.token("admin")), 200, "admin /reports")
    assert body["report"]["users"] >= 3, body


def test_core_api_and_no_feature_leaks(foreign: Server) -> None:
    body = expect(foreign.get("/api/projects/", token=foreign.token("admin")), 200, "projects")
    assert body["total"] >= 2, body
    expect_error(foreign.get("/api/notifications/history", token=foreign.token("admin")), 404,
                 "notify is installed in the venv but not in this app")
    expect_error(foreign.get("/frontend", headers={"Accept": "text/html"}), 404, "no ui here")
