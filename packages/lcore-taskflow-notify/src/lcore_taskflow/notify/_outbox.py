"""The notification outbox: a queue of rows in the database, shared by every process.

A row's life::

    pending ──claim──▶ pending, claimed (claimed_by, lease_until) ──▶ sent | simulated
       ▲                         │                                 └─▶ failed
       └──── lease ran out ──────┘          failed ──backoff──▶ claimed again (auto)
                                            failed, next_attempt_at NULL: given up

* A row is *due* when ``next_attempt_at <= now``.  Rows are written due (or
  already claimed, when the writer sends them itself), in the transaction of
  the change that causes them.
* A claim is one ``UPDATE ... RETURNING`` in a write transaction: it sets
  ``claimed_by``, ``lease_until``, ``next_attempt_at = lease_until`` and
  counts the attempt.  Pushing ``next_attempt_at`` to the end of the lease is
  what makes a crashed worker's rows due again: nothing stays claimed forever.
* Claims are taken only for sends that start at once, and a send must end
  before its lease does (the email channel stops at three quarters of it),
  so a live worker never loses a row to another one.
* The outcome is written by ``UPDATE ... WHERE claimed_by = ? AND attempts = ?``
  (only the claim's owner records it) in one transaction with the
  ``notification.sent`` / ``notification.failed`` event.
* A failed attempt is retried after ``notify_backoff * 2**(attempts-1)``
  seconds (at most an hour) until ``notify_max_attempts``; a permanent
  refusal (SMTP 5xx) is not retried automatically.  Failed rows can always
  be retried by hand (API, ``taskflow notify retry``).

Exactly once, and the one window where it is not: a worker killed after the
receiver accepted a message (SMTP ``250``) but before the outcome commits
leaves a claimed row that is sent again when its lease ends.  The window is
the time of one local ``UPDATE`` (``QUIT`` happens after it); the resend
carries the same ``Message-ID``.

How a row is answered (a send's result, the history page) is in ``_answers``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcore_taskflow.core import SQL

from ._answers import history_page, public_row, result_of
from ._channels import collect_channels
from ._events import NotificationFailed, NotificationSent
from ._mailer import EmailService, SmtpSettings, describe_error, make_message_id

log = logging.getLogger("lcore_taskflow.notify")

MIGRATIONS = Path(__file__).parent / "migrations"
#: What the events carry: the row without its body (and without the cleared claim).
EVENT_COLUMNS = ("id, user_id, type, recipient, subject, html, status, error, attempts,"
                 " message_id, created_at, updated_at, last_attempt_at, sent_at, next_attempt_at")
MAX_BACKOFF = 3600.0

# One statement takes the rows.  On SQLite the write lock of the transaction
# serialises claimers.  On PostgreSQL it is already correct (the condition is
# repeated outside the sub-select, so a row another claimer changed meanwhile
# is re-checked and skipped); core's `db.claim(...)`, which adds FOR UPDATE
# SKIP LOCKED so claimers do not queue on each other, replaces the one
# statement in Outbox.claim once it exists.
SETTLE_SQL = (
    "UPDATE notifications SET status = ?, error = ?, next_attempt_at = ?, sent_at = ?,"
    " updated_at = ?, claimed_by = NULL, lease_until = NULL"
    f" WHERE id = ? AND claimed_by = ? AND attempts = ? RETURNING {EVENT_COLUMNS}")


@dataclass
class Email:
    """One notification to record: ``type`` is the channel that delivers it."""

    to: str
    subject: str
    body: str
    html: bool = False
    user_id: int | None = None
    type: str = "email"
    project_id: int | None = None  # what it is about, for the history's access filter


def rows_by_id(db: Any, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The rows ``ids``, by id."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return db.fetchall(f"SELECT * FROM notifications WHERE id IN ({marks}) ORDER BY id", ids)


def retry_condition(stale_after: float | None) -> tuple[str, list[Any]]:
    """What makes a row retryable: ``failed`` (and due ``pending`` ones older than
    ``stale_after`` s)."""
    if stale_after is None:
        return "status = 'failed'", []
    now = time.time()
    return ("(status = 'failed' OR (status = 'pending' AND next_attempt_at <= ?"
            " AND created_at <= ?))", [now, now - stale_after])


def process_name(role: str) -> str:
    """``role@host:pid``: who holds a claim (shown in ``claimed_by``)."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


class Outbox:
    """The outbox of one kernel: records rows, claims them, delivers, records outcomes."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.owner = process_name("app")
        #: Called after a commit that wrote due rows (the embedded dispatcher's wake).
        self.waker: Callable[[], None] | None = None

    def wake_now(self) -> None:
        if self.waker is not None:
            self.waker()

    def wake_after_commit(self, db: Any) -> None:
        """Wake the sender once the open transaction (which wrote rows) commits."""
        if self.waker is not None:
            db.after_commit(self.waker)

    @property
    def lease(self) -> float:
        return self.kernel.config.notify_lease

    def channels(self) -> dict[str, Any]:
        return collect_channels(self.kernel)

    def retry_at(self, attempts: int, now: float) -> float | None:
        """When to try again after ``attempts`` failed ones; ``None``: give up."""
        config = self.kernel.config
        if attempts >= config.notify_max_attempts:
            return None
        return now + min(config.notify_backoff * 2 ** (attempts - 1), MAX_BACKOFF)

    # ------------------------------------------------------------ record
    def for_user(self, user: dict[str, Any], subject: str, body: str,
                 html: bool = False, project_id: int | None = None) -> list[Email]:
        """One notification per channel that reaches ``user`` (``{id, username, email}``).

        A channel whose ``address()`` fails is skipped (and logged): one broken
        plugin must not cost the user the other channels' notifications.
        """
        emails = []
        for name, channel in self.channels().items():
            try:
                address = channel.address(user)
            except Exception:
                log.exception("notify channel %r: address() failed for user %s", name,
                              user.get("id"))
                continue
            if address:
                emails.append(Email(address, subject, body, html, user["id"], name, project_id))
        return emails

    def record(self, emails: Sequence[Email], *, claim: bool = False) -> list[dict[str, Any]]:
        """Insert ``emails`` in one transaction (the caller's, if one is open); return the rows.

        Email rows are built as messages first, so an invalid address or
        subject raises :class:`~lcore_taskflow.notify.InvalidEmail` before
        anything is stored.  With ``claim`` the rows are born claimed by this
        process, which sends them itself; otherwise they are due at once.
        """
        service = EmailService(SmtpSettings.from_config(self.kernel.config))
        for email in emails:
            if email.type == "email":
                service.message(email.to, email.subject, email.body, email.html)
        now = time.time()
        state: dict[str, Any] = {"status": "pending", "next_attempt_at": now}
        if claim:
            lease_until = now + self.lease
            state.update(claimed_by=self.owner, lease_until=lease_until, attempts=1,
                         last_attempt_at=now, next_attempt_at=lease_until)
        ids = []
        with self.kernel.database() as db, db.transaction():
            for email in emails:
                user_id = email.user_id or (self.kernel.users.by_email(email.to) or {}).get("id")
                row_id = db.insert("notifications", {
                    "user_id": user_id, "type": email.type, "recipient": email.to,
                    "project_id": email.project_id,
                    "subject": email.subject, "body": email.body, "html": int(email.html),
                    "created_at": now, **state})
                db.execute("UPDATE notifications SET message_id = ? WHERE id = ?",
                           (make_message_id(row_id), row_id))
                ids.append(row_id)
            return rows_by_id(db, ids)

    # ------------------------------------------------------------- claim
    def claim(self, owner: str, where: str, params: Sequence[Any] = (),
              limit: int = 1) -> list[dict[str, Any]]:
        """Claim up to ``limit`` rows matching ``where`` for ``owner``; return them, by id."""
        now = time.time()
        lease_until = now + self.lease
        with self.kernel.database() as db:
            # One statement takes the rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so
            # workers on several hosts never wait for or share a row).
            return db.claim("notifications", where, params, limit=limit, set={
                "status": "pending", "claimed_by": owner, "lease_until": lease_until,
                "next_attempt_at": lease_until, "attempts": SQL("attempts + 1"),
                "last_attempt_at": now, "updated_at": now})

    def claim_due(self, owner: str, limit: int) -> list[dict[str, Any]]:
        """Claim up to ``limit`` due rows (new, to retry, or of a claim that ran out)."""
        now = time.time()
        with self.kernel.database() as db:
            # A read first: an idle poll must not take the write lock.
            if db.fetchone("SELECT id FROM notifications WHERE next_attempt_at <= ? LIMIT 1",
                           (now,)) is None:
                return []
        return self.claim(owner, "next_attempt_at <= ?", (now,), limit)

    def restart_lease(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """Start ``row``'s lease afresh just before sending; ``None`` if the claim was lost."""
        lease_until = time.time() + self.lease
        with self.kernel.database() as db:
            cur = db.execute("UPDATE notifications SET lease_until = ?, next_attempt_at = ?"
                             " WHERE id = ? AND claimed_by = ? AND attempts = ?",
                             (lease_until, lease_until, row["id"], row["claimed_by"],
                              row["attempts"]))
        if cur.rowcount != 1:
            return None
        return {**row, "lease_until": lease_until, "next_attempt_at": lease_until}

    # ----------------------------------------------------------- deliver
    def deliver(self, row: dict[str, Any]) -> dict[str, Any]:
        """Hand a claimed row to its channel, record the outcome; return the result."""
        channel = self.channels().get(row["type"])
        status, error, retry = "sent", None, False
        try:
            if channel is None:
                raise NoSuchChannel(row["type"])
            status = channel.deliver(dict(row)) or "sent"
            if status not in ("sent", "simulated"):
                raise ValueError(f"channel {row['type']!r} answered {status!r} "
                                 "(expected None, 'sent' or 'simulated')")
        except Exception as exc:  # every failure is recorded, none escapes
            status, error = "failed", describe_error(exc)
            retry = not getattr(exc, "permanent", False)
            log.warning("notification %s (%s to %s) failed, attempt %s: %s", row["id"],
                        row["type"], row["recipient"], row["attempts"], error)
        return self._settle(row, status, error, retry)

    def _settle(self, row: dict[str, Any], status: str, error: str | None,
                retry: bool) -> dict[str, Any]:
        now = time.time()
        next_at = self.retry_at(row["attempts"], now) if retry else None
        with self.kernel.database() as db, db.transaction():
            settled = db.fetchone(SETTLE_SQL, (
                status, error, next_at, now if status == "sent" else None, now,
                row["id"], row["claimed_by"], row["attempts"]))
            if settled is not None:
                event = NotificationFailed if status == "failed" else NotificationSent
                self.kernel.emit(event(notification=public_row(settled), channel=row["type"],
                                       attempts=settled["attempts"], error=error))
        if settled is None:
            log.error("notification %s: its claim ran out before the outcome (%s) was "
                      "recorded; another worker may deliver it again (APP_NOTIFY_LEASE=%s)",
                      row["id"], status, self.lease)
            return result_of({**row, "status": status, "error": error,
                              "next_attempt_at": next_at})
        return result_of(settled)

    def send(self, email: Email) -> dict[str, Any]:
        """Record one email and send it now (the caller waits for the outcome)."""
        (row,) = self.record([email], claim=True)
        return self.deliver(row)

    async def deliver_concurrently(self, rows: Sequence[dict[str, Any]],
                                   workers: int) -> list[dict[str, Any]]:
        """Send claimed rows at once over a thread pool (the seed's async batch)."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(rows))),
                                thread_name_prefix="taskflow-notify-batch") as pool:
            jobs = [loop.run_in_executor(pool, self._deliver_queued, row) for row in rows]
            return list(await asyncio.gather(*jobs))

    def _deliver_queued(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row that waited for a free thread gets a fresh lease first."""
        fresh = self.restart_lease(row)
        if fresh is None:  # its lease ran out and a worker took it over
            with self.kernel.database() as db:
                return result_of(db.fetchone("SELECT * FROM notifications WHERE id = ?",
                                             (row["id"],)))
        return self.deliver(fresh)

    # ------------------------------------------------------------- retry
    def retryable(self, ids: Iterable[int] | None = None, stale_after: float | None = None,
                  limit: int | None = None) -> list[int]:
        """Ids of ``failed`` rows (and due ``pending`` ones older than ``stale_after`` s)."""
        where, params = retry_condition(stale_after)
        sql = f"SELECT id FROM notifications WHERE {where}"
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

    def retry_one(self, notification_id: int, stale_after: float | None = None
                  ) -> dict[str, Any] | None:
        """Send one failed row again now; a row that is not failed is answered as it stands."""
        where, params = retry_condition(stale_after)
        claimed = self.claim(self.owner, f"id = ? AND {where}", (notification_id, *params))
        if claimed:
            return self.deliver(claimed[0])
        with self.kernel.database() as db:
            row = db.fetchone("SELECT * FROM notifications WHERE id = ?", (notification_id,))
        return result_of(row) if row else None

    def retry(self, ids: Iterable[int] | None = None, *, stale_after: float | None = None,
              limit: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
        """Send the retryable rows again, one by one, reporting ``progress(done, total)``.

        Each row is claimed right before its send, so a worker running at the
        same time never sends it too.
        """
        todo = self.retryable(ids, stale_after, limit)
        results = []
        if progress:
            progress(0, len(todo))
        for done, notification_id in enumerate(todo, 1):
            result = self.retry_one(notification_id, stale_after)
            if result is not None:
                results.append(result)
            if progress:
                progress(done, len(todo))
        return results

    # ----------------------------------------------------------- history
    def history(self, user_id: int | None, status: str | None, limit: int,
                offset: int, visible: tuple[str, list] = ("", [])
                ) -> tuple[list[dict[str, Any]], int]:
        """Newest first; ``user_id=None`` means every user's notifications.

        ``visible`` is the reader's access condition on ``project_id``
        (``kernel.access().where("project_id")``): notifications about a
        project they cannot see are left out.
        """
        with self.kernel.database() as db:
            return history_page(db, user_id, status, limit, offset, visible)


class NoSuchChannel(LookupError):
    """A row names a channel that no installed plugin provides (it was uninstalled)."""

    permanent = True

    def __init__(self, name: str):
        super().__init__(f"no notify channel named {name!r} is installed")
