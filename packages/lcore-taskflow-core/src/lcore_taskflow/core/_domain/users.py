"""Users: their queries and rules (the handlers: ``_api/users.py``).

Listing, search and lookup show users as the caller may see them (emails
hidden from non-admins, plugins' fields added); a user's own settings
(``timezone``, ``language``); updates with their events; deletion, refused
while anything still references the user.
"""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Any, cast

from .. import events
from .._db import IntegrityError
from .._directory import PUBLIC_COLUMNS, conflict_fields, public_user, raise_conflict
from .._errors import ApiError
from .._i18n import Message, languages
from .task_list import bounded_total
from .tasks import TASK_SELECT

if TYPE_CHECKING:
    from .. import TaskFlow


def get_user_or_404(db, user_id: int) -> dict:
    """The user's public fields, or 404."""
    row = db.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, "User {user_id} not found", params={"user_id": user_id})
    return public_user(row)


def shown(kernel: TaskFlow, rows: list[dict]) -> list[dict]:
    """The users as the caller may see them (emails hidden), with plugins' fields."""
    access = kernel.access()
    return kernel.represent("user", [access.shown_user(public_user(u)) for u in rows])


def check_language(kernel: TaskFlow, code: str | None) -> str | None:
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


# ---------------------------------------------------------------- reads
def list_users(kernel: TaskFlow, role: str | None, limit: int,
               offset: int) -> tuple[list[dict], int]:
    """A page of the users the caller can see (of ``role``, if given), by id, and their total."""
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
    return shown(kernel, users), total


def search_users(kernel: TaskFlow, q: str) -> list[dict]:
    """At most 100 users whose username (admins: or email) contains ``q``, by id."""
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
    return shown(kernel, users)


def visible_user(kernel: TaskFlow, user_id: int) -> dict:
    """The user as the caller may see them; 404 when the caller may not see them at all."""
    visible, params = kernel.access().users_where()
    if visible and not kernel.db.fetchone(f"SELECT id FROM users WHERE id = ? AND {visible}",
                                          (user_id, *params)):
        raise ApiError(404, "User {id} not found", params={"id": user_id})
    return shown(kernel, [get_user_or_404(kernel.db, user_id)])[0]


def assigned_tasks(kernel: TaskFlow, user_id: int, status: str | None, limit: int,
                   offset: int) -> tuple[list[dict], tuple[int, bool]]:
    """A page of the tasks assigned to the user in projects the caller can see, soonest
    due first (each with ``project_name``), and their bounded total."""
    conditions: list[str] = ["t.assignee_id = ?"]
    params: list[Any] = [user_id]
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
    return rows, bounded_total(db, source, params, len(rows), offset, limit)


def profile(kernel: TaskFlow, user_id: int) -> dict:
    """The user as the caller sees them, with their ``timezone`` and ``language``."""
    row = kernel.db.fetchone(f"SELECT {PUBLIC_COLUMNS}, timezone, language FROM users"
                             " WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, "User {id} not found", params={"id": user_id})
    return {**shown(kernel, [row])[0], "timezone": row["timezone"],
            "language": row["language"]}


# --------------------------------------------------------------- writes
def update_profile(kernel: TaskFlow, user_id: int, values: dict) -> dict:
    """Store the user's validated settings (``timezone``, ``language``; at least one)
    after checking them; the stored ``timezone`` and ``language``."""
    if not values:
        raise ApiError(422, "Give timezone or language", fields={
            "timezone": Message("is required"), "language": Message("is required")})
    if "timezone" in values:
        values["timezone"] = check_timezone(values["timezone"])
    if "language" in values:
        values["language"] = check_language(kernel, values["language"])
    assignments = ", ".join(f"{name} = ?" for name in values)
    kernel.db.execute(f"UPDATE users SET {assignments} WHERE id = ?",
                      (*values.values(), user_id))
    return cast("dict[str, Any]", kernel.db.fetchone(
        "SELECT timezone, language FROM users WHERE id = ?", (user_id,)))


def check_own_patch(actor: dict, user_id: int, values: dict) -> None:
    """409 when an admin would demote or deactivate their own account."""
    if actor["id"] == user_id and (values.get("role") == "member"
                                   or values.get("is_active") is False):
        raise ApiError(409, "You cannot demote or deactivate your own account; "
                            "ask another admin")


def apply_update(kernel: TaskFlow, user_id: int, values: dict, actor: dict) -> None:
    """Write the changed fields; emit user.updated (and user.deactivated)."""
    db = kernel.db
    before = get_user_or_404(db, user_id)
    raise_conflict(conflict_fields(db, values, exclude_id=user_id))
    as_shown = {**values, **({"is_active": bool(values["is_active"])} if "is_active" in values
                             else {})}
    changes = {k: [before[k], v] for k, v in as_shown.items() if before.get(k) != v}
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


def references(db, user_id: int) -> list[str]:
    """What still refers to the user (labels for the 409 of a deletion)."""
    checks = (
        ("projects they own", "SELECT 1 FROM projects WHERE owner_id = ? LIMIT 1"),
        ("tasks assigned to them", "SELECT 1 FROM tasks WHERE assignee_id = ? LIMIT 1"),
        ("tasks they created", "SELECT 1 FROM tasks WHERE creator_id = ? LIMIT 1"),
        ("their comments", "SELECT 1 FROM comments WHERE user_id = ? LIMIT 1"),
    )
    return [label for label, sql in checks if db.fetchone(sql, (user_id,))]


def delete_user(kernel: TaskFlow, actor: dict, user_id: int) -> None:
    """Delete a user no longer referenced (not oneself); emit user.deleted."""
    db = kernel.db
    user = get_user_or_404(db, user_id)
    if actor.get("id") == user_id:
        raise ApiError(409, "You cannot delete your own account")
    refs = references(db, user_id)
    if refs:
        raise ApiError(409, "User {id} is still referenced by {refs}; "
                            "deactivate the user instead (PATCH is_active=false)",
                       params={"id": user_id, "refs": ", ".join(refs)})
    try:
        with db.transaction():
            db.delete("users", user_id)
            kernel.emit(events.UserDeleted(actor=actor, user=user))
    except IntegrityError:  # referenced from a plugin's table
        raise ApiError(409, "User {id} is still referenced by other records; "
                            "deactivate the user instead (PATCH is_active=false)",
                       params={"id": user_id}) from None
