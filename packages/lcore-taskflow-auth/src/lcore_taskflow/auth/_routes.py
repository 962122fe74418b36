"""The ``/auth/`` sub-app: login, register, me, logout, password, basic-demo.

Every endpoint that checks a password (login, HTTP Basic, password change)
counts against one throttle bucket per client, ``password``: a guesser gains
nothing by switching endpoints.

The handlers are named functions taking the kernel first, registered from
:data:`ROUTES` (which includes the account's, ``_account.py``); the steps the
sign-ins share (session, second factor, failures, HTTP Basic) are in ``_signin.py``.
"""

from __future__ import annotations

import functools
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
    Route,
    Schema,
    String,
    Text,
    Username,
    add_routes,
    json_body,
)

from . import _guard as guard
from . import _sessions as sessions
from . import _totp as totp
from ._account import ROUTES as ACCOUNT_ROUTES
from ._account import VIA, person
from ._identity import (
    COOKIE_NAME,
    cookie_token,
    request_token,
    same_site,
    token_payload,
    user_from_token,
)
from ._signin import (
    basic_check,
    cookie_path,
    failed,
    second_factor,
    secure_cookies,
    session_user,
    start_session,
)
from ._tokens import bearer_token

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

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


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_auth_app), then the URL's values.
def login(kernel: TaskFlow) -> dict[str, Any]:
    """Exchange a username and password for a token and a session cookie."""
    if not kernel.config.password_login:
        raise ApiError(403, "Password sign-in is turned off here: use single sign-on")
    values = Login.validate(json_body())
    guard.check(kernel.db, values["username"])
    user = kernel.users.authenticate(values["username"], values["password"])
    if user is None:
        failed(kernel, values["username"], "password")
        raise ApiError(401, "Invalid username or password")
    second = second_factor(kernel, user, values.get("totp"))
    guard.succeeded(kernel.db, values["username"])
    kernel.audit("auth.login", target=f"user:{user['username']}", actor=user,
                 details={"via": "password", **({"totp": second} if second else {})})
    return start_session(kernel, user)


def register(kernel: TaskFlow) -> dict[str, Any]:
    """Create a member account (a ``role`` in the body is ignored)."""
    if not kernel.config.registration_open:
        raise ApiError(403, "Registration is closed; ask an admin for an account")
    data = json_body()
    values = Register.validate(data, password=lambda pw: kernel.users.password_problem(
        pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
    user = kernel.users.create({**values, "role": "member"}, registered=True)
    response.status = 201
    return {"id": user["id"], "username": user["username"], "role": user["role"]}


def me(kernel: TaskFlow) -> dict[str, Any]:
    """The signed-in user, from the session cookie or a bearer token."""
    user = kernel.current_user()
    return {**{k: user.get(k) for k in ("id", "username", "email", "role", "language")},
            "totp": totp.enabled(kernel.db, user["id"])}


def cookie_session(kernel: TaskFlow) -> Any:
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
    return {"token": token, "expires_in": max(left, 1), "user": session_user(user)}


def logout(kernel: TaskFlow) -> dict[str, Any]:
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
    response.delete_cookie(COOKIE_NAME, path=cookie_path(kernel), httponly=True,
                           samesite="Lax", secure=secure_cookies(kernel))
    return {"message": "Logged out", "revoked": payload is not None}


def _check_password_change(kernel: TaskFlow, user: dict[str, Any],
                           values: dict[str, Any]) -> None:
    """422 unless the current password is right and the new one differs from it."""
    current = values["current_password"]
    if kernel.users.authenticate(user["username"], current) is None:
        raise ApiError(422, "Validation failed",
                       fields={"current_password": Message("current_password is not correct")})
    if values["new_password"] == current:
        raise ApiError(422, "Validation failed",
                       fields={"new_password":
                           Message("new_password must differ from the current")})


def change_password(kernel: TaskFlow) -> dict[str, Any]:
    """Change the signed-in user's password: every other token and cookie stops working."""
    user = person(kernel)
    values = PasswordChange.validate(
        json_body(), new_password=lambda pw: kernel.users.password_problem(
            pw, username=user["username"], email=user.get("email") or ""))
    _check_password_change(kernel, user, values)
    with kernel.db.transaction():
        kernel.users.set_password(user["id"], values["new_password"], actor=user)
        kernel.audit("auth.password_changed", target=f"user:{user['username']}",
                     actor=user)
    fresh = kernel.users.authenticate(user["username"], values["new_password"])
    assert fresh is not None  # the password just set
    return start_session(kernel, fresh)


def basic_demo(kernel: TaskFlow) -> dict[str, Any]:
    """Protected by HTTP Basic Auth (any active account)."""
    user = kernel.current_user()
    return {"message": "Authenticated via HTTP Basic Auth!", "user": user["username"]}


# ---------------------------------------------------------------- routes
def _password_limit(kernel: TaskFlow) -> tuple[str, int, float]:
    """Sign-in and password change count against the ``password`` bucket, like
    :func:`basic_check`, at the configured rate."""
    return "password", kernel.config.login_rate_limit, kernel.config.login_rate_window


def _register_limit(kernel: TaskFlow) -> tuple[str, int, float]:
    return "register", kernel.config.register_rate_limit, kernel.config.register_rate_window


#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's);
#: login, register and change_password are rate-limited at the configured rates.
ROUTES: tuple[Route, ...] = (
    ("POST", "/login", login, dict(
        name="login", auth=False, body=Login, returns=Session,
        responses=((401, "Invalid username or password, or an inactive account"),
                   (403, "Password sign-in is turned off (APP_PASSWORD_LOGIN=false)")),
        limit=_password_limit)),
    ("POST", "/register", register, dict(
        name="register", auth=False, body=Register, status=201, returns=Registered,
        responses=((403, "Registration is closed"), (409, "The username or email is taken")),
        limit=_register_limit)),
    ("GET", "/me", me, dict(name="me", auth=True, auth_via=VIA, returns=Me)),
    ("POST", "/token", cookie_session, dict(
        name="cookie_session", auth=False, auth_via=("cookie",), returns=Session,
        responses=((204, "No signed-in session in the cookie (nothing to hand over)"),
                   (403, "A session cookie without X-Requested-With (CSRF protection)")))),
    ("POST", "/logout", logout, dict(
        name="logout", auth=False, auth_via=VIA, returns=LoggedOut,
        responses=((403, "A session cookie without X-Requested-With (or a same-site "
                         "Origin): nothing was revoked"),))),
    ("POST", "/password", change_password, dict(
        name="change_password", auth=True, auth_via=VIA, body=PasswordChange,
        returns=Session, limit=_password_limit)),
    *ACCOUNT_ROUTES,
    ("GET", "/basic-demo", basic_demo, dict(
        name="basic_demo", auth=True, auth_via=("basic",), returns=BasicDemo,
        responses=(429,))),
)


def build_auth_app(kernel: TaskFlow) -> tuple[Lcore, Callable[[str, str], dict[str, Any] | None]]:
    """The sub-app mounted at ``/auth/`` (:data:`ROUTES`, each handler given ``kernel``)
    and the HTTP Basic check identification uses."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    return app, functools.partial(basic_check, kernel)
