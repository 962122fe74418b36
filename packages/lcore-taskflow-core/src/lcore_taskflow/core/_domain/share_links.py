"""A project's share links: their queries and rules (the handlers: ``_api/members.py``).

A share link opens one project without an account; only a hash of its secret
is stored (``_shares.new_secret``), so the secret is shown once, when made.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import _shares, events
from .._errors import ApiError
from .._i18n import Message

if TYPE_CHECKING:
    from .. import TaskFlow


def share_out(row: dict) -> dict:
    """``row`` with ``expired`` (whether its ``expires_at`` has passed)."""
    row["expired"] = bool(row["expires_at"] is not None and row["expires_at"] <= time.time())
    return row


def list_shares(db, pid: int) -> list[dict]:
    """Project ``pid``'s share links, oldest first, without their secrets."""
    rows = db.fetchall(
        "SELECT id, role, label, expires_at, created_at, created_by FROM share_links"
        " WHERE project_id = ? ORDER BY id", (pid,))
    return [share_out(r) for r in rows]


def create_share(kernel: TaskFlow, actor: Any, pid: int, values: dict) -> tuple[int, str]:
    """Store a share link of project ``pid`` from validated ``values`` (owners), emitting
    ``share.created``: ``(its id, its secret)``; 422 when it would already be expired."""
    expires = values.get("expires_at")
    if expires is not None and expires <= time.time():
        raise ApiError(422, "Validation failed",
                       fields={"expires_at": Message("must be in the future")})
    token, hashed = _shares.new_secret()
    db = kernel.db
    with db.transaction():
        project = kernel.access().project(pid, "owner")
        row = {"project_id": pid, "token_hash": hashed, "role": values.get("role", "viewer"),
               "label": values.get("label") or "", "expires_at": expires,
               "created_by": actor["id"]}
        share_id = db.insert("share_links", row)
        kernel.emit(events.ShareCreated(
            actor=actor, project={"id": pid, "name": project["name"]},
            share={"id": share_id, "role": row["role"], "label": row["label"],
                   "expires_at": expires}))
    return share_id, token


def revoke_share(kernel: TaskFlow, actor: Any, pid: int, sid: int) -> None:
    """Delete share link ``sid`` of project ``pid`` (owners), emitting ``share.revoked``."""
    db = kernel.db
    with db.transaction():
        project = kernel.access().project(pid, "owner")
        share = db.fetchone("SELECT id, role, label, expires_at FROM share_links"
                            " WHERE id = ? AND project_id = ?", (sid, pid))
        if share is None:
            raise ApiError(404, "Share link {sid} not found in project {pid}",
                           params={"sid": sid, "pid": pid})
        db.delete("share_links", sid)
        kernel.emit(events.ShareRevoked(
            actor=actor, project={"id": pid, "name": project["name"]}, share=share))


__all__ = ["create_share", "list_shares", "revoke_share", "share_out"]
