"""``/api/users/``: team members (list, search, get, create, PUT, PATCH, DELETE, my tasks)."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from lcore import Lcore, response

from .. import events
from .._db import IntegrityError
from .._directory import PUBLIC_COLUMNS, conflict_fields, public_user, raise_conflict
from .._domain.task_list import COUNT_CAP, bounded_total
from .._domain.tasks import TASK_SELECT
from .._errors import ApiError
from .._i18n import Message, languages
from .._schema import (
    Boolean,
    Choice,
    Email,
    Integer,
    ListOf,
    Password,
    Query,
    Schema,
    String,
    Text,
    Username,
)
from .._validation import Page, json_body
from .replies import ROLES, TASK_STATUSES, Deleted, Paged, TaskOut, Updated, UserOut, ident

if TYPE_CHECKING:
    from .. import TaskFlow


class UserListQuery(Page):
    role = Choice(ROLES)


class UserSearchQuery(Query):
    q = Text(required=True, max_len=100, description="Part of a username or email address")


class MyTasksQuery(Page):
    status = Choice(TASK_STATUSES)


class UserCreate(Schema):
    """A new team member."""

    username = Username(required=True)
    email = Email(required=True)
    role = Choice(ROLES)
    password = Password(required=True, policy=True)


class UserReplace(Schema):
    """A user's username and email."""

    username = Username(required=True)
    email = Email(required=True)


class UserPatch(Schema):
    """Some of a user's fields (at least one)."""

    username = Username()
    email = Email()
    role = Choice(ROLES)
    is_active = Boolean()


class UserPage(Paged):
    """A page of users."""

    users = ListOf(UserOut, required=True)


class UserMatches(Schema):
    """Users that match a search (at most 100)."""

    users = ListOf(UserOut, required=True)
    total = Integer(required=True, minimum=0)


class MyTask(TaskOut):
    """A task assigned to the signed-in user, with its project's name."""

    project_name = String(required=True)


class MyTaskPage(Paged):
    """A page of the signed-in user's tasks."""

    tasks = ListOf(MyTask, required=True)
    total_is_estimate = Boolean(required=True, description=(
        f"true when the user has more than {COUNT_CAP} such tasks: total is then "
        f"{COUNT_CAP}, a lower bound (show \"{COUNT_CAP:,}+\"); later pages are still served"))


class MyProfilePatch(Schema):
    """The signed-in user's own settings (at least one)."""

    timezone = Text(max_len=64,
                    description="An IANA time zone name (Europe/Berlin); the daily digest "
                                "follows it")
    language = Text(nullable=True, max_len=35, description=(
        "A language of GET /api/i18n (de, en); null: the browser's Accept-Language decides. "
        "API messages and emails follow it"))


class MyProfilePatched(Schema):
    id = ident()
    timezone = String(required=True, nullable=True)
    language = String(required=True, nullable=True)
    patched = Boolean(required=True)
    # named like Schema's class attribute ``fields``: collected before it is set
    fields = ListOf(String(), required=True)  # type: ignore[assignment]


class MyProfile(UserOut):
    """The signed-in user, with their own settings."""

    timezone = String(required=True, nullable=True, description="null: UTC")
    language = String(required=True, nullable=True,
                      description="null: the browser's Accept-Language decides")


def check_language(kernel, code: str | None) -> str | None:
    """``code`` if a catalog provides it (``None`` clears it); else a 422 naming the field."""
    available = languages(kernel)
    if code is None or code in available:
        return code
    raise ApiError(422, "Validation failed", fields={"language": Message(
        "unsupported language {code} (one of: {codes})", code=repr(code),
        codes=", ".join(available))})


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA zone this system knows; else a 422 naming the field."""
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ApiError(422, "Validation failed", fields={"timezone": Message(
            "unknown time zone {name} (an IANA name such as Europe/Berlin)", name=repr(name))},
        ) from None
    return name


class UserCreated(Schema):
    id = ident()
    username = String(required=True)
    created = Boolean(required=True)


class UserPatched(Schema):
    id = ident()
    patched = Boolean(required=True)
    # named like Schema's class attribute ``fields``: collected before it is set
    fields = ListOf(String(), required=True,  # type: ignore[assignment]
                    description="The fields that were given")


def get_user_or_404(db, user_id: int) -> dict:
    row = db.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, "User {user_id} not found", params={"user_id": user_id})
    return public_user(row)


def _shown(kernel: TaskFlow, rows: list[dict]) -> list[dict]:
    """The users as the caller may see them (emails hidden), with plugins' fields."""
    access = kernel.access()
    return kernel.represent("user", [access.shown_user(public_user(u)) for u in rows])


def build_users_app(kernel: TaskFlow) -> Lcore:
    app = Lcore()
    limit_ = kernel.limits.limit
    # The seed's default limit, used by the listing and the search (a bucket each).
    default, window = kernel.config.rate_limit_default, kernel.config.rate_limit_window

    @app.get("/", name="list_users", auth=True, query=UserListQuery, returns=UserPage)
    @limit_("users:list", default, window)
    def list_users():
        """List team members, optionally by role, a page at a time."""
        args = UserListQuery.validate()
        role, page, limit = args.get("role"), args["page"], args["limit"]
        offset = (page - 1) * limit
        conditions, params = (["role = ?"], [role]) if role else ([], [])
        visible, extra = kernel.access().users_where()
        if visible:
            conditions.append(visible)
            params += extra
        where = " AND ".join(conditions)
        db = kernel.db
        users = db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users {'WHERE ' + where if where else ''}"
            " ORDER BY id LIMIT ? OFFSET ?", (*params, limit, offset))
        total = db.count("users", where, params)
        return {"users": _shown(kernel, users), "total": total, "page": page, "limit": limit}

    @app.get("/search", name="search_users", auth=True, query=UserSearchQuery,
             returns=UserMatches)
    @limit_("users:search", default, window)
    def search_users():
        """Users whose username (admins: or email) contains ``q`` (case-insensitive)."""
        q = UserSearchQuery.validate()["q"]
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        access = kernel.access()
        # Only admins may find people by address: a match would reveal it.
        match = ("(lower(username) LIKE ? ESCAPE '\\' OR lower(email) LIKE ? ESCAPE '\\')"
                 if access.admin else "lower(username) LIKE ? ESCAPE '\\'")
        params = [pattern, pattern] if access.admin else [pattern]
        visible, extra = access.users_where()
        if visible:
            match, params = f"{match} AND {visible}", [*params, *extra]
        users = kernel.db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users WHERE {match} ORDER BY id LIMIT 100", params)
        return {"users": _shown(kernel, users), "total": len(users)}

    @app.get("/me/tasks", name="my_tasks", auth=True, query=MyTasksQuery, returns=MyTaskPage)
    def my_tasks():
        """Tasks assigned to the signed-in user across projects, soonest due first."""
        user = kernel.current_user()
        args = MyTasksQuery.validate()
        status, page, limit = args.get("status"), args["page"], args["limit"]
        offset = (page - 1) * limit
        conditions, params = ["t.assignee_id = ?"], [user["id"]]
        if status:
            conditions.append("t.status = ?")
            params.append(status)
        kernel.access().and_where(conditions, params, "p.id", visibility="p.visibility")
        where = " AND ".join(conditions)
        db = kernel.db
        # No COUNT(*) OVER (): a window makes SQLite sort every task of the user
        # instead of walking idx_tasks_assignee_due (migration 0013) for one page.
        columns, joins = TASK_SELECT.split(" FROM", 1)
        source = f"tasks t JOIN projects p ON p.id = t.project_id WHERE {where}"
        rows = db.fetchall(
            f"{columns}, p.name AS project_name FROM{joins} JOIN projects p"
            f" ON p.id = t.project_id WHERE {where}"
            " ORDER BY t.due_date IS NULL, t.due_date, t.id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total, estimate = bounded_total(db, source, params, len(rows), offset, limit)
        return {"tasks": kernel.represent("task", rows), "total": total,
                "total_is_estimate": estimate, "page": page, "limit": limit}

    @app.get("/me", name="get_me", auth=True, returns=MyProfile)
    def get_me():
        """The signed-in user with their own settings (``timezone``, ``language``)."""
        user = kernel.current_user()
        row = kernel.db.fetchone(f"SELECT {PUBLIC_COLUMNS}, timezone, language FROM users"
                                 " WHERE id = ?", (user["id"],))
        if row is None:
            raise ApiError(404, "User {id} not found", params={"id": user["id"]})
        return {**_shown(kernel, [row])[0], "timezone": row["timezone"],
                "language": row["language"]}

    @app.patch("/me", name="patch_me", auth=True, body=MyProfilePatch,
               returns=MyProfilePatched)
    @limit_("users:update", 50, 60)
    def patch_me():
        """Change the signed-in user's own settings (``timezone``, ``language``)."""
        user = kernel.current_user()
        values = MyProfilePatch.validate(json_body())
        if not values:
            raise ApiError(422, "Give timezone or language", fields={
                "timezone": Message("is required"), "language": Message("is required")})
        if "timezone" in values:
            values["timezone"] = check_timezone(values["timezone"])
        if "language" in values:
            values["language"] = check_language(kernel, values["language"])
        assignments = ", ".join(f"{name} = ?" for name in values)
        kernel.db.execute(f"UPDATE users SET {assignments} WHERE id = ?",
                          (*values.values(), user["id"]))
        row = kernel.db.fetchone("SELECT timezone, language FROM users WHERE id = ?",
                                 (user["id"],))
        return {"id": user["id"], **row, "patched": True, "fields": list(values)}

    @app.get("/<id:int>", name="get_user", auth=True, returns=UserOut)
    @limit_("users:get", 200, 60)
    def get_user(id):
        """Fetch a team member by id."""
        visible, params = kernel.access().users_where()
        if visible and not kernel.db.fetchone(f"SELECT id FROM users WHERE id = ? AND {visible}",
                                              (id, *params)):
            raise ApiError(404, "User {id} not found", params={"id": id})
        shown = _shown(kernel, [get_user_or_404(kernel.db, id)])[0]
        me = kernel.current_user()
        if me.get("id") == id:  # one's own language is one's own business (i18n contract)
            shown["language"] = me.get("language")
        return shown

    @app.post("/", name="create_user", auth="users:create", body=UserCreate, status=201,
              returns=UserCreated, responses=((409, "The username or email is taken"),))
    @limit_("users:create", 20, 60)
    def create_user_route():
        """Invite a new team member (admin)."""
        actor = kernel.current_user()
        data = json_body()
        values = UserCreate.validate(data, password=lambda pw: kernel.users.password_problem(
            pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
        user = kernel.users.create(values, actor=actor)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "created": True}

    @app.put("/<id:int>", name="update_user", auth=True, body=UserReplace, returns=Updated,
             responses=(403, (409, "The username or email is taken")))
    @limit_("users:update", 50, 60)
    def update_user(id):
        """Replace username and email (admin, or the user themself)."""
        actor = kernel.require("users:update", id)
        _apply_update(kernel, id, UserReplace.validate(json_body()), actor)
        return {"id": id, "updated": True}

    @app.patch("/<id:int>", name="patch_user", auth="users:patch", body=UserPatch,
               returns=UserPatched, responses=(
                   (409, "The username or email is taken, or you demote or deactivate "
                         "yourself"),))
    @limit_("users:update", 50, 60)
    def patch_user(id):
        """Change some of username, email, role, is_active (admin)."""
        actor = kernel.current_user()
        data = json_body()
        allowed = tuple(UserPatch.fields)
        if not any(k in data for k in allowed):
            raise ApiError(400, "No valid field to update (allowed: {allowed})",
                           params={"allowed": ", ".join(allowed)})
        values = UserPatch.validate(data)
        if actor["id"] == id and (values.get("role") == "member"
                                  or values.get("is_active") is False):
            raise ApiError(409, "You cannot demote or deactivate your own account; "
                                "ask another admin")
        if "is_active" in values:
            values["is_active"] = int(values["is_active"])
        _apply_update(kernel, id, values, actor)
        return {"id": id, "patched": True, "fields": list(values)}

    @app.delete("/<id:int>", name="delete_user", auth="users:delete", returns=Deleted,
                responses=((409, "The user is still referenced: deactivate instead"),))
    @limit_("users:delete", 10, 60)
    def delete_user(id):
        """Remove a team member who is no longer referenced (admin)."""
        actor = kernel.current_user()
        db = kernel.db
        user = get_user_or_404(db, id)
        if actor.get("id") == id:
            raise ApiError(409, "You cannot delete your own account")
        refs = _references(db, id)
        if refs:
            raise ApiError(409, "User {id} is still referenced by {refs}; "
                                "deactivate the user instead (PATCH is_active=false)",
                           params={"id": id, "refs": ", ".join(refs)})
        try:
            with db.transaction():
                db.delete("users", id)
                kernel.emit(events.UserDeleted(actor=actor, user=user))
        except IntegrityError:  # referenced from a plugin's table
            raise ApiError(409, "User {id} is still referenced by other records; "
                                "deactivate the user instead (PATCH is_active=false)",
                           params={"id": id}) from None
        return {"id": id, "deleted": True}

    return app


def _apply_update(kernel: TaskFlow, user_id: int, values: dict, actor: dict) -> None:
    """Write the changed fields; emit user.updated (and user.deactivated)."""
    db = kernel.db
    before = get_user_or_404(db, user_id)
    raise_conflict(conflict_fields(db, values, exclude_id=user_id))
    shown = {**values, **({"is_active": bool(values["is_active"])} if "is_active" in values
                          else {})}
    changes = {k: [before[k], v] for k, v in shown.items() if before.get(k) != v}
    if not changes:
        return
    deactivated = changes.get("is_active") == [True, False]
    try:
        with db.transaction():
            update = {k: values[k] for k in changes}
            db.update("users", user_id, update)
            if deactivated:  # every token of a deactivated user dies, even after reactivation
                db.execute("UPDATE users SET token_generation = token_generation + 1"
                           " WHERE id = ?", (user_id,))
            user = get_user_or_404(db, user_id)
            kernel.emit(events.UserUpdated(actor=actor, user=user, changes=changes))
            if deactivated:
                kernel.emit(events.UserDeactivated(actor=actor, user=user))
    except IntegrityError:
        raise ApiError(409, "username or email is already taken") from None


def _references(db, user_id: int) -> list[str]:
    checks = (
        ("projects they own", "SELECT 1 FROM projects WHERE owner_id = ? LIMIT 1"),
        ("tasks assigned to them", "SELECT 1 FROM tasks WHERE assignee_id = ? LIMIT 1"),
        ("tasks they created", "SELECT 1 FROM tasks WHERE creator_id = ? LIMIT 1"),
        ("their comments", "SELECT 1 FROM comments WHERE user_id = ? LIMIT 1"),
    )
    return [label for label, sql in checks if db.fetchone(sql, (user_id,))]
