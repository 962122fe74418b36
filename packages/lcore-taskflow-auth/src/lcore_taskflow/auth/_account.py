"""``/auth/sessions``, ``/auth/tokens`` and ``/auth/totp``: a user's sign-ins, personal
access tokens and two-factor sign-in (and an admin's reset of someone's).

Only a signed-in person manages these (bearer token or session cookie); a
personal access token is refused here, so a leaked script token cannot
mint more tokens or end its owner's sessions.

The handlers are named functions taking the kernel first, listed in :data:`ROUTES`,
which the ``/auth/`` sub-app's table includes (``_routes.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import HTTPResponse, response
from lcore_taskflow.core import (
    ApiError,
    Boolean,
    Choice,
    Integer,
    ListOf,
    Message,
    Number,
    Route,
    Schema,
    String,
    Text,
    json_body,
)

from . import _sessions as sessions
from . import _totp as totp

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

VIA = ("bearer", "cookie")
PAT_REFUSED = (403, "A personal access token cannot manage the account")
MAX_TOKENS = 50


class SessionOut(Schema):
    id = String(required=True, description="The session's id (end it with DELETE)")
    via = String(required=True, description="How it began: password, oidc, ...")
    client = String(required=True, description="The browser or program (User-Agent)")
    address = String(required=True, nullable=True)
    created_at = Number(required=True)
    last_seen_at = Number(required=True, description="Refreshed at most once a minute")
    expires_at = Number(required=True)
    current = Boolean(required=True, description="The session of this request")


class SessionList(Schema):
    """Your sign-ins that still work, newest first."""

    sessions = ListOf(SessionOut, required=True)


class TokenCreate(Schema):
    """A personal access token for scripts: shown once, stored hashed."""

    name = Text(required=True, max_len=100, example="Nightly report")
    scopes = ListOf(Choice(sessions.SCOPES), required=True, min_items=1,
                    description="read (safe methods only), write, admin (admins only)")
    expires_in_days = Integer(required=True, minimum=1, maximum=365)


class TokenOut(Schema):
    id = Integer(required=True, minimum=1)
    name = String(required=True)
    scopes = ListOf(Choice(sessions.SCOPES), required=True)
    expires_at = Number(required=True)
    expired = Boolean(required=True)
    last_used_at = Number(required=True, nullable=True)
    created_at = Number(required=True)


class TokenCreated(Schema):
    id = Integer(required=True, minimum=1)
    name = String(required=True)
    token = String(required=True, description="The secret (tfp_...), shown this once")
    scopes = ListOf(Choice(sessions.SCOPES), required=True)
    expires_at = Number(required=True)


class TokenList(Schema):
    """Your personal access tokens, without their secrets."""

    tokens = ListOf(TokenOut, required=True)


class TotpSetup(Schema):
    """A new two-factor secret: add it to an authenticator app, then confirm a code."""

    secret = String(required=True, description="Base32, for typing into the app")
    otpauth_uri = String(required=True, description="otpauth://totp/... (what the QR holds)")
    qr_svg = String(required=True, description="The QR code as a data: URI of an SVG image")


class TotpCode(Schema):
    """A six-digit code from the authenticator app."""

    code = Text(required=True, max_len=20, example="123456")


class RecoveryCodes(Schema):
    """Ten one-time codes for when the phone is lost: shown this once."""

    recovery_codes = ListOf(String(), required=True)


class PasswordCheck(Schema):
    """Your password, to confirm."""

    password = Text(required=True, max_len=1024)


def person(kernel: TaskFlow) -> dict:
    """The signed-in user, refused when the request carries a personal access token."""
    user = kernel.current_user()
    if user.get("via") == "token":
        raise ApiError(403, "A personal access token cannot manage tokens, sessions, "
                            "passwords or two-factor sign-in; sign in as yourself")
    return user


def _check_new_token(kernel: TaskFlow, user: dict, scopes: list[str]) -> None:
    """403 for the admin scope of a non-admin, 422 past :data:`MAX_TOKENS` tokens."""
    if "admin" in scopes and user.get("role") != "admin":
        raise ApiError(403, "Only admins may create tokens with the admin scope")
    if len(sessions.access_tokens(kernel, user["id"])) >= MAX_TOKENS:
        raise ApiError(422, "At most {MAX_TOKENS} tokens per user: revoke some first",
                       params={"MAX_TOKENS": MAX_TOKENS})


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_auth_app), then the URL's values.
def list_sessions(kernel: TaskFlow) -> dict:
    """Your sign-ins (browser and API) that still work, with where they came from."""
    user = person(kernel)
    rows = sessions.live(kernel, user["id"])
    for row in rows:
        row["current"] = row["id"] == user.get("session_id")
    return {"sessions": rows}


def end_session(kernel: TaskFlow, sid: str) -> HTTPResponse:
    """End one of your sessions: it stops working at once, on every server."""
    user = person(kernel)
    with kernel.db.transaction():
        ended = sessions.end(kernel, user["id"], sid)
        if ended is None:
            raise ApiError(404, "Session not found")
        kernel.audit("session.ended", target=f"user:{user['username']}",
                     details={"via": ended["via"], "client": ended["client"]})
    return HTTPResponse(status=204)


def list_tokens(kernel: TaskFlow) -> dict:
    """Your personal access tokens (never their secrets), with when each was last used."""
    return {"tokens": sessions.access_tokens(kernel, person(kernel)["id"])}


def create_token(kernel: TaskFlow) -> dict:
    """A token for scripts, sent as ``Authorization: Bearer tfp_...`` (shown once)."""
    user = person(kernel)
    values = TokenCreate.validate(json_body())
    _check_new_token(kernel, user, values["scopes"])
    with kernel.db.transaction():
        made = sessions.new_access_token(kernel, user, values["name"], values["scopes"],
                                         values["expires_in_days"])
        kernel.audit("token.created", target=f"user:{user['username']}",
                     details={"token_id": made["id"], "name": made["name"],
                              "scopes": made["scopes"]})
    response.status = 201
    return made


def revoke_token(kernel: TaskFlow, tid: int) -> HTTPResponse:
    """Revoke one of your tokens: it stops working at once."""
    user = person(kernel)
    db = kernel.db
    with db.transaction():
        row = db.fetchone("SELECT id, name FROM auth_tokens WHERE id = ? AND user_id = ?",
                          (tid, user["id"]))
        if row is None:
            raise ApiError(404, "Token {tid} not found", params={"tid": tid})
        db.delete("auth_tokens", tid)
        kernel.audit("token.revoked", target=f"user:{user['username']}",
                     details={"token_id": tid, "name": row["name"]})
    return HTTPResponse(status=204)


def totp_begin(kernel: TaskFlow) -> dict:
    """Start two-factor setup: a secret and its QR code (confirm with a code next)."""
    user = person(kernel)
    db = kernel.db
    with db.transaction():
        if totp.enabled(db, user["id"]):
            raise ApiError(409, "Two-factor sign-in is already on; turn it off first")
        return totp.begin(db, user, kernel.config.app_name)


def totp_confirm(kernel: TaskFlow) -> dict:
    """Turn two-factor sign-in on with a code from the app; answers the recovery codes."""
    user = person(kernel)
    code = TotpCode.validate(json_body())["code"]
    db = kernel.db
    with db.transaction():
        codes = totp.confirm(db, user["id"], code)
        if codes is None:
            raise ApiError(422, "Validation failed", fields={
                "code": Message("not the current code of the app (or no setup was started)")})
        kernel.audit("auth.totp_enabled", target=f"user:{user['username']}")
    return {"recovery_codes": codes}


def totp_disable(kernel: TaskFlow) -> HTTPResponse:
    """Turn two-factor sign-in off (your password confirms it)."""
    user = person(kernel)
    password = PasswordCheck.validate(json_body())["password"]
    if kernel.users.authenticate(user["username"], password) is None:
        raise ApiError(422, "Validation failed", fields={"password":
            Message("not your password")})
    db = kernel.db
    with db.transaction():
        if not totp.disable(db, user["id"]):
            raise ApiError(404, "Two-factor sign-in is not on")
        kernel.audit("auth.totp_disabled", target=f"user:{user['username']}")
    return HTTPResponse(status=204)


def totp_reset(kernel: TaskFlow, uid: int) -> HTTPResponse:
    """Turn off a user's two-factor sign-in (admins, e.g. for a lost phone)."""
    db = kernel.db
    with db.transaction():
        target = kernel.users.get(uid)
        if target is None or not totp.disable(db, uid):
            raise ApiError(404, "User {uid} has no two-factor sign-in", params={"uid": uid})
        kernel.audit("auth.totp_reset", target=f"user:{target['username']}")
    return HTTPResponse(status=204)


# ---------------------------------------------------------------- routes
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's),
#: after the sign-in routes of ``_routes.py``.
ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions", list_sessions, dict(
        name="list_sessions", auth=True, auth_via=VIA, returns=SessionList,
        responses=(PAT_REFUSED,))),
    ("DELETE", "/sessions/<sid>", end_session, dict(
        name="end_session", auth=True, auth_via=VIA, status=204,
        responses=(PAT_REFUSED, (404, "No such session of yours")))),
    ("GET", "/tokens", list_tokens, dict(
        name="list_tokens", auth=True, auth_via=VIA, returns=TokenList,
        responses=(PAT_REFUSED,))),
    ("POST", "/tokens", create_token, dict(
        name="create_token", auth=True, auth_via=VIA, body=TokenCreate, status=201,
        returns=TokenCreated, responses=(PAT_REFUSED,))),
    ("DELETE", "/tokens/<tid:int>", revoke_token, dict(
        name="revoke_token", auth=True, auth_via=VIA, status=204,
        responses=(PAT_REFUSED,))),
    ("POST", "/totp", totp_begin, dict(
        name="totp_begin", auth=True, auth_via=VIA, returns=TotpSetup,
        responses=(PAT_REFUSED, (409, "Two-factor sign-in is already on")))),
    ("POST", "/totp/confirm", totp_confirm, dict(
        name="totp_confirm", auth=True, auth_via=VIA, body=TotpCode, returns=RecoveryCodes,
        responses=(PAT_REFUSED,))),
    ("DELETE", "/totp", totp_disable, dict(
        name="totp_disable", auth=True, auth_via=VIA, body=PasswordCheck, status=204,
        responses=(PAT_REFUSED, (404, "Two-factor sign-in is not on")))),
    ("DELETE", "/users/<uid:int>/totp", totp_reset, dict(
        name="totp_reset", auth="admin", status=204)),
)

