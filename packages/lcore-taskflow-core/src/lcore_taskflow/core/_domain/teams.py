"""Teams: their queries and rules (the handlers: ``_api/teams.py``).

A team's name is unique, case-insensitive (409 :data:`NAME_TAKEN`).  A guest
sees only the teams they belong to (:func:`visible`); everyone else sees all.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import events
from .._db import IntegrityError
from .._errors import ApiError
from .._i18n import Message

if TYPE_CHECKING:
    from .. import TaskFlow

NAME_TAKEN = "A team with this name already exists"
TEAM_SELECT = ("SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m"
               " WHERE m.team_id = t.id) AS member_count FROM teams t")


def visible(user: Any) -> tuple[str, list]:
    """Guests see only their own teams."""
    assert user is not None  # current_user() answered 401 otherwise
    if user.get("role") == "guest":
        return " WHERE t.id IN (SELECT team_id FROM team_members WHERE user_id = ?)", [user["id"]]
    return "", []


def list_teams(db, user: Any) -> list[dict]:
    """The teams ``user`` sees, by name."""
    where, params = visible(user)
    return db.fetchall(f"{TEAM_SELECT}{where} ORDER BY lower(t.name)", params)


def team_or_404(db, user: Any, team_id: int) -> dict:
    """Team ``team_id`` with its ``member_count``, or 404 when ``user`` does not see it."""
    where, params = visible(user)
    joiner = " AND" if where else " WHERE"
    team = db.fetchone(f"{TEAM_SELECT}{where}{joiner} t.id = ?", (*params, team_id))
    if team is None:
        raise ApiError(404, "Team {team_id} not found", params={"team_id": team_id})
    return team


def team_members(db, team_id: int) -> list[dict]:
    """The team's members, by username."""
    return db.fetchall(
        "SELECT u.id AS user_id, u.username FROM team_members m JOIN users u"
        " ON u.id = m.user_id WHERE m.team_id = ? ORDER BY lower(u.username)", (team_id,))


def unique_name(db, values: dict, team_id: int = 0) -> str:
    """``values["name"]``, or 409 when another team (not ``team_id``) has it."""
    name = values["name"]
    if db.fetchone("SELECT id FROM teams WHERE lower(name) = lower(?) AND id != ?",
                   (name, team_id)):
        raise ApiError(409, NAME_TAKEN, fields={"name": Message("already taken")})
    return name


def create_team(kernel: TaskFlow, actor: Any, values: dict) -> tuple[int, str]:
    """Store a team from validated ``values``, emitting ``team.created``: ``(id, name)``."""
    db = kernel.db
    try:
        with db.transaction():
            name = unique_name(db, values)
            team_id = db.insert("teams", {"name": name})
            kernel.emit(events.TeamCreated(actor=actor, team={"id": team_id, "name": name}))
    except IntegrityError:  # a concurrent twin won the unique index
        raise ApiError(409, NAME_TAKEN, fields={"name": Message("already taken")}) from None
    return team_id, name


def rename_team(kernel: TaskFlow, actor: Any, tid: int, values: dict) -> dict:
    """Give the team validated ``values``' name, emitting ``team.updated`` when it
    changes; the team as it is now."""
    db = kernel.db
    with db.transaction():
        team = team_or_404(db, actor, tid)
        name = unique_name(db, values, tid)
        if name != team["name"]:
            db.update("teams", tid, {"name": name})
            kernel.emit(events.TeamUpdated(actor=actor, team={"id": tid, "name": name},
                                           changes={"name": [team["name"], name]}))
    return {**team, "name": name}


def delete_team(kernel: TaskFlow, actor: Any, tid: int) -> None:
    """Delete the team, emitting ``team.deleted``: its members lose the roles it gave them."""
    db = kernel.db
    with db.transaction():
        team = team_or_404(db, actor, tid)
        db.delete("teams", tid)
        kernel.emit(events.TeamDeleted(actor=actor, team={"id": tid, "name": team["name"]}))


def add_member(kernel: TaskFlow, actor: Any, tid: int, uid: int) -> bool:
    """Add active user ``uid`` to the team, emitting ``team.member_added``; ``False``
    when they already were a member."""
    db = kernel.db
    with db.transaction():
        team = team_or_404(db, actor, tid)
        user = db.fetchone("SELECT id, username FROM users WHERE id = ? AND is_active = 1",
                           (uid,))
        if user is None:
            raise ApiError(404, "User {uid} not found", params={"uid": uid})
        added = not db.fetchone("SELECT 1 AS x FROM team_members WHERE team_id = ?"
                                " AND user_id = ?", (tid, uid))
        if added:
            db.execute("INSERT INTO team_members (team_id, user_id, created_at)"
                       " VALUES (?, ?, ?)", (tid, uid, time.time()))
            kernel.emit(events.TeamMemberAdded(
                actor=actor, team={"id": tid, "name": team["name"]}, user=user))
    return added


def remove_member(kernel: TaskFlow, actor: Any, tid: int, uid: int) -> None:
    """Take user ``uid`` out of the team, emitting ``team.member_removed``; 404 when
    they are not in it."""
    db = kernel.db
    with db.transaction():
        team = team_or_404(db, actor, tid)
        user = db.fetchone("SELECT u.id, u.username FROM team_members m JOIN users u"
                           " ON u.id = m.user_id WHERE m.team_id = ? AND m.user_id = ?",
                           (tid, uid))
        if user is None:
            raise ApiError(404, "User {uid} is not a member of team {tid}",
                           params={"uid": uid, "tid": tid})
        db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", (tid, uid))
        kernel.emit(events.TeamMemberRemoved(
            actor=actor, team={"id": tid, "name": team["name"]}, user=user))


__all__ = ["NAME_TAKEN", "TEAM_SELECT", "add_member", "create_team", "delete_team",
           "list_teams", "remove_member", "rename_team", "team_members", "team_or_404",
           "unique_name", "visible"]
