"""Share links: a secret URL that opens one project, read-only or to comment.

The secret (``tfs_`` + 32 random bytes, so secret scanners can spot it) is
shown once; the database keeps its SHA-256.  A request presents it as
``Authorization: Bearer tfs_...``; every request looks the link up, so a
revoked or expired link stops working at once, on every server.  The
identity it gets is not an account: role ``share``, no id, seeing only its
project (``_roles.Access``) and only routes under that project, plus the
project list (``share=True`` on a route).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import TaskFlow

PREFIX = "tfs_"
#: Requests one link may make per minute from one address (the board polls).
RATE = 240


def new_secret() -> tuple[str, str]:
    """A fresh share secret and the hash to store."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def presented(environ: dict) -> str | None:
    """The share secret of a request's ``Authorization`` header, if it carries one."""
    header = environ.get("HTTP_AUTHORIZATION") or ""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX):
        return None
    return value


def share_identity(kernel: TaskFlow, environ: dict) -> dict[str, Any] | bool | None:
    """The identity of a share-link request; ``False`` for a dead link, ``None`` for none.

    ``False`` tells the kernel not to ask the identity plugins: the bearer
    value is a share secret, not theirs to judge.
    """
    token = presented(environ)
    if token is None or "bearer" not in environ.get("taskflow.credentials", ("bearer",)):
        return None
    hashed = digest(token)
    kernel.limits.check("share", RATE, 60, key=f"{hashed[:16]}:{environ.get('REMOTE_ADDR')}")
    with kernel.database() as db:
        row = db.fetchone("SELECT id, project_id, role, label, expires_at FROM share_links"
                          " WHERE token_hash = ?", (hashed,))
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= time.time()):
        environ["taskflow.auth_problem"] = "This share link was revoked or has expired"
        return False
    label = row["label"]
    return {"id": None, "username": f"{label} (share link)" if label else "Share link",
            "email": None, "role": "share", "share_id": row["id"],
            "share_project": row["project_id"], "share_role": row["role"]}
