"""``/dashboard/overview`` and ``/dashboard/activity``.

The overview reads only maintained counts (``projects.task_count`` and
friends, ``task_due_counts`` for the overdue total) and the first rows of the
partial index of open tasks with a due date, so its cost does not grow with
the number of tasks.  Its queries run concurrently, each
on its own pooled connection, gathered with ``asyncio.gather`` like the seed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from lcore import HTTPResponse, request, response

from .._validation import query_int
from .tasks import today

DASHBOARD_PROJECTS = 100
OVERDUE_LISTED = 50
OPEN_AND_DUE = "t.status != 'done' AND t.due_date IS NOT NULL AND t.due_date < ?"


def _projects(db):
    return db.fetchall("SELECT id, name, status, task_count, done_count FROM projects"
                       " WHERE status != 'archived' ORDER BY id LIMIT ?", (DASHBOARD_PROJECTS,))


def _overdue(db):
    return db.fetchall(
        "SELECT t.id, t.title, t.due_date, t.status, t.project_id, p.name AS project_name"
        f" FROM tasks t JOIN projects p ON p.id = t.project_id WHERE {OPEN_AND_DUE}"
        " ORDER BY t.due_date LIMIT ?", (today(), OVERDUE_LISTED))


def _totals(db):
    row = db.fetchone("SELECT COUNT(*) AS projects, COALESCE(SUM(task_count), 0) AS tasks"
                      " FROM projects")
    row["users"] = db.count("users")
    row["overdue"] = db.scalar("SELECT COALESCE(SUM(open_count), 0) FROM task_due_counts"
                               " WHERE due_date < ?", (today(),))
    return row


def add_dashboard_routes(app, kernel) -> None:

    def query(fn):
        def run():
            with kernel.database() as db:
                return fn(db)
        return asyncio.get_running_loop().run_in_executor(kernel.executor, run)

    @app.get("/dashboard/overview", name="dashboard_overview", auth=True)
    async def dashboard_overview():
        """Project summary, overdue tasks and totals, gathered concurrently (ETag: 304)."""
        projects, overdue, totals = await asyncio.gather(
            query(_projects), query(_overdue), query(_totals))
        body = {"projects": projects, "overdue_tasks": overdue, "totals": totals}
        tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode(),
                                 usedforsecurity=False).hexdigest() + '"'
        response.set_header("ETag", tag)
        response.set_header("Cache-Control", "private, no-cache")
        if tag in (request.get_header("If-None-Match") or ""):
            return HTTPResponse(status=304, ETag=tag)
        return body

    @app.get("/dashboard/activity", name="dashboard_activity", auth=True)
    def dashboard_activity():
        """The activity feed, newest first, a page at a time (``before`` an id)."""
        limit = query_int("limit", 20, minimum=1, maximum=100)
        before = query_int("before", 0, minimum=1) if request.query.get("before") else None
        where, params = ("WHERE id < ?", [before]) if before else ("", [])
        rows = kernel.db.fetchall(
            "SELECT id, type, actor, project_id, task_id, summary, created_at FROM activity"
            f" {where} ORDER BY id DESC LIMIT ?", (*params, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return {"activity": rows, "next_before": rows[-1]["id"] if more else None}
