"""``/api/teams``: named groups of users that get roles in projects together: the
declared bodies and replies, and the handlers, registered from :data:`ROUTES`.

Admins manage teams; members list them (to give one a role in a project
they own); a guest sees only the teams they belong to.  The queries and rules
are in ``_domain/teams.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import HTTPResponse, Lcore, response

from .._domain import teams
from .._domain.teams import NAME_TAKEN, TEAM_SELECT
from .._routetable import Route, add_routes
from .._schema import Boolean, Integer, ListOf, Schema, String, Text
from .._validation import json_body
from .replies import ident

if TYPE_CHECKING:
    from .. import TaskFlow


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


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_teams_app), then the URL's values.
def list_teams(kernel: TaskFlow) -> dict:
    """Every team (a guest: their own), by name."""
    return {"teams": teams.list_teams(kernel.db, kernel.current_user())}


def create_team(kernel: TaskFlow) -> dict:
    """Create a team (admins)."""
    actor = kernel.current_user()
    values = TeamWrite.validate(json_body())
    team_id, name = teams.create_team(kernel, actor, values)
    response.status = 201
    return {"id": team_id, "name": name, "created": True}


def get_team(kernel: TaskFlow, tid: int) -> dict:
    """A team and its members."""
    team = teams.team_or_404(kernel.db, kernel.current_user(), tid)
    team["members"] = teams.team_members(kernel.db, tid)
    return team


def update_team(kernel: TaskFlow, tid: int) -> dict:
    """Rename a team (admins)."""
    actor = kernel.current_user()
    values = TeamWrite.validate(json_body())
    return teams.rename_team(kernel, actor, tid, values)


def delete_team(kernel: TaskFlow, tid: int) -> HTTPResponse:
    """Delete a team: its members lose the roles it gave them (admins)."""
    teams.delete_team(kernel, kernel.current_user(), tid)
    return HTTPResponse(status=204)


def add_team_member(kernel: TaskFlow, tid: int, uid: int) -> dict:
    """Add a user to a team (admins): 201 added, 200 already a member."""
    added = teams.add_member(kernel, kernel.current_user(), tid, uid)
    if added:
        response.status = 201
    return {"team_id": tid, "user_id": uid, "added": added}


def remove_team_member(kernel: TaskFlow, tid: int, uid: int) -> HTTPResponse:
    """Remove a user from a team (admins)."""
    teams.remove_member(kernel, kernel.current_user(), tid, uid)
    return HTTPResponse(status=204)


# ---------------------------------------------------------------- routes
TEAM = "/api/teams/<tid:int>"
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/api/teams", list_teams, dict(name="list_teams", auth=True, returns=TeamList)),
    ("POST", "/api/teams", create_team, dict(
        name="create_team", auth="teams:manage", body=TeamWrite, status=201,
        returns=TeamCreated, responses=(409,))),
    ("GET", TEAM, get_team, dict(name="get_team", auth=True, returns=TeamDetail)),
    ("PATCH", TEAM, update_team, dict(
        name="update_team", auth="teams:manage", body=TeamWrite, returns=TeamOut,
        responses=(409,))),
    ("DELETE", TEAM, delete_team, dict(name="delete_team", auth="teams:manage", status=204)),
    ("PUT", f"{TEAM}/members/<uid:int>", add_team_member, dict(
        name="add_team_member", auth="teams:manage", returns=TeamMembership,
        responses=((201, "Added"),))),
    ("DELETE", f"{TEAM}/members/<uid:int>", remove_team_member, dict(
        name="remove_team_member", auth="teams:manage", status=204)),
)


def build_teams_app(kernel: TaskFlow) -> Lcore:
    """The app of :data:`ROUTES` (mounted at ``/``)."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    return app


__all__ = ["NAME_TAKEN", "ROUTES", "TEAM_SELECT", "build_teams_app"]
