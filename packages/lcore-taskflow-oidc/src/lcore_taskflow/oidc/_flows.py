"""Sign-ins under way: state, nonce and PKCE verifier kept on the server, used once.

Why the server and not a signed cookie: a row can be *consumed* (deleted in
the transaction that reads it), so a callback URL replayed later — from the
browser history, a log, a proxy — finds nothing, on every server sharing the
database; and the nonce and the PKCE verifier never travel to the browser at
all (a signed cookie is readable by whoever holds it).  What the browser gets
is only a random secret in the ``taskflow_oidc`` cookie (HttpOnly,
SameSite=Lax, scoped to ``/auth/oidc/``, as long-lived as a sign-in may
take): the callback must come from the browser that started the sign-in, so
a state value leaked or planted by someone else (login CSRF) is worthless.
One browser keeps one secret for all the sign-ins it starts, so two tabs
signing in at once both work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from ._client import Authorization

COOKIE = "taskflow_oidc"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


def valid_browser_secret(value: Any) -> bool:
    return isinstance(value, str) and 32 <= len(value) <= 128 and value.isascii()


def start(db, started: Authorization, browser_secret: str, ttl: float) -> None:
    """Remember a sign-in for ``ttl`` seconds (and forget the ones that ran out)."""
    now = time.time()
    with db.transaction():
        db.execute("DELETE FROM oidc_flows WHERE expires_at < ?", (now,))
        db.insert("oidc_flows", {
            "state_hash": digest(started.state), "browser_hash": digest(browser_secret),
            "nonce": started.nonce, "code_verifier": started.code_verifier,
            "redirect_uri": started.redirect_uri, "created_at": now, "expires_at": now + ttl})


def take(db, state: str, browser_secret: str | None) -> dict[str, Any] | None:
    """The sign-in ``state`` belongs to, consumed; ``None`` when it is unknown, used,
    expired, or was started by another browser (it is consumed all the same)."""
    with db.transaction():
        row = db.fetchone("SELECT id, browser_hash, nonce, code_verifier, redirect_uri,"
                          " expires_at FROM oidc_flows WHERE state_hash = ?", (digest(state),))
        if row is None:
            return None
        if db.execute("DELETE FROM oidc_flows WHERE id = ?", (row["id"],)).rowcount != 1:
            return None  # a concurrent callback with the same state took it first
    if row["expires_at"] < time.time():
        return None
    if not (browser_secret and hmac.compare_digest(row["browser_hash"],
                                                   digest(browser_secret))):
        return None
    return row
