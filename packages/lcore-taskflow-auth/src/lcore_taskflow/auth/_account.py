"""``/auth/sessions`` and ``/auth/tokens``: a user's sign-ins and personal access tokens.

Only a signed-in person manages these (bearer token or session cookie); a
personal access token is refused here, so a leaked script token cannot
mint more tokens or end its owner's sessions.
"""

from __future__ import annotations

from lcore import HTTPResponse, Lcore, response
from lcore_taskflow.core import (
    ApiError,
    Boolean,
    Choice,
    Integer,
    ListOf,
    Message,
    Number,
    Schema,
    String,
    Text,
    json_body,
)

from . import _sessions as sessions
from . import _totp as totp

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


def person(kernel) -> dict:
    """The signed-in user, refused when the request carries a personal access token."""
    user = kernel.current_user()
    if user.get("via") == "token":
        raise ApiError(403, "A personal access token cannot manage tokens, sessions, "
                            "passwords or two-factor sign-in; sign in as yourself")
    return user


def add_account_routes(app: Lcore, kernel) -> None:

    @app.get("/sessions", name="list_sessions", auth=True, auth_via=VIA, returns=SessionList,
             responses=(PAT_REFUSED,))
    def list_sessions():
        """Your sign-ins (browser and API) that still work, with where they came from."""
        user = person(kernel)
        rows = sessions.live(kernel, user["id"])
        for row in rows:
            row["current"] = row["id"] == user.get("session_id")
        return {"sessions": rows}

    @app.delete("/sessions/<sid>", name="end_session", auth=True, auth_via=VIA, status=204,
                responses=(PAT_REFUSED, (404, "No such session of yours")))
    def end_session(sid):
        """End one of your sessions: it stops working at once, on every server."""
        user = person(kernel)
        with kernel.db.transaction():
            ended = sessions.end(kernel, user["id"], sid)
            if ended is None:
                raise ApiError(404, "Session not found")
            kernel.audit("session.ended", target=f"user:{user['username']}",
                         details={"via": ended["via"], "client": ended["client"]})
        return HTTPResponse(status=204)

    @app.get("/tokens", name="list_tokens", auth=True, auth_via=VIA, returns=TokenList,
             responses=(PAT_REFUSED,))
    def list_tokens():
        """Your personal access tokens (never their secrets), with when each was last used."""
        return {"tokens": sessions.access_tokens(kernel, person(kernel)["id"])}

    @app.post("/tokens", name="create_token", auth=True, auth_via=VIA, body=TokenCreate,
              status=201, returns=TokenCreated, responses=(PAT_REFUSED,))
    def create_token():
        """A token for scripts, sent as ``Authorization: Bearer tfp_...`` (shown once)."""
        user = person(kernel)
        values = TokenCreate.validate(json_body())
        if "admin" in values["scopes"] and user.get("role") != "admin":
            raise ApiError(403, "Only admins may create tokens with the admin scope")
        if len(sessions.access_tokens(kernel, user["id"])) >= MAX_TOKENS:
            raise ApiError(422, "At most {MAX_TOKENS} tokens per user: revoke some first",
                           params={"MAX_TOKENS": MAX_TOKENS})
        with kernel.db.transaction():
            made = sessions.new_access_token(kernel, user, values["name"], values["scopes"],
                                             values["expires_in_days"])
            kernel.audit("token.created", target=f"user:{user['username']}",
                         details={"token_id": made["id"], "name": made["name"],
                                  "scopes": made["scopes"]})
        response.status = 201
        return made

    @app.delete("/tokens/<tid:int>", name="revoke_token", auth=True, auth_via=VIA, status=204,
                responses=(PAT_REFUSED,))
    def revoke_token(tid):
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

    @app.post("/totp", name="totp_begin", auth=True, auth_via=VIA, returns=TotpSetup,
              responses=(PAT_REFUSED, (409, "Two-factor sign-in is already on")))
    def totp_begin():
        """Start two-factor setup: a secret and its QR code (confirm with a code next)."""
        user = person(kernel)
        db = kernel.db
        with db.transaction():
            if totp.enabled(db, user["id"]):
                raise ApiError(409, "Two-factor sign-in is already on; turn it off first")
            return totp.begin(db, user, kernel.config.app_name)

    @app.post("/totp/confirm", name="totp_confirm", auth=True, auth_via=VIA, body=TotpCode,
              returns=RecoveryCodes, responses=(PAT_REFUSED,))
    def totp_confirm():
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

    @app.delete("/totp", name="totp_disable", auth=True, auth_via=VIA, body=PasswordCheck,
                status=204, responses=(PAT_REFUSED, (404, "Two-factor sign-in is not on")))
    def totp_disable():
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

    @app.delete("/users/<uid:int>/totp", name="totp_reset", auth="admin", status=204)
    def totp_reset(uid):
        """Turn off a user's two-factor sign-in (admins, e.g. for a lost phone)."""
        db = kernel.db
        with db.transaction():
            target = kernel.users.get(uid)
            if target is None or not totp.disable(db, uid):
                raise ApiError(404, "User {uid} has no two-factor sign-in", params={"uid": uid})
            kernel.audit("auth.totp_reset", target=f"user:{target['username']}")
        return HTTPResponse(status=204)
