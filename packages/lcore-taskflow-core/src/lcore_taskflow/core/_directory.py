"""The users service (``kernel.users``): core owns the users table and passwords.

Plugins never query core's tables with their own SQL.  They read and change
users through this service, which returns the public user shape (never a
password hash) and emits the domain events of each change.  An identity
plugin (lcore-taskflow-auth) uses ``authenticate``, ``session``, ``revoke``
and ``revoke_all``: core stores the per-user token generation and a list of
revoked credential ids, the plugin decides what a credential is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from lcore import hash_password, verify_password

from . import events
from ._db import IntegrityError
from ._errors import ApiError
from ._passwords import password_problem
from ._schema import INT_MAX, INT_MIN

PUBLIC_COLUMNS = "id, username, email, role, is_active, avatar, created_at, updated_at"
SESSION_COLUMNS = "id, username, email, role, token_generation, language"


def public_user(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A user row without its secrets, ``is_active`` as a boolean."""
    if row is None:
        return None
    row = {k: v for k, v in row.items() if k not in ("password_hash", "token_generation")}
    if "is_active" in row:
        row["is_active"] = bool(row["is_active"])
    return row


class Users:
    """Look up, create and authenticate users (``kernel.users``)."""

    def __init__(self, kernel):
        self.kernel = kernel
        self._dummy_hash: str | None = None

    # ------------------------------------------------------------ lookups
    def get(self, user_id: int) -> dict[str, Any] | None:
        """The user ``user_id`` (active or not), or ``None``."""
        if not _storable(user_id):
            return None
        with self.kernel.database() as db:
            return public_user(db.fetchone(
                f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,)))

    def many(self, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """``{id: user}`` for the ids that exist, in one query."""
        ids = sorted({int(i) for i in user_ids if _storable(int(i))})
        if not ids:
            return {}
        with self.kernel.database() as db:
            rows = db.fetchall(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id IN "
                               f"({', '.join('?' for _ in ids)})", ids)
        return {row["id"]: public_user(row) for row in rows}

    def by_email(self, email: str) -> dict[str, Any] | None:
        """The user with this address (case-insensitive), or ``None``."""
        with self.kernel.database() as db:
            return public_user(db.fetchone(
                f"SELECT {PUBLIC_COLUMNS} FROM users WHERE lower(email) = lower(?)", (email,)))

    # ------------------------------------------------------------ changes
    def create(self, values: dict[str, Any], *, actor: dict[str, Any] | None = None,
               registered: bool = False) -> dict[str, Any]:
        """Insert a user (hashing ``values['password']``); 409 on a taken name or email.

        Emits ``user.registered`` (self sign-up) or ``user.created`` in the
        same transaction.
        """
        with self.kernel.database() as db:
            raise_conflict(conflict_fields(db, values))
            row = {"username": values["username"], "email": values["email"],
                   "role": values.get("role", "member"),
                   "password_hash": self.hash(values["password"])}
            try:
                with db.transaction():
                    user_id = db.insert("users", row)
                    user = public_user(db.fetchone(
                        f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,)))
                    event = events.UserRegistered if registered else events.UserCreated
                    self.kernel.emit(event(actor=actor or user, user=user))
            except IntegrityError:  # lost a race with a concurrent insert of the same name
                raise ApiError(409, "username or email is already taken") from None
        return user

    def set_password(self, user_id: int, password: str, *,
                     actor: dict[str, Any] | None = None) -> None:
        """Store a new password and end every session of the user (all tokens)."""
        with self.kernel.database() as db, db.transaction():
            db.execute("UPDATE users SET password_hash = ?, token_generation ="
                       " token_generation + 1, updated_at = ? WHERE id = ?",
                       (self.hash(password), time.time(), user_id))
            user = public_user(db.fetchone(
                f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,)))
            self.kernel.emit(events.UserUpdated(actor=actor, user=user,
                                                changes={"password": [None, None]}))

    def erase(self, user_id: int, *, actor: dict[str, Any] | None = None) -> dict[str, int]:
        """Remove ``user_id``'s account and personal data (self-service deletion, GDPR).

        In one transaction (the request's, when there is one): their task and
        checklist assignments are cleared, their comments stay with the author
        ``"deleted user"`` (so do their activity entries), their memberships,
        teams and saved views go, and
        the users row becomes a tombstone (``deleted-user-<id>``, no email, no
        usable password, inactive) -- kept, not deleted, because tasks and
        projects they created still name it.  Every credential dies at once
        (inactive, token generation bumped).  Emits ``user.deleted`` with the
        row as it was, so identity plugins drop their own rows.  409 for the
        last active admin; 404 for an unknown or already erased user.
        Returns ``{"assignments_cleared", "comments_kept"}``.
        """
        with self.kernel.database() as db, db.transaction():
            before = db.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?", (user_id,))
            if before is None or before["username"] == f"deleted-user-{user_id}":
                raise ApiError(404, "User {user_id} not found", params={"user_id": user_id})
            if before["role"] == "admin" and not db.scalar(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1"
                    " AND id != ?", (user_id,)):
                raise ApiError(409, "You are the last admin: make someone else an admin "
                                    "before you delete your account")
            assigned = db.execute("UPDATE tasks SET assignee_id = NULL WHERE assignee_id = ?",
                                  (user_id,)).rowcount
            db.execute("UPDATE checklist_items SET assignee_id = NULL WHERE assignee_id = ?",
                       (user_id,))
            comments = db.execute("UPDATE comments SET user_id = NULL, author = 'deleted user'"
                                  " WHERE user_id = ?", (user_id,)).rowcount
            # The activity feed keeps what happened, not who (the audit log keeps who).
            db.execute("UPDATE activity SET actor = 'deleted user' WHERE actor_id = ?",
                       (user_id,))
            for table in ("project_members", "team_members", "saved_views"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            db.execute("UPDATE users SET username = ?, email = ?, password_hash = '!',"
                       " role = 'guest', avatar = NULL, is_active = 0, updated_at = ?,"
                       " token_generation = token_generation + 1 WHERE id = ?",
                       (f"deleted-user-{user_id}", f"deleted-user-{user_id}@deleted.invalid",
                        time.time(), user_id))
            self.kernel.emit(events.UserDeleted(actor=actor, user=public_user(before)))
        return {"assignments_cleared": assigned, "comments_kept": comments}

    def password_problem(self, password: str, *, username: str = "",
                         email: str = "") -> str | None:
        """Why ``password`` is refused by the password policy, or ``None``."""
        return password_problem(password, username=username, email=email,
                                min_length=self.kernel.config.password_min_length)

    def hash(self, password: str) -> str:
        """The stored form of ``password`` (PBKDF2 at ``APP_PASSWORD_ITERATIONS``)."""
        return hash_password(password, iterations=self.kernel.config.password_iterations)

    # ----------------------------------------------------- authentication
    def authenticate(self, username: str, password: str) -> dict[str, Any] | None:
        """The active user with these credentials, else ``None``.

        Takes the same time whether or not the user exists or is active: an
        unknown name is checked against a dummy hash of the same cost.
        """
        with self.kernel.database() as db:
            row = db.fetchone("SELECT id, username, email, role, is_active, password_hash,"
                              " token_generation, language FROM users"
                              " WHERE lower(username) = lower(?)",
                              (username,))
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("dummy password for timing")
        ok = verify_password(password, row["password_hash"] if row else self._dummy_hash)
        if not (row and ok and row["is_active"]):
            return None
        return {k: row[k] for k in ("id", "username", "email", "role", "token_generation",
                                    "language")}

    def session(self, user_id: int, generation: int,
                credential_id: str | None = None) -> dict[str, Any] | None:
        """The active user behind a credential, in one query; ``None`` if it is dead.

        Dead means: the user is gone or inactive, their token generation moved
        on (password change, deactivation), or ``credential_id`` was revoked.
        """
        with self.kernel.database() as db:
            row = db.fetchone(
                f"SELECT {SESSION_COLUMNS}, EXISTS (SELECT 1 FROM revoked_credentials"
                " WHERE credential_id = ?) AS revoked FROM users WHERE id = ? AND is_active = 1",
                (credential_id or "", user_id))
        if row is None or row["revoked"] or row["token_generation"] != generation:
            return None
        return {k: row[k] for k in ("id", "username", "email", "role", "language")}

    def revoke(self, credential_id: str, user_id: int, expires_at: float) -> None:
        """Revoke one credential (a token) until it would have expired anyway."""
        with self.kernel.database() as db, db.transaction():
            db.upsert("revoked_credentials", {"credential_id": credential_id, "user_id": user_id,
                                              "expires_at": expires_at, "created_at": time.time()},
                      conflict=("credential_id",), update=())
            db.execute("DELETE FROM revoked_credentials WHERE expires_at < ?", (time.time(),))

    def revoke_all(self, user_id: int) -> None:
        """End every credential of the user issued so far."""
        with self.kernel.database() as db, db.transaction():
            db.execute("UPDATE users SET token_generation = token_generation + 1 WHERE id = ?",
                       (user_id,))


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


TASK_WITH_PEOPLE = (
    "SELECT t.id, t.title, t.description, t.project_id, t.status, t.priority, t.due_date,"
    " t.assignee_id, p.name AS project_name, u.username AS assignee_name,"
    " u.email AS assignee_email FROM tasks t JOIN projects p ON p.id = t.project_id"
    " LEFT JOIN users u ON u.id = t.assignee_id WHERE t.id = ?")


class Tasks:
    """Look up tasks for plugins (``kernel.tasks``)."""

    def __init__(self, kernel):
        self.kernel = kernel

    def get(self, task_id: int) -> dict[str, Any] | None:
        """The task with ``project_name``, ``assignee_name`` and ``assignee_email``."""
        if not _storable(task_id):
            return None
        with self.kernel.database() as db:
            return db.fetchone(TASK_WITH_PEOPLE, (task_id,))


def _storable(row_id: int) -> bool:
    """Whether an id fits a database integer: one that does not cannot exist (no 500)."""
    return INT_MIN <= row_id <= INT_MAX
