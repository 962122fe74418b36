"""The notification outbox: record first, send second, never lose a message.

Every email is inserted as a ``pending`` row (committed) *before* any network
I/O, then the row is claimed, the message sent, and the row marked ``sent``,
``simulated`` or ``failed`` with the error.  When the SMTP server is down,
slow or refuses, the row simply ends ``failed``; :meth:`Outbox.retry` sends it
again later.  A crash between the insert and the outcome leaves a ``pending``
row that ``retry(stale_after=...)`` picks up.

Claims are single ``UPDATE ... WHERE status = ...`` statements, so two
workers (or two processes running ``taskflow notify retry``) never send the
same row at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._mailer import SIMULATED_NOTE, EmailService, SmtpSettings, describe_error

log = logging.getLogger("lcore_taskflow.notify")

MIGRATIONS = Path(__file__).parent / "migrations"
STATUSES = ("pending", "sent", "simulated", "failed")
HISTORY_COLUMNS = ("id, user_id, type, recipient, subject, body, html, status, error, attempts,"
                   " created_at, updated_at, last_attempt_at, sent_at")


@dataclass
class Email:
    """One email to record and send."""

    to: str
    subject: str
    body: str
    html: bool = False
    user_id: int | None = None
    type: str = "email"


def result_of(row: dict[str, Any]) -> dict[str, Any]:
    """The API answer for one notification row: ``{id, status, to, subject[, error|note]}``."""
    out = {"id": row["id"], "status": row["status"], "to": row["recipient"],
           "subject": row["subject"]}
    if row["status"] == "failed":
        out["error"] = row["error"]
    elif row["status"] == "simulated":
        out["note"] = SIMULATED_NOTE
    return out


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "html": bool(row["html"])}


class Outbox:
    """Records and sends the emails of one kernel (its database and ``smtp_*`` settings)."""

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def service(self) -> EmailService:
        """A service for the current configuration (read at each send)."""
        return EmailService(SmtpSettings.from_config(self.kernel.config))

    # ------------------------------------------------------------ record
    def record(self, emails: Sequence[Email]) -> list[int]:
        """Insert ``emails`` as ``pending`` rows in one transaction; return their ids.

        Each message is built first, so an invalid address or subject raises
        :class:`~lcore_taskflow.notify._mailer.InvalidEmail` before anything
        is stored.
        """
        service = self.service()
        for email in emails:
            service.message(email.to, email.subject, email.body, email.html)
        ids = []
        with self.kernel.database() as db, db.transaction():
            for email in emails:
                user_id = email.user_id or db.scalar(
                    "SELECT id FROM users WHERE lower(email) = lower(?)", (email.to,))
                ids.append(db.insert("notifications", {
                    "user_id": user_id, "type": email.type, "recipient": email.to,
                    "subject": email.subject, "body": email.body, "html": int(email.html),
                    "status": "pending"}))
        return ids

    # ----------------------------------------------------------- deliver
    def _claim(self, db, notification_id: int, retry: bool, stale_before: float | None) -> bool:
        now = time.time()
        if not retry:
            where = "status = 'pending' AND attempts = 0"
            params: tuple = ()
        else:
            where = ("(status = 'failed' OR (status = 'pending' AND "
                     "COALESCE(last_attempt_at, created_at) <= ?))")
            params = (stale_before if stale_before is not None else float("-inf"),)
        cur = db.execute(
            "UPDATE notifications SET status = 'pending', attempts = attempts + 1,"
            f" last_attempt_at = ?, updated_at = ? WHERE id = ? AND {where}",
            (now, now, notification_id, *params))
        return cur.rowcount == 1

    def deliver(self, notification_id: int, *, retry: bool = False,
                stale_before: float | None = None) -> dict[str, Any] | None:
        """Claim one row, send it, record the outcome; ``None`` if it does not exist.

        A row someone else holds (or that is already done) is returned as it
        stands, without sending it again.
        """
        with self.kernel.database() as db:
            claimed = self._claim(db, notification_id, retry, stale_before)
            row = db.fetchone("SELECT * FROM notifications WHERE id = ?", (notification_id,))
        if row is None or not claimed:
            return result_of(row) if row else None
        status, error = self._send(row)
        now = time.time()
        with self.kernel.database() as db:
            db.execute(
                "UPDATE notifications SET status = ?, error = ?, updated_at = ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                (status, error, now, status, now, notification_id))
        return result_of({**row, "status": status, "error": error})

    def _send(self, row: dict[str, Any]) -> tuple[str, str | None]:
        service = self.service()
        if service.simulated:
            return "simulated", None
        try:
            service.send(row["recipient"], row["subject"], row["body"] or "", bool(row["html"]))
        except Exception as exc:  # every failure is recorded, none escapes
            error = describe_error(exc)
            log.warning("notification %s to %s failed: %s", row["id"], row["recipient"], error)
            return "failed", error
        return "sent", None

    def send(self, email: Email) -> dict[str, Any]:
        """Record and send one email now (the caller waits for the SMTP dialogue)."""
        (notification_id,) = self.record([email])
        return self.deliver(notification_id)

    async def deliver_concurrently(self, ids: Sequence[int], workers: int,
                                   retry: bool = False) -> list[dict[str, Any]]:
        """Send many rows at once over a thread pool (the seed's async batch)."""
        if not ids:
            return []
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids))),
                                thread_name_prefix="taskflow-notify-batch") as pool:
            jobs = [loop.run_in_executor(pool, lambda i=i: self.deliver(i, retry=retry))
                    for i in ids]
            return list(await asyncio.gather(*jobs))

    # ------------------------------------------------------------- retry
    def retryable(self, ids: Iterable[int] | None = None, stale_after: float | None = None,
                  limit: int | None = None) -> list[int]:
        """Ids of ``failed`` rows (and ``pending`` ones older than ``stale_after`` s)."""
        where, params = ["status = 'failed'"], []
        if stale_after is not None:
            where.append("(status = 'pending' AND COALESCE(last_attempt_at, created_at) <= ?)")
            params.append(time.time() - stale_after)
        sql = f"SELECT id FROM notifications WHERE ({' OR '.join(where)})"
        ids = list(ids) if ids is not None else None
        if ids is not None:
            if not ids:
                return []
            sql += f" AND id IN ({', '.join('?' for _ in ids)})"
            params += ids
        sql += " ORDER BY id" + (" LIMIT ?" if limit else "")
        params += [limit] if limit else []
        with self.kernel.database() as db:
            return [r["id"] for r in db.fetchall(sql, params)]

    def retry(self, ids: Iterable[int] | None = None, *, stale_after: float | None = None,
              limit: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
        """Send the retryable rows again, one by one, reporting ``progress(done, total)``."""
        todo = self.retryable(ids, stale_after, limit)
        stale_before = time.time() - stale_after if stale_after is not None else None
        results = []
        if progress:
            progress(0, len(todo))
        for done, notification_id in enumerate(todo, 1):
            result = self.deliver(notification_id, retry=True, stale_before=stale_before)
            if result is not None:
                results.append(result)
            if progress:
                progress(done, len(todo))
        return results

    # ----------------------------------------------------------- history
    def history(self, user_id: int | None, status: str | None, limit: int,
                offset: int) -> tuple[list[dict[str, Any]], int]:
        """Newest first; ``user_id=None`` means every user's notifications."""
        where, params = [], []
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.kernel.database() as db:
            rows = db.fetchall(f"SELECT {HISTORY_COLUMNS} FROM notifications{clause}"
                               " ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
            total = db.scalar(f"SELECT COUNT(*) FROM notifications{clause}", params)
        return [public_row(r) for r in rows], total


def tally(results: Iterable[dict[str, Any]]) -> dict[str, int]:
    """``{sent, simulated, failed}`` counts of a list of results."""
    counts = {"sent": 0, "simulated": 0, "failed": 0}
    for result in results:
        if result["status"] in counts:
            counts[result["status"]] += 1
    return counts


class Worker:
    """The plugin's background sender: a thread pool whose shutdown drains it.

    Requests hand it the id of a row they already recorded, so a send that
    never runs (the process dies) still leaves a ``pending`` row behind.
    """

    def __init__(self, workers: int = 4):
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        with self._lock:
            if self._pool is None and not self._closed:
                self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                                thread_name_prefix="taskflow-notify")

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future | None:
        """Run ``fn(*args)`` in the background; ``None`` once the worker is stopped."""
        self.start()
        with self._lock:
            if self._closed or self._pool is None:
                return None
            return self._pool.submit(self._guard, fn, *args)

    @staticmethod
    def _guard(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:
            log.exception("background notification job failed")
            return None

    def drain(self) -> None:
        """Refuse new jobs and wait for the queued ones to finish."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
