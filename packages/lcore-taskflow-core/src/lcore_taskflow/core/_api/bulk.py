"""``POST /api/projects/<pid>/tasks/bulk``: one action on many tasks (the list view's bar).

One request per action, one transaction, all or nothing: every id and the
value are checked before anything is written, and a failure half-way rolls
the whole request back.  Each task changed emits the event a single edit
would (``task.updated``, ``task.assigned``, ``task.deleted``), so the activity
feed, notifications, webhooks and the search index stay as they would after
that many single edits.

Moves append the tasks at the end of the target column in their board order
and renumber each column they left once (a single move shifts its column per
task: at 500 tasks that would be quadratic).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from lcore import Lcore

from .. import events
from .._domain.task_list import order_by
from .._domain.tasks import (
    TASK_SELECT,
    assignee_problem,
    end_of,
    lock_project,
    prune_tombstones,
)
from .._errors import ApiError
from .._i18n import Message
from .._schema import AnyValue, Choice, Date, Integer, ListOf, Schema
from .._validation import json_body
from . import attachments
from .replies import PRIORITIES, TASK_STATUSES

if TYPE_CHECKING:
    from .. import TaskFlow

MAX_IDS = 500
ACTIONS = ("move", "assign", "priority", "due_date", "delete")
#: The task column each action sets (``move`` also places the task; ``delete`` sets none).
COLUMN = {"move": "status", "assign": "assignee_id", "priority": "priority",
          "due_date": "due_date"}


class BulkAction(Schema):
    """One action on up to 500 tasks of the project, all or nothing.

    ``value`` by action: ``move`` a status (the tasks go to the end of that
    column), ``assign`` a user id or null (unassign), ``priority`` low, medium
    or high, ``due_date`` YYYY-MM-DD or null; ``delete`` takes none and needs
    the owner role.
    """

    ids = ListOf(Integer(minimum=1), required=True, min_items=1, max_items=MAX_IDS,
                 description="Task ids of this project, each once", example=[1, 2])
    action = Choice(ACTIONS, required=True, example="move")
    value = AnyValue(nullable=True, description="By action, see above: a status, a user id,"
                     " a priority, a date, or null", example="done")


# ``value`` per action (the body schema above documents it; these check it).
class _Move(Schema):
    value = Choice(TASK_STATUSES, required=True)


class _Assign(Schema):
    value = Integer(minimum=1, nullable=True, required=True)


class _Priority(Schema):
    value = Choice(PRIORITIES, required=True)


class _DueDate(Schema):
    value = Date(required=True)


VALUES = {"move": _Move, "assign": _Assign, "priority": _Priority, "due_date": _DueDate}


class BulkDone(Schema):
    """What the action did."""

    action = Choice(ACTIONS, required=True)
    ids = ListOf(Integer(minimum=1), required=True, description="The tasks it applied to")
    changed = ListOf(Integer(minimum=1), required=True,
                     description="Those that changed (a task already so is left alone)")


def _value(kernel: TaskFlow, pid: int, action: str, data: dict):
    """The checked value of ``action`` (422 naming it); ``None`` for delete."""
    if action == "delete":
        if data.get("value") is not None:
            raise ApiError(422, "Validation failed",
                           fields={"value": Message("delete takes no value")})
        return None
    def assignable(user_id: int) -> str | None:
        problem = assignee_problem(kernel, pid, user_id)
        return problem and problem.replace("assignee_id", "value", 1)

    checks = {"value": assignable} if action == "assign" else {}
    return VALUES[action].validate({"value": data.get("value")} if "value" in data else {},
                                   **checks)["value"]


def _body(kernel: TaskFlow, pid: int) -> tuple[list[int], str, object]:
    data = json_body()
    head = BulkAction.collect(data)[1]
    head.pop("value", None)  # checked per action below
    if head:
        raise ApiError(422, "Validation failed", fields=head)
    ids, action = data["ids"], data["action"]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ApiError(422, "Validation failed",
                       fields={"ids": Message("ids name a task more than once: {ids}",
                                              ids=_names(twice))})
    return ids, action, _value(kernel, pid, action, data)


def _names(ids: list[int], most: int = 20) -> str:
    shown = ", ".join(str(i) for i in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def _load(db, pid: int, ids: list[int]) -> list[dict]:
    """The tasks in board order (To Do, In Progress, Done; top down); 422 naming
    the ids that are not tasks of the project."""
    rows = db.fetchall(f"{TASK_SELECT} WHERE t.project_id = ? AND t.id IN ({_marks(ids)})"
                       f" ORDER BY {order_by('status')}", (pid, *ids))
    found = {r["id"] for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiError(422, "Not tasks of project {pid}: {ids}",
                       params={"pid": pid, "ids": _names(missing)},
                       fields={"ids": Message("not tasks of project {pid}: {ids}", pid=pid,
                                              ids=_names(missing))})
    return rows


def _renumber(db, pid: int, status: str) -> None:
    """Number a column 1..n again after tasks left it, writing only the rows that moved up."""
    rows = db.fetchall("SELECT id, position FROM tasks WHERE project_id = ? AND status = ?"
                       " ORDER BY position, id", (pid, status))
    shifted = [(n, r["id"]) for n, r in enumerate(rows, 1) if r["position"] != n]
    if shifted:
        db.executemany("UPDATE tasks SET position = ? WHERE id = ?", shifted)


def _marks(rows: list) -> str:
    return ", ".join("?" for _ in rows)


# One statement per action, not one per task: on a busy machine each round trip to
# PostgreSQL waits for the scheduler, and 500 of them took seconds (bench/bulk.py).
def _move(db, pid: int, tasks: list[dict], status: str) -> list[dict]:
    """Append ``tasks`` (board order) to ``status``; those already there stay put."""
    moving = [t for t in tasks if t["status"] != status]
    if not moving:
        return moving
    end = end_of(db, pid, status) - 1
    ids = [t["id"] for t in moving]
    cases = " ".join("WHEN ? THEN ?" for _ in moving)
    places = [v for n, tid in enumerate(ids, 1) for v in (tid, end + n)]
    db.execute(f"UPDATE tasks SET status = ?, position = CASE id {cases} END, updated_at = ?"
               f" WHERE id IN ({_marks(ids)})", (status, *places, time.time(), *ids))
    for left in sorted({t["status"] for t in moving}):
        _renumber(db, pid, left)
    return moving


def _set(db, tasks: list[dict], column: str, value) -> list[dict]:
    """Set ``column`` (one of :data:`COLUMN`'s) on the tasks where it differs."""
    changing = [t for t in tasks if t[column] != value]
    if changing:
        ids = [t["id"] for t in changing]
        db.execute(f"UPDATE tasks SET {column} = ?, updated_at = ? WHERE id IN ({_marks(ids)})",
                   (value, time.time(), *ids))
    return changing


def _delete(kernel: TaskFlow, db, pid: int, actor, tasks: list[dict]) -> None:
    ids = [t["id"] for t in tasks]
    db.execute(f"DELETE FROM tasks WHERE id IN ({_marks(ids)})", ids)
    for left in sorted({t["status"] for t in tasks}):
        _renumber(db, pid, left)
    for task in tasks:
        kernel.emit(events.TaskDeleted(actor=actor, task=task))
    prune_tombstones(db)


def _announce(kernel: TaskFlow, db, pid: int, actor, before: list[dict], column: str) -> None:
    """``task.updated`` (and ``task.assigned``) per changed task, as a single edit emits."""
    if not before:
        return
    now = {r["id"]: r for r in db.fetchall(f"{TASK_SELECT} WHERE t.id IN ({_marks(before)})",
                                           [t["id"] for t in before])}
    # One assignee and one project for every task: read once, not per task.
    assignee: Any = None  # rows of the untyped ``db``
    project: Any = None
    if column == "assignee_id" and now[before[0]["id"]]["assignee_id"] is not None:
        assignee = db.fetchone("SELECT id, username, email FROM users WHERE id = ?",
                               (now[before[0]["id"]]["assignee_id"],))
        project = db.fetchone("SELECT id, name FROM projects WHERE id = ?", (pid,))
    for old in before:
        task = now[old["id"]]
        changes = {column: [old[column], task[column]]}
        if column == "status":
            changes["position"] = [old["position"], task["position"]]
        kernel.emit(events.TaskUpdated(actor=actor, task=task, changes=changes))
        if assignee is not None:
            kernel.emit(events.TaskAssigned(actor=actor, task=task, assignee=assignee,
                                            project=project,
                                            previous_assignee_id=old["assignee_id"]))


def add_bulk_routes(app: Lcore, kernel: TaskFlow) -> None:
    """``POST /<pid>/tasks/bulk`` on the projects sub-app."""

    @app.post("/<pid:int>/tasks/bulk", name="bulk_tasks", auth=True, role="editor",
              body=BulkAction, returns=BulkDone,
              responses=((403, "Too low a role (delete needs the owner role)"),
                         (422, "A bad action or value, or ids that are not tasks of the "
                               "project (named)")))
    def bulk_tasks(pid):
        """Move, assign, set the priority or due date of, or delete many tasks at once."""
        actor = kernel.current_user()
        ids, action, value = _body(kernel, pid)
        if action == "delete":
            kernel.access().project(pid, "owner")
        db = kernel.db
        with db.transaction():
            lock_project(db, pid)
            tasks = _load(db, pid, ids)
            if action == "delete":
                _delete(kernel, db, pid, actor, tasks)
                changed = tasks
            elif action == "move":
                changed = _move(db, pid, tasks, value)
                _announce(kernel, db, pid, actor, changed, "status")
            else:
                changed = _set(db, tasks, COLUMN[action], value)
                _announce(kernel, db, pid, actor, changed, COLUMN[action])
        if action == "delete":
            attachments.remove_files(kernel, [t["attachment"] for t in tasks])
        return {"action": action, "ids": ids, "changed": [t["id"] for t in changed]}


__all__ = ["ACTIONS", "MAX_IDS", "add_bulk_routes"]
