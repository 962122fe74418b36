"""A minimal Flask app: the benchmark's second peer (issue 25).

The same endpoints, SQL, token check and row dicts as ``handwired_app.py``
(imported from it, so the two never drift apart), written the way a small
Flask service would be: no middleware stack, no route plugins, Flask's own
JSON provider.  It compresses JSON answers of 256 bytes or more with gzip
level 6 when the client accepts it, as the suite and the hand-wired app do:
the harnesses send ``Accept-Encoding: gzip`` like a browser, and a peer that
skipped compression would be measuring a different response.

Flask is installed for the benchmark only (``pip install flask``); no
package of the suite depends on it.

Environment: ``APP_SECRET_KEY``, ``APP_DB_PATH`` (as ``handwired_app``).
Run: ``gunicorn -w 2 -k gthread --threads 4 flask_app:app`` (from ``bench/``).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time

import handwired_app as hw
from flask import Flask, g, request

app = Flask("taskflow_flask_bench")
app.json.sort_keys = False  # the suite keeps the SELECT's column order
app.json.ensure_ascii = True
GZIP_MIN = 256


def fail(status: int, message: str, fields: dict | None = None):
    body = {"error": message, "status": status}
    if fields:
        body["fields"] = fields
    return body, status


@app.before_request
def authenticate():
    """Bearer token on /api/*; the user must still be active (the same SQL)."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return fail(401, "Missing or invalid Authorization header")
    payload = hw.verify_token(header[7:])
    if not payload:
        return fail(401, "Invalid or expired token")
    user = hw.db().execute(hw.USER_LOOKUP, (payload.get("jti") or "",
                                            payload.get("sub"))).fetchone()
    if user is None or user["revoked"] or user["token_generation"] != payload.get("gen", 0):
        return fail(401, "Invalid, expired or revoked token")
    g.user = user
    return None


@app.after_request
def compress(response):
    if (response.mimetype == "application/json" and not response.direct_passthrough
            and "gzip" in request.headers.get("Accept-Encoding", "")):
        data = response.get_data()
        if len(data) >= GZIP_MIN:
            response.set_data(gzip.compress(data, 6))
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
    return response


@app.get("/health")
def health():
    hw.db().execute("SELECT 1").fetchone()
    return {"status": "ok", "database": "ok", "plugins": [], "version": hw.API_VERSION}


@app.get("/api/projects/<int:pid>/tasks")
def list_tasks(pid: int):
    try:
        page = int(request.args.get("page") or 1)
        limit = int(request.args.get("limit") or 20)
    except ValueError:
        return fail(400, "page and limit must be integers")
    if not (1 <= page <= 1_000_000 and 1 <= limit <= 100):
        return fail(400, "page or limit out of range")
    status = request.args.get("status") or None
    if status is not None and status not in hw.STATUSES:
        return fail(400, "status must be one of: " + ", ".join(hw.STATUSES))
    conn = hw.db()
    project = conn.execute(hw.PROJECT_SELECT, (pid,)).fetchone()
    if project is None:
        return fail(404, f"Project {pid} not found")
    where, params = "t.project_id = ?", [pid]
    if status:
        where, params = where + " AND t.status = ?", [pid, status]
    rows = conn.execute(f"{hw.TASK_SELECT} WHERE {where} ORDER BY t.id LIMIT ? OFFSET ?",
                        (*params, limit, (page - 1) * limit)).fetchall()
    total = project[f"{status}_count"] if status else project["task_count"]
    return {"tasks": rows, "total": total, "page": page, "limit": limit,
            "cursor": project["change_seq"]}


@app.get("/api/projects/<int:pid>/tasks/<int:tid>")
def get_task(pid: int, tid: int):
    conn = hw.db()
    task = conn.execute(hw.TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?",
                        (tid, pid)).fetchone()
    if task is None:
        return fail(404, f"Task {tid} not found in project {pid}")
    comments = conn.execute(f"{hw.COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id DESC"
                            " LIMIT ?", (tid, hw.COMMENTS_IN_DETAIL)).fetchall()
    task["comments"] = comments[::-1]
    task["comments_truncated"] = task["comment_count"] > len(comments)
    return task


@app.post("/api/projects/<int:pid>/tasks")
def create_task(pid: int):
    actor = g.user
    conn = hw.db()
    if conn.execute(hw.PROJECT_SELECT, (pid,)).fetchone() is None:
        return fail(404, f"Project {pid} not found")
    data = request.get_json(silent=True)
    if data is None:
        return fail(400, "Malformed JSON in request body")
    values = hw._task_values(conn, data)
    if not isinstance(values, dict):  # the hand-wired app's 422 answer
        return json.loads(values.body), values.status_code
    values.setdefault("status", "todo")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE projects SET change_seq = change_seq WHERE id = ?", (pid,))
        position = conn.execute(
            "SELECT COALESCE(MAX(position), 0) AS n FROM tasks WHERE project_id = ?"
            " AND status = ? AND id != ?", (pid, values["status"], 0)).fetchone()["n"] + 1
        row = {**values, "project_id": pid, "creator_id": actor["id"], "position": position,
               "created_at": time.time()}
        cur = conn.execute(f"INSERT INTO tasks ({', '.join(row)}) VALUES"
                           f" ({', '.join('?' for _ in row)})", tuple(row.values()))
        task_id = cur.lastrowid
        task = conn.execute(hw.TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?",
                            (task_id, pid)).fetchone()
        conn.execute("INSERT INTO activity (type, actor_id, actor, project_id, task_id,"
                     " summary, created_at) VALUES (?,?,?,?,?,?,?)",
                     ("task.created", actor["id"], actor["username"], pid, task_id,
                      f"{actor['username']} created task '{task['title']}'", time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"id": task_id, "title": task["title"], "created": True, "position": position}, 201


@app.get("/api/projects/dashboard/overview")
def dashboard_overview():
    # Flask's sync view runs the three queries in the same executor as the
    # hand-wired app's async one, so both pay the same thread hand-offs.
    async def gather():
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(loop.run_in_executor(hw.executor, lambda f=f: f(hw.db()))
                                      for f in (hw._projects, hw._overdue, hw._totals)))

    projects, overdue, totals = asyncio.run(gather())
    body = {"projects": projects, "overdue_tasks": overdue, "totals": totals}
    tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode(),
                             usedforsecurity=False).hexdigest() + '"'
    return body, 200, {"ETag": tag}

