"""Domain events: one small frozen dataclass per kind of change.

Core emits the events below; a plugin declares events of its own by
returning their classes from ``taskflow_event_types`` and emits them with
``kernel.emit(MyEvent(...))``.  Every listener (``taskflow_event``) receives
the event inside the database transaction that made the change, so what it
writes through ``kernel.db`` commits or rolls back together with the change.

Each event carries what a listener needs — the row as the API shows it, the
user who caused it (``actor``, ``None`` for the system) and, for updates,
``changes`` as ``{field: [old, new]}`` — so listeners never re-query core's
tables::

    from lcore_taskflow.core import events, hookimpl

    class Labels:
        @hookimpl
        def taskflow_event(self, event, kernel):
            if isinstance(event, events.TaskDeleted):
                kernel.db.execute("DELETE FROM task_labels WHERE task_id = ?",
                                  (event.task_id,))
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

Row = dict[str, Any]
Changes = dict[str, list[Any]]


@dataclass(frozen=True, kw_only=True)
class Event:
    """The base of every event: who caused it and when.

    ``type`` is the dotted name listeners and the activity feed use
    (``"task.created"``); ``project_id`` and ``task_id`` say what the event
    is about (``None`` when it is about neither).
    """

    type: ClassVar[str] = ""

    actor: Row | None = None
    at: float = field(default_factory=time.time)

    @property
    def actor_name(self) -> str:
        """The actor's username, or ``"system"`` when nobody caused the event."""
        return (self.actor or {}).get("username") or "system"

    @property
    def project_id(self) -> int | None:
        """The id of the project the event is about, if any (the activity feed's key)."""
        return None

    @property
    def task_id(self) -> int | None:
        """The id of the task the event is about, if any."""
        return None


def _key(row: Row | None, name: str) -> Any:
    return row.get(name) if row else None


# ------------------------------------------------------------------ users
@dataclass(frozen=True, kw_only=True)
class UserCreated(Event):
    """An admin added ``user`` (``POST /api/users/``, ``taskflow create-admin``)."""

    type: ClassVar[str] = "user.created"
    user: Row


@dataclass(frozen=True, kw_only=True)
class UserRegistered(Event):
    """``user`` signed up (``POST /auth/register``)."""

    type: ClassVar[str] = "user.registered"
    user: Row


@dataclass(frozen=True, kw_only=True)
class UserUpdated(Event):
    """``user`` (as it is now) changed; ``changes`` is ``{field: [old, new]}``."""

    type: ClassVar[str] = "user.updated"
    user: Row
    changes: Changes


@dataclass(frozen=True, kw_only=True)
class UserDeactivated(Event):
    """``user`` can no longer sign in; every token of theirs stops working."""

    type: ClassVar[str] = "user.deactivated"
    user: Row


@dataclass(frozen=True, kw_only=True)
class UserDeleted(Event):
    """``user`` (the row as it was) was deleted.

    By an admin (``DELETE /api/users/<id>``: the row is gone), or by the
    user themself (``kernel.users.erase``, io's ``DELETE /api/users/me``:
    the row stays as an inactive tombstone named ``deleted-user-<id>``,
    because tasks and projects they created still point at it).  Either
    way, drop what your plugin keeps about ``user["id"]``.
    """

    type: ClassVar[str] = "user.deleted"
    user: Row


@dataclass(frozen=True, kw_only=True)
class SignInFailures(Event):
    """Failed sign-ins for ``user``'s account reached the point where tries must wait.

    Emitted by the identity plugin, once per run of failures; notify emails
    the user (someone may be guessing their password).  ``user`` is
    ``{id, username, email}``; ``failures`` how many in a row.
    """

    type: ClassVar[str] = "user.sign_in_failures"
    user: Row
    failures: int


# --------------------------------------------------------------- projects
@dataclass(frozen=True, kw_only=True)
class _ProjectEvent(Event):
    project: Row

    @property
    def project_id(self) -> int:  # a project row always has its id
        return _key(self.project, "id")


@dataclass(frozen=True, kw_only=True)
class ProjectCreated(_ProjectEvent):
    type: ClassVar[str] = "project.created"


@dataclass(frozen=True, kw_only=True)
class ProjectUpdated(_ProjectEvent):
    """``changes`` is ``{field: [old, new]}``; archiving is ``status`` → ``archived``."""

    type: ClassVar[str] = "project.updated"
    changes: Changes


@dataclass(frozen=True, kw_only=True)
class ProjectDeleted(_ProjectEvent):
    """``project`` (as it was) was deleted with all its tasks and comments.

    No ``task.deleted`` follows for each task: clean up by ``project_id``.
    """

    type: ClassVar[str] = "project.deleted"


# ------------------------------------------------------------------ tasks
@dataclass(frozen=True, kw_only=True)
class _TaskEvent(Event):
    task: Row

    @property
    def project_id(self) -> int:  # a task row always has both
        return _key(self.task, "project_id")

    @property
    def task_id(self) -> int:
        return _key(self.task, "id")


@dataclass(frozen=True, kw_only=True)
class TaskCreated(_TaskEvent):
    """``extra``: the plugins' own fields of the request body (``taskflow_task_fields``)."""

    type: ClassVar[str] = "task.created"
    extra: Row = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TaskUpdated(_TaskEvent):
    """``task`` as it is now; ``changes`` is ``{field: [old, new]}``; ``extra`` the
    plugins' own fields of the request body (``taskflow_task_fields``)."""

    type: ClassVar[str] = "task.updated"
    changes: Changes
    extra: Row = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TaskAssigned(_TaskEvent):
    """``assignee`` (``id, username, email``) was given ``task`` (on create or update).

    ``project`` is ``{id, name}`` of the task's project.
    """

    type: ClassVar[str] = "task.assigned"
    assignee: Row
    project: Row
    previous_assignee_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class TaskDeleted(_TaskEvent):
    """``task`` (as it was) was deleted with its comments and attachment."""

    type: ClassVar[str] = "task.deleted"


@dataclass(frozen=True, kw_only=True)
class CommentAdded(_TaskEvent):
    type: ClassVar[str] = "comment.added"
    comment: Row


@dataclass(frozen=True, kw_only=True)
class CommentDeleted(_TaskEvent):
    type: ClassVar[str] = "comment.deleted"
    comment: Row


@dataclass(frozen=True, kw_only=True)
class AttachmentAdded(_TaskEvent):
    """``filename`` (the stored name) is now ``task``'s attachment."""

    type: ClassVar[str] = "attachment.added"
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, kw_only=True)
class AttachmentDeleted(_TaskEvent):
    type: ClassVar[str] = "attachment.deleted"
    filename: str


# ----------------------------------------------------------------- access
@dataclass(frozen=True, kw_only=True)
class _MemberEvent(_ProjectEvent):
    """``member`` is ``{"user_id", "username"}`` or ``{"team_id", "name"}`` with ``role``."""

    member: Row


@dataclass(frozen=True, kw_only=True)
class ProjectMemberAdded(_MemberEvent):
    """A user or team got a role in ``project`` (``PUT .../members/...`` answering 201)."""

    type: ClassVar[str] = "project.member_added"


@dataclass(frozen=True, kw_only=True)
class ProjectMemberUpdated(_MemberEvent):
    """A member's role changed; ``previous_role`` is the old one."""

    type: ClassVar[str] = "project.member_updated"
    previous_role: str


@dataclass(frozen=True, kw_only=True)
class ProjectMemberRemoved(_MemberEvent):
    type: ClassVar[str] = "project.member_removed"


@dataclass(frozen=True, kw_only=True)
class _TeamEvent(Event):
    team: Row  # {"id", "name"}


@dataclass(frozen=True, kw_only=True)
class TeamCreated(_TeamEvent):
    type: ClassVar[str] = "team.created"


@dataclass(frozen=True, kw_only=True)
class TeamUpdated(_TeamEvent):
    type: ClassVar[str] = "team.updated"
    changes: Changes


@dataclass(frozen=True, kw_only=True)
class TeamDeleted(_TeamEvent):
    type: ClassVar[str] = "team.deleted"


@dataclass(frozen=True, kw_only=True)
class TeamMemberAdded(_TeamEvent):
    type: ClassVar[str] = "team.member_added"
    user: Row  # {"id", "username"}


@dataclass(frozen=True, kw_only=True)
class TeamMemberRemoved(_TeamEvent):
    type: ClassVar[str] = "team.member_removed"
    user: Row


@dataclass(frozen=True, kw_only=True)
class ShareCreated(_ProjectEvent):
    """A share link of ``project``: ``share`` is ``{"id", "role", "label", "expires_at"}``."""

    type: ClassVar[str] = "share.created"
    share: Row


@dataclass(frozen=True, kw_only=True)
class ShareRevoked(_ProjectEvent):
    type: ClassVar[str] = "share.revoked"
    share: Row


CORE_EVENTS: tuple[type[Event], ...] = (
    UserCreated, UserRegistered, UserUpdated, UserDeactivated, UserDeleted, SignInFailures,
    ProjectCreated, ProjectUpdated, ProjectDeleted,
    TaskCreated, TaskUpdated, TaskAssigned, TaskDeleted,
    CommentAdded, CommentDeleted, AttachmentAdded, AttachmentDeleted,
    ProjectMemberAdded, ProjectMemberUpdated, ProjectMemberRemoved,
    TeamCreated, TeamUpdated, TeamDeleted, TeamMemberAdded, TeamMemberRemoved,
    ShareCreated, ShareRevoked,
)


def fields_of(event_class: type[Event]) -> list[str]:
    """The data fields of an event class (for docs and ``taskflow plugins``)."""
    return [f.name for f in dataclasses.fields(event_class) if f.name not in ("actor", "at")]
