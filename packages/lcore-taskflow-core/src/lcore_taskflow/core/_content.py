"""The content service (``kernel.content``): projects, tasks, comments and checklist items
made by code rather than by an HTTP request.

For importers and automations (lcore-taskflow-io's imports use it).  Each method writes
what the matching route writes — the same validation, board order, owner membership,
counters and domain events — through ``kernel.db`` (a request's handle, or the one of
``with kernel.database()`` in a thread) and inside the caller's transaction, so that many
calls can be all or nothing.  Who may do it is the caller's question: these methods check
the values, not the actor's role (``kernel.access(actor)`` answers that).
"""

from __future__ import annotations

from typing import Any

from . import events
from ._api.projects import ProjectWrite, project_out
from ._api.structure import ITEM_COLUMNS, MAX_ITEMS, ItemCreate
from ._api.tasks import (
    COMMENT_SELECT,
    CommentCreate,
    TaskCreate,
    _assigned,
    _end_of,
    _task_values,
    get_task_or_404,
    lock_project,
)
from ._errors import ApiError
from ._roles import add_owner


class Content:
    """Create projects, tasks, comments and checklist items (``kernel.content``)."""

    def __init__(self, kernel):
        self.kernel = kernel

    def create_project(self, values: dict[str, Any], *, actor: dict[str, Any]) -> dict[str, Any]:
        """A new project ``{name, description?, status?, visibility?, workspace_role?}`` owned
        by ``actor`` (``POST /api/projects/``'s checks; 422 naming the field).  Emits
        ``project.created``; returns the project as the API shows it."""
        kernel, db = self.kernel, self.kernel.db
        values = ProjectWrite.validate(values)
        values.setdefault("description", "")
        with db.transaction():
            project_id = db.insert("projects", {**values, "owner_id": actor["id"]})
            add_owner(db, project_id, actor["id"])
            project = project_out(kernel.access(actor).project(project_id))
            kernel.emit(events.ProjectCreated(actor=actor, project=project))
        return project

    def create_task(self, project_id: int, values: dict[str, Any], *, actor: dict[str, Any],
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new task at the end of its status column: ``{title, description?, status?,
        priority?, due_date?, assignee_id?}`` with ``POST .../tasks``'s checks (422 naming
        the field; an assignee must see the project).  ``extra`` reaches listeners as
        ``task.created``'s ``extra`` (plugins' task fields).  Emits ``task.created`` (and
        ``task.assigned``); returns the task row."""
        kernel, db = self.kernel, self.kernel.db
        values = _task_values(kernel, project_id, TaskCreate, dict(values))
        values.pop("before_id", None)
        values.setdefault("description", "")
        status = values.setdefault("status", "todo")
        with db.transaction():
            lock_project(db, project_id)
            task_id = db.insert("tasks", {**values, "project_id": project_id,
                                          "creator_id": actor["id"],
                                          "position": _end_of(db, project_id, status)})
            task = get_task_or_404(db, project_id, task_id)
            kernel.emit(events.TaskCreated(actor=actor, task=task, extra=dict(extra or {})))
            if task["assignee_id"] is not None:
                _assigned(kernel, db, actor, task)
        return task

    def add_comment(self, task: dict[str, Any], body: str, *,
                    actor: dict[str, Any]) -> dict[str, Any]:
        """``actor``'s comment on ``task`` (a task row); 422 for an empty or too long body.
        Emits ``comment.added``; returns the comment as the API shows it."""
        kernel, db = self.kernel, self.kernel.db
        body = CommentCreate.validate({"body": body})["body"]
        with db.transaction():
            comment_id = db.insert("comments", {"task_id": task["id"], "user_id": actor["id"],
                                                "author": None, "body": body})
            comment = db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ?", (comment_id,))
            kernel.emit(events.CommentAdded(actor=actor, task=task, comment=comment))
        return comment

    def add_checklist_item(self, task: dict[str, Any], values: dict[str, Any], *,
                           done: bool = False) -> dict[str, Any]:
        """An item ``{title, assignee_id?}`` at the end of ``task``'s checklist, ticked when
        ``done``; 422 naming the field, or when the checklist is full."""
        db = self.kernel.db
        values = ItemCreate.validate(dict(values))
        with db.transaction():
            count = db.scalar("SELECT COUNT(*) FROM checklist_items WHERE task_id = ?",
                              (task["id"],))
            if count >= MAX_ITEMS:
                raise ApiError(422, "A checklist has at most {MAX_ITEMS} items",
                               params={"MAX_ITEMS": MAX_ITEMS})
            item_id = db.insert("checklist_items", {**values, "task_id": task["id"],
                                                    "done": 1 if done else 0,
                                                    "position": count + 1})
            item = db.fetchone(f"SELECT {ITEM_COLUMNS} FROM checklist_items WHERE id = ?",
                               (item_id,))
        item["done"] = bool(item["done"])
        return item
