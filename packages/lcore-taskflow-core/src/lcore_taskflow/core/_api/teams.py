"""``/api/teams``: named groups of users that get roles in projects together.

Admins manage teams; members list them (to give one a role in a project
they own); a guest sees only the teams they belong to.
"""

from __future__ import annotations

import time

from lcore import HTTPResponse, Lcore, response

from .. import events
from .._db import IntegrityError
from .._errors import ApiError
from .._i18n import Message
from .._schema import Boolean, Integer, ListOf, Schema, String, Text
from .._validation import json_body
from .replies import ident

NAME_TAKEN = "A team with this name already exists"


class TeamWrite(Schema):
    """A team's name (unique, case-insensitive)."""

    name = Text(required=True, max_len=100, example="Design")


class TeamOut(Schema):
    id = ident()
    name = String(required=True)
    member_count = Integer(required=True, minimum=0)


class TeamList(Schema):
    """The teams you can see."""

    teams = ListOf(TeamOut, required=True)


class TeamMember(Schema):
    user_id = ident()
    username = String(required=True)


class TeamDetail(TeamOut):
    """A team with its members."""

    members = ListOf(TeamMember, required=True)


class TeamCreated(Schema):
    id = ident()
    name = String(required=True)
    created = Boolean(required=True)


class TeamMembership(Schema):
    team_id = ident()
    user_id = ident()
    added = Boolean(required=True, description="false when the user was already a member")


TEAM_SELECT = ("SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m"
               " WHERE m.team_id = t.id) AS member_count FROM teams t")


def _visible(kernel) -> tuple[str, list]:
    """Guests see only their own teams."""
    user = kernel.current_user()
    if user.get("role") == "guest":
        return " WHERE t.id IN (SELECT team_id FROM team_members WHERE user_id = ?)", [user["id"]]
    return "", []


def _team_or_404(kernel, team_id: int) -> dict:
    where, params = _visible(kernel)
    joiner = " AND" if where else " WHERE"
    team = kernel.db.fetchone(f"{TEAM_SELECT}{where}{joiner} t.id = ?", (*params, team_id))
    if team is None:
        raise ApiError(404, "Team {team_id} not found", params={"team_id": team_id})
    return team


def _name(kernel, values: dict, team_id: int = 0) -> str:
    name = values["name"]
    if kernel.db.fetchone("SELECT id FROM teams WHERE lower(name) = lower(?) AND id != ?",
                          (name, team_id)):
        raise ApiError(409, NAME_TAKEN, fields={"name": Message("already taken")})
    return name


def build_teams_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/api/teams", name="list_teams", auth=True, returns=TeamList)
    def list_teams():
        """Every team (a guest: their own), by name."""
        where, params = _visible(kernel)
        return {"teams": kernel.db.fetchall(f"{TEAM_SELECT}{where} ORDER BY lower(t.name)",
                                            params)}

    @app.post("/api/teams", name="create_team", auth="teams:manage", body=TeamWrite,
              status=201, returns=TeamCreated, responses=(409,))
    def create_team():
        """Create a team (admins)."""
        actor = kernel.current_user()
        values = TeamWrite.validate(json_body())
        db = kernel.db
        try:
            with db.transaction():
                name = _name(kernel, values)
                team_id = db.insert("teams", {"name": name})
                kernel.emit(events.TeamCreated(actor=actor, team={"id": team_id, "name": name}))
        except IntegrityError:  # a concurrent twin won the unique index
            raise ApiError(409, NAME_TAKEN, fields={"name": Message("already taken")}) from None
        response.status = 201
        return {"id": team_id, "name": name, "created": True}

    @app.get("/api/teams/<tid:int>", name="get_team", auth=True, returns=TeamDetail)
    def get_team(tid):
        """A team and its members."""
        team = _team_or_404(kernel, tid)
        team["members"] = kernel.db.fetchall(
            "SELECT u.id AS user_id, u.username FROM team_members m JOIN users u"
            " ON u.id = m.user_id WHERE m.team_id = ? ORDER BY lower(u.username)", (tid,))
        return team

    @app.patch("/api/teams/<tid:int>", name="update_team", auth="teams:manage",
               body=TeamWrite, returns=TeamOut, responses=(409,))
    def update_team(tid):
        """Rename a team (admins)."""
        actor = kernel.current_user()
        values = TeamWrite.validate(json_body())
        db = kernel.db
        with db.transaction():
            team = _team_or_404(kernel, tid)
            name = _name(kernel, values, tid)
            if name != team["name"]:
                db.update("teams", tid, {"name": name})
                kernel.emit(events.TeamUpdated(actor=actor, team={"id": tid, "name": name},
                                               changes={"name": [team["name"], name]}))
        return {**team, "name": name}

    @app.delete("/api/teams/<tid:int>", name="delete_team", auth="teams:manage", status=204)
    def delete_team(tid):
        """Delete a team: its members lose the roles it gave them (admins)."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            team = _team_or_404(kernel, tid)
            db.delete("teams", tid)
            kernel.emit(events.TeamDeleted(actor=actor, team={"id": tid, "name": team["name"]}))
        return HTTPResponse(status=204)

    @app.put("/api/teams/<tid:int>/members/<uid:int>", name="add_team_member",
             auth="teams:manage", returns=TeamMembership, responses=((201, "Added"),))
    def add_team_member(tid, uid):
        """Add a user to a team (admins): 201 added, 200 already a member."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            team = _team_or_404(kernel, tid)
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
                response.status = 201
        return {"team_id": tid, "user_id": uid, "added": added}

    @app.delete("/api/teams/<tid:int>/members/<uid:int>", name="remove_team_member",
                auth="teams:manage", status=204)
    def remove_team_member(tid, uid):
        """Remove a user from a team (admins)."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            team = _team_or_404(kernel, tid)
            user = db.fetchone("SELECT u.id, u.username FROM team_members m JOIN users u"
                               " ON u.id = m.user_id WHERE m.team_id = ? AND m.user_id = ?",
                               (tid, uid))
            if user is None:
                raise ApiError(404, "User {uid} is not a member of team {tid}",
                               params={"uid": uid, "tid": tid})
            db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", (tid, uid))
            kernel.emit(events.TeamMemberRemoved(
                actor=actor, team={"id": tid, "name": team["name"]}, user=user))
        return HTTPResponse(status=204)

    return app
