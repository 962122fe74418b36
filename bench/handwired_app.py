"""A hand-wired single-file Lcore app: the benchmark's baseline.

It serves the four benchmarked endpoints of TaskFlow (task list, task
detail, create task, dashboard overview) plus ``/health`` with *the same SQL*
as ``lcore_taskflow.core._domain.tasks`` / ``_api.dashboard`` (copied verbatim),
the same token check (SPEC §4: base64url JSON payload + ``.`` + hex
HMAC-SHA256 with ``APP_SECRET_KEY``, plus a per-request lookup that the user
is still active), the seed's ten middleware, its two route plugins and its
``after_request`` header, against the same database file.  It imports only
``lcore`` and the standard library, so ``suite / handwired`` isolates what
the plugin layer (kernel, pluggy hooks, DI, error shield, ...) costs.

Environment: ``APP_SECRET_KEY`` (required), ``APP_DB_PATH`` (a database
already migrated and seeded by ``taskflow db seed``).
Run: ``gunicorn -w 2 -k gthread --threads 4 bench.handwired_app:app``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import inspect
import json
import logging
import os
import re
import sqlite3
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lcore import (
    BodyLimitMiddleware,
    CompressionMiddleware,
    CORSMiddleware,
    HTTPResponse,
    Lcore,
    Middleware,
    MiddlewareHook,
    RequestIDMiddleware,
    RequestLoggerMiddleware,
    SecurityHeadersMiddleware,
    ctx,
    request,
    response,
)

SECRET = os.environ.get("APP_SECRET_KEY", "")
DB_PATH = os.environ.get("APP_DB_PATH", "./taskflow.db")
API_VERSION = "1.0.0"
TOKEN_TTL = 3600

# ---------------------------------------------------------------- SQL (copied)
STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
COMMENTS_IN_DETAIL = 50
TASK_SELECT = (
    "SELECT t.id, t.title, t.description, t.project_id, t.assignee_id, t.creator_id,"
    " t.status, t.priority, t.due_date, t.position, t.attachment, t.comment_count,"
    " t.checklist_done, t.checklist_total, t.created_at, t.updated_at,"
    " a.username AS assignee_name"
    " FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id")
COMMENT_SELECT = (
    "SELECT c.id, c.task_id, c.user_id, COALESCE(u.username, c.author) AS username, c.body,"
    " c.created_at FROM comments c LEFT JOIN users u ON u.id = c.user_id")
RELATIONS_SELECT = (
    "SELECT r.id, r.kind, r.from_task, t.id AS task_id, t.project_id, t.title"
    " FROM task_relations r JOIN tasks t ON t.id = CASE WHEN r.from_task = ?"
    " THEN r.to_task ELSE r.from_task END WHERE (r.from_task = ? OR r.to_task = ?)"
    " ORDER BY r.id")
INVERSE = {"blocks": "blocked_by", "parent": "child", "duplicates": "duplicated_by",
           "relates": "relates"}
PROJECT_SELECT = ("SELECT id, task_count, todo_count, in_progress_count, done_count,"
                  " change_seq, tombstone_floor FROM projects WHERE id = ?")
DASHBOARD_PROJECTS = 100
OVERDUE_LISTED = 50
OPEN_AND_DUE = "t.status != 'done' AND t.due_date IS NOT NULL AND t.due_date < ?"
# The session check of the suite: active user, token generation, revoked token id.
USER_LOOKUP = ("SELECT id, username, email, role, token_generation, EXISTS (SELECT 1 FROM"
               " revoked_credentials WHERE credential_id = ?) AS revoked FROM users"
               " WHERE id = ? AND is_active = 1")


# ---------------------------------------------------------------- database
def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row)}


_local = threading.local()


def db() -> sqlite3.Connection:
    """This thread's connection (opened once, same pragmas as the suite's pool)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, timeout=10.0, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = _dict_row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def fail(status: int, message: str, fields: dict | None = None) -> HTTPResponse:
    body: dict[str, Any] = {"error": message, "status": status}
    if fields:
        body["fields"] = fields
    return HTTPResponse(json.dumps(body), status,
                        **{"Content-Type": "application/json"})


# ---------------------------------------------------------------- tokens
def mint_token(user_id: int, username: str, role: str, secret: str = SECRET) -> str:
    """A SPEC §4 token (the benchmark driver mints one for this app)."""
    now = int(time.time())
    payload = {"sub": user_id, "username": username, "role": role,
               "iat": now, "exp": now + TOKEN_TTL, "gen": 0, "jti": "handwired"}
    b64 = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    sig = hmac.new(secret.encode(), b64.encode(), hashlib.sha256).hexdigest()
    return f"{b64}.{sig}"


def verify_token(token: str) -> dict | None:
    try:
        b64, sig = token.rsplit(".", 1)
        expected = hmac.new(SECRET.encode(), b64.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, expected):
            return None
        payload = json.loads(base64.urlsafe_b64decode(b64))
        if payload.get("exp", 0) < time.time():
            return None
        return payload
    except Exception:
        return None


# ---------------------------------------------------------------- the endpoints' work
# Shared with flask_app.py, so both peers run the same SQL and answer the same
# JSON as the suite (checklist, blocked_by_open, watching, relations: the
# fields core and notify add) and differ from it only in the framework around.
class Fail(Exception):
    """An error answer: each app renders it its own way."""

    def __init__(self, status: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


def page_args(query) -> tuple[int, int, str | None]:
    try:
        page = int(query.get("page") or 1)
        limit = int(query.get("limit") or 20)
    except ValueError:
        raise Fail(400, "page and limit must be integers") from None
    if not (1 <= page <= 1_000_000 and 1 <= limit <= 100):
        raise Fail(400, "page or limit out of range")
    status = query.get("status") or None
    if status is not None and status not in STATUSES:
        raise Fail(400, "status must be one of: " + ", ".join(STATUSES))
    return page, limit, status


def _decorate(conn: sqlite3.Connection, rows: list[dict], user_id: int) -> None:
    """What the suite's represent hooks add: checklist, blocked_by_open, watching."""
    ids = [row["id"] for row in rows]
    marks = ", ".join("?" for _ in ids)
    blockers = {r["task_id"]: r["n"] for r in conn.execute(
        "SELECT r.to_task AS task_id, COUNT(*) AS n FROM task_relations r"
        f" JOIN tasks b ON b.id = r.from_task WHERE r.to_task IN ({marks})"
        " AND r.kind = 'blocks' AND b.status != 'done' GROUP BY r.to_task", ids)}
    watched = {r["task_id"] for r in conn.execute(
        f"SELECT task_id FROM task_watchers WHERE user_id = ? AND task_id IN ({marks})",
        (user_id, *ids))}
    for row in rows:
        row["checklist"] = {"done": row.pop("checklist_done"),
                            "total": row.pop("checklist_total")}
        row["blocked_by_open"] = blockers.get(row["id"], 0)
        row["watching"] = row["id"] in watched


def task_page(conn: sqlite3.Connection, pid: int, user: dict, query) -> dict:
    page, limit, status = page_args(query)
    project = conn.execute(PROJECT_SELECT, (pid,)).fetchone()
    if project is None:
        raise Fail(404, f"Project {pid} not found")
    where, params = "t.project_id = ?", [pid]
    if status:
        where, params = where + " AND t.status = ?", [pid, status]
    rows = conn.execute(f"{TASK_SELECT} WHERE {where} ORDER BY t.id LIMIT ? OFFSET ?",
                        (*params, limit, (page - 1) * limit)).fetchall()
    if rows:
        _decorate(conn, rows, user["id"])
    total = project[f"{status}_count"] if status else project["task_count"]
    return {"tasks": rows, "total": total, "total_is_estimate": False, "page": page,
            "limit": limit, "cursor": project["change_seq"]}


def task_detail(conn: sqlite3.Connection, pid: int, tid: int, user: dict) -> dict:
    task = conn.execute(TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?",
                        (tid, pid)).fetchone()
    if task is None:
        raise Fail(404, f"Task {tid} not found in project {pid}")
    comments = conn.execute(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id DESC LIMIT ?",
                            (tid, COMMENTS_IN_DETAIL)).fetchall()
    task["comments"] = comments[::-1]
    task["comments_truncated"] = task["comment_count"] > len(comments)
    relations = conn.execute(RELATIONS_SELECT, (tid, tid, tid)).fetchall()
    for row in relations:
        mine = row.pop("from_task") == tid
        row["kind"] = row["kind"] if mine else INVERSE[row["kind"]]
    task["relations"] = relations
    _decorate(conn, [task], user["id"])
    return task


def new_task(conn: sqlite3.Connection, pid: int, actor: dict, data: Any) -> dict:
    if conn.execute(PROJECT_SELECT, (pid,)).fetchone() is None:
        raise Fail(404, f"Project {pid} not found")
    values = _task_values(conn, data)
    values.setdefault("status", "todo")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # The suite's statements: lock the project's columns, append at the end of
        # the column, read the task back, write the activity row, the creator
        # watches the task (notify), in one transaction.
        conn.execute("UPDATE projects SET change_seq = change_seq WHERE id = ?", (pid,))
        position = conn.execute(
            "SELECT COALESCE(MAX(position), 0) AS n FROM tasks WHERE project_id = ?"
            " AND status = ? AND id != ?", (pid, values["status"], 0)).fetchone()["n"] + 1
        row = {**values, "project_id": pid, "creator_id": actor["id"], "position": position,
               "created_at": time.time()}
        cur = conn.execute(f"INSERT INTO tasks ({', '.join(row)}) VALUES"
                           f" ({', '.join('?' for _ in row)})", tuple(row.values()))
        task_id = cur.lastrowid
        task = conn.execute(TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?",
                            (task_id, pid)).fetchone()
        conn.execute("INSERT INTO activity (type, actor_id, actor, project_id, task_id,"
                     " summary, created_at) VALUES (?,?,?,?,?,?,?)",
                     ("task.created", actor["id"], actor["username"], pid, task_id,
                      f"{actor['username']} created task '{task['title']}'", time.time()))
        conn.execute("INSERT INTO task_watchers (task_id, user_id, created_at) VALUES (?, ?, ?)"
                     " ON CONFLICT (task_id, user_id) DO NOTHING",
                     (task_id, actor["id"], time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"id": task_id, "title": task["title"], "created": True, "position": position}


# ---------------------------------------------------------------- middleware
class TimingMiddleware(Middleware):
    name = "timing"
    order = 2

    def __call__(self, c, next_handler):
        start = time.perf_counter()
        try:
            return next_handler(c)
        finally:
            c.response.set_header("X-Response-Time",
                                  f"{(time.perf_counter() - start) * 1000:.2f}ms")


class TokenAuthMiddleware(Middleware):
    """Bearer token on /api/* and /admin/*, and the user must still be active."""

    name = "token_auth"
    order = 6

    def __call__(self, c, next_handler):
        path = c.request.path
        if not (path.startswith("/api/") or path.startswith("/admin/")):
            return next_handler(c)
        header = c.request.get_header("Authorization")
        if not header or not header.startswith("Bearer "):
            return fail(401, "Missing or invalid Authorization header")
        payload = verify_token(header[7:])
        if not payload:
            return fail(401, "Invalid or expired token")
        user = db().execute(USER_LOOKUP, (payload.get("jti") or "",
                                          payload.get("sub"))).fetchone()
        if user is None or user["revoked"] or user["token_generation"] != payload.get("gen", 0):
            return fail(401, "Invalid, expired or revoked token")
        c.user = user
        return next_handler(c)


class AdminGuardHook(MiddlewareHook):
    name = "admin_guard"
    order = 7

    def pre(self, c):
        if not c.request.path.startswith("/admin"):
            return None
        if (c.user or {}).get("role") != "admin":
            return fail(403, "Admin access required")
        return None


class AuditLogHook(MiddlewareHook):
    name = "audit_log"
    order = 8
    log = logging.getLogger("handwired.audit")

    def post(self, c, result):
        if c.request.method in ("POST", "PUT", "PATCH", "DELETE"):
            self.log.info("%s %s by %s", c.request.method, c.request.path,
                          (c.user or {}).get("username"))
        return result


# ---------------------------------------------------------------- route plugins
class APIVersionPlugin:
    name = "api_version"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            result = callback(*args, **kwargs)
            if isinstance(result, dict):
                result["_api_version"] = API_VERSION
            response.set_header("X-API-Version", API_VERSION)
            return result
        return wrapper


class RequestCounterPlugin:
    name = "request_counter"
    api = 2

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def apply(self, callback, route):
        key = f"{route.method} {route.rule}"

        def wrapper(*args, **kwargs):
            with self.lock:
                number = self.counts[key] = self.counts.get(key, 0) + 1
            result = callback(*args, **kwargs)
            if inspect.iscoroutine(result):  # innermost: the other plugins see the dict
                result = asyncio.run(result)
            if isinstance(result, dict):
                result["_request_number"] = number
            return result
        return wrapper


# ---------------------------------------------------------------- app
app = Lcore()
app.use(BodyLimitMiddleware(max_size=10_485_760))
app.use(RequestIDMiddleware())
app.use(RequestLoggerMiddleware(logger=logging.getLogger("handwired.http")))
app.use(TimingMiddleware())
app.use(CORSMiddleware(
    allow_origins="*",
    allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allow_headers=["Content-Type", "Authorization", "X-CSRF-Token", "X-Requested-With"],
    expose_headers=["X-Request-ID", "X-Response-Time", "X-API-Version"],
    max_age=86400,
))
app.use(SecurityHeadersMiddleware(hsts=False))
app.use(TokenAuthMiddleware())
app.use(AdminGuardHook())
app.use(AuditLogHook())
app.use(CompressionMiddleware(min_size=256, level=6))
app.install(APIVersionPlugin())
app.install(RequestCounterPlugin())
executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="handwired-q")
for _name in ("handwired.http", "handwired.audit"):
    logging.getLogger(_name).setLevel(logging.WARNING)
# The dashboard is async like the suite's (and the seed's); Lcore warns once per route.
warnings.filterwarnings("ignore", message=".*is async def, but WSGI is synchronous")


@app.hook("after_request")
def powered_by():
    response.set_header("X-Powered-By", "Lcore")


@app.get("/health")
def health():
    db().execute("SELECT 1").fetchone()
    return {"status": "ok", "database": "ok", "plugins": [], "version": API_VERSION}


def _task_values(conn: sqlite3.Connection, data: Any) -> dict:
    if not isinstance(data, dict):
        raise Fail(400, "Request body must be a JSON object")
    errors, values = {}, {}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > 200:
        errors["title"] = "title is required (1-200 characters)"
    else:
        values["title"] = title.strip()
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > 5000:
        errors["description"] = "description must be a string of at most 5000 characters"
    values["description"] = description.strip() if isinstance(description, str) else ""
    for name, choices in (("status", STATUSES), ("priority", PRIORITIES)):
        if data.get(name) is not None:
            if data[name] in choices:
                values[name] = data[name]
            else:
                errors[name] = f"{name} must be one of: {', '.join(choices)}"
    due = data.get("due_date")
    if due not in (None, ""):
        try:
            if not isinstance(due, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", due):
                raise ValueError
            dt.date.fromisoformat(due)
            values["due_date"] = due
        except ValueError:
            errors["due_date"] = "due_date must be a date as YYYY-MM-DD"
    assignee = data.get("assignee_id")
    if assignee is not None:
        if isinstance(assignee, bool) or not isinstance(assignee, int):
            errors["assignee_id"] = "assignee_id must be an integer"
        elif not conn.execute("SELECT id FROM users WHERE id = ? AND is_active = 1",
                              (assignee,)).fetchone():
            errors["assignee_id"] = f"assignee_id {assignee} is not an active user"
        else:
            values["assignee_id"] = assignee
    if errors:
        raise Fail(422, "Validation failed", errors)
    return values


def _answer(work, *args):
    try:
        return work(*args)
    except Fail as err:
        return fail(err.status, err.message, err.fields)


@app.get("/api/projects/<pid:int>/tasks")
def list_tasks(pid):
    return _answer(task_page, db(), pid, ctx.user, request.query)


@app.get("/api/projects/<pid:int>/tasks/<tid:int>")
def get_task(pid, tid):
    return _answer(task_detail, db(), pid, tid, ctx.user)


@app.post("/api/projects/<pid:int>/tasks")
def create_task(pid):
    try:
        data = request.json
    except Exception:
        return fail(400, "Malformed JSON in request body")
    answer = _answer(new_task, db(), pid, ctx.user, data)
    if isinstance(answer, dict):
        response.status = 201
    return answer


def _projects(conn):
    return conn.execute("SELECT id, name, status, task_count, done_count FROM projects"
                        " WHERE status != 'archived' ORDER BY id LIMIT ?",
                        (DASHBOARD_PROJECTS,)).fetchall()


def _overdue(conn):
    return conn.execute(
        "SELECT t.id, t.title, t.due_date, t.status, t.project_id, p.name AS project_name"
        f" FROM tasks t JOIN projects p ON p.id = t.project_id WHERE {OPEN_AND_DUE}"
        " ORDER BY t.due_date LIMIT ?", (dt.date.today().isoformat(),
                                         OVERDUE_LISTED)).fetchall()


def _totals(conn):
    row = conn.execute("SELECT COUNT(*) AS projects, COALESCE(SUM(task_count), 0) AS tasks"
                       " FROM projects").fetchone()
    row["users"] = conn.execute("SELECT COUNT(*) AS n FROM users").fetchone()["n"]
    row["overdue"] = conn.execute(
        "SELECT COALESCE(SUM(open_count), 0) AS n FROM task_due_counts"
        " WHERE due_date < ?", (dt.date.today().isoformat(),)).fetchone()["n"]
    return row


@app.get("/api/projects/dashboard/overview")
async def dashboard_overview():
    loop = asyncio.get_running_loop()
    projects, overdue, totals = await asyncio.gather(
        *(loop.run_in_executor(executor, lambda f=f: f(db()))
          for f in (_projects, _overdue, _totals)))
    body = {"projects": projects, "overdue_tasks": overdue, "totals": totals}
    # The suite's ETag (a conditional GET answers 304).
    tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode(),
                             usedforsecurity=False).hexdigest() + '"'
    response.set_header("ETag", tag)
    return body
