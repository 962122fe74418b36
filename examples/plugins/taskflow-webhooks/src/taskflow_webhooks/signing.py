"""How deliveries are signed, and how a receiver checks them (public: receivers import it).

Each delivery is an HTTP ``POST`` with a JSON body and these headers:

* ``X-TaskFlow-Event``: the event type (``task.created``);
* ``X-TaskFlow-Delivery``: the delivery id (the same on every retry: deduplicate on it);
* ``X-TaskFlow-Timestamp``: when this attempt was signed, Unix seconds (an integer);
* ``X-TaskFlow-Signature``: ``sha256=`` + the hex HMAC-SHA256, keyed with the
  webhook's secret (UTF-8), of ``<timestamp> + "." + <the raw body bytes>``.

A receiver recomputes the HMAC over the bytes it received (before parsing
the JSON), compares in constant time, and refuses timestamps more than five
minutes away from its clock (a replayed request).  Signing the timestamp
with the body is what makes the replay check trustworthy.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-TaskFlow-Signature"
TIMESTAMP_HEADER = "X-TaskFlow-Timestamp"
EVENT_HEADER = "X-TaskFlow-Event"
DELIVERY_HEADER = "X-TaskFlow-Delivery"
TOLERANCE = 300  # seconds


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-TaskFlow-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, body: bytes, timestamp: str | None, signature: str | None, *,
           tolerance: float = TOLERANCE, now: float | None = None) -> bool:
    """Whether a received delivery is authentic and fresh (what a receiver calls)."""
    if not timestamp or not signature:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)
