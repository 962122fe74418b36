"""A project's members (users and teams, with roles) and its share links: the
declared bodies and replies, and the handlers, registered from :data:`ROUTES`.

Under ``/api/projects/<pid>/``: any viewer lists the members; owners (and
admins) change them and manage share links.  Removing or demoting the last
owner is refused (409): a project always has someone who can manage it.  The
queries and rules are in ``_domain/members.py`` and ``_domain/share_links.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lcore import HTTPResponse, request, response

from .._domain import members, share_links
from .._domain.members import members_of
from .._roles import ROLES, SHARE_ROLES
from .._routetable import Route, add_routes
from .._schema import Boolean, Choice, Integer, ListOf, Number, Schema, String, Text
from .._validation import json_body
from .replies import ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow


class RoleBody(Schema):
    """The role to give."""

    role = Choice(ROLES, required=True, example="editor")


class MemberUser(Schema):
    user_id = ident()
    username = String(required=True)
    role = Choice(ROLES, required=True)
    via = String(required=True, description='"direct", or the name of the team it comes from')


class MemberTeam(Schema):
    team_id = ident()
    name = String(required=True)
    role = Choice(ROLES, required=True)


class Members(Schema):
    """Who has a role in the project (each user once, with their highest role)."""

    users = ListOf(MemberUser, required=True)
    teams = ListOf(MemberTeam, required=True)


class MemberSet(Schema):
    role = Choice(ROLES, required=True)


class ShareCreate(Schema):
    """A share link: read-only (viewer) or allowed to comment (commenter)."""

    role = Choice(SHARE_ROLES, default="viewer")
    expires_at = Number(nullable=True, description="Seconds since the Unix epoch (future)")
    label = Text(max_len=100, allow_empty=True, example="For the client")


class ShareOut(Schema):
    id = ident()
    role = Choice(SHARE_ROLES, required=True)
    label = String(required=True)
    expires_at = timestamp(required=True, nullable=True)
    expired = Boolean(required=True)
    created_at = timestamp(required=True)
    created_by = Integer(required=True, nullable=True)


class ShareList(Schema):
    """The project's share links (their secrets are never shown again)."""

    shares = ListOf(ShareOut, required=True)


class ShareCreated(Schema):
    id = ident()
    token = String(required=True, description="The secret, shown this once (tfs_...)")
    url = String(required=True, description="Opens the project in the frontend, no account")


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by add_member_routes), then the URL's values.
def list_members(kernel: TaskFlow, pid: int) -> dict:
    """The project's members: users (directly or through a team) and teams."""
    return members.members_of(kernel.db, pid)


def _set_member(kernel: TaskFlow, pid: int, kind: str, member_id: int) -> dict:
    """The body's role for the user or team: 201 when added, 200 when changed or kept."""
    actor = kernel.current_user()
    role = RoleBody.validate(json_body())["role"]
    if members.set_member(kernel, actor, pid, kind, member_id, role):
        response.status = 201
    return {"project_id": pid, members.MEMBER_KINDS[kind][1]: member_id, "role": role}


def set_member_user(kernel: TaskFlow, pid: int, uid: int) -> dict:
    """Give a user a role in the project (201 added, 200 changed)."""
    return _set_member(kernel, pid, "users", uid)


def remove_member_user(kernel: TaskFlow, pid: int, uid: int) -> HTTPResponse:
    """Remove a user's direct role in the project."""
    members.remove_member(kernel, kernel.current_user(), pid, "users", uid)
    return HTTPResponse(status=204)


def set_member_team(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Give a team a role in the project (201 added, 200 changed)."""
    return _set_member(kernel, pid, "teams", tid)


def remove_member_team(kernel: TaskFlow, pid: int, tid: int) -> HTTPResponse:
    """Remove a team's role in the project."""
    members.remove_member(kernel, kernel.current_user(), pid, "teams", tid)
    return HTTPResponse(status=204)


def list_shares(kernel: TaskFlow, pid: int) -> dict:
    """The project's share links, without their secrets."""
    return {"shares": share_links.list_shares(kernel.db, pid)}


def _frontend_url(kernel: TaskFlow, token: str) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}{kernel.url('/frontend')}#/share/{token}"


def create_share(kernel: TaskFlow, pid: int) -> dict:
    """A link that opens this project without an account (the secret is shown once)."""
    actor = kernel.current_user()
    values = ShareCreate.validate(json_body())
    share_id, token = share_links.create_share(kernel, actor, pid, values)
    response.status = 201
    return {"id": share_id, "token": token, "url": _frontend_url(kernel, token)}


def revoke_share(kernel: TaskFlow, pid: int, sid: int) -> HTTPResponse:
    """Revoke a share link: it stops working at once, on every server."""
    share_links.revoke_share(kernel, kernel.current_user(), pid, sid)
    return HTTPResponse(status=204)


# ---------------------------------------------------------------- routes
def _member_routes(kind: str, arg: str, set_handler: Callable[..., Any],
                   remove_handler: Callable[..., Any]) -> tuple[Route, Route]:
    """The PUT and DELETE rows of ``/<pid>/members/<kind>/<arg>``."""
    path = f"/<pid:int>/members/{kind}/<{arg}:int>"
    return (
        ("PUT", path, set_handler, dict(
            name=f"set_member_{kind[:-1]}", auth=True, role="owner", body=RoleBody,
            returns=MemberSet, responses=((201, "Added"), 409))),
        ("DELETE", path, remove_handler, dict(
            name=f"remove_member_{kind[:-1]}", auth=True, role="owner", status=204,
            responses=(409,))),
    )


#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/<pid:int>/members", list_members, dict(
        name="list_members", auth=True, role="viewer", returns=Members)),
    *_member_routes("users", "uid", set_member_user, remove_member_user),
    *_member_routes("teams", "tid", set_member_team, remove_member_team),
    ("GET", "/<pid:int>/shares", list_shares, dict(
        name="list_shares", auth=True, role="owner", returns=ShareList)),
    ("POST", "/<pid:int>/shares", create_share, dict(
        name="create_share", auth=True, role="owner", body=ShareCreate, status=201,
        returns=ShareCreated)),
    ("DELETE", "/<pid:int>/shares/<sid:int>", revoke_share, dict(
        name="revoke_share", auth=True, role="owner", status=204)),
)


def add_member_routes(app: Any, kernel: TaskFlow) -> None:
    """Register :data:`ROUTES` on ``app`` (the projects sub-app)."""
    add_routes(app, ROUTES, kernel)


__all__ = ["ROUTES", "add_member_routes", "members_of"]
