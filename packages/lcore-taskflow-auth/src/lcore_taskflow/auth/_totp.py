"""Two-factor sign-in: TOTP codes (RFC 6238, ``pyotp``) and recovery codes.

Setup is two steps: ``POST /auth/totp`` makes a secret (shown with an
``otpauth://`` URI and a QR code drawn on the server as SVG by ``segno``, so
the page needs no script of its own), ``POST /auth/totp/confirm`` with a
code from the app turns it on and answers the ten recovery codes, once.
A code is accepted in its 30-second step or the one before or after, and
only once (``last_step``); a recovery code only once (kept hashed).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time
from typing import Any

import pyotp
import segno

RECOVERY_CODES = 10
ISSUER = "TaskFlow"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def status(db, user_id: int) -> dict[str, Any] | None:
    return db.fetchone("SELECT secret, confirmed_at, last_step FROM auth_totp WHERE user_id = ?",
                       (user_id,))


def enabled(db, user_id: int) -> bool:
    row = status(db, user_id)
    return bool(row and row["confirmed_at"])


def begin(db, user: dict[str, Any], issuer: str = ISSUER) -> dict[str, Any]:
    """A new unconfirmed secret for ``user`` (replacing an unconfirmed one)."""
    secret = pyotp.random_base32()
    db.execute("DELETE FROM auth_totp WHERE user_id = ?", (user["id"],))
    db.execute("INSERT INTO auth_totp (user_id, secret, created_at) VALUES (?, ?, ?)",
               (user["id"], secret, time.time()))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user["username"], issuer_name=issuer)
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=4, border=2, xmldecl=False,
                                    dark="#111", light="#fff")
    return {"secret": secret, "otpauth_uri": uri,
            "qr_svg": "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()}


def _step_of(secret: str, code: str, last_step: int) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if unused."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, now = pyotp.TOTP(secret), time.time()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            step = int(at // totp.interval)
            return step if step > last_step else None
    return None


def confirm(db, user_id: int, code: str) -> list[str] | None:
    """Turn a pending secret on with a valid code; the recovery codes, or ``None``."""
    row = status(db, user_id)
    if row is None or row["confirmed_at"]:
        return None
    step = _step_of(row["secret"], code, row["last_step"])
    if step is None:
        return None
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    now = time.time()
    db.execute("UPDATE auth_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ?",
               (now, step, user_id))
    db.execute("DELETE FROM auth_recovery_codes WHERE user_id = ?", (user_id,))
    db.executemany("INSERT INTO auth_recovery_codes (user_id, code_hash, created_at)"
                   " VALUES (?, ?, ?)", [(user_id, _hash(c), now) for c in codes])
    return codes


def verify(db, user_id: int, code: str) -> str | None:
    """Check a sign-in's second factor; ``"totp"`` or ``"recovery"`` when it passes."""
    row = status(db, user_id)
    if row is None or not row["confirmed_at"] or not isinstance(code, str):
        return None
    step = _step_of(row["secret"], code, row["last_step"])
    if step is not None:
        # Only one request can move last_step to this step: a replay in flight loses.
        moved = db.execute("UPDATE auth_totp SET last_step = ? WHERE user_id = ?"
                           " AND last_step < ?", (step, user_id, step)).rowcount
        return "totp" if moved else None
    used = db.execute("UPDATE auth_recovery_codes SET used_at = ? WHERE user_id = ?"
                      " AND code_hash = ? AND used_at IS NULL",
                      (time.time(), user_id, _hash(code))).rowcount
    return "recovery" if used else None


def disable(db, user_id: int) -> bool:
    gone = db.execute("DELETE FROM auth_totp WHERE user_id = ?", (user_id,)).rowcount
    db.execute("DELETE FROM auth_recovery_codes WHERE user_id = ?", (user_id,))
    return bool(gone)
