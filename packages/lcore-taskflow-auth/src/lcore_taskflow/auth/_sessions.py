"""Sign-in sessions and personal access tokens (SPEC §10).

A **session** is one sign-in: the signed token of :mod:`._tokens` (also
inside the session cookie) and a row in ``auth_sessions`` keyed by the
token's ``jti``, with the client and address it came from.  Ending a session
revokes its credential (``kernel.users.revoke``): every server checks that
in the database on every request, so it stops at once everywhere.

A **personal access token** (``tfp_`` + 32 random bytes, so secret scanners
spot it) is for scripts: scopes ``read`` (safe methods only), ``write``,
``admin`` (admins only; without it an admin's token acts as a member's), an
expiry of 1-365 days; the database keeps its SHA-256 only.

``last_seen_at`` / ``last_used_at`` are written at most once a minute per
credential and process (:class:`Throttle`), never on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from ._tokens import verify_token

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

PAT_PREFIX = "tfp_"
SCOPES = ("read", "write", "admin")
TOUCH_EVERY = 60.0
CLIENT_MAX = 200


class Throttle:
    """Whether a credential's "last seen" is due for a write (once a minute)."""

    def __init__(self, every: float = TOUCH_EVERY, size: int = 10_000):
        self.every, self.size = every, size
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def due(self, key: str, now: float) -> bool:
        with self._lock:
            if now - self._seen.get(key, 0.0) < self.every:
                return False
            if len(self._seen) >= self.size:
                self._seen.clear()  # a bound, not an LRU: at worst one extra write each
            self._seen[key] = now
            return True


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_of(request) -> str:
    return (request.get_header("User-Agent") or "")[:CLIENT_MAX]


# ------------------------------------------------------------ sessions
def record(kernel: TaskFlow, token: str, user: dict[str, Any], via: str, request) -> None:
    """Remember the sign-in behind ``token`` (its ``jti``) for the user's session list."""
    payload = verify_token(token, kernel.config.secret_key)
    if payload is None or not payload.get("jti"):
        return
    now = time.time()
    with kernel.database() as db:
        db.execute(
            "INSERT INTO auth_sessions (id, user_id, generation, via, client, address,"
            " created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (payload["jti"], user["id"], payload.get("gen", 0), via, client_of(request),
             request.remote_addr, now, now, payload["exp"]))


def touch(kernel: TaskFlow, throttle: Throttle, jti: str | None) -> None:
    now = time.time()
    if jti and throttle.due(jti, now):
        with kernel.database() as db:
            db.execute("UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?", (now, jti))


def live(kernel: TaskFlow, user_id: int) -> list[dict[str, Any]]:
    """The user's sessions that still work, newest first."""
    with kernel.database() as db:
        return db.fetchall(
            "SELECT s.id, s.via, s.client, s.address, s.created_at, s.last_seen_at,"
            " s.expires_at FROM auth_sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.user_id = ? AND s.ended_at IS NULL AND s.expires_at > ?"
            " AND s.generation = u.token_generation ORDER BY s.created_at DESC",
            (user_id, time.time()))


def end(kernel: TaskFlow, user_id: int, session_id: str) -> dict[str, Any] | None:
    """End one of the user's live sessions at once; the row ended, or ``None``."""
    with kernel.database() as db, db.transaction():
        row = db.fetchone("SELECT id, via, client, address, expires_at FROM auth_sessions"
                          " WHERE id = ? AND user_id = ? AND ended_at IS NULL",
                          (session_id, user_id))
        if row is None:
            return None
        db.execute("UPDATE auth_sessions SET ended_at = ? WHERE id = ?", (time.time(),
                                                                           session_id))
        kernel.users.revoke(session_id, user_id, row["expires_at"])
    return row


def forget_user(db, user_id: int) -> None:
    """Drop every row auth keeps about a deleted account (its sign-ins are already dead:
    core made the user inactive and moved the token generation on)."""
    for table in ("auth_sessions", "auth_tokens", "auth_recovery_codes", "auth_totp"):
        db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


def prune(db) -> None:
    """Forget sessions that expired a day ago (at most hourly, by the caller)."""
    db.execute("DELETE FROM auth_sessions WHERE expires_at < ?", (time.time() - 86400,))


# ------------------------------------------------------ access tokens
def new_access_token(kernel: TaskFlow, user: dict[str, Any], name: str, scopes: list[str],
                     days: int) -> dict[str, Any]:
    secret = PAT_PREFIX + secrets.token_urlsafe(32)
    expires = time.time() + days * 86400
    with kernel.database() as db:
        token_id = db.insert("auth_tokens", {
            "user_id": user["id"], "name": name, "token_hash": digest(secret),
            "scopes": ",".join(s for s in SCOPES if s in scopes), "expires_at": expires})
    return {"id": token_id, "name": name, "token": secret,
            "scopes": [s for s in SCOPES if s in scopes], "expires_at": expires}


def access_tokens(kernel: TaskFlow, user_id: int) -> list[dict[str, Any]]:
    with kernel.database() as db:
        rows = db.fetchall("SELECT id, name, scopes, expires_at, last_used_at, created_at"
                           " FROM auth_tokens WHERE user_id = ? ORDER BY id DESC", (user_id,))
    now = time.time()
    for row in rows:
        row["scopes"] = row["scopes"].split(",")
        row["expired"] = row["expires_at"] <= now
    return rows


def user_of_access_token(kernel: TaskFlow, secret: str,
                         throttle: Throttle) -> dict[str, Any] | None:
    """The identity a personal access token carries, or ``None`` when it is dead."""
    with kernel.database() as db:
        row = db.fetchone(
            "SELECT t.id AS token_id, t.scopes, t.expires_at, u.id, u.username, u.email,"
            " u.role FROM auth_tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND u.is_active = 1", (digest(secret),))
    now = time.time()
    if row is None or row["expires_at"] <= now:
        return None
    if throttle.due(f"pat:{row['token_id']}", now):
        with kernel.database() as db:
            db.execute("UPDATE auth_tokens SET last_used_at = ? WHERE id = ?",
                       (now, row["token_id"]))
    scopes = row["scopes"].split(",")
    role = row["role"]
    if role == "admin" and "admin" not in scopes:
        role = "member"  # an admin's token without the admin scope acts as a member's
    return {"id": row["id"], "username": row["username"], "email": row["email"],
            "role": role, "via": "token", "token_id": row["token_id"], "scopes": scopes}
