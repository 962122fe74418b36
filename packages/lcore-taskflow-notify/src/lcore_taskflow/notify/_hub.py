"""The notification hub: who hears of what, written in the transaction of the change.

Core's events arrive inside the transaction that made the change
(``taskflow_event``).  The hub turns one event into *notes* (a person, a
kind, a headline: ``_notes``) and keeps the task watchers they go to; its
:class:`~._fanout.FanOut` writes the inbox, email and chat rows, each in its
recipient's language.  A deleted account's data is dropped here too.

Headlines are :class:`lcore_taskflow.core.Message` s, translated per
recipient when the rows are written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from lcore_taskflow.core import N_, Message, events

from ._fanout import FanOut
from ._notes import (
    ROLE_NAMES,
    STATUS_NAMES,
    Group,
    Note,
    excerpt,
    joined,
    mentions,
    watchers_group,
)
from ._prefs import Preferences

DELETED_USER = "deleted user"  # how core names a deleted account in comments and activity


class Hub:
    """Turns events into inbox, email and chat rows (one per kernel)."""

    def __init__(self, kernel: Any, outbox: Any):
        self.kernel = kernel
        self.outbox = outbox
        self.prefs = Preferences(kernel)
        self.fanout = FanOut(kernel, outbox, self.prefs)

    # ------------------------------------------------------------ watchers
    def watch(self, db: Any, task_id: int, user_id: int | None) -> bool:
        """``user_id`` watches ``task_id`` (no-op when they already do); whether it is new."""
        if not user_id:
            return False
        return db.upsert("task_watchers", {"task_id": task_id, "user_id": user_id,
                                           "created_at": time.time()},
                         conflict=("task_id", "user_id"), update=()) == 1

    def unwatch(self, db: Any, task_id: int, user_id: int) -> bool:
        cur = db.execute("DELETE FROM task_watchers WHERE task_id = ? AND user_id = ?",
                         (task_id, user_id))
        return cur.rowcount == 1

    def watchers(self, db: Any, task_id: int) -> list[int]:
        return [r["user_id"] for r in db.fetchall(
            "SELECT user_id FROM task_watchers WHERE task_id = ?", (task_id,))]

    # -------------------------------------------------------------- events
    def forget_user(self, user: dict[str, Any]) -> None:
        """Drop what notify keeps about a deleted account (``user.deleted``): its watches,
        inbox, preferences, chat URLs, digest record and its notifications (queued ones are
        never sent); other people's inbox items it caused keep what happened, not who (as
        core's activity feed does)."""
        db, uid = self.kernel.db, user["id"]
        for table in ("task_watchers", "inbox_items", "notification_prefs",
                      "notification_settings", "digest_runs", "notifications"):
            db.execute(f"DELETE FROM {table} WHERE user_id = ?", (uid,))
        if user.get("email"):  # mail to the address not tied to the account (none today)
            db.execute("DELETE FROM notifications WHERE user_id IS NULL AND lower(recipient)"
                       " = lower(?)", (user["email"],))
        name = user.get("username") or ""
        for item in db.fetchall("SELECT id, title FROM inbox_items WHERE actor_id = ?", (uid,)):
            title = item["title"]  # "<actor> assigned a task to you": the name goes first
            if name and title.startswith(name + " "):
                title = DELETED_USER + title[len(name):]
            db.execute("UPDATE inbox_items SET actor_id = NULL, actor = ?, title = ?"
                       " WHERE id = ?", (DELETED_USER, title, item["id"]))

    def handle(self, event: Any) -> None:
        """React to one of core's events (inside its transaction)."""
        handler = HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def _task_created(self, event: events.TaskCreated) -> None:
        task = event.task
        self.watch(self.kernel.db, task["id"], task.get("creator_id"))
        notes = self._mention_notes(event, task.get("description"),
                                    N_("{actor} mentioned you in a task"))
        self.fan_out(event, notes)

    def _task_assigned(self, event: events.TaskAssigned) -> None:
        task, actor = event.task, event.actor_name
        assignee = event.assignee["id"]
        db = self.kernel.db
        self.watch(db, task["id"], assignee)
        notes = [Note(assignee, "assigned", Message("{actor} assigned a task to you",
                                                    actor=actor))]
        headline = Message("{actor} assigned the task to {assignee}", actor=actor,
                           assignee=event.assignee["username"])
        self.fan_out(event, notes, watchers_group(task["id"], "status_changed", headline))

    def _task_updated(self, event: events.TaskUpdated) -> None:
        changes, actor = event.changes, event.actor_name
        headlines = []
        if "status" in changes:
            status = changes["status"][1]
            headlines.append(Message("{actor} moved the task to {status}", actor=actor,
                                     status=Message(STATUS_NAMES.get(status, str(status)))))
        if "due_date" in changes:
            new = changes["due_date"][1]
            headlines.append(Message("{actor} changed the due date to {date}", actor=actor,
                                     date=new) if new
                             else Message("{actor} removed the due date", actor=actor))
        if "assignee_id" in changes and changes["assignee_id"][1] is None:
            # assignments: _task_assigned
            headlines.append(Message("{actor} unassigned the task", actor=actor))
        group = watchers_group(event.task["id"], "status_changed",
                                     joined(headlines)) if headlines else None
        notes = []
        if "description" in changes:
            old, new = changes["description"]  # only who the edit newly mentions
            notes = self._mention_notes(event, new, N_("{actor} mentioned you in a task"),
                                        skip=set(mentions(old)))
        self.fan_out(event, notes, group)

    def _comment_added(self, event: events.CommentAdded) -> None:
        body, actor = event.comment.get("body"), event.actor_name
        notes = self._mention_notes(event, body, N_("{actor} mentioned you in a comment"))
        # A mentioned watcher hears of the mention only (a personal note wins).
        self.fan_out(event, notes, watchers_group(
            event.task["id"], "commented", Message("{actor} commented", actor=actor),
            excerpt(body)))

    def _member_added(self, event: events.ProjectMemberAdded) -> None:
        member = event.member
        if "user_id" not in member:  # a team: its people are told nothing (yet)
            return
        headline = Message("{actor} added you to {project} as {role}",
                           actor=event.actor_name, project=event.project["name"],
                           role=Message(ROLE_NAMES.get(member["role"], str(member["role"]))))
        self.fan_out(event, [Note(member["user_id"], "member_added", headline)])

    def _mention_notes(self, event: Any, text: str | None, what: str,
                       skip: AbstractSet[str] = frozenset()) -> list[Note]:
        names = [n for n in mentions(text) if n not in skip]
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        found = self.kernel.db.fetchall(
            f"SELECT id FROM users WHERE LOWER(username) IN ({marks})", names)
        headline = Message(what, actor=event.actor_name)
        return [Note(row["id"], "mentioned", headline, excerpt(text)) for row in found]

    def fan_out(self, event: Any, notes: list[Note], group: Group | None = None) -> None:
        """Write the rows of ``notes`` and ``group`` about ``event``'s project (the fan-out's
        :meth:`~._fanout.FanOut.fan_out`)."""
        self.fanout.fan_out(event, notes, group)


# each takes the hub and an event of its key's class
HANDLERS: dict[type, Callable[[Hub, Any], None]] = {
    events.UserDeleted: lambda hub, event: hub.forget_user(event.user),
    events.TaskCreated: Hub._task_created,
    events.TaskAssigned: Hub._task_assigned,
    events.TaskUpdated: Hub._task_updated,
    events.CommentAdded: Hub._comment_added,
    events.ProjectMemberAdded: Hub._member_added,
}
