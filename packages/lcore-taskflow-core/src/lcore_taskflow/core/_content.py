"""The content service (``kernel.content``): projects, tasks, comments and checklist items
made by code rather than by an HTTP request.

For importers and automations (lcore-taskflow-io's imports use it).  Each method writes
what the matching route writes — the same validation, board order, owner membership,
counters and domain events — through ``kernel.db`` (a request's handle, or the one of
``with kernel.database()`` in a thread) and inside the caller's transaction, so that many
calls can be all or nothing.  Who may do it is the caller's question: these methods check
the values, not the actor's role (``kernel.access(actor)`` answers that).

Inside the caller's transaction a call opens no savepoint of its own (outside one it is its
own transaction): its writes stand or fall with the caller's block.  A caller that catches a
call's error and goes on wraps the call (or a group of calls) in ``with db.transaction():``,
as io's import does once per task.  A savepoint per call would be two more round trips each
(``SAVEPOINT``, ``RELEASE``), which on PostgreSQL were a quarter of an import's statements.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import events
from ._api.projects import ProjectWrite
from ._api.structure import ITEM_COLUMNS, MAX_ITEMS, ItemCreate
from ._api.tasks import CommentCreate, TaskCreate
from ._domain.projects import project_out
from ._domain.tasks import (
    COMMENT_SELECT,
    emit_assigned,
    end_of,
    get_task_or_404,
    lock_project,
    task_values,
)
from ._errors import ApiError
from ._roles import add_owner

if TYPE_CHECKING:
    from . import TaskFlow


class Content:
    """Create projects, tasks, comments and checklist items (``kernel.content``)."""

    def __init__(self, kernel: TaskFlow):
        self.kernel = kernel

    @contextlib.contextmanager
    def _atomic(self) -> Iterator[None]:
        """A transaction when the caller has none; inside the caller's, nothing of its own."""
        db = self.kernel.db
        if db.in_transaction:
            yield
        else:
            with db.transaction():
                yield

    def create_project(self, values: dict[str, Any], *, actor: dict[str, Any]) -> dict[str, Any]:
        """A new project ``{name, description?, status?, visibility?, workspace_role?}`` owned
        by ``actor`` (``POST /api/projects/``'s checks; 422 naming the field).  Emits
        ``project.created``; returns the project as the API shows it."""
        kernel, db = self.kernel, self.kernel.db
        values = ProjectWrite.validate(values)
        values.setdefault("description", "")
        with self._atomic():
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
        values = task_values(kernel, project_id, TaskCreate, dict(values))
        values.pop("before_id", None)
        values.setdefault("description", "")
        status = values.setdefault("status", "todo")
        with self._atomic():
            lock_project(db, project_id)
            task_id = db.insert("tasks", {**values, "project_id": project_id,
                                          "creator_id": actor["id"],
                                          "position": end_of(db, project_id, status)})
            task = get_task_or_404(db, project_id, task_id)
            kernel.emit(events.TaskCreated(actor=actor, task=task, extra=dict(extra or {})))
            if task["assignee_id"] is not None:
                emit_assigned(kernel, db, actor, task)
        return task

    def add_comment(self, task: dict[str, Any], body: str, *,
                    actor: dict[str, Any]) -> dict[str, Any]:
        """``actor``'s comment on ``task`` (a task row); 422 for an empty or too long body.
        Emits ``comment.added``; returns the comment as the API shows it."""
        kernel, db = self.kernel, self.kernel.db
        body = CommentCreate.validate({"body": body})["body"]
        with self._atomic():
            comment_id = db.insert("comments", {"task_id": task["id"], "user_id": actor["id"],
                                                "author": None, "body": body})
            comment = db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ?", (comment_id,))
            assert comment is not None  # inserted just now, in this transaction
            kernel.emit(events.CommentAdded(actor=actor, task=task, comment=comment))
        return comment

    def add_checklist_item(self, task: dict[str, Any], values: dict[str, Any], *,
                           done: bool = False) -> dict[str, Any]:
        """An item ``{title, assignee_id?}`` at the end of ``task``'s checklist, ticked when
        ``done``; 422 naming the field, or when the checklist is full."""
        db = self.kernel.db
        values = ItemCreate.validate(dict(values))
        with self._atomic():
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
            assert item is not None  # inserted just now, in this transaction
        item["done"] = bool(item["done"])
        return item

    def add_checklist_items(self, task: dict[str, Any],
                            items: Iterable[dict[str, Any]]) -> int:
        """Many items ``{title, done?, assignee_id?}`` at the end of ``task``'s checklist, in
        order, in one statement (an import's); 422 naming the field, or when the checklist
        would pass its limit.  Returns how many were added."""
        db = self.kernel.db
        rows = []
        for item in items:
            done = bool(item.get("done"))
            values = ItemCreate.validate({k: v for k, v in item.items() if k != "done"})
            rows.append((values["title"], values.get("assignee_id"), 1 if done else 0))
        if not rows:
            return 0
        with self._atomic():
            count = db.scalar("SELECT COUNT(*) FROM checklist_items WHERE task_id = ?",
                              (task["id"],))
            if count + len(rows) > MAX_ITEMS:
                raise ApiError(422, "A checklist has at most {MAX_ITEMS} items",
                               params={"MAX_ITEMS": MAX_ITEMS})
            now = time.time()
            marks = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in rows)
            params: list[Any] = []
            for position, (title, assignee_id, done_flag) in enumerate(rows, start=count + 1):
                params += [task["id"], title, assignee_id, done_flag, position, now]
            db.execute("INSERT INTO checklist_items (task_id, title, assignee_id, done, position,"
                       f" created_at) VALUES {marks}", params)
        return len(rows)
