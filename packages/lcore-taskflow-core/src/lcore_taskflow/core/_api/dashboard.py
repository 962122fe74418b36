"""``/dashboard/overview`` and ``/dashboard/activity``.

The overview reads only maintained counts (``projects.task_count`` and
friends, ``task_due_counts`` for the overdue total) and the first rows of the
partial index of open tasks with a due date, so its cost does not grow with
the number of tasks.  Its queries run concurrently, each
on its own pooled connection, gathered with ``asyncio.gather`` like the seed.
"""

from __future__ import annotations

import asyncio

from lcore import ctx

from .._validation import query_int

DASHBOARD_PROJECTS = 100
OVERDUE_LISTED = 50
OPEN_AND_DUE = ("t.status != 'done' AND t.due_date IS NOT NULL"
                " AND t.due_date < CAST(CURRENT_DATE AS TEXT)")


def _projects(db):
    return db.fetchall("SELECT id, name, status, task_count, done_count FROM projects"
                       " ORDER BY id LIMIT ?", (DASHBOARD_PROJECTS,))


def _overdue(db):
    return db.fetchall(
        "SELECT t.id, t.title, t.due_date, t.status, t.project_id, p.name AS project_name"
        f" FROM tasks t JOIN projects p ON p.id = t.project_id WHERE {OPEN_AND_DUE}"
        " ORDER BY t.due_date LIMIT ?", (OVERDUE_LISTED,))


def _totals(db):
    row = db.fetchone("SELECT COUNT(*) AS projects, COALESCE(SUM(task_count), 0) AS tasks"
                      " FROM projects")
    row["users"] = db.count("users")
    row["overdue"] = db.scalar("SELECT COALESCE(SUM(open_count), 0) FROM task_due_counts"
                               " WHERE due_date < CAST(CURRENT_DATE AS TEXT)")
    return row


def add_dashboard_routes(app, kernel) -> None:

    def query(fn):
        def run():
            with kernel.database() as db:
                return fn(db)
        return asyncio.get_running_loop().run_in_executor(kernel.executor, run)

    @app.get("/dashboard/overview", name="dashboard_overview")
    async def dashboard_overview():
        """Project summary, overdue tasks and totals, gathered concurrently."""
        kernel.current_user()
        projects, overdue, totals = await asyncio.gather(
            query(_projects), query(_overdue), query(_totals))
        return {"projects": projects, "overdue_tasks": overdue, "totals": totals}

    @app.get("/dashboard/activity", name="dashboard_activity")
    def dashboard_activity():
        """The activity feed, newest first."""
        kernel.current_user()
        limit = query_int("limit", 20, minimum=1, maximum=100)
        rows = ctx.db.fetchall("SELECT type, actor, project_id, task_id, summary, created_at"
                               " FROM activity ORDER BY id DESC LIMIT ?", (limit,))
        return {"activity": rows}
