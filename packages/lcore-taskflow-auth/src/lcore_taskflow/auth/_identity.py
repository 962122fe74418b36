"""Who is making a request: bearer token or signed ``session_user`` cookie.

Every answer is checked against the database, so a token or cookie of a user
who was deactivated or deleted after it was issued identifies nobody, and a
role change takes effect on the next request.
"""

from __future__ import annotations

from typing import Any

from ._tokens import bearer_token, issue_token, verify_token

COOKIE_NAME = "session_user"
USER_COLUMNS = "id, username, email, role"


def secrets_of(kernel) -> list[str]:
    """The current secret (signs and verifies) then the previous ones (verify only)."""
    config = kernel.config
    return [config.secret_key, *config.get("previous_secret_keys", [])]


def active_user(kernel, user_id: int) -> dict[str, Any] | None:
    """The active user ``user_id`` (``id, username, email, role``) or ``None``.

    Inside a request this reads through the request's own connection
    (``kernel.database()`` hands out ``ctx.db``), so the handler reuses it.
    """
    with kernel.database() as db:
        return db.fetchone(f"SELECT {USER_COLUMNS} FROM users WHERE id = ? AND is_active = 1",
                           (user_id,))


def user_from_token(kernel, token: str | None) -> dict[str, Any] | None:
    """The active user a valid token names, else ``None`` (never raises on bad input)."""
    payload = verify_token(token, secrets_of(kernel))
    if payload is None:
        return None
    return active_user(kernel, payload["sub"])


def new_token(kernel, user: dict[str, Any]) -> str:
    """A token for ``user`` signed with the current secret, valid ``token_ttl`` seconds."""
    return issue_token(user, kernel.config.secret_key, kernel.config.token_ttl)


def cookie_token(request, kernel) -> str | None:
    """The token inside a correctly signed ``session_user`` cookie, else ``None``."""
    if COOKIE_NAME not in request.cookies:
        return None
    for secret in secrets_of(kernel):
        try:
            value = request.get_cookie(COOKIE_NAME, secret=secret)
        except Exception:  # a forged cookie must never become a 500
            value = None
        if isinstance(value, str) and value:
            return value
    return None


def identify(request, kernel) -> dict[str, Any] | None:
    """A bearer token when one is sent (it alone decides), else the session cookie."""
    token = bearer_token(request.get_header("Authorization"))
    if token:
        return user_from_token(kernel, token)
    return user_from_token(kernel, cookie_token(request, kernel))
