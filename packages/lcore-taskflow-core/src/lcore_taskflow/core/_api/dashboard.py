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
from typing import TYPE_CHECKING

from lcore import HTTPResponse, request, response

from .._domain.tasks import today
from .._files import none_match
from .._schema import Choice, Integer, ListOf, Object, Query, Schema, String
from .replies import PROJECT_STATUSES, TASK_STATUSES, ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow

DASHBOARD_PROJECTS = 100
OVERDUE_LISTED = 50
OPEN_AND_DUE = "t.status != 'done' AND t.due_date IS NOT NULL AND t.due_date < ?"


class DashboardProject(Schema):
    id = ident()
    name = String(required=True)
    status = Choice(PROJECT_STATUSES, required=True)
    task_count = Integer(required=True, minimum=0)
    done_count = Integer(required=True, minimum=0)


class OverdueTask(Schema):
    id = ident()
    title = String(required=True)
    due_date = String(required=True, description="YYYY-MM-DD")
    status = Choice(TASK_STATUSES, required=True)
    project_id = ident()
    project_name = String(required=True)


class Totals(Schema):
    projects = Integer(required=True, minimum=0)
    tasks = Integer(required=True, minimum=0)
    users = Integer(required=True, minimum=0)
    overdue = Integer(required=True, minimum=0)


class Overview(Schema):
    """Projects with their counts, the first overdue tasks, and totals."""

    projects = ListOf(DashboardProject, required=True,
                      description=f"At most {DASHBOARD_PROJECTS}, archived ones left out")
    overdue_tasks = ListOf(OverdueTask, required=True,
                           description=f"The {OVERDUE_LISTED} most overdue")
    totals = Object(Totals, required=True)


class ActivityQuery(Query):
    limit = Integer(minimum=1, maximum=100, default=20, description="Entries per page")
    before = Integer(minimum=1, description="Only entries older than this id")


class ActivityEntry(Schema):
    id = ident()
    type = String(required=True, description="The event type (task.created, ...)")
    actor = String(required=True, nullable=True)
    project_id = Integer(required=True, nullable=True)
    task_id = Integer(required=True, nullable=True)
    summary = String(required=True)
    created_at = timestamp(required=True)


class Activity(Schema):
    """A page of the activity feed, newest first."""

    activity = ListOf(ActivityEntry, required=True)
    next_before = Integer(required=True, nullable=True,
                          description="`before` of the next page; null on the last")


def _projects(db, visible: tuple[str, list]):
    where, params = visible
    return db.fetchall("SELECT p.id, p.name, p.status, p.task_count, p.done_count FROM projects p"
                       f" WHERE p.status != 'archived'{' AND ' + where if where else ''}"
                       " ORDER BY p.id LIMIT ?", (*params, DASHBOARD_PROJECTS))


def _overdue(db, visible: tuple[str, list]):
    where, params = visible
    return db.fetchall(
        "SELECT t.id, t.title, t.due_date, t.status, t.project_id, p.name AS project_name"
        f" FROM tasks t JOIN projects p ON p.id = t.project_id WHERE {OPEN_AND_DUE}"
        f"{' AND ' + where if where else ''} ORDER BY t.due_date, t.id LIMIT ?",
        (today(), *params, OVERDUE_LISTED))


def _totals(db, visible: tuple[str, list], people: tuple[str, list]):
    """Totals of what the caller may see (an admin's from maintained counts only)."""
    where, params = visible
    row = db.fetchone("SELECT COUNT(*) AS projects, COALESCE(SUM(task_count), 0) AS tasks"
                      f" FROM projects p{' WHERE ' + where if where else ''}", params)
    row["users"] = db.count("users", *people)
    if not where:
        row["overdue"] = db.scalar("SELECT COALESCE(SUM(open_count), 0) FROM task_due_counts"
                                   " WHERE due_date < ?", (today(),))
    else:
        row["overdue"] = db.scalar(
            f"SELECT COUNT(*) FROM tasks t JOIN projects p ON p.id = t.project_id"
            f" WHERE {OPEN_AND_DUE} AND {where}", (today(), *params))
    return row


def add_dashboard_routes(app, kernel: TaskFlow) -> None:

    def query(fn, *args):
        def run():
            with kernel.database() as db:
                return fn(db, *args)
        return asyncio.get_running_loop().run_in_executor(kernel.executor, run)

    @app.get("/dashboard/overview", name="dashboard_overview", auth=True, returns=Overview,
             responses=((304, "Unchanged since the ETag of If-None-Match"),))
    async def dashboard_overview():
        """What you can see: projects, overdue tasks and totals, gathered concurrently (ETag)."""
        access = kernel.access()
        visible = access.where("p.id", visibility="p.visibility", union=True)
        projects, overdue, totals = await asyncio.gather(
            query(_projects, visible), query(_overdue, visible),
            query(_totals, visible, access.users_where()))
        body = {"projects": projects, "overdue_tasks": overdue, "totals": totals}
        tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode(),
                                 usedforsecurity=False).hexdigest() + '"'
        response.set_header("ETag", tag)
        response.set_header("Cache-Control", "private, no-cache")
        if none_match(request.get_header("If-None-Match"), tag):
            return HTTPResponse(status=304, ETag=tag)
        return body

    @app.get("/dashboard/activity", name="dashboard_activity", auth=True, query=ActivityQuery,
             returns=Activity)
    def dashboard_activity():
        """The activity feed, newest first, a page at a time (``before`` an id)."""
        args = ActivityQuery.validate()
        limit, before = args["limit"], args.get("before")
        conditions, params = (["id < ?"], [before]) if before else ([], [])
        _visible_activity(kernel.access(), conditions, params)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = kernel.db.fetchall(
            "SELECT id, type, actor, project_id, task_id, summary, created_at FROM activity"
            f" {where} ORDER BY id DESC LIMIT ?", (*params, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return {"activity": rows, "next_before": rows[-1]["id"] if more else None}


def _visible_activity(access, conditions: list[str], params: list) -> None:
    """Entries of the projects the caller sees; workspace-wide ones for members only."""
    where, extra = access.where("project_id")
    if not where:
        return
    guest = (access.user or {}).get("role") != "member"
    # COALESCE, not IS NULL: SQLite then walks the feed backwards by id instead of
    # searching idx_activity_project once per visible project (bench/RESULTS.md).
    conditions.append(f"({where})" if guest else f"(COALESCE(project_id, 0) = 0 OR {where})")
    params.extend(extra)
