"""A project's members (users and teams, with roles): their queries and rules
(the handlers: ``_api/members.py``).

Removing or demoting the last owner is refused (409,
:func:`guard_last_owner`): a project always has someone who can manage it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import events
from .._errors import ApiError
from .._i18n import N_
from .._roles import RANK

if TYPE_CHECKING:
    from .. import TaskFlow

# path segment -> (table, id column, name lookup, the name's key in the event's member row)
MEMBER_KINDS = {
    "users": ("project_members", "user_id", "SELECT username AS name, is_active AS active"
              " FROM users WHERE id = ?", "username"),
    "teams": ("project_teams", "team_id", "SELECT name, 1 AS active FROM teams WHERE id = ?",
              "name"),
}


def members_of(db, project_id: int) -> dict:
    """``{"users": [...], "teams": [...]}`` of a project, each user once at their highest."""
    teams = db.fetchall(
        "SELECT t.id AS team_id, t.name, pt.role FROM project_teams pt JOIN teams t"
        " ON t.id = pt.team_id WHERE pt.project_id = ? ORDER BY lower(t.name)", (project_id,))
    rows = db.fetchall(
        "SELECT m.user_id, u.username, m.role, 'direct' AS via"
        " FROM project_members m JOIN users u ON u.id = m.user_id WHERE m.project_id = ?"
        " UNION ALL"
        " SELECT tm.user_id, u.username, pt.role, t.name AS via"
        " FROM project_teams pt JOIN teams t ON t.id = pt.team_id"
        " JOIN team_members tm ON tm.team_id = pt.team_id JOIN users u ON u.id = tm.user_id"
        " WHERE pt.project_id = ?", (project_id, project_id))
    # Each user once: the highest role, a direct one before a team's, teams by name.
    rows.sort(key=lambda r: (-RANK[r["role"]], r["via"] != "direct", r["via"]))
    users: dict[int, dict] = {}
    for row in rows:
        users.setdefault(row["user_id"], row)
    listed = sorted(users.values(), key=lambda r: r["username"].lower())
    return {"users": listed, "teams": teams}


def guard_last_owner(db, project_id: int, old_role: str | None, new_role: str | None) -> None:
    """409 when the change takes away the project's only owner entry (user or team)."""
    if old_role != "owner" or new_role == "owner":
        return
    owners = db.scalar(
        "SELECT (SELECT COUNT(*) FROM project_members WHERE project_id = ? AND role = 'owner')"
        " + (SELECT COUNT(*) FROM project_teams WHERE project_id = ? AND role = 'owner')",
        (project_id, project_id))
    if owners <= 1:
        raise ApiError(409, "That would leave project {project_id} without an owner: "
                            "make someone else owner first", params={"project_id": project_id})


def set_member(kernel: TaskFlow, actor: Any, pid: int, kind: str, member_id: int,
               role: str) -> bool:
    """Give the user or team (``kind``: ``users``/``teams``) ``role`` in project ``pid``
    (owners), emitting the member's event; ``True`` when it was added, not changed."""
    table, column, lookup, label = MEMBER_KINDS[kind]
    db = kernel.db
    added = False
    with db.transaction():
        project = kernel.access().project(pid, "owner")
        found = db.fetchone(lookup, (member_id,))
        if found is None or not found["active"]:
            missing = N_("User {id} not found") if kind == "users" \
                else N_("Team {id} not found")
            raise ApiError(404, missing, params={"id": member_id})
        old = db.scalar(f"SELECT role FROM {table} WHERE project_id = ? AND {column} = ?",
                        (pid, member_id))
        guard_last_owner(db, pid, old, role)
        member = {column: member_id, label: found["name"], "role": role}
        info = {"id": pid, "name": project["name"]}
        if old is None:
            db.execute(f"INSERT INTO {table} (project_id, {column}, role, created_at)"
                       " VALUES (?, ?, ?, ?)", (pid, member_id, role, time.time()))
            kernel.emit(events.ProjectMemberAdded(actor=actor, project=info, member=member))
            added = True
        elif old != role:
            db.execute(f"UPDATE {table} SET role = ? WHERE project_id = ? AND {column} = ?",
                       (role, pid, member_id))
            kernel.emit(events.ProjectMemberUpdated(actor=actor, project=info,
                                                    member=member, previous_role=old))
    kernel.access().forget(pid)
    return added


def remove_member(kernel: TaskFlow, actor: Any, pid: int, kind: str, member_id: int) -> None:
    """Take the user's or team's role in project ``pid`` away (owners), emitting
    ``project.member_removed``; 404 when it has none."""
    table, column, lookup, label = MEMBER_KINDS[kind]
    db = kernel.db
    with db.transaction():
        project = kernel.access().project(pid, "owner")
        role = db.scalar(f"SELECT role FROM {table} WHERE project_id = ? AND {column} = ?",
                         (pid, member_id))
        if role is None:
            stranger = N_("User {id} is not a member of project {pid}") \
                if kind == "users" else N_("Team {id} is not a member of project {pid}")
            raise ApiError(404, stranger, params={"id": member_id, "pid": pid})
        guard_last_owner(db, pid, role, None)
        db.execute(f"DELETE FROM {table} WHERE project_id = ? AND {column} = ?",
                   (pid, member_id))
        name = db.scalar(lookup, (member_id,))
        kernel.emit(events.ProjectMemberRemoved(
            actor=actor, project={"id": pid, "name": project["name"]},
            member={column: member_id, label: name, "role": role}))
    kernel.access().forget(pid)


__all__ = ["MEMBER_KINDS", "guard_last_owner", "members_of", "remove_member", "set_member"]
