"""The activity feed: core's own ``taskflow_event`` implementation writes it."""

from __future__ import annotations

from . import events
from .events import Event


def _title(event: Event) -> str:
    return (event.data.get("task") or {}).get("title", "")


def summarize(event: Event) -> str | None:
    """One line for the feed, or ``None`` for events the feed does not show."""
    actor = event.actor_name
    if event.type == events.USER_REGISTERED:
        return f"{event.data['user']['username']} joined the team"
    if event.type == events.USER_CREATED:
        return f"{actor} added {event.data['user']['username']} to the team"
    if event.type == events.TASK_CREATED:
        return f"{actor} created task '{_title(event)}'"
    if event.type == events.TASK_ASSIGNED:
        task = event.data["task"]
        return f"{actor} assigned '{task['title']}' to {task.get('assignee_name') or 'nobody'}"
    if event.type == events.TASK_UPDATED:
        changes = event.data.get("changes", {})
        if set(changes) == {"status"}:
            return f"{actor} moved '{_title(event)}' to {changes['status'][1]}"
        return f"{actor} updated {', '.join(sorted(changes))} of '{_title(event)}'"
    if event.type == events.COMMENT_ADDED:
        return f"{actor} commented on '{_title(event)}'"
    return None


def record(kernel, event: Event) -> None:
    summary = summarize(event)
    if summary is None:
        return
    actor = event.actor or {}
    with kernel.database() as db:
        db.insert("activity", {
            "type": event.type, "actor_id": actor.get("id"), "actor": actor.get("username"),
            "project_id": event.project_id, "task_id": event.task_id,
            "summary": summary, "created_at": event.created_at,
        })
