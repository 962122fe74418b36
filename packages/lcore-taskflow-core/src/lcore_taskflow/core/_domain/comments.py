"""Comments on tasks: their queries and rules (the handlers: ``_api/tasks.py``).

A comment write takes the project's row lock first, as every task write does
(:func:`~._domain.tasks.lock_project`): the comment's trigger locks the task
row and its listeners the project's, and a task move locks them the other way
round — PostgreSQL then found deadlocks under bench/load.py (issue 24).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .. import events
from .._errors import ApiError
from .tasks import COMMENT_SELECT, lock_project

if TYPE_CHECKING:
    from .. import TaskFlow


def comment_page(db, tid: int, limit: int, offset: int) -> list[dict]:
    """A page of the task's comments, oldest first."""
    return db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id LIMIT ? OFFSET ?",
                       (tid, limit, offset))


def get_comment_or_404(db, tid: int, cid: int) -> dict:
    """The comment, or 404 when it does not exist or is on another task."""
    comment = db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ? AND c.task_id = ?", (cid, tid))
    if comment is None:
        raise ApiError(404, "Comment {cid} not found on task {tid}",
                       params={"cid": cid, "tid": tid})
    return comment


def add_comment(kernel: TaskFlow, actor, pid: int, task: dict, body: str) -> int:
    """Store a comment on ``task`` and emit ``comment.added``; its id."""
    db = kernel.db
    with db.transaction():
        lock_project(db, pid)  # first: see the module's docstring
        author = None if actor["id"] else actor["username"]  # a share link
        comment_id = db.insert("comments", {"task_id": task["id"], "user_id": actor["id"],
                                            "author": author, "body": body})
        comment = cast("dict[str, Any]",  # the row just inserted
                       db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ?", (comment_id,)))
        kernel.emit(events.CommentAdded(actor=actor, task=task, comment=comment))
    return comment_id


def may_delete(kernel: TaskFlow, actor, pid: int, comment: dict) -> None:
    """Its author may delete a comment; anyone else must own the project (403 otherwise)."""
    mine = actor["id"] is not None and comment["user_id"] == actor["id"]
    if not mine:
        kernel.access().project(pid, "owner")


def delete_comment(kernel: TaskFlow, actor, pid: int, task: dict, comment: dict) -> None:
    """Delete ``comment`` and emit ``comment.deleted``."""
    db = kernel.db
    with db.transaction():
        lock_project(db, pid)  # the same lock order as add_comment
        db.delete("comments", comment["id"])
        kernel.emit(events.CommentDeleted(actor=actor, task=task, comment=comment))
