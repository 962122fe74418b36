"""``/api/users/``: team members (list, search, get, create, PUT, PATCH, DELETE)."""

from __future__ import annotations

from lcore import Lcore, ctx, hash_password, request, response

from .. import events
from .._db import IntegrityError
from .._errors import ApiError
from .._ratelimit import rate_limited
from .._validation import Fields, json_body, pagination, query_choice

ROLES = ("admin", "member")
PUBLIC_COLUMNS = "id, username, email, role, is_active, avatar, created_at, updated_at"


def public_user(row: dict | None) -> dict | None:
    """A user row without its password hash, ``is_active`` as a boolean."""
    if row is None:
        return None
    row = {k: v for k, v in row.items() if k != "password_hash"}
    if "is_active" in row:
        row["is_active"] = bool(row["is_active"])
    return row


def get_user_or_404(db, user_id: int) -> dict:
    row = db.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, f"User {user_id} not found")
    return public_user(row)


def conflict_fields(db, values: dict, exclude_id: int | None = None) -> dict[str, str]:
    """409 field messages for a username or email already taken (case-insensitive)."""
    problems = {}
    for field in ("username", "email"):
        if field in values and db.fetchone(
                f"SELECT id FROM users WHERE lower({field}) = lower(?) AND id != ?",
                (values[field], exclude_id or 0)):
            problems[field] = f"{field} {values[field]!r} is already taken"
    return problems


def raise_conflict(problems: dict[str, str]) -> None:
    if problems:
        raise ApiError(409, "; ".join(problems.values()), fields=problems)


def create_user(kernel, values: dict, actor: dict | None, event: str) -> dict:
    """Insert a user (hashing the password) and fire ``event``; 409 on duplicates."""
    db = ctx.db
    raise_conflict(conflict_fields(db, values))
    row = {
        "username": values["username"], "email": values["email"],
        "role": values.get("role", "member"),
        "password_hash": hash_password(values["password"],
                                       iterations=kernel.config.password_iterations),
    }
    try:
        with db.transaction():
            user_id = db.insert("users", row)
    except IntegrityError:  # lost a race with a concurrent insert of the same name
        raise ApiError(409, "username or email is already taken") from None
    user = get_user_or_404(db, user_id)
    kernel.emit(event, actor or user, user=user)
    return user


def build_users_app(kernel) -> Lcore:
    app = Lcore()
    # The seed's default limit, used by the listing and the search (a bucket each).
    limit, window = kernel.config.rate_limit_default, kernel.config.rate_limit_window

    @app.get("/", name="list_users")
    @rate_limited(limit, per=window)
    def list_users():
        """List team members, optionally by role, a page at a time."""
        kernel.current_user()
        role = query_choice("role", ROLES)
        page, limit, offset = pagination()
        where, params = ("WHERE role = ?", [role]) if role else ("", [])
        users = ctx.db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users {where} ORDER BY id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = ctx.db.count("users", "role = ?" if role else "", params)
        return {"users": [public_user(u) for u in users], "total": total,
                "page": page, "limit": limit}

    @app.get("/search", name="search_users")
    @rate_limited(limit, per=window)
    def search_users():
        """Users whose username or email contains ``q`` (case-insensitive)."""
        kernel.current_user()
        q = (request.query.get("q") or "").strip()
        if not q:
            raise ApiError(400, "q is required", fields={"q": "q is required"})
        if len(q) > 100:
            raise ApiError(400, "q must be at most 100 characters")
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        users = ctx.db.fetchall(
            f"SELECT {PUBLIC_COLUMNS} FROM users WHERE lower(username) LIKE ? ESCAPE '\\'"
            " OR lower(email) LIKE ? ESCAPE '\\' ORDER BY id LIMIT 100", (pattern, pattern))
        return {"users": [public_user(u) for u in users], "total": len(users)}

    @app.get("/<id:int>", name="get_user")
    @rate_limited(200, per=60)
    def get_user(id):
        """Fetch a team member by id."""
        kernel.current_user()
        return get_user_or_404(ctx.db, id)

    @app.post("/", name="create_user")
    @rate_limited(20, per=60)
    def create_user_route():
        """Invite a new team member (admin)."""
        actor = kernel.require("users:create")
        f = Fields(json_body())
        f.username(required=True)
        f.email("email", required=True)
        f.password(required=True)
        f.choice("role", ROLES)
        user = create_user(kernel, f.result(), actor, events.USER_CREATED)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "created": True}

    @app.put("/<id:int>", name="update_user")
    @rate_limited(50, per=60)
    def update_user(id):
        """Replace username and email (admin, or the user themself)."""
        kernel.require("users:update", id)
        f = Fields(json_body())
        f.username(required=True)
        f.email("email", required=True)
        values = f.result()
        _apply_update(ctx.db, id, values)
        return {"id": id, "updated": True}

    @app.patch("/<id:int>", name="patch_user")
    @rate_limited(50, per=60)
    def patch_user(id):
        """Change some of username, email, role, is_active (admin)."""
        actor = kernel.require("users:patch", id)
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
        _apply_update(ctx.db, id, values)
        return {"id": id, "patched": True, "fields": list(values)}

    @app.delete("/<id:int>", name="delete_user")
    @rate_limited(10, per=60)
    def delete_user(id):
        """Remove a team member who is no longer referenced (admin)."""
        actor = kernel.require("users:delete", id)
        db = ctx.db
        get_user_or_404(db, id)
        if actor and actor.get("id") == id:
            raise ApiError(409, "You cannot delete your own account")
        refs = _references(db, id)
        if refs:
            raise ApiError(409, f"User {id} is still referenced by {', '.join(refs)}; "
                                "deactivate the user instead (PATCH is_active=false)")
        try:
            with db.transaction():
                db.delete("users", id)
        except IntegrityError:  # referenced from a plugin's table
            raise ApiError(409, f"User {id} is still referenced by other records; "
                                "deactivate the user instead (PATCH is_active=false)") from None
        return {"id": id, "deleted": True}

    return app


def _apply_update(db, user_id: int, values: dict) -> None:
    get_user_or_404(db, user_id)
    raise_conflict(conflict_fields(db, values, exclude_id=user_id))
    try:
        with db.transaction():
            db.update("users", user_id, values)
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
