"""``/api/users/``: team members (list, search, get, create, PUT, PATCH, DELETE, my tasks):
the declared queries, bodies and replies, and the handlers, registered from
:data:`ROUTES` (with their rate limits).

The handlers read the request (route values, query, body, caller) and answer;
the queries and rules they call are in ``_domain/users.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import Lcore, response

from .._domain import users
from .._domain.task_list import COUNT_CAP
from .._errors import ApiError
from .._routetable import Route, add_routes
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


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_users_app), then the URL's values.
def list_users(kernel: TaskFlow) -> dict:
    """List team members, optionally by role, a page at a time."""
    args = UserListQuery.validate()
    role, page, limit = args.get("role"), args["page"], args["limit"]
    shown, total = users.list_users(kernel, role, limit, (page - 1) * limit)
    return {"users": shown, "total": total, "page": page, "limit": limit}


def search_users(kernel: TaskFlow) -> dict:
    """Users whose username (admins: or email) contains ``q`` (case-insensitive)."""
    q = UserSearchQuery.validate()["q"]
    found = users.search_users(kernel, q)
    return {"users": found, "total": len(found)}


def my_tasks(kernel: TaskFlow) -> dict:
    """Tasks assigned to the signed-in user across projects, soonest due first."""
    user = kernel.current_user()
    args = MyTasksQuery.validate()
    status, page, limit = args.get("status"), args["page"], args["limit"]
    rows, (total, estimate) = users.assigned_tasks(kernel, user["id"], status, limit,
                                                   (page - 1) * limit)
    return {"tasks": kernel.represent("task", rows), "total": total,
            "total_is_estimate": estimate, "page": page, "limit": limit}


def get_me(kernel: TaskFlow) -> dict:
    """The signed-in user with their own settings (``timezone``, ``language``)."""
    return users.profile(kernel, kernel.current_user()["id"])


def patch_me(kernel: TaskFlow) -> dict:
    """Change the signed-in user's own settings (``timezone``, ``language``)."""
    user = kernel.current_user()
    values = MyProfilePatch.validate(json_body())
    row = users.update_profile(kernel, user["id"], values)
    return {"id": user["id"], **row, "patched": True, "fields": list(values)}


def get_user(kernel: TaskFlow, id: int) -> dict:
    """Fetch a team member by id."""
    shown = users.visible_user(kernel, id)
    me = kernel.current_user()
    if me.get("id") == id:  # one's own language is one's own business (i18n contract)
        shown["language"] = me.get("language")
    return shown


def create_user(kernel: TaskFlow) -> dict:
    """Invite a new team member (admin)."""
    actor = kernel.current_user()
    data = json_body()
    values = UserCreate.validate(data, password=lambda pw: kernel.users.password_problem(
        pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
    user = kernel.users.create(values, actor=actor)
    response.status = 201
    return {"id": user["id"], "username": user["username"], "created": True}


def update_user(kernel: TaskFlow, id: int) -> dict:
    """Replace username and email (admin, or the user themself)."""
    actor = kernel.require("users:update", id)
    users.apply_update(kernel, id, UserReplace.validate(json_body()), actor)
    return {"id": id, "updated": True}


def patch_user(kernel: TaskFlow, id: int) -> dict:
    """Change some of username, email, role, is_active (admin)."""
    actor = kernel.current_user()
    data = json_body()
    allowed = tuple(UserPatch.fields)
    if not any(k in data for k in allowed):
        raise ApiError(400, "No valid field to update (allowed: {allowed})",
                       params={"allowed": ", ".join(allowed)})
    values = UserPatch.validate(data)
    users.check_own_patch(actor, id, values)
    if "is_active" in values:
        values["is_active"] = int(values["is_active"])
    users.apply_update(kernel, id, values, actor)
    return {"id": id, "patched": True, "fields": list(values)}


def delete_user(kernel: TaskFlow, id: int) -> dict:
    """Remove a team member who is no longer referenced (admin)."""
    users.delete_user(kernel, kernel.current_user(), id)
    return {"id": id, "deleted": True}


# ---------------------------------------------------------------- routes
USER = "/<id:int>"
TAKEN = (409, "The username or email is taken")
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's);
#: ``limit=``: a ``None`` limit and period are the seed's default (``rate_limit_default``
#: per ``rate_limit_window``), used by the listing and the search (a bucket each).
ROUTES: tuple[Route, ...] = (
    ("GET", "/", list_users, dict(
        name="list_users", auth=True, query=UserListQuery, returns=UserPage,
        limit=("users:list", None, None))),
    ("GET", "/search", search_users, dict(
        name="search_users", auth=True, query=UserSearchQuery, returns=UserMatches,
        limit=("users:search", None, None))),
    ("GET", "/me/tasks", my_tasks, dict(
        name="my_tasks", auth=True, query=MyTasksQuery, returns=MyTaskPage)),
    ("GET", "/me", get_me, dict(name="get_me", auth=True, returns=MyProfile)),
    ("PATCH", "/me", patch_me, dict(
        name="patch_me", auth=True, body=MyProfilePatch, returns=MyProfilePatched,
        limit=("users:update", 50, 60))),
    ("GET", USER, get_user, dict(
        name="get_user", auth=True, returns=UserOut, limit=("users:get", 200, 60))),
    ("POST", "/", create_user, dict(
        name="create_user", auth="users:create", body=UserCreate, status=201,
        returns=UserCreated, responses=(TAKEN,), limit=("users:create", 20, 60))),
    ("PUT", USER, update_user, dict(
        name="update_user", auth=True, body=UserReplace, returns=Updated,
        responses=(403, TAKEN), limit=("users:update", 50, 60))),
    ("PATCH", USER, patch_user, dict(
        name="patch_user", auth="users:patch", body=UserPatch, returns=UserPatched,
        responses=((409, "The username or email is taken, or you demote or deactivate "
                         "yourself"),), limit=("users:update", 50, 60))),
    ("DELETE", USER, delete_user, dict(
        name="delete_user", auth="users:delete", returns=Deleted,
        responses=((409, "The user is still referenced: deactivate instead"),),
        limit=("users:delete", 10, 60))),
)

def build_users_app(kernel: TaskFlow) -> Lcore:
    """The ``/api/users/`` sub-app: :data:`ROUTES`."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    return app


__all__ = ["ROUTES", "build_users_app"]
