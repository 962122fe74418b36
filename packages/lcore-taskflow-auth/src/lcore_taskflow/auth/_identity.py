"""Who is making a request: the credentials a route accepts, checked against core.

A route accepts the credential kinds it declares (``auth_via``; TaskFlow's
API takes only ``bearer``).  Each kind is checked here and the user it names
is looked up through ``kernel.users.session`` — one query that also says
whether the user is still active and the token not revoked, so a
deactivated user, a changed password or a logout take effect at once, on
every server.

The session cookie is accepted on a state-changing request (POST, PUT,
PATCH, DELETE) only when the request proves it is not a cross-site forgery:
it carries ``X-Requested-With`` (a header no cross-site form can set) or an
``Origin`` equal to the server's own.  The cookie is also ``SameSite=Lax``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import _sessions as sessions
from ._tokens import bearer_token, issue_token, verify_token

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

COOKIE_NAME = "session_user"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def secrets_of(kernel: TaskFlow) -> list[str]:
    """The current secret (signs and verifies) then the previous ones (verify only)."""
    config = kernel.config
    return [config.secret_key, *config.get("previous_secret_keys", [])]


def token_payload(kernel: TaskFlow, token: str | None) -> dict[str, Any] | None:
    return verify_token(token, secrets_of(kernel))


def user_from_token(kernel: TaskFlow, token: str | None,
                    throttle: sessions.Throttle | None = None) -> dict[str, Any] | None:
    """The active user a valid, unrevoked token names, else ``None`` (never raises).

    With ``throttle``, the session's "last seen" is refreshed (once a minute).
    """
    payload = token_payload(kernel, token)
    if payload is None:
        return None
    user = kernel.users.session(payload["sub"], payload.get("gen", 0), payload.get("jti"))
    if user is not None:
        user["session_id"] = payload.get("jti")
        if throttle is not None:
            sessions.touch(kernel, throttle, payload.get("jti"))
    return user


def new_token(kernel: TaskFlow, user: dict[str, Any]) -> str:
    """A token for ``user`` signed with the current secret, valid ``token_ttl`` seconds."""
    return issue_token(user, kernel.config.secret_key, kernel.config.token_ttl)


def cookie_token(request, kernel: TaskFlow) -> str | None:
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


def same_site(request) -> bool:
    """A state-changing request that a cross-site page could not have sent."""
    if request.method in SAFE_METHODS or request.get_header("X-Requested-With"):
        return True
    origin = request.get_header("Origin")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.get_header("Host", "")


def request_token(request, credentials, kernel: TaskFlow) -> str | None:
    """The token this request presents in a way the route accepts."""
    if "bearer" in credentials:
        token = bearer_token(request.get_header("Authorization"))
        if token:
            return token
    if "cookie" in credentials and same_site(request):
        return cookie_token(request, kernel)
    return None


BAD_TOKEN = "Invalid, expired or revoked token"


def identify(request, credentials, kernel: TaskFlow, basic_check,
             throttle: sessions.Throttle) -> dict[str, Any] | None:
    """The user of ``request`` by the first accepted credential present.

    A credential that is present but does not identify anyone leaves its
    reason in ``taskflow.auth_problem`` for the kernel's 401.
    """
    environ = request.environ
    if "bearer" in credentials:
        token = bearer_token(request.get_header("Authorization"))
        if token and token.startswith(sessions.PAT_PREFIX):
            user = sessions.user_of_access_token(kernel, token, throttle)
            if user is None:
                environ["taskflow.auth_problem"] = "Invalid, expired or revoked access token"
            return user
        if token:
            user = user_from_token(kernel, token, throttle)
            if user is None:
                environ["taskflow.auth_problem"] = BAD_TOKEN
            return user
    if "cookie" in credentials and COOKIE_NAME in request.cookies:
        if not same_site(request):
            environ["taskflow.auth_problem"] = ("The session cookie needs an X-Requested-With "
                                                "header on this request (CSRF protection)")
            return None
        user = user_from_token(kernel, cookie_token(request, kernel), throttle)
        if user is None:
            environ["taskflow.auth_problem"] = "Session expired or signed out: sign in again"
        return user
    if "basic" in credentials and request.auth and request.auth[1] is not None:
        user = basic_check(*request.auth)
        if user is None:
            environ.setdefault("taskflow.auth_problem", "Invalid username or password")
        return user
    return None
