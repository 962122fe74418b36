"""One-click unsubscribe links (RFC 8058): signed, per user and kind, no login needed.

``List-Unsubscribe: <URL>`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``:
a mail client POSTs to the URL and that kind's emails stop.  The URL carries
the user id, the kind and an HMAC-SHA256 of both under the secret key
(``previous_secret_keys`` still verify, so a key rotation keeps old emails'
links working).  A person who opens the link gets a page with a button
(GET never changes anything: link scanners follow GETs).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from ._render import base_url

DOMAIN = b"taskflow-notify-unsubscribe:"


def signature(secret: str, user_id: int, kind: str) -> str:
    return hmac.new(secret.encode(), DOMAIN + f"{user_id}:{kind}".encode(),
                    hashlib.sha256).hexdigest()


def unsubscribe_url(kernel: Any, user_id: int, kind: str) -> str:
    query = urlencode({"u": user_id, "k": kind,
                       "s": signature(kernel.config.secret_key, user_id, kind)})
    return f"{base_url(kernel)}/notifications/unsubscribe?{query}"


def verify(kernel: Any, user_id: str, kind: str, sig: str) -> bool:
    """Whether ``sig`` signs ``user_id``/``kind`` under the current or a previous key."""
    if not user_id.isdigit() or len(user_id) > 18 or not sig or len(sig) != 64:
        return False
    keys = [kernel.config.secret_key, *_previous(kernel.config)]
    return any(hmac.compare_digest(signature(key, int(user_id), kind), sig) for key in keys)


def _previous(config: Any) -> list[str]:
    raw = config.get("previous_secret_keys") or []
    if isinstance(raw, str):
        raw = [k for k in raw.replace(",", " ").split() if k]
    return list(raw)
