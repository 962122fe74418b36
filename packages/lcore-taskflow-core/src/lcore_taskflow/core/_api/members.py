"""A project's members (users and teams, with roles) and its share links.

Under ``/api/projects/<pid>/``: any viewer lists the members; owners (and
admins) change them and manage share links.  Removing or demoting the last
owner is refused (409): a project always has someone who can manage it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from lcore import HTTPResponse, request, response

from .. import _shares, events
from .._errors import ApiError
from .._i18n import N_, Message
from .._roles import RANK, ROLES, SHARE_ROLES
from .._schema import Boolean, Choice, Integer, ListOf, Number, Schema, String, Text
from .._validation import json_body
from .replies import ident, timestamp

NO_CONTENT = ((204, "Done; no body"),)


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


def _guard_last_owner(db, project_id: int, old_role: str | None, new_role: str | None) -> None:
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


# path segment -> (table, id column, name lookup, the name's key in the event's member row)
MEMBER_KINDS = {
    "users": ("project_members", "user_id", "SELECT username AS name, is_active AS active"
              " FROM users WHERE id = ?", "username"),
    "teams": ("project_teams", "team_id", "SELECT name, 1 AS active FROM teams WHERE id = ?",
              "name"),
}


def _share_out(row: dict) -> dict:
    row["expired"] = bool(row["expires_at"] is not None and row["expires_at"] <= time.time())
    return row


def _frontend_url(kernel, token: str) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}{kernel.url('/frontend')}#/share/{token}"


def add_member_routes(app, kernel) -> None:

    @app.get("/<pid:int>/members", name="list_members", auth=True, role="viewer",
             returns=Members)
    def list_members(pid):
        """The project's members: users (directly or through a team) and teams."""
        return members_of(kernel.db, pid)

    def set_member(pid, kind, member_id):
        table, column, lookup, label = MEMBER_KINDS[kind]
        actor = kernel.current_user()
        role = RoleBody.validate(json_body())["role"]
        db = kernel.db
        with db.transaction():
            project = kernel.access().project(pid, "owner")
            found = db.fetchone(lookup, (member_id,))
            if found is None or not found["active"]:
                missing = N_("User {id} not found") if kind == "users" \
                    else N_("Team {id} not found")
                raise ApiError(404, missing, params={"id": member_id})
            old = db.scalar(f"SELECT role FROM {table} WHERE project_id = ? AND {column} = ?",
                            (pid, member_id))
            _guard_last_owner(db, pid, old, role)
            member = {column: member_id, label: found["name"], "role": role}
            info = {"id": pid, "name": project["name"]}
            if old is None:
                db.execute(f"INSERT INTO {table} (project_id, {column}, role, created_at)"
                           " VALUES (?, ?, ?, ?)", (pid, member_id, role, time.time()))
                kernel.emit(events.ProjectMemberAdded(actor=actor, project=info, member=member))
                response.status = 201
            elif old != role:
                db.execute(f"UPDATE {table} SET role = ? WHERE project_id = ? AND {column} = ?",
                           (role, pid, member_id))
                kernel.emit(events.ProjectMemberUpdated(actor=actor, project=info,
                                                        member=member, previous_role=old))
        kernel.access().forget(pid)
        return {"project_id": pid, column: member_id, "role": role}

    def remove_member(pid, kind, member_id):
        table, column, lookup, label = MEMBER_KINDS[kind]
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            project = kernel.access().project(pid, "owner")
            role = db.scalar(f"SELECT role FROM {table} WHERE project_id = ? AND {column} = ?",
                             (pid, member_id))
            if role is None:
                stranger = N_("User {id} is not a member of project {pid}") \
                    if kind == "users" else N_("Team {id} is not a member of project {pid}")
                raise ApiError(404, stranger, params={"id": member_id, "pid": pid})
            _guard_last_owner(db, pid, role, None)
            db.execute(f"DELETE FROM {table} WHERE project_id = ? AND {column} = ?",
                       (pid, member_id))
            name = db.scalar(lookup, (member_id,))
            kernel.emit(events.ProjectMemberRemoved(
                actor=actor, project={"id": pid, "name": project["name"]},
                member={column: member_id, label: name, "role": role}))
        kernel.access().forget(pid)
        return HTTPResponse(status=204)

    for kind, arg in (("users", "uid"), ("teams", "tid")):
        path = f"/<pid:int>/members/{kind}/<{arg}:int>"
        app.put(path, name=f"set_member_{kind[:-1]}", auth=True, role="owner", body=RoleBody,
                returns=MemberSet, responses=((201, "Added"), 409))(
            _bind(set_member, kind, arg))
        app.delete(path, name=f"remove_member_{kind[:-1]}", auth=True, role="owner",
                   status=204, responses=(409,))(_bind(remove_member, kind, arg))

    @app.get("/<pid:int>/shares", name="list_shares", auth=True, role="owner",
             returns=ShareList)
    def list_shares(pid):
        """The project's share links, without their secrets."""
        rows = kernel.db.fetchall(
            "SELECT id, role, label, expires_at, created_at, created_by FROM share_links"
            " WHERE project_id = ? ORDER BY id", (pid,))
        return {"shares": [_share_out(r) for r in rows]}

    @app.post("/<pid:int>/shares", name="create_share", auth=True, role="owner",
              body=ShareCreate, status=201, returns=ShareCreated)
    def create_share(pid):
        """A link that opens this project without an account (the secret is shown once)."""
        actor = kernel.current_user()
        values = ShareCreate.validate(json_body())
        expires = values.get("expires_at")
        if expires is not None and expires <= time.time():
            raise ApiError(422, "Validation failed",
                           fields={"expires_at": Message("must be in the future")})
        token, hashed = _shares.new_secret()
        db = kernel.db
        with db.transaction():
            project = kernel.access().project(pid, "owner")
            row = {"project_id": pid, "token_hash": hashed, "role": values.get("role", "viewer"),
                   "label": values.get("label") or "", "expires_at": expires,
                   "created_by": actor["id"]}
            share_id = db.insert("share_links", row)
            kernel.emit(events.ShareCreated(
                actor=actor, project={"id": pid, "name": project["name"]},
                share={"id": share_id, "role": row["role"], "label": row["label"],
                       "expires_at": expires}))
        response.status = 201
        return {"id": share_id, "token": token, "url": _frontend_url(kernel, token)}

    @app.delete("/<pid:int>/shares/<sid:int>", name="revoke_share", auth=True, role="owner",
                status=204)
    def revoke_share(pid, sid):
        """Revoke a share link: it stops working at once, on every server."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            project = kernel.access().project(pid, "owner")
            share = db.fetchone("SELECT id, role, label, expires_at FROM share_links"
                                " WHERE id = ? AND project_id = ?", (sid, pid))
            if share is None:
                raise ApiError(404, "Share link {sid} not found in project {pid}",
                               params={"sid": sid, "pid": pid})
            db.delete("share_links", sid)
            kernel.emit(events.ShareRevoked(
                actor=actor, project={"id": pid, "name": project["name"]}, share=share))
        return HTTPResponse(status=204)


def _bind(handler, kind: str, arg: str):
    """``handler(pid, kind, member_id)`` as a route callback taking ``pid`` and ``arg``."""
    def route(pid, **ids):
        return handler(pid, kind, ids[arg])
    route.__name__ = f"{handler.__name__}_{kind}"
    route.__doc__ = {
        ("set_member", "users"): "Give a user a role in the project (201 added, 200 changed).",
        ("set_member", "teams"): "Give a team a role in the project (201 added, 200 changed).",
        ("remove_member", "users"): "Remove a user's direct role in the project.",
        ("remove_member", "teams"): "Remove a team's role in the project.",
    }[(handler.__name__, kind)]
    return route


__all__ = ["add_member_routes", "members_of"]
