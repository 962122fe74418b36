"""The audit log: who did what to whose access, from where (SPEC §10).

An entry is ``{id, at, actor_id, actor, action, target, address, details}``
with ``action`` named ``area.verb`` (``auth.login``, ``user.role_changed``,
``project.member_added``, ...).  :func:`record` (``kernel.audit``) writes one
through the request's database handle, so it commits or rolls back with the
change it describes; core writes the entries of its own events here
(:func:`of_event`), the auth package writes sign-ins, and any plugin may add
its own actions.  Nothing in the API changes or deletes entries; only
``taskflow audit prune`` removes those older than ``APP_AUDIT_RETENTION_DAYS``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from lcore import request

from . import events as ev

if TYPE_CHECKING:
    from . import TaskFlow

CURRENT = object()  # the request's user


def record(kernel: TaskFlow, action: str, *, target: str | None = None,
           details: dict[str, Any] | None = None, actor: Any = CURRENT) -> None:
    """Write one audit entry (inside the open transaction, if any).

    ``actor`` defaults to the request's user (``None`` outside a request or
    for an anonymous one); ``target`` says what was acted on
    (``"user:alice"``, ``"project:3"``); ``details`` is a JSON-able dict.
    """
    if "." not in action:
        raise ValueError(f"audit action {action!r}: name it area.verb (auth.login)")
    if actor is CURRENT:
        actor = _request_user(kernel)
    with kernel.database() as db:
        db.insert("audit_log", {
            "at": time.time(), "actor_id": (actor or {}).get("id"),
            "actor": (actor or {}).get("username"), "action": action, "target": target,
            "address": _address(), "details": json.dumps(details or {}, sort_keys=True,
                                                         default=str),
            "created_at": time.time()})


def _request_user(kernel: TaskFlow) -> dict[str, Any] | None:
    try:
        return request.environ.get("taskflow.user")
    except RuntimeError:  # outside a request
        return None


def _address() -> str | None:
    try:
        return request.remote_addr
    except RuntimeError:
        return None


def _member(member: dict[str, Any]) -> str:
    if "user_id" in member:
        return f"user:{member.get('username') or member['user_id']}"
    return f"team:{member.get('name') or member.get('team_id')}"


def of_event(event: ev.Event) -> tuple[str, str | None, dict[str, Any]] | None:
    """``(action, target, details)`` of a core event that belongs in the audit log."""
    if isinstance(event, ev.UserUpdated):
        if "role" in event.changes:
            old, new = event.changes["role"]
            return "user.role_changed", f"user:{event.user['username']}", {"from": old, "to": new}
        if event.changes.get("is_active") == [False, True]:
            return "user.activated", f"user:{event.user['username']}", {}
        return None
    simple: dict[type[ev.UserCreated | ev.UserDeactivated | ev.UserDeleted], str] = {
        ev.UserCreated: "user.created", ev.UserDeactivated: "user.deactivated",
        ev.UserDeleted: "user.deleted"}
    for cls, action in simple.items():
        if isinstance(event, cls):
            return action, f"user:{event.user['username']}", {"role": event.user.get("role")}
    if isinstance(event, (ev.ProjectMemberAdded, ev.ProjectMemberUpdated,
                          ev.ProjectMemberRemoved)):
        details = {"member": _member(event.member), "role": event.member.get("role")}
        if isinstance(event, ev.ProjectMemberUpdated):
            details["previous_role"] = event.previous_role
        return event.type, f"project:{event.project_id}", details
    if isinstance(event, ev.ProjectUpdated):
        changed = {k: v for k, v in event.changes.items() if k in ("visibility", "workspace_role")}
        if changed:
            return "project.access_changed", f"project:{event.project_id}", changed
        return None
    if isinstance(event, ev.ProjectDeleted):
        return "project.deleted", f"project:{event.project_id}", {"name": event.project["name"]}
    if isinstance(event, (ev.ShareCreated, ev.ShareRevoked)):
        share = event.share
        return event.type, f"project:{event.project_id}", {
            "share_id": share["id"], "role": share["role"], "label": share.get("label")}
    if isinstance(event, (ev.TeamMemberAdded, ev.TeamMemberRemoved)):
        return event.type, f"team:{event.team['name']}", {"user": event.user["username"]}
    if isinstance(event, ev.TeamUpdated):
        return event.type, f"team:{event.team['name']}", dict(event.changes)
    if isinstance(event, (ev.TeamCreated, ev.TeamDeleted)):
        return event.type, f"team:{event.team['name']}", {}
    return None


def record_event(kernel: TaskFlow, event: ev.Event) -> None:
    """The audit entry of ``event``, if it is a security event (part of the change)."""
    entry = of_event(event)
    if entry is not None:
        action, target, details = entry
        record(kernel, action, target=target, details=details, actor=event.actor)


def prune(db, days: int) -> int:
    """Delete entries older than ``days``; the number deleted."""
    cutoff = time.time() - days * 86400
    return db.execute("DELETE FROM audit_log WHERE at < ?", (cutoff,)).rowcount
