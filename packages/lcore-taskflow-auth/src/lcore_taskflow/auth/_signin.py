"""The steps sign-ins share: the session a sign-in ends with, the second factor, the
count of failures, and the HTTP Basic check.

:func:`start_session` also serves single sign-on plugins (``taskflow_sign_in``);
:func:`basic_check` counts against the same throttle bucket, ``password``, as the
login and password-change routes (see ``_routes.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcore import request, response
from lcore_taskflow.core import ApiError, events

from . import _guard as guard
from . import _sessions as sessions
from . import _totp as totp
from ._identity import COOKIE_NAME, new_token

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

MAX_PASSWORD_LENGTH = 1024
#: The signed-in user's keys a new session's answer carries.
SESSION_USER_KEYS = ("id", "username", "role", "language")


def secure_cookies(kernel: TaskFlow) -> bool:
    """``Secure`` when configured, when served over HTTPS, or behind a trusted HTTPS proxy."""
    env = request.environ
    if kernel.config.cookie_secure or env.get("wsgi.url_scheme") == "https":
        return True
    forwarded = (env.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[0].strip().lower()
    return forwarded == "https" and env.get("REMOTE_ADDR") in kernel.trusted_proxies


def cookie_path(kernel: TaskFlow) -> str:
    """The session cookie's path: the whole of this server's URL space."""
    return kernel.url("/")


def _set_session_cookie(kernel: TaskFlow, token: str) -> None:
    config = kernel.config
    response.set_cookie(COOKIE_NAME, token, secret=config.secret_key, path=cookie_path(kernel),
                        httponly=True, samesite="Lax", max_age=config.token_ttl,
                        secure=secure_cookies(kernel))


def session_user(user: dict[str, Any]) -> dict[str, Any]:
    """The ``user`` of a session's answer (:data:`SESSION_USER_KEYS`)."""
    return {k: user.get(k) for k in SESSION_USER_KEYS}


def start_session(kernel: TaskFlow, user: dict[str, Any], via: str = "password") -> dict[str, Any]:
    """A token and the session cookie for ``user``, remembered in their session list.

    The token carries the user's current token generation, read here when the
    caller (a single sign-on plugin) did not bring it: an older one is dead.
    """
    if "token_generation" not in user or "language" not in user:
        row = kernel.db.fetchone("SELECT token_generation, language FROM users WHERE id = ?",
                            (user["id"],)) or {}
        user = {"token_generation": row.get("token_generation") or 0,
                "language": row.get("language"), **user}
    token = new_token(kernel, user)
    sessions.record(kernel, token, user, via, request)
    _set_session_cookie(kernel, token)
    return {"token": token, "expires_in": kernel.config.token_ttl,
            "user": session_user(user)}


def second_factor(kernel: TaskFlow, user: dict[str, Any], code: str | None) -> str | None:
    """``None`` without two-factor sign-in; else how the code passed, or 401."""
    db = kernel.db
    if not totp.enabled(db, user["id"]):
        return None
    if not code:
        raise ApiError(401, "Two-factor code required", extra={"totp_required": True})
    with db.transaction():
        passed = totp.verify(db, user["id"], code)
    if passed is None:
        failed(kernel, user["username"], "totp")
        raise ApiError(401, "Invalid or already used two-factor code",
                       extra={"totp_required": True})
    return passed


def failed(kernel: TaskFlow, username: str, via: str) -> None:
    """Count and audit a failed sign-in for the account name."""
    config = kernel.config
    failures = guard.failed(kernel.db, username, config.login_account_free_failures,
                            config.login_account_max_delay)
    kernel.audit("auth.login_failed", target=f"user:{username[:64]}", actor=None,
                 details={"via": via, "failures": failures})
    if failures == config.login_account_free_failures + 1:  # tries start to wait: tell them
        user = kernel.db.fetchone("SELECT id, username, email FROM users"
                                  " WHERE lower(username) = lower(?) AND is_active = 1",
                                  (username,))
        if user is not None:
            kernel.emit(events.SignInFailures(user=user, failures=failures))


def basic_check(kernel: TaskFlow, username: str, password: str) -> dict[str, Any] | None:
    """HTTP Basic credentials, throttled like every password check."""
    config = kernel.config
    if not config.password_login:
        request.environ["taskflow.auth_problem"] = "Password sign-in is turned off here"
        return None
    # No account has a NUL in its name (and PostgreSQL cannot be asked about one).
    if len(username) > 200 or len(password) > MAX_PASSWORD_LENGTH \
            or "\x00" in username or "\x00" in password:
        return None
    kernel.limits.check("password", config.login_rate_limit, config.login_rate_window)
    user = kernel.users.authenticate(username, password)
    if user is not None and totp.enabled(kernel.db, user["id"]):
        request.environ["taskflow.auth_problem"] = (
            "HTTP Basic is not available for accounts with two-factor sign-in")
        return None
    return user
