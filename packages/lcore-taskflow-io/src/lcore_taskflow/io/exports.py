"""Streamed exports: a project (``GET /api/projects/<pid>/export?format=json|csv``) and the
caller's own view, My tasks (``GET /api/users/me/tasks/export?format=json|csv``).

Any viewer of the project may export it (core's ``role="viewer"`` decides before the
handler runs; a hidden project answers 404).  The answer is a generator: tasks are read in
batches of ``BATCH`` by ``id`` (keyset pagination, each batch on a pooled connection held
only while it is read), with their comments, checklist items and plugins' fields (labels)
fetched per batch, so a project of 100k tasks streams in constant memory.  People appear by
username only (never an email address).  The JSON is what ``source=taskflow`` imports.

My tasks' export holds the tasks assigned to the caller in the projects they may see, the
visibility condition of core's access rules computed once in the request and put into
every batch's ``WHERE`` (so a project they lost or never had stays out).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, Lcore
from lcore_taskflow.core import Choice, Query

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow
from .sources import STATUSES

BATCH = 500
FORMAT_VERSION = 1
CSV_COLUMNS = ("id", "title", "description", "status", "priority", "due_date", "assignee",
               "labels", "checklist_done", "checklist_total", "comment_count", "created_at",
               "updated_at")
#: Cells starting with these are formulas to a spreadsheet: exported with a leading ``'``
#: (OWASP's advice against CSV injection) so that opening the file never runs them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


MY_CSV_COLUMNS = ("project_id", "project", *CSV_COLUMNS)


class ExportQuery(Query):
    format = Choice(("json", "csv"), default="json",
                    description="json: TaskFlow's project format (importable); csv: one row "
                                "per task")


class MyTasksExportQuery(Query):
    format = Choice(("json", "csv"), default="json",
                    description="json: {format: taskflow.tasks, tasks}; csv: one row per task")
    status = Choice(STATUSES, description="only the tasks in this status (as My tasks)")


class Selection:
    """Which tasks a streamed export reads: a SQL condition over ``tasks t`` (joined with
    ``projects p``) and its parameters, fixed when the request is checked."""

    def __init__(self, where: str, params: list[Any]):
        self.where, self.params = where, params


def add_routes(app: Lcore, kernel: TaskFlow) -> None:
    """Register ``GET /api/projects/<pid>/export`` on the io sub-app."""

    @app.get("/api/projects/<pid:int>/export", name="io_project_export", auth=True,
             role="viewer", query=ExportQuery, returns="application/json",
             responses=((200, "With format=csv: text/csv, streamed"),))
    def export_project(pid):
        """The project with every task, its checklist, comments and labels (streamed)."""
        args = ExportQuery.validate()
        project = kernel.access().project(pid)
        if args["format"] == "csv":
            return HTTPResponse(csv_lines(kernel, pid), headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="project-{pid}.csv"'})
        return HTTPResponse(json_chunks(kernel, project), headers={
            "Content-Type": "application/json",
            "Content-Disposition": f'attachment; filename="project-{pid}.json"'})

    @app.get("/api/users/me/tasks/export", name="io_my_tasks_export", auth=True,
             query=MyTasksExportQuery, returns="application/json",
             responses=((200, "With format=csv: text/csv, streamed"),
                        (403, "A share link (it opens one project only)")))
    def export_my_tasks():
        """My tasks (assigned to you, in the projects you can see), streamed, by id."""
        args = MyTasksExportQuery.validate()
        user = kernel.current_user()
        selection = my_tasks(kernel, user, args.get("status"))
        if args["format"] == "csv":
            return HTTPResponse(csv_lines(kernel, selection, MY_CSV_COLUMNS), headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": 'attachment; filename="my-tasks.csv"'})
        return HTTPResponse(my_json_chunks(kernel, user, selection), headers={
            "Content-Type": "application/json",
            "Content-Disposition": 'attachment; filename="my-tasks.json"'})


def project_tasks(project_id: int) -> Selection:
    return Selection("t.project_id = ?", [project_id])


def my_tasks(kernel: TaskFlow, user: dict[str, Any], status: str | None) -> Selection:
    """The caller's My tasks: assigned to them, in a project core's access rules let them see."""
    conditions, params = ["t.assignee_id = ?"], [user["id"]]
    if status:
        conditions.append("t.status = ?")
        params.append(status)
    kernel.access().and_where(conditions, params, "p.id", visibility="p.visibility")
    return Selection(" AND ".join(conditions), params)


def task_batches(kernel: TaskFlow, selection: Selection | int) -> Iterator[list[dict[str, Any]]]:
    """The selected tasks by id (a project id: its tasks), ``BATCH`` at a time, with what the
    export shows of each."""
    if not isinstance(selection, Selection):
        selection = project_tasks(selection)
    after = 0
    while True:
        with kernel.database() as db:
            rows = db.fetchall(
                "SELECT t.id, t.project_id, p.name AS project, t.title, t.description,"
                " t.status, t.priority, t.due_date,"
                " t.position, t.checklist_done, t.checklist_total, t.comment_count,"
                " t.created_at, t.updated_at, a.username AS assignee"
                " FROM tasks t JOIN projects p ON p.id = t.project_id"
                " LEFT JOIN users a ON a.id = t.assignee_id"
                f" WHERE {selection.where} AND t.id > ? ORDER BY t.id LIMIT ?",
                (*selection.params, after, BATCH))
            if not rows:
                return
            ids = [row["id"] for row in rows]
            marks = ", ".join("?" for _ in ids)
            items: dict[int, list[dict[str, Any]]] = {}
            for item in db.fetchall(
                    f"SELECT task_id, title, done FROM checklist_items WHERE task_id IN ({marks})"
                    " ORDER BY task_id, position, id", ids):
                items.setdefault(item["task_id"], []).append(
                    {"title": item["title"], "done": bool(item["done"])})
            comments: dict[int, list[dict[str, Any]]] = {}
            for comment in db.fetchall(
                    f"SELECT c.task_id, COALESCE(u.username, c.author) AS username, c.body,"
                    f" c.created_at FROM comments c LEFT JOIN users u ON u.id = c.user_id"
                    f" WHERE c.task_id IN ({marks}) ORDER BY c.task_id, c.id", ids):
                comments.setdefault(comment.pop("task_id"), []).append(comment)
            kernel.represent("task", rows)  # plugins' fields (labels, ...); core's shape
            for row in rows:
                counts = row.get("checklist")
                if isinstance(counts, dict):  # core shows {"done", "total"}: keep them flat
                    row["checklist_done"], row["checklist_total"] = \
                        counts.get("done"), counts.get("total")
                row["checklist"] = items.get(row["id"], [])
                row["comments"] = comments.get(row["id"], [])
        yield rows
        after = ids[-1]


def json_chunks(kernel: TaskFlow, project: dict[str, Any]) -> Iterator[bytes]:
    """``{"format", "version", "project", "tasks": [...]}``, a batch of tasks per chunk."""
    head = {"format": "taskflow.project", "version": FORMAT_VERSION,
            "exported_at": int(time.time()),
            "project": {k: project.get(k) for k in (
                "id", "name", "description", "status", "visibility", "created_at")}}
    yield json.dumps(head)[:-1].encode() + b', "tasks": ['
    yield from _task_array(kernel, project_tasks(project["id"]), keep_project=False)


def my_json_chunks(kernel, user: dict[str, Any], selection: Selection) -> Iterator[bytes]:
    """``{"format": "taskflow.tasks", "user", "tasks": [...]}``: each task names its project."""
    head = {"format": "taskflow.tasks", "version": FORMAT_VERSION,
            "exported_at": int(time.time()), "view": "my_tasks",
            "user": {"id": user["id"], "username": user.get("username")}}
    yield json.dumps(head)[:-1].encode() + b', "tasks": ['
    yield from _task_array(kernel, selection, keep_project=True)


def _task_array(kernel, selection: Selection, keep_project: bool) -> Iterator[bytes]:
    first = True
    for rows in task_batches(kernel, selection):
        parts = []
        for row in rows:
            if not keep_project:  # a project's export names its project once, at the top
                row.pop("project_id")
                row.pop("project")
            assignee = row.pop("assignee")
            row["assignee"] = {"username": assignee} if assignee else None
            row["labels"] = [{"name": lb.get("name"), "color": lb.get("color")}
                             for lb in row.get("labels") or []]
            parts.append(json.dumps(row, default=str))
        yield (("" if first else ",") + ",".join(parts)).encode()
        first = False
    yield b"]}"


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(kernel: TaskFlow, selection: Selection | int,
              columns: tuple[str, ...] = CSV_COLUMNS) -> Iterator[bytes]:
    """A header, then a row per task (a BOM first, so spreadsheets read UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    yield ("\ufeff" + out.getvalue()).encode()
    for rows in task_batches(kernel, selection):
        out.seek(0)
        out.truncate()
        for row in rows:
            row["labels"] = ", ".join(lb.get("name", "") for lb in row.get("labels") or [])
            writer.writerow([safe_cell(row.get(c)) for c in columns])
        yield out.getvalue().encode()
