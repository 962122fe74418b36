"""Signed bearer tokens (SPEC §4).

A token is ``base64url(JSON payload) + "." + hex(HMAC-SHA256(secret, payload_b64))``
with the payload ``{sub, username, role, iat, exp}`` — the seed's format, so a
client of the seed keeps working — plus ``gen`` (the user's token generation:
a password change or deactivation moves it on, killing every older token)
and ``jti`` (a random id, so logout can revoke this one token).  Only the
current secret signs; the current secret and every previous one (key
rotation) verify.  :func:`verify_token`
never raises: any garbage answers ``None``.

A verified token's claims are remembered (:data:`_VERIFIED`), keyed by the
whole token and the secrets that verified it, so a client's next request costs
a dict lookup and the expiry check instead of an HMAC, a base64 and a JSON
decode.  What can change while a token lives (revocation, the user's token
generation, deactivation) is not in the cache: the identity lookup reads it
from the database on every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable, Mapping
from secrets import token_urlsafe
from typing import Any

DEFAULT_TTL = 3600
MAX_TOKEN_LENGTH = 4096
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")
_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")
#: ``(token, secrets) -> claims`` of tokens that verified; emptied when full (a
#: busy server re-verifies each client's token once, then hits again).
_VERIFIED: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def _sign(secret: str, payload_b64: str) -> str:
    return hmac.new(secret.encode("utf-8"), payload_b64.encode("ascii"),
                    hashlib.sha256).hexdigest()


def issue_token(user: Mapping[str, Any], secret: str, ttl: int = DEFAULT_TTL,
                now: float | None = None) -> str:
    """A token for ``user`` (``id``, ``username``, ``role``, ``token_generation``), ``ttl`` s."""
    issued = int(time.time() if now is None else now)
    payload = {
        "sub": int(user["id"]),
        "username": str(user["username"]),
        "role": str(user["role"]),
        "iat": issued,
        "exp": issued + int(ttl),
        "gen": int(user.get("token_generation") or 0),
        "jti": token_urlsafe(12),
    }
    payload_b64 = base64.urlsafe_b64encode(
        json.dumps(payload, separators=(",", ":")).encode("utf-8")).decode("ascii")
    return f"{payload_b64}.{_sign(secret, payload_b64)}"


def _signed_by(payload_b64: str, signature: str, secrets: Iterable[str]) -> bool:
    """Constant-time check against every accepted secret (no early exit)."""
    ok = False
    for secret in secrets:
        if secret and hmac.compare_digest(_sign(secret, payload_b64).encode("ascii"),
                                          signature.encode("ascii")):
            ok = True
    return ok


def _decode_payload(payload_b64: str) -> dict[str, Any] | None:
    padded = payload_b64 + "=" * (-len(payload_b64) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _valid_claims(payload: Mapping[str, Any], now: float) -> bool:
    sub, exp, iat = payload.get("sub"), payload.get("exp"), payload.get("iat")
    numbers = (int, float)
    return (isinstance(sub, int) and not isinstance(sub, bool) and sub > 0
            and isinstance(payload.get("username"), str)
            and isinstance(payload.get("role"), str)
            and isinstance(exp, numbers) and not isinstance(exp, bool)
            and isinstance(iat, numbers) and not isinstance(iat, bool)
            and isinstance(payload.get("gen", 0), int) and not isinstance(payload.get("gen"), bool)
            and isinstance(payload.get("jti", ""), str)
            and exp > now)


def verify_token(token: Any, secrets: str | Iterable[str],
                 now: float | None = None) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token signed by one of ``secrets``; else ``None``.

    ``secrets`` is the current secret or a list: current first, then the
    previous ones that still verify during a key rotation.
    """
    try:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            return None
        keys = (secrets,) if isinstance(secrets, str) else tuple(secrets)
        now = time.time() if now is None else now
        known = _VERIFIED.get((token, keys))
        if known is not None:
            return dict(known) if known["exp"] > now else None
        payload = _verified(token, keys, now)
        if payload is None:
            return None
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[(token, keys)] = payload
        return dict(payload)
    except Exception:  # a verifier must never turn bad input into a 500
        return None


def _verified(token: str, keys: tuple[str, ...], now: float) -> dict[str, Any] | None:
    """The claims of ``token`` when its form, signature and claims hold, else ``None``."""
    payload_b64, sep, signature = token.strip().rpartition(".")
    if not sep or not _PAYLOAD_RE.fullmatch(payload_b64) \
            or not _SIGNATURE_RE.fullmatch(signature):
        return None
    if not _signed_by(payload_b64, signature, keys):
        return None
    payload = _decode_payload(payload_b64)
    if payload is None or not _valid_claims(payload, now):
        return None
    return payload


def bearer_token(header: Any) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, else ``None``."""
    if not isinstance(header, str):
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None
