"""The ``/auth/`` sub-app: login, register, me, logout, password, basic-demo.

Every endpoint that checks a password (login, HTTP Basic, password change)
counts against one throttle bucket per client, ``password``: a guesser gains
nothing by switching endpoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, Lcore, request, response
from lcore_taskflow.core import (
    ApiError,
    Boolean,
    Choice,
    Email,
    Integer,
    Message,
    Object,
    Password,
    Schema,
    String,
    Text,
    Username,
    events,
    json_body,
)

from . import _guard as guard
from . import _sessions as sessions
from . import _totp as totp
from ._account import add_account_routes, person
from ._identity import (
    COOKIE_NAME,
    cookie_token,
    new_token,
    request_token,
    same_site,
    token_payload,
    user_from_token,
)
from ._tokens import bearer_token

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

MAX_PASSWORD_LENGTH = 1024
ROLES = ("admin", "member", "guest")


class Login(Schema):
    """Credentials to exchange for a token (``totp``: the two-factor code, when on)."""

    username = Text(required=True, max_len=200, example="admin")
    password = Password(required=True, min_len=1)
    totp = Text(max_len=20, description="A code of the authenticator app, or a recovery code")


class Register(Schema):
    """A new member account."""

    username = Username(required=True)
    email = Email(required=True)
    password = Password(required=True, policy=True)


class PasswordChange(Schema):
    """The current password and the new one."""

    current_password = Password(required=True, min_len=1)
    new_password = Password(required=True, policy=True)


class SessionUser(Schema):
    id = Integer(required=True, minimum=1)
    username = String(required=True)
    role = Choice(ROLES, required=True)


class SessionOwner(SessionUser):
    """The signed-in user of a new session, with the profile's language: a frontend shows
    itself in it from the first screen on (SPEC §13)."""

    language = String(required=True, nullable=True, description=(
        "The profile's language (de, en); null: the browser's Accept-Language decides"))


class Session(Schema):
    """A bearer token (also set as the ``session_user`` cookie)."""

    token = String(required=True, description="Send as `Authorization: Bearer <token>`")
    expires_in = Integer(required=True, minimum=1, description="Seconds")
    user = Object(SessionOwner, required=True)


class Registered(SessionUser):
    """The new account."""


class Me(SessionUser):
    """The signed-in user."""

    email = String(required=True)
    totp = Boolean(required=True, description="Whether two-factor sign-in is on")
    language = String(nullable=True, description=(
        "The profile's language (de, en); null: the browser's Accept-Language decides"))


class LoggedOut(Schema):
    message = String(required=True)
    revoked = Boolean(required=True, description="Whether a token was revoked")


class BasicDemo(Schema):
    message = String(required=True)
    user = String(required=True)


def secure_cookies(kernel: TaskFlow) -> bool:
    """``Secure`` when configured, when served over HTTPS, or behind a trusted HTTPS proxy."""
    env = request.environ
    if kernel.config.cookie_secure or env.get("wsgi.url_scheme") == "https":
        return True
    forwarded = (env.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[0].strip().lower()
    return forwarded == "https" and env.get("REMOTE_ADDR") in kernel.trusted_proxies


def _cookie_path(kernel: TaskFlow) -> str:
    return kernel.url("/")


def _set_session_cookie(kernel: TaskFlow, token: str) -> None:
    config = kernel.config
    response.set_cookie(COOKIE_NAME, token, secret=config.secret_key, path=_cookie_path(kernel),
                        httponly=True, samesite="Lax", max_age=config.token_ttl,
                        secure=secure_cookies(kernel))


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
            "user": {k: user.get(k) for k in ("id", "username", "role", "language")}}


def _second_factor(kernel: TaskFlow, user: dict[str, Any], code: str | None) -> str | None:
    """``None`` without two-factor sign-in; else how the code passed, or 401."""
    db = kernel.db
    if not totp.enabled(db, user["id"]):
        return None
    if not code:
        raise ApiError(401, "Two-factor code required", extra={"totp_required": True})
    with db.transaction():
        passed = totp.verify(db, user["id"], code)
    if passed is None:
        _failed(kernel, user["username"], "totp")
        raise ApiError(401, "Invalid or already used two-factor code",
                       extra={"totp_required": True})
    return passed


def _failed(kernel: TaskFlow, username: str, via: str) -> None:
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


def build_auth_app(kernel: TaskFlow) -> tuple[Lcore, Callable[[str, str], dict[str, Any] | None]]:
    """The sub-app mounted at ``/auth/`` and the HTTP Basic check identification uses."""
    app = Lcore()
    config = kernel.config
    password_limit = kernel.limits.limit("password", config.login_rate_limit,
                                         config.login_rate_window)

    def basic_check(username: str, password: str) -> dict[str, Any] | None:
        """HTTP Basic credentials, throttled like every password check."""
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

    @app.post("/login", name="login", auth=False, body=Login, returns=Session,
              responses=((401, "Invalid username or password, or an inactive account"),
                         (403, "Password sign-in is turned off (APP_PASSWORD_LOGIN=false)")))
    @password_limit
    def login():
        """Exchange a username and password for a token and a session cookie."""
        if not config.password_login:
            raise ApiError(403, "Password sign-in is turned off here: use single sign-on")
        values = Login.validate(json_body())
        guard.check(kernel.db, values["username"])
        user = kernel.users.authenticate(values["username"], values["password"])
        if user is None:
            _failed(kernel, values["username"], "password")
            raise ApiError(401, "Invalid username or password")
        second = _second_factor(kernel, user, values.get("totp"))
        guard.succeeded(kernel.db, values["username"])
        kernel.audit("auth.login", target=f"user:{user['username']}", actor=user,
                     details={"via": "password", **({"totp": second} if second else {})})
        return start_session(kernel, user)

    @app.post("/register", name="register", auth=False, body=Register, status=201,
              returns=Registered, responses=((403, "Registration is closed"),
                                             (409, "The username or email is taken")))
    @kernel.limits.limit("register", config.register_rate_limit, config.register_rate_window)
    def register():
        """Create a member account (a ``role`` in the body is ignored)."""
        if not config.registration_open:
            raise ApiError(403, "Registration is closed; ask an admin for an account")
        data = json_body()
        values = Register.validate(data, password=lambda pw: kernel.users.password_problem(
            pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
        user = kernel.users.create({**values, "role": "member"}, registered=True)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "role": user["role"]}

    @app.get("/me", name="me", auth=True, auth_via=("bearer", "cookie"), returns=Me)
    def me():
        """The signed-in user, from the session cookie or a bearer token."""
        user = kernel.current_user()
        return {**{k: user.get(k) for k in ("id", "username", "email", "role", "language")},
                "totp": totp.enabled(kernel.db, user["id"])}

    @app.post("/token", name="cookie_session", auth=False, auth_via=("cookie",),
              returns=Session,
              responses=((204, "No signed-in session in the cookie (nothing to hand over)"),
                         (403, "A session cookie without X-Requested-With (CSRF protection)")))
    def cookie_session():
        """The session cookie's own token, for a frontend whose sign-in set only the cookie.

        A single sign-on callback ends in a redirect that can only set the
        (HttpOnly) cookie; the single-page frontend then asks for the same
        session as a bearer token.  No new session starts.  Like every cookie
        write it needs ``X-Requested-With``: a cross-site page cannot send it.
        Without a live session in the cookie the answer is 204, not 401: the
        frontend asks on every start, and "no session" is its ordinary answer.
        """
        token = cookie_token(request, kernel)
        user = user_from_token(kernel, token) if token else None
        if user is None:
            return HTTPResponse(status=204)
        if not same_site(request):
            raise ApiError(403, "The session cookie needs an X-Requested-With header on this "
                                "request (CSRF protection)")
        left = int((token_payload(kernel, token) or {}).get("exp", 0) - time.time())
        return {"token": token, "expires_in": max(left, 1),
                "user": {k: user.get(k) for k in ("id", "username", "role", "language")}}

    @app.post("/logout", name="logout", auth=False, auth_via=("bearer", "cookie"),
              returns=LoggedOut,
              responses=((403, "A session cookie without X-Requested-With (or a same-site "
                               "Origin): nothing was revoked"),))
    def logout():
        """Revoke the token (or the cookie's) this request signs in with; clear the cookie.

        A cookie sign-out must prove it is not cross-site like every other cookie write
        (``X-Requested-With``): answering 200 while revoking nothing would tell the
        client its session ended when it did not.
        """
        if not bearer_token(request.get_header("Authorization")) \
                and COOKIE_NAME in request.cookies and not same_site(request):
            raise ApiError(403, "Signing out with the session cookie needs an "
                                "X-Requested-With header (CSRF protection); nothing was revoked")
        payload = token_payload(kernel, request_token(request, ("bearer", "cookie"), kernel))
        if payload is not None and payload.get("jti"):
            with kernel.db.transaction():
                if sessions.end(kernel, payload["sub"], payload["jti"]) is None:
                    kernel.users.revoke(payload["jti"], payload["sub"], payload["exp"])
                kernel.audit("auth.logout", target=f"user:{payload.get('username')}",
                             actor={"id": payload["sub"], "username": payload.get("username")})
        response.delete_cookie(COOKIE_NAME, path=_cookie_path(kernel), httponly=True,
                               samesite="Lax", secure=secure_cookies(kernel))
        return {"message": "Logged out", "revoked": payload is not None}

    @app.post("/password", name="change_password", auth=True, auth_via=("bearer", "cookie"),
              body=PasswordChange, returns=Session)
    @password_limit
    def change_password():
        """Change the signed-in user's password: every other token and cookie stops working."""
        user = person(kernel)
        values = PasswordChange.validate(
            json_body(), new_password=lambda pw: kernel.users.password_problem(
                pw, username=user["username"], email=user.get("email") or ""))
        current = values["current_password"]
        if kernel.users.authenticate(user["username"], current) is None:
            raise ApiError(422, "Validation failed",
                           fields={"current_password": Message("current_password is not correct")})
        if values["new_password"] == current:
            raise ApiError(422, "Validation failed",
                           fields={"new_password":
                               Message("new_password must differ from the current")})
        with kernel.db.transaction():
            kernel.users.set_password(user["id"], values["new_password"], actor=user)
            kernel.audit("auth.password_changed", target=f"user:{user['username']}",
                         actor=user)
        fresh = kernel.users.authenticate(user["username"], values["new_password"])
        return start_session(kernel, fresh)

    add_account_routes(app, kernel)

    @app.get("/basic-demo", name="basic_demo", auth=True, auth_via=("basic",),
             returns=BasicDemo, responses=(429,))
    def basic_demo():
        """Protected by HTTP Basic Auth (any active account)."""
        return {"message": "Authenticated via HTTP Basic Auth!",
                "user": kernel.current_user()["username"]}

    return app, basic_check
