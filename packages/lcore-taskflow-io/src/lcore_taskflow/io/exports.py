"""Streamed project exports: ``GET /api/projects/<pid>/export?format=json|csv``.

Any viewer of the project may export it (core's ``role="viewer"`` decides before the
handler runs; a hidden project answers 404).  The answer is a generator: tasks are read in
batches of ``BATCH`` by ``id`` (keyset pagination, each batch on a pooled connection held
only while it is read), with their comments, checklist items and plugins' fields (labels)
fetched per batch, so a project of 100k tasks streams in constant memory.  People appear by
username only (never an email address).  The JSON is what ``source=taskflow`` imports.
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

BATCH = 500
FORMAT_VERSION = 1
CSV_COLUMNS = ("id", "title", "description", "status", "priority", "due_date", "assignee",
               "labels", "checklist_done", "checklist_total", "comment_count", "created_at",
               "updated_at")
#: Cells starting with these are formulas to a spreadsheet: exported with a leading ``'``
#: (OWASP's advice against CSV injection) so that opening the file never runs them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportQuery(Query):
    format = Choice(("json", "csv"), default="json",
                    description="json: TaskFlow's project format (importable); csv: one row "
                                "per task")


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


def task_batches(kernel: TaskFlow, project_id: int) -> Iterator[list[dict[str, Any]]]:
    """The project's tasks by id, ``BATCH`` at a time, with what the export shows of each."""
    after = 0
    while True:
        with kernel.database() as db:
            rows = db.fetchall(
                "SELECT t.id, t.title, t.description, t.status, t.priority, t.due_date,"
                " t.position, t.checklist_done, t.checklist_total, t.comment_count,"
                " t.created_at, t.updated_at, a.username AS assignee"
                " FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id"
                " WHERE t.project_id = ? AND t.id > ? ORDER BY t.id LIMIT ?",
                (project_id, after, BATCH))
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
    first = True
    for rows in task_batches(kernel, project["id"]):
        parts = []
        for row in rows:
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


def csv_lines(kernel: TaskFlow, project_id: int) -> Iterator[bytes]:
    """A header, then a row per task (a BOM first, so spreadsheets read UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + out.getvalue()).encode()
    for rows in task_batches(kernel, project_id):
        out.seek(0)
        out.truncate()
        for row in rows:
            row["labels"] = ", ".join(lb.get("name", "") for lb in row.get("labels") or [])
            writer.writerow([safe_cell(row.get(c)) for c in CSV_COLUMNS])
        yield out.getvalue().encode()
