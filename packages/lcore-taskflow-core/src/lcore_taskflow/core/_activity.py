"""The activity feed: core's own ``taskflow_event`` listener writes it.

One line per event the team cares about, written in the transaction of the
change (so the feed never shows what did not happen).  Events of other
plugins appear when their class has a ``summary()`` method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev

if TYPE_CHECKING:
    from . import TaskFlow

STATUS_NAMES = {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}


def _title(event) -> str:
    return (getattr(event, "task", None) or {}).get("title", "")


def _task_update(event: ev.TaskUpdated, actor: str) -> str | None:
    changes = dict(event.changes)
    changes.pop("position", None)
    if not changes:
        return None  # a reorder within a column: not news
    if set(changes) == {"status"}:
        to = STATUS_NAMES.get(changes["status"][1], changes["status"][1])
        return f"{actor} moved '{_title(event)}' to {to}"
    return f"{actor} updated {', '.join(sorted(changes))} of '{_title(event)}'"


def summarize(event: ev.Event) -> str | None:
    """One line for the feed, or ``None`` for events the feed does not show."""
    actor = event.actor_name
    if isinstance(event, ev.UserRegistered):
        return f"{event.user['username']} joined the team"
    if isinstance(event, ev.UserCreated):
        return f"{actor} added {event.user['username']} to the team"
    if isinstance(event, ev.UserDeactivated):
        return f"{actor} deactivated {event.user['username']}"
    if isinstance(event, ev.ProjectCreated):
        return f"{actor} created project '{event.project['name']}'"
    if isinstance(event, ev.ProjectUpdated) and "status" in event.changes:
        return f"{actor} set project '{event.project['name']}' to {event.project['status']}"
    if isinstance(event, ev.ProjectDeleted):
        return f"{actor} deleted project '{event.project['name']}'"
    if isinstance(event, ev.TaskCreated):
        return f"{actor} created task '{_title(event)}'"
    if isinstance(event, ev.TaskAssigned):
        return f"{actor} assigned '{_title(event)}' to {event.assignee['username']}"
    if isinstance(event, ev.TaskUpdated):
        return _task_update(event, actor)
    if isinstance(event, ev.TaskDeleted):
        return f"{actor} deleted task '{_title(event)}'"
    if isinstance(event, ev.CommentAdded):
        return f"{actor} commented on '{_title(event)}'"
    if isinstance(event, ev.AttachmentAdded):
        return f"{actor} attached a file to '{_title(event)}'"
    access = _access(event, actor)
    if access is not None:
        return access
    summary = getattr(event, "summary", None)
    return summary() if callable(summary) else None


def _member_name(member: dict) -> str:
    return member.get("username") or f"team {member.get('name')}"


def _access(event: ev.Event, actor: str) -> str | None:
    """Membership, team and share-link changes (who can see a project is news to its team)."""
    project = (getattr(event, "project", None) or {}).get("name", "")
    if isinstance(event, ev.ProjectMemberAdded):
        return (f"{actor} gave {_member_name(event.member)} the {event.member['role']} role in "
                f"'{project}'")
    if isinstance(event, ev.ProjectMemberUpdated):
        return (f"{actor} changed {_member_name(event.member)}'s role in '{project}' from "
                f"{event.previous_role} to {event.member['role']}")
    if isinstance(event, ev.ProjectMemberRemoved):
        return f"{actor} removed {_member_name(event.member)} from '{project}'"
    if isinstance(event, ev.ShareCreated):
        return f"{actor} created a {event.share['role']} share link for '{project}'"
    if isinstance(event, ev.ShareRevoked):
        return f"{actor} revoked a share link of '{project}'"
    if isinstance(event, ev.TeamCreated):
        return f"{actor} created team {event.team['name']}"
    return None


def record(kernel: TaskFlow, event: ev.Event) -> None:
    summary = summarize(event)
    if summary is None:
        return
    actor = event.actor or {}
    kernel.db.insert("activity", {
        "type": event.type, "actor_id": actor.get("id"), "actor": actor.get("username"),
        "project_id": event.project_id, "task_id": event.task_id,
        "summary": summary, "created_at": event.at,
    })
