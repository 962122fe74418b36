"""The RBAC table of SPEC §4, row by row, for anonymous, member and admin.

Each row runs anonymous (401 on every ``/api``, ``/admin`` and ``/debug``
path), then the member ``alice``, then ``admin``.  The member goes first on
purpose: a forbidden write that still changed something would make the admin's
write of the same row fail (e.g. deleting an already deleted project).
"""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import Server, expect, expect_error, multipart

P = "/api/projects/{project}"
T = P + "/tasks/{task}"
# (method, path template, JSON body, member status, admin status)
ROWS: list[tuple[str, str, Any, int, int]] = [
    ("GET", "/auth/me", None, 200, 200),
    ("GET", "/api/users/", None, 200, 200),
    ("GET", "/api/users/search?q=a", None, 200, 200),
    ("GET", "/api/users/{bob}", None, 200, 200),
    ("POST", "/api/users/", {"username": "rbac_made", "email": "rbac_made@example.com",
                             "password": "rbac-made-1"}, 403, 201),
    ("PUT", "/api/users/{alice}", "self", 200, 200),
    ("PUT", "/api/users/{bob}", "bob", 403, 200),
    ("PATCH", "/api/users/{victim}", {"email": "rbac_victim2@example.com"}, 403, 200),
    ("DELETE", "/api/users/{victim}", None, 403, 200),
    ("GET", "/api/projects/", None, 200, 200),
    ("GET", P, None, 200, 200),
    ("POST", "/api/projects/", {"name": "RBAC new"}, 403, 201),
    ("PUT", P, {"name": "RBAC renamed", "status": "active"}, 403, 200),
    ("DELETE", "/api/projects/{doomed}", None, 403, 200),
    ("GET", P + "/tasks", None, 200, 200),
    ("POST", P + "/tasks", {"title": "RBAC task by anyone"}, 201, 201),
    ("GET", T, None, 200, 200),
    ("PUT", T, {"status": "in_progress"}, 200, 200),
    ("PATCH", T, {"priority": "low"}, 200, 200),
    ("DELETE", P + "/tasks/{doomed_task}", None, 403, 200),
    ("GET", T + "/comments", None, 200, 200),
    ("POST", T + "/comments", {"body": "RBAC comment"}, 201, 201),
    ("POST", T + "/attachment", "upload", 200, 200),
    ("GET", "/api/projects/dashboard/overview", None, 200, 200),
    ("GET", "/api/projects/dashboard/activity", None, 200, 200),
    ("POST", "/api/notifications/email", {"to": "rbac@example.com", "subject": "RBAC",
                                          "body": "hi"}, 403, 200),
    ("POST", "/api/notifications/task-assigned/{task}", None, 200, 200),
    ("POST", "/api/notifications/batch", {"user_ids": ["{alice}"], "subject": "RBAC batch",
                                          "body": "hi"}, 403, 200),
    ("GET", "/api/notifications/history", None, 200, 200),
    ("GET", "/admin/stats", None, 403, 200),
    ("GET", "/debug/routes", None, 403, 200),
    ("GET", "/debug/middleware", None, 403, 200),
    ("GET", "/debug/config", None, 403, 200),
    ("GET", "/debug/stats", None, 403, 200),
    ("GET", "/debug/di", None, 403, 200),
]
ROLES = ("anonymous", "member", "admin")


def _case_id(row, role: str) -> str:
    method, path, _, member, admin = row
    want = {"anonymous": 401, "member": member, "admin": admin}[role]
    return f"{role} {method} {path} -> {want}"


CASES = [pytest.param(row, role, id=_case_id(row, role)) for row in ROWS for role in ROLES]


@pytest.fixture(scope="module")
def ids(rbac_server: Server) -> dict[str, Any]:
    """The objects the table acts on, made by admin before the first row."""
    s, admin = rbac_server, rbac_server.token("admin")
    alice, bob = s.user("alice")["id"], s.user_id("bob")

    def made(reply) -> int:
        assert reply.status == 201, f"fixture: {reply}"
        return reply.json["id"]

    victim = made(s.post("/api/users/", token=admin, json={
        "username": "rbac_victim", "email": "rbac_victim@example.com",
        "password": "rbac-victim-1"}))
    project = made(s.post("/api/projects/", token=admin, json={"name": "RBAC project"}))
    doomed = made(s.post("/api/projects/", token=admin, json={"name": "RBAC doomed"}))
    task = made(s.post(f"/api/projects/{project}/tasks", token=admin,
                       json={"title": "RBAC task", "assignee_id": alice}))
    doomed_task = made(s.post(f"/api/projects/{project}/tasks", token=admin,
                              json={"title": "RBAC doomed task"}))
    return {"alice": alice, "bob": bob, "victim": victim, "project": project,
            "doomed": doomed, "task": task, "doomed_task": doomed_task}


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    """Put the fixture's ids into a path or body template."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(s: Server, method: str, path: str, body: Any, token: str | None, ids: dict):
    kw: dict[str, Any] = {"token": token, "timeout": 5}
    if body == "upload":
        kw["body"], kw["headers"] = multipart("file", "notes.txt", b"RBAC attachment\n")
    elif body in ("self", "bob"):
        username = "alice" if body == "self" else "bob"
        current = s.get(f"/api/users/{ids[username]}", token=s.token("admin")).json
        kw["json"] = {"username": current["username"], "email": current["email"]}
    elif body is not None:
        kw["json"] = _fill(body, ids)
    return s.request(method, _fill(path, ids), **kw)


@pytest.mark.parametrize("row, role", CASES)
def test_rbac(row, role: str, rbac_server: Server, ids: dict[str, Any]) -> None:
    method, path, body, member_status, admin_status = row
    s = rbac_server
    token = {"anonymous": None, "member": s.token("alice") if role == "member" else None,
             "admin": s.token("admin") if role == "admin" else None}[role]
    reply = _send(s, method, path, body, token, ids)
    want = {"anonymous": 401, "member": member_status, "admin": admin_status}[role]
    if want >= 400:
        expect_error(reply, want, f"{role} {method} {path}")
    else:
        expect(reply, want, f"{role} {method} {path}")
        assert "password_hash" not in reply.text, reply
