"""Tasks: their queries, rules and board order (the handlers: ``_api/tasks.py``).

Board order: ``position`` numbers the tasks of one (project, status) column
densely from 1.  Every write that moves tasks first takes the project's row
lock (:func:`lock_project`), so concurrent moves and creates never leave a gap
or a duplicate.  Live updates: triggers stamp each changed task with the
project's next ``change_seq`` and leave a tombstone for each deleted one, so
``task_list.changes_since`` answers with what changed after a cursor from two
indexed reads.  The list's filters, sorts and totals: ``task_list.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, cast

from .. import events
from .._errors import ApiError
from .._i18n import Message
from .._relations import relations_of

if TYPE_CHECKING:
    from .. import TaskFlow
    from .._schema import Schema
    from .._storage import LocalStorage

UPDATABLE = ("title", "description", "assignee_id", "priority", "status", "due_date",
             "before_id")
#: Body fields core reads itself: no plugin may declare one (``taskflow_task_fields``).
CORE_TASK_FIELDS = frozenset(UPDATABLE)
COMMENTS_IN_DETAIL = 50
TOMBSTONE_DAYS = 7
TASK_SELECT = (
    "SELECT t.id, t.title, t.description, t.project_id, t.assignee_id, t.creator_id,"
    " t.status, t.priority, t.due_date, t.position, t.attachment, t.comment_count,"
    " t.checklist_done, t.checklist_total, t.created_at, t.updated_at,"
    " a.username AS assignee_name"
    " FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id")
COMMENT_SELECT = (
    "SELECT c.id, c.task_id, c.user_id, COALESCE(u.username, c.author) AS username, c.body,"
    " c.created_at FROM comments c LEFT JOIN users u ON u.id = c.user_id")


def get_task_or_404(db, project_id: int, task_id: int) -> dict:
    """The task, or 404 when it does not exist or lives in another project."""
    row = db.fetchone(TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?", (task_id, project_id))
    if row is None:
        raise ApiError(404, "Task {task_id} not found in project {project_id}",
                       params={"task_id": task_id, "project_id": project_id})
    return row


def lock_project(db, project_id: int) -> None:
    """Serialise column edits of one project (a row lock; SQLite's write lock is whole)."""
    if not db.execute("UPDATE projects SET change_seq = change_seq WHERE id = ?",
                      (project_id,)).rowcount:
        raise ApiError(404, "Project {project_id} not found", params={"project_id": project_id})


def today() -> str:
    return dt.date.today().isoformat()


# ---------------------------------------------------------------- rules
def assignee_problem(kernel: TaskFlow, project_id: int, assignee: int) -> str | None:
    """Why ``assignee`` cannot be given work in the project, or ``None``.

    One message for "no such user" and "cannot see the project", naming
    nobody: the caller may be a guest who must not learn who exists.
    """
    user = kernel.db.fetchone("SELECT id, username, role FROM users WHERE id = ?"
                              " AND is_active = 1", (assignee,))
    if user is not None and kernel.access(user).role(project_id) is not None:
        return None
    return f"assignee_id {assignee} is not an active user who can see project {project_id}"


def task_values(kernel: TaskFlow, project_id: int, schema: type[Schema], data: dict) -> dict:
    """``data`` validated by ``schema``, the assignee checked by :func:`assignee_problem`."""
    return schema.validate(data, assignee_id=lambda a: assignee_problem(kernel, project_id, a))


def task_extra(kernel: TaskFlow, pid: int, data: dict) -> dict:
    """The plugins' task fields in ``data`` (those of plugins that are on in the project)."""
    return {k: data[k] for k, owner in kernel.task_fields.items()
            if k in data and kernel.scopes.applies(owner, pid)}


def require_update(kernel: TaskFlow, data: dict, extra: dict) -> None:
    """422 when ``data`` names no field an update could change."""
    if not extra and not any(k in data for k in UPDATABLE):
        allowed = ", ".join([*UPDATABLE, *sorted(kernel.task_fields)])
        raise ApiError(422, "No field to update (allowed: {allowed})",
                       params={"allowed": allowed},
                       fields={"body": Message("no updatable field")})


def emit_assigned(kernel: TaskFlow, db, actor, task: dict, previous: int | None = None) -> None:
    """Emit ``task.assigned`` with the assignee and project a listener needs."""
    assignee = db.fetchone("SELECT id, username, email FROM users WHERE id = ?",
                           (task["assignee_id"],))
    project = db.fetchone("SELECT id, name FROM projects WHERE id = ?", (task["project_id"],))
    kernel.emit(events.TaskAssigned(actor=actor, task=task, assignee=assignee, project=project,
                                    previous_assignee_id=previous))


# ------------------------------------------------------------- ordering
def end_of(db, project_id: int, status: str, exclude: int = 0) -> int:
    """The position after the last task of the (project, status) column."""
    return db.scalar("SELECT COALESCE(MAX(position), 0) FROM tasks WHERE project_id = ?"
                     " AND status = ? AND id != ?", (project_id, status, exclude)) + 1


def place(db, task: dict, status: str, before_id: int | None) -> int:
    """Move ``task`` to ``status``, before ``before_id`` (``None``: at the end).

    Closes the gap it leaves and opens one where it lands; the caller holds
    the project lock and a transaction.  Returns the new position.
    """
    pid, tid = task["project_id"], task["id"]
    current = db.fetchone("SELECT status, position FROM tasks WHERE id = ?", (tid,))
    db.execute("UPDATE tasks SET position = position - 1 WHERE project_id = ? AND status = ?"
               " AND position > ?", (pid, current["status"], current["position"]))
    if before_id is None:
        position = end_of(db, pid, status, exclude=tid)
    else:
        target = db.fetchone("SELECT status, position FROM tasks WHERE id = ? AND project_id = ?",
                             (before_id, pid))
        if target is None or target["status"] != status or before_id == tid:
            raise ApiError(422, "Validation failed", fields={
                "before_id": Message("before_id must be another task in the {status} column",
                                     status=status)})
        position = target["position"]
        db.execute("UPDATE tasks SET position = position + 1 WHERE project_id = ? AND status = ?"
                   " AND position >= ? AND id != ?", (pid, status, position, tid))
    db.execute("UPDATE tasks SET status = ?, position = ? WHERE id = ?", (status, position, tid))
    return position


def task_detail(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """A task with its latest comments and its relations to tasks the caller can see."""
    db = kernel.db
    task = get_task_or_404(db, pid, tid)
    comments = db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id DESC LIMIT ?",
                           (tid, COMMENTS_IN_DETAIL))
    task["comments"] = comments[::-1]
    task["comments_truncated"] = task["comment_count"] > len(comments)
    task["relations"] = relations_of(kernel, tid)
    return kernel.represent("task", [task])[0]


# --------------------------------------------------------------- writes
def create_task(kernel: TaskFlow, actor, pid: int, values: dict, extra: dict) -> dict:
    """Insert a task (validated ``values``) at the end of its column, or before
    ``before_id``; emits ``task.created`` (and ``task.assigned``).  Returns the task."""
    db = kernel.db
    before_id = values.pop("before_id", None)
    values.setdefault("description", "")
    status = values.setdefault("status", "todo")
    with db.transaction():
        lock_project(db, pid)
        task_id = db.insert("tasks", {**values, "project_id": pid, "creator_id": actor["id"],
                                      "position": end_of(db, pid, status)})
        task = get_task_or_404(db, pid, task_id)
        if before_id is not None:
            task["position"] = place(db, task, status, before_id)
        kernel.emit(events.TaskCreated(actor=actor, task=task, extra=extra))
        if task["assignee_id"] is not None:
            emit_assigned(kernel, db, actor, task)
    return task


def _apply_update(db, before: dict, values: dict, moving: bool,
                  before_id: int | None) -> dict:
    """Store ``values`` on the task ``before`` (and move it when asked); the changes
    as ``{field: [old, new]}``.  The caller holds the project lock and a transaction."""
    tid = before["id"]
    changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
    status = values.get("status", before["status"])
    fields = {k: new for k, (_, new) in changes.items() if k != "status"}
    if fields:
        db.update("tasks", tid, fields)
    if moving or "status" in changes:
        position = place(db, before, status, before_id)
        if position != before["position"] or "status" in changes:
            changes["position"] = [before["position"], position]
        if not fields:
            db.update("tasks", tid, {})  # stamps updated_at
    return changes


def update_task(kernel: TaskFlow, actor, pid: int, tid: int, values: dict, extra: dict,
                moving: bool) -> tuple[dict, list[str]]:
    """Change a task (validated ``values``; ``moving``: the body named ``before_id``);
    emits ``task.updated``.  Returns the task and the plugin fields stored."""
    db = kernel.db
    before_id = values.pop("before_id", None)
    with db.transaction():
        lock_project(db, pid)
        before = get_task_or_404(db, pid, tid)
        changes = _apply_update(db, before, values, moving, before_id)
        failed = set()
        if changes or extra:
            task = get_task_or_404(db, pid, tid)
            failed = kernel.dispatch.emit(events.TaskUpdated(
                actor=actor, task=task, changes=changes, extra=extra))
            if "assignee_id" in changes and task["assignee_id"] is not None:
                emit_assigned(kernel, db, actor, task, changes["assignee_id"][0])
        else:
            task = before
    # A field whose plugin failed on the event was not stored: not claimed either.
    return task, sorted(k for k in extra if kernel.task_fields[k] not in failed)


def delete_task(kernel: TaskFlow, actor, pid: int, tid: int) -> None:
    """Delete a task, close its column's gap, emit ``task.deleted``, remove its attachment."""
    db = kernel.db
    with db.transaction():
        lock_project(db, pid)
        task = get_task_or_404(db, pid, tid)
        db.delete("tasks", tid)
        db.execute("UPDATE tasks SET position = position - 1 WHERE project_id = ?"
                   " AND status = ? AND position > ?",
                   (pid, task["status"], task["position"]))
        kernel.emit(events.TaskDeleted(actor=actor, task=task))
        prune_tombstones(db)
    # set up with the kernel, before any request
    cast("LocalStorage", kernel.storage).remove([task["attachment"]])


_pruned_at = [0.0]


def prune_tombstones(db) -> None:
    """Forget deletions older than a week (at most hourly); older cursors get ``reset``."""
    now = time.time()
    if now - _pruned_at[0] < 3600:
        return
    _pruned_at[0] = now
    cutoff = now - TOMBSTONE_DAYS * 86400
    db.execute("UPDATE projects SET tombstone_floor = (SELECT MAX(change_seq) FROM"
               " task_tombstones t WHERE t.project_id = projects.id AND t.deleted_at < ?)"
               " WHERE id IN (SELECT project_id FROM task_tombstones WHERE deleted_at < ?)",
               (cutoff, cutoff))
    db.execute("DELETE FROM task_tombstones WHERE deleted_at < ?", (cutoff,))
