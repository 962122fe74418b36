"""The daily digest and the inbox's clean-up: periodic jobs of the delivery loop.

Daily digest
    Once a day, from ``APP_NOTIFY_DIGEST_HOUR`` in the user's time zone
    (``users.timezone``, UTC when unset), the items whose kind the user wants
    in the digest and that no digest carried yet become one email.  Never
    twice: the row ``digest_runs (user_id, day)`` is inserted first, in the
    same transaction as the outbox row and the items' ``digested_at``; a
    second worker's insert finds the key taken and its transaction writes
    nothing.  A worker killed before that commit leaves nothing behind (the
    next run does it); one killed after it leaves an outbox row, which the
    outbox's claim and lease deliver exactly once.
Pruning
    Inbox items read more than ``APP_INBOX_RETENTION_DAYS`` ago go, and so do
    items that were only ever for the digest once it carried them that long ago.
"""

from __future__ import annotations

import logging
import time
import zoneinfo
from datetime import datetime
from typing import Any

from lcore_taskflow.core import translator_for

from . import _render
from ._mailer import InvalidEmail, check_address, make_message_id

log = logging.getLogger("lcore_taskflow.notify")

DIGEST_ITEMS = 50
PENDING_USERS = ("SELECT DISTINCT i.user_id FROM inbox_items i"
                 " WHERE i.in_digest = 1 AND i.digested_at IS NULL")


def local_day(now: float, zone: str | None, hour: int) -> str | None:
    """The user's local date when their digest is due at ``now``, else ``None``."""
    try:
        tz = zoneinfo.ZoneInfo(zone or "UTC")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        tz = zoneinfo.ZoneInfo("UTC")
    local = datetime.fromtimestamp(now, tz)
    return local.date().isoformat() if local.hour >= hour else None


class Digests:
    """Writes the digests that are due (any number of workers may run it at once)."""

    def __init__(self, kernel: Any, outbox: Any):
        self.kernel = kernel
        self.outbox = outbox

    def run(self, now: float | None = None) -> int:
        """Write every digest due at ``now``; how many emails were written."""
        now = time.time() if now is None else now
        hour = self.kernel.config.notify_digest_hour
        written = 0
        with self.kernel.database() as db:
            users = db.fetchall(f"SELECT id, username, email, role, is_active, timezone, language"
                                f" FROM users WHERE id IN ({PENDING_USERS})")
            for user in users:
                day = local_day(now, user["timezone"], hour)
                if day is not None and self._one(db, user, day, now):
                    written += 1
        if written:
            self.outbox.wake_now()
        return written

    def _one(self, db: Any, user: dict[str, Any], day: str, now: float) -> bool:
        with db.transaction():
            if not db.upsert("digest_runs", {"user_id": user["id"], "day": day, "items": 0,
                                             "created_at": now},
                             conflict=("user_id", "day"), update=()):
                return False  # another worker wrote today's digest (or is writing it)
            conditions = ["i.user_id = ?", "i.in_digest = 1", "i.digested_at IS NULL",
                          "i.created_at <= ?"]
            params: list[Any] = [user["id"], now]
            self.kernel.access(user).and_where(conditions, params, "i.project_id")
            where = " AND ".join(conditions)
            items = db.fetchall(
                "SELECT i.kind, i.title, i.project_id, i.task_id, p.name AS project,"
                " t.title AS task_title FROM inbox_items i"
                " LEFT JOIN projects p ON p.id = i.project_id"
                f" LEFT JOIN tasks t ON t.id = i.task_id WHERE {where}"
                " ORDER BY i.id LIMIT ?", (*params, DIGEST_ITEMS + 1))
            total = len(items) if len(items) <= DIGEST_ITEMS else \
                db.scalar(f"SELECT COUNT(*) FROM inbox_items i WHERE {where}", params)
            # Everything pending is settled, hidden projects' items included: they
            # must not surface in a later digest either.
            db.execute("UPDATE inbox_items SET digested_at = ? WHERE user_id = ?"
                       " AND in_digest = 1 AND digested_at IS NULL AND created_at <= ?",
                       (now, user["id"], now))
            if not items or not user["is_active"]:
                return False
            try:
                address = check_address(user["email"])
            except InvalidEmail:
                return False
            shown = [{"project": r["project"] or "", "headline": r["title"],
                      "task_title": r["task_title"] or "",
                      "link": _render.link(self.kernel, r["project_id"], r["task_id"]) or ""}
                     for r in items[:DIGEST_ITEMS]]
            msg = _render.digest(day, shown, max(0, total - len(shown)),
                                 translator_for(self.kernel, user))
            row_id = db.insert("notifications", {
                "user_id": user["id"], "type": "email", "recipient": address,
                "subject": msg.subject, "body": msg.html, "body_text": msg.text, "html": 1,
                "kind": "digest", "status": "pending", "next_attempt_at": now,
                "created_at": now})
            db.execute("UPDATE notifications SET message_id = ? WHERE id = ?",
                       (make_message_id(row_id), row_id))
            db.execute("UPDATE digest_runs SET items = ?, notification_id = ?"
                       " WHERE user_id = ? AND day = ?", (total, row_id, user["id"], day))
        return True

    def prune(self, now: float | None = None) -> int:
        """Delete read items (and digest-only items) older than the retention; how many."""
        now = time.time() if now is None else now
        cutoff = now - self.kernel.config.inbox_retention_days * 86400
        with self.kernel.database() as db, db.transaction():
            read = db.execute("DELETE FROM inbox_items WHERE read_at IS NOT NULL"
                              " AND read_at < ?", (cutoff,)).rowcount
            digested = db.execute("DELETE FROM inbox_items WHERE in_inbox = 0"
                                  " AND digested_at IS NOT NULL AND digested_at < ?",
                                  (cutoff,)).rowcount
        return read + digested
