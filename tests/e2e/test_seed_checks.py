"""The seed's 30 checks ("Test Results") over real HTTP against the installed server.

They run in the seed's order on one server (``main``: every plugin, debug on)
and share what they create (a user, a project, a task) through ``state``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from e2e_support import SECRET_KEY, Server, basic, expect, expect_error

CHECKS: dict[str, Callable[[Server, dict], None]] = {}
SEED_USERS = {"admin", "alice", "bob"}
MIDDLEWARE_ORDER = ["body_limit", "request_id", "request_logger", "timing", "cors",
                    "security_headers", "token_auth", "admin_guard", "audit_log", "compression"]


def check(name: str):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


def no_secrets(reply, *secrets: str) -> None:
    text = reply.text
    assert "password_hash" not in text, f"password hash leaked: {reply}"
    for secret in secrets:
        assert secret not in text, f"secret leaked: {reply}"


# ------------------------------------------------------------------ auth
@check("Unauthenticated = 401")
def unauthenticated(s: Server, state: dict) -> None:
    expect_error(s.get("/api/users/"), 401, "no token")
    expect_error(s.get("/api/projects/", token="not.a-token"), 401, "malformed token")
    expect_error(s.get("/admin/stats"), 401, "admin without token")


@check("Login")
def login(s: Server, state: dict) -> None:
    reply = s.login("admin", "admin123")
    body = expect(reply, 200, "login admin")
    s.remember("admin", body)  # login is rate-limited: later checks reuse this token
    assert isinstance(body["token"], str) and "." in body["token"], reply
    assert body["user"]["username"] == "admin" and body["user"]["role"] == "admin", reply
    assert isinstance(body["user"]["id"], int), reply
    cookie = next((c for c in reply.cookies if c.startswith("session_user=")), None)
    assert cookie, f"no session_user cookie: {reply.headers}"
    low = cookie.lower()
    assert "httponly" in low and "samesite=lax" in low and "max-age=3600" in low, cookie
    me = expect(s.get("/auth/me", token=body["token"]), 200, "me with the new token")
    assert me["username"] == "admin" and me["role"] == "admin", me
    expect_error(s.login("admin", "wrong-password"), 401, "bad password")
    no_secrets(reply)


@check("Register")
def register(s: Server, state: dict) -> None:
    reply = s.post("/auth/register", json={
        "username": "e2e_newbie", "email": "e2e_newbie@example.com",
        "password": "newbie-pass-1", "role": "admin"})
    body = expect(reply, 201, "register")
    assert body["username"] == "e2e_newbie" and isinstance(body["id"], int), reply
    assert body["role"] == "member", f"a role in the body must be ignored: {reply}"
    err = expect_error(s.post("/auth/register", json={
        "username": "e2e_other", "email": "not-an-email", "password": "short"}), 422, "bad")
    assert "email" in err.get("fields", {}) and "password" in err["fields"], err
    no_secrets(reply)


@check("Basic Auth")
def basic_auth(s: Server, state: dict) -> None:
    anonymous = s.get("/auth/basic-demo")
    expect_error(anonymous, 401, "basic without credentials")
    challenge = anonymous.headers.get("www-authenticate", "")
    assert challenge.startswith("Basic") and 'realm="TaskFlow"' in challenge, anonymous.headers
    body = expect(s.get("/auth/basic-demo", headers=basic("admin", "admin123")), 200, "basic")
    assert isinstance(body.get("message"), str), body
    expect_error(s.get("/auth/basic-demo", headers=basic("admin", "nope")), 401, "bad basic")


# ---------------------------------------------------------------- system
@check("Health")
def health(s: Server, state: dict) -> None:
    reply = s.get("/health", headers={"X-Request-ID": "e2e-request-42"})
    body = expect(reply, 200, "health")
    assert body["status"] == "ok" and body["database"] == "ok", body
    assert [p["name"] for p in body["plugins"]] == ["core", "auth", "notify", "ui"], body
    assert all(p["version"] for p in body["plugins"]) and body["version"], body
    assert reply.headers.get("x-request-id") == "e2e-request-42", reply.headers
    for header in ("x-response-time", "x-frame-options", "referrer-policy", "x-api-version"):
        assert header in reply.headers, f"{header} missing: {reply.headers}"
    assert reply.headers.get("x-content-type-options") == "nosniff", reply.headers


# ----------------------------------------------------------------- users
@check("List users")
def list_users(s: Server, state: dict) -> None:
    reply = s.get("/api/users/?page=1&limit=50", token=s.token("admin"))
    body = expect(reply, 200, "list users")
    assert {u["username"] for u in body["users"]} >= SEED_USERS, body
    assert body["total"] >= 3 and body["page"] == 1 and body["limit"] == 50, body
    assert "_api_version" in body, body
    no_secrets(reply)
    members = expect(s.get("/api/users/?role=member", token=s.token("admin")), 200, "role")
    assert {u["role"] for u in members["users"]} == {"member"}, members
    expect_error(s.get("/api/users/?limit=abc", token=s.token("admin")), 400, "bad limit")


@check("Get user")
def get_user(s: Server, state: dict) -> None:
    alice = s.user("alice")
    reply = s.get(f"/api/users/{alice['id']}", token=s.token("admin"))
    body = expect(reply, 200, "get user")
    assert body["username"] == "alice" and body["role"] == "member" and body["email"], body
    no_secrets(reply)
    expect_error(s.get("/api/users/999999", token=s.token("admin")), 404, "missing user")


@check("Create user")
def create_user(s: Server, state: dict) -> None:
    reply = s.post("/api/users/", token=s.token("admin"), json={
        "username": "e2e_carol", "email": "e2e_carol@example.com",
        "password": "carol-pass-1", "role": "member"})
    body = expect(reply, 201, "create user")
    assert body["username"] == "e2e_carol" and body["created"] is True, body
    state["carol"] = body["id"]
    again = s.post("/api/users/", token=s.token("admin"), json={
        "username": "e2e_carol", "email": "e2e_carol2@example.com", "password": "carol-pass-1"})
    expect_error(again, 409, "duplicate username")
    no_secrets(reply)


@check("Patch user")
def patch_user(s: Server, state: dict) -> None:
    user_id = state.get("carol") or s.user_id("bob")
    reply = s.request("PATCH", f"/api/users/{user_id}", token=s.token("admin"),
                      json={"email": "e2e_carol_new@example.com"})
    body = expect(reply, 200, "patch user")
    assert body["patched"] is True and body["id"] == user_id and "email" in body["fields"], body
    got = expect(s.get(f"/api/users/{user_id}", token=s.token("admin")), 200, "read back")
    assert got["email"] == "e2e_carol_new@example.com", got
    expect_error(s.request("PATCH", f"/api/users/{user_id}", token=s.token("admin"),
                           json={"nothing": 1}), 400, "no valid field")


@check("Search users")
def search_users(s: Server, state: dict) -> None:
    body = expect(s.get("/api/users/search?q=ALI", token=s.token("admin")), 200, "search")
    names = {u["username"] for u in body["users"]}
    assert "alice" in names and "bob" not in names, body
    assert body["total"] == len(body["users"]), body


# --------------------------------------------------------------- projects
@check("List projects")
def list_projects(s: Server, state: dict) -> None:
    body = expect(s.get("/api/projects/", token=s.token("alice")), 200, "list projects")
    assert body["total"] >= 2 and len(body["projects"]) >= 2, body
    assert {"page", "limit"} <= set(body), body
    state["seed_project"] = body["projects"][0]["id"]


@check("Get project")
def get_project(s: Server, state: dict) -> None:
    pid = state.get("seed_project", 1)
    body = expect(s.get(f"/api/projects/{pid}", token=s.token("alice")), 200, "get project")
    assert body["id"] == pid and body["name"], body
    assert any("count" in key for key in body), f"no task counts by status: {body}"
    expect_error(s.get("/api/projects/999999", token=s.token("alice")), 404, "missing")


@check("Create project")
def create_project(s: Server, state: dict) -> None:
    reply = s.post("/api/projects/", token=s.token("admin"),
                   json={"name": "E2E project", "description": "made over real HTTP"})
    body = expect(reply, 201, "create project")
    assert body["name"] == "E2E project" and body["created"] is True, body
    state["project"] = body["id"]
    expect_error(s.post("/api/projects/", token=s.token("admin"), json={}), 422, "no name")
    expect_error(s.post("/api/projects/", token=s.token("alice"), json={"name": "x"}), 403,
                 "member creates a project")


# ------------------------------------------------------------------ tasks
@check("List tasks")
def list_tasks(s: Server, state: dict) -> None:
    pid = state.get("seed_project", 1)
    body = expect(s.get(f"/api/projects/{pid}/tasks", token=s.token("alice")), 200, "tasks")
    assert body["total"] >= 1 and body["tasks"], body
    assert all(t["project_id"] == pid for t in body["tasks"]), body
    expect_error(s.get("/api/projects/999999/tasks", token=s.token("alice")), 404, "missing")


@check("Create task")
def create_task(s: Server, state: dict) -> None:
    pid = state.get("project") or state.get("seed_project", 1)
    alice = s.user("alice")
    reply = s.post(f"/api/projects/{pid}/tasks", token=s.token("admin"), json={
        "title": "E2E task", "description": "assigned to alice", "assignee_id": alice["id"],
        "priority": "high", "status": "todo", "due_date": "2030-01-31"})
    body = expect(reply, 201, "create task")
    assert body["title"] == "E2E task" and body["created"] is True, body
    state.update(task=body["id"], task_project=pid)
    bad = expect_error(s.post(f"/api/projects/{pid}/tasks", token=s.token("admin"), json={
        "title": "x", "priority": "urgent", "due_date": "31/01/2030"}), 422, "bad task")
    assert {"priority", "due_date"} <= set(bad.get("fields", {})), bad


@check("Update task")
def update_task(s: Server, state: dict) -> None:
    pid, tid = state["task_project"], state["task"]
    reply = s.request("PUT", f"/api/projects/{pid}/tasks/{tid}", token=s.token("alice"),
                      json={"status": "in_progress"})
    body = expect(reply, 200, "update task")
    assert body["updated"] is True and body["id"] == tid and "status" in body["fields"], body
    expect_error(s.request("PUT", f"/api/projects/{pid}/tasks/{tid}", token=s.token("alice"),
                           json={"status": "sleeping"}), 422, "bad status")


@check("Get task")
def get_task(s: Server, state: dict) -> None:
    pid, tid = state["task_project"], state["task"]
    body = expect(s.get(f"/api/projects/{pid}/tasks/{tid}", token=s.token("alice")), 200, "get")
    assert body["id"] == tid and body["title"] == "E2E task", body
    assert body["status"] == "in_progress" and isinstance(body["comments"], list), body
    other = state.get("seed_project", 1)
    if other != pid:
        expect_error(s.get(f"/api/projects/{other}/tasks/{tid}", token=s.token("alice")), 404,
                     "task through another project")


@check("Add comment")
def add_comment(s: Server, state: dict) -> None:
    pid, tid = state["task_project"], state["task"]
    path = f"/api/projects/{pid}/tasks/{tid}/comments"
    reply = s.post(path, token=s.token("alice"), json={"body": "<b>looks good</b>"})
    body = expect(reply, 201, "add comment")
    assert body["task_id"] == tid and body["created"] is True and body["id"], body
    listed = expect(s.get(path, token=s.token("alice")), 200, "list comments")
    assert "<b>looks good</b>" in [c["body"] for c in listed["comments"]], listed
    expect_error(s.post(path, token=s.token("alice"), json={"body": ""}), 422, "empty comment")


# ----------------------------------------------------------- notifications
@check("Send email")
def send_email(s: Server, state: dict) -> None:
    reply = s.post("/api/notifications/email", token=s.token("admin"), json={
        "to": "e2e-reader@example.com", "subject": "E2E hello", "body": "Hello from e2e"})
    body = expect(reply, 200, "send email")
    assert body["status"] == "simulated", f"no SMTP configured, so simulated: {body}"
    assert body["to"] == "e2e-reader@example.com" and body["subject"] == "E2E hello", body
    expect_error(s.post("/api/notifications/email", token=s.token("admin"), json={
        "to": "e2e@example.com", "subject": "a\r\nBcc: x@example.com", "body": "b"}), 422,
        "CR/LF in the subject")


@check("Batch notify")
def batch_notify(s: Server, state: dict) -> None:
    ids = [s.user("alice")["id"], s.user_id("bob")]
    reply = s.post("/api/notifications/batch", token=s.token("admin"),
                   json={"user_ids": ids, "subject": "E2E batch", "body": "to everyone"})
    body = expect(reply, 200, "batch")
    assert len(body["results"]) == 2, body
    assert body["sent"] + body["simulated"] + body["failed"] == 2 and body["simulated"] == 2, body


@check("History")
def history(s: Server, state: dict) -> None:
    # The assignment email of "Create task" is sent in the background: wait for it.
    deadline, body = time.monotonic() + 10, {}
    while time.monotonic() < deadline:
        body = expect(s.get("/api/notifications/history?limit=100", token=s.token("admin")),
                      200, "history")
        texts = [json.dumps(n) for n in body["notifications"]]
        if any("E2E task" in t or "alice@" in t for t in texts):
            break
        time.sleep(0.3)
    texts = [json.dumps(n) for n in body["notifications"]]
    assert body["total"] >= 4, f"email + 2 batch + assignment expected: {body}"
    assert any("E2E hello" in t for t in texts), body
    assert any("E2E batch" in t for t in texts), body
    assert any("E2E task" in t or "alice@" in t for t in texts), f"no assignment email: {body}"
    mine = expect(s.get("/api/notifications/history?limit=100", token=s.token("alice")), 200,
                  "member history")
    assert mine["total"] < body["total"], f"a member sees only their own: {mine}"


# ----------------------------------------------------------- dashboard
@check("Dashboard (async)")
def dashboard(s: Server, state: dict) -> None:
    body = expect(s.get("/api/projects/dashboard/overview", token=s.token("alice")), 200,
                  "dashboard")
    for project in body["projects"]:
        assert {"id", "name", "status", "task_count", "done_count"} <= set(project), project
    assert isinstance(body["overdue_tasks"], list), body
    totals = body["totals"]
    assert {"projects", "tasks", "users", "overdue"} <= set(totals), totals
    assert totals["projects"] >= 3 and totals["tasks"] >= 4 and totals["users"] >= 5, totals


@check("Activity")
def activity(s: Server, state: dict) -> None:
    body = expect(s.get("/api/projects/dashboard/activity?limit=50", token=s.token("alice")),
                  200, "activity")
    rows = body["activity"]
    assert rows and all({"type", "actor", "summary", "created_at"} <= set(r) for r in rows), body
    mine = [r for r in rows if r.get("task_id") == state.get("task")]
    assert {"task.created", "comment.added"} <= {r["type"] for r in mine}, body
    stamps = [r["created_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True), f"not newest first: {stamps}"


# ----------------------------------------------------------------- admin
@check("Admin (admin)")
def admin_admin(s: Server, state: dict) -> None:
    body = expect(s.get("/admin/stats", token=s.token("admin")), 200, "admin stats")
    assert {"counts", "requests", "audit"} <= set(body), body
    assert body["counts"]["users"] >= 5, body


@check("Admin (member=403)")
def admin_member(s: Server, state: dict) -> None:
    expect_error(s.get("/admin/stats", token=s.token("alice")), 403, "member on admin")


# ----------------------------------------------------------------- debug
@check("Routes")
def routes(s: Server, state: dict) -> None:
    # Short timeout: a hang here is a bug to report, not something to wait for.
    body = expect(s.get("/debug/routes", token=s.token("admin"), timeout=5), 200, "routes")
    rules = {r["rule"] for r in body["routes"]}
    assert "/health" in rules and any(r.startswith("/auth/") for r in rules), rules
    assert any(r.startswith("/api/notifications/") for r in rules), rules
    expect_error(s.get("/debug/routes", token=s.token("alice")), 403, "member on debug")


@check("Middleware")
def middleware(s: Server, state: dict) -> None:
    body = expect(s.get("/debug/middleware", token=s.token("admin")), 200, "middleware")
    assert [m["name"] for m in body["middleware"]] == MIDDLEWARE_ORDER, body


@check("Config")
def config(s: Server, state: dict) -> None:
    reply = s.get("/debug/config", token=s.token("admin"))
    body = expect(reply, 200, "config")
    assert body["config"]["secret_key"] == "***", body
    assert body["config"]["debug"] is True and body["config"]["app_name"], body
    no_secrets(reply, SECRET_KEY)


@check("Stats")
def stats(s: Server, state: dict) -> None:
    body = expect(s.get("/debug/stats", token=s.token("admin")), 200, "stats")
    assert body["requests"], body


@check("Redirect 301")
def redirect(s: Server, state: dict) -> None:
    reply = s.get("/old-api")
    assert reply.status == 301, reply
    assert reply.headers.get("location", "").endswith("/api/projects/"), reply.headers


# ----------------------------------------------------------------- runner
assert len(CHECKS) == 30, "the seed lists 30 checks"


@pytest.fixture(scope="module")
def state() -> dict:
    return {}


@pytest.mark.parametrize("name", list(CHECKS))
def test_seed_check(name: str, main: Server, state: dict) -> None:
    CHECKS[name](main, state)
