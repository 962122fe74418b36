"""``/api/users/``: team members (list, search, get, create, PUT, PATCH, DELETE, my tasks)."""

from __future__ import annotations

from lcore import Lcore, request, response

from .. import events
from .._db import IntegrityError
from .._directory import PUBLIC_COLUMNS, conflict_fields, public_user, raise_conflict
from .._errors import ApiError
from .._validation import Fields, json_body, pagination, query_choice
from .tasks import STATUSES, TASK_SELECT

ROLES = ("admin", "member")


def get_user_or_404(db, user_id: int) -> dict:
    row = db.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, f"User {user_id} not found")
    return public_user(row)


def build_users_app(kernel) -> Lcore:
    app = Lcore()
    limit_ = kernel.limits.limit
    # The seed's default limit, used by the listing and the search (a bucket each).
    default, window = kernel.config.rate_limit_default, kernel.config.rate_limit_window

    @app.get("/", name="list_users", auth=True)
    @limit_("users:list", default, window)
    def list_users():
        """List team members, optionally by role, a page at a time."""
        role = query_choice("role", ROLES)
        page, limit, offset = pagination()
        where, params = ("WHERE role = ?", [role]) if role else ("", [])
        db = kernel.db
        users = db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users {where} ORDER BY id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = db.count("users", "role = ?" if role else "", params)
        return {"users": kernel.represent("user", [public_user(u) for u in users]),
                "total": total, "page": page, "limit": limit}

    @app.get("/search", name="search_users", auth=True)
    @limit_("users:search", default, window)
    def search_users():
        """Users whose username or email contains ``q`` (case-insensitive)."""
        q = (request.query.get("q") or "").strip()
        if not q:
            raise ApiError(400, "q is required", fields={"q": "q is required"})
        if len(q) > 100:
            raise ApiError(400, "q must be at most 100 characters")
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        users = kernel.db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users WHERE lower(username) LIKE ? ESCAPE '\\'"
            " OR lower(email) LIKE ? ESCAPE '\\' ORDER BY id LIMIT 100", (pattern, pattern))
        return {"users": kernel.represent("user", [public_user(u) for u in users]),
                "total": len(users)}

    @app.get("/me/tasks", name="my_tasks", auth=True)
    def my_tasks():
        """Tasks assigned to the signed-in user across projects, soonest due first."""
        user = kernel.current_user()
        status = query_choice("status", STATUSES)
        page, limit, offset = pagination()
        where, params = "t.assignee_id = ?", [user["id"]]
        if status:
            where, params = where + " AND t.status = ?", [*params, status]
        db = kernel.db
        rows = db.fetchall(
            f"{TASK_SELECT.replace(' FROM tasks t', ', p.name AS project_name FROM tasks t')}"
            f" JOIN projects p ON p.id = t.project_id WHERE {where}"
            " ORDER BY t.due_date IS NULL, t.due_date, t.id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = db.scalar(f"SELECT COUNT(*) FROM tasks t WHERE {where}", params)
        return {"tasks": kernel.represent("task", rows), "total": total,
                "page": page, "limit": limit}

    @app.get("/<id:int>", name="get_user", auth=True)
    @limit_("users:get", 200, 60)
    def get_user(id):
        """Fetch a team member by id."""
        return kernel.represent("user", [get_user_or_404(kernel.db, id)])[0]

    @app.post("/", name="create_user", auth="users:create")
    @limit_("users:create", 20, 60)
    def create_user_route():
        """Invite a new team member (admin)."""
        actor = kernel.current_user()
        data = json_body()
        f = Fields(data)
        f.username(required=True)
        f.email("email", required=True)
        f.choice("role", ROLES)
        f.password(required=True, policy=lambda pw: kernel.users.password_problem(
            pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
        user = kernel.users.create(f.result(), actor=actor)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "created": True}

    @app.put("/<id:int>", name="update_user", auth=True)
    @limit_("users:update", 50, 60)
    def update_user(id):
        """Replace username and email (admin, or the user themself)."""
        actor = kernel.require("users:update", id)
        f = Fields(json_body())
        f.username(required=True)
        f.email("email", required=True)
        _apply_update(kernel, id, f.result(), actor)
        return {"id": id, "updated": True}

    @app.patch("/<id:int>", name="patch_user", auth="users:patch")
    @limit_("users:update", 50, 60)
    def patch_user(id):
        """Change some of username, email, role, is_active (admin)."""
        actor = kernel.current_user()
        data = json_body()
        allowed = ("username", "email", "role", "is_active")
        if not any(k in data for k in allowed):
            raise ApiError(400, "No valid field to update (allowed: " + ", ".join(allowed) + ")")
        f = Fields(data)
        f.username()
        f.email("email")
        f.choice("role", ROLES)
        f.boolean("is_active")
        values = f.result()
        if actor["id"] == id and (values.get("role") == "member"
                                  or values.get("is_active") is False):
            raise ApiError(409, "You cannot demote or deactivate your own account; "
                                "ask another admin")
        if "is_active" in values:
            values["is_active"] = int(values["is_active"])
        _apply_update(kernel, id, values, actor)
        return {"id": id, "patched": True, "fields": list(values)}

    @app.delete("/<id:int>", name="delete_user", auth="users:delete")
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
            raise ApiError(409, f"User {id} is still referenced by {', '.join(refs)}; "
                                "deactivate the user instead (PATCH is_active=false)")
        try:
            with db.transaction():
                db.delete("users", id)
                kernel.emit(events.UserDeleted(actor=actor, user=user))
        except IntegrityError:  # referenced from a plugin's table
            raise ApiError(409, f"User {id} is still referenced by other records; "
                                "deactivate the user instead (PATCH is_active=false)") from None
        return {"id": id, "deleted": True}

    return app


def _apply_update(kernel, user_id: int, values: dict, actor: dict) -> None:
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
