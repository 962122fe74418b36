"""The webhooks outbox: rows written with the change, sent after it commits.

``enqueue`` runs inside the event's transaction (so a rolled-back change
sends nothing); the :class:`Worker` thread sends due rows after commit and
records each attempt.  A failed attempt is retried with exponential backoff
(``webhooks_backoff`` x 2^(attempt-1), at most an hour) until
``webhooks_max_attempts``; then the row is ``failed`` and only an admin's
retry sends it again.  Claims are single ``UPDATE ... WHERE status =
'pending'`` statements, so a row is never sent twice at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from lcore_taskflow.core import Event

from . import signing

log = logging.getLogger("taskflow_webhooks")
MAX_BACKOFF = 3600.0
USER_AGENT = "TaskFlow-Webhooks/0.1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a success: following it would drop the POST body."""

    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


# No proxies from the environment either: the receiver is the URL an admin gave.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def payload_of(event: Event) -> dict[str, Any]:
    """The JSON body of a delivery: the event's type, time, actor and data."""
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)
            if f.name not in ("actor", "at")}
    actor = event.actor or {}
    return {"type": event.type, "at": event.at, "project_id": event.project_id,
            "task_id": event.task_id,
            "actor": {"id": actor.get("id"), "username": actor.get("username")} if actor else None,
            "data": data}


def enqueue(db, event: Event) -> int:
    """One pending delivery per active webhook of the event's project that wants it."""
    if event.project_id is None:
        return 0
    hooks = db.fetchall("SELECT id, events FROM webhooks WHERE project_id = ? AND active = 1"
                        " AND deleted_at IS NULL", (event.project_id,))
    wanted = [h["id"] for h in hooks if event.type in json.loads(h["events"])]
    if not wanted:
        return 0
    body = json.dumps(payload_of(event), default=str, separators=(",", ":"))
    for hook_id in wanted:
        db.insert("webhook_deliveries", {"webhook_id": hook_id, "event_type": event.type,
                                         "payload": body, "next_attempt_at": event.at})
    return len(wanted)


def backoff(base: float, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: base, 2 base, 4 base, ..."""
    return min(MAX_BACKOFF, base * 2 ** (attempts - 1))


class Worker:
    """The background sender of one kernel's deliveries (a daemon thread)."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self.kernel.database() as db:
            # Rows a previous process was sending when it died go out again.
            db.execute("UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'sending'")
        self._thread = threading.Thread(target=self._run, name="taskflow-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        poll = self.kernel.config.webhooks_poll_interval
        while not self._stop.is_set():
            try:
                wait = self.send_due()
            except Exception:  # a broken database must not kill the thread for good
                log.exception("webhooks: sending failed")
                wait = poll
            self._wake.wait(min(poll, wait))
            self._wake.clear()

    def send_due(self) -> float:
        """Send every due delivery; return the seconds until the next one is due."""
        while not self._stop.is_set():
            row = self._claim_next()
            if row is None:
                break
            self._attempt(row)
        with self.kernel.database() as db:
            purge_tombstones(db)
            due = db.scalar("SELECT MIN(next_attempt_at) FROM webhook_deliveries"
                            " WHERE status = 'pending'")
        return float("inf") if due is None else max(0.0, due - time.time())

    def _claim_next(self) -> dict[str, Any] | None:
        with self.kernel.database() as db:
            for row in db.fetchall(
                    "SELECT d.id, d.event_type, d.payload, d.attempts, w.url, w.secret"
                    " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
                    " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
                    " ORDER BY d.next_attempt_at, d.id LIMIT 10", (time.time(),)):
                claimed = db.execute(
                    "UPDATE webhook_deliveries SET status = 'sending', updated_at = ?"
                    " WHERE id = ? AND status = 'pending'", (time.time(), row["id"])).rowcount
                if claimed:
                    return row
        return None

    def _attempt(self, row: dict[str, Any]) -> None:
        config = self.kernel.config
        code, error = post(row, timeout=config.webhooks_timeout)
        attempts = row["attempts"] + 1
        now = time.time()
        if error is None:
            values = {"status": "delivered", "delivered_at": now}
        elif attempts >= config.webhooks_max_attempts:
            values = {"status": "failed"}
        else:
            values = {"status": "pending",
                      "next_attempt_at": now + backoff(config.webhooks_backoff, attempts)}
        with self.kernel.database() as db:
            db.update("webhook_deliveries", row["id"], {
                **values, "attempts": attempts, "response_status": code, "error": error})
        if error:
            log.warning("webhook delivery %s to %s: attempt %s failed: %s",
                        row["id"], row["url"], attempts, error)


def post(row: dict[str, Any], timeout: float) -> tuple[int | None, str | None]:
    """Send one delivery; ``(HTTP status or None, error or None)``.  Only a 2xx is success."""
    body = row["payload"].encode("utf-8")
    timestamp = int(time.time())
    request = urllib.request.Request(row["url"], data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: row["event_type"], signing.DELIVERY_HEADER: str(row["id"]),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(row["secret"], timestamp, body)})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return answer.status, None
    except urllib.error.HTTPError as err:
        return err.code, f"HTTP {err.code} {err.reason}"
    except (OSError, ValueError) as err:  # refused, unreachable, timed out, bad URL
        reason = getattr(err, "reason", err)
        return None, f"{type(reason).__name__}: {reason}"


def purge_tombstones(db) -> None:
    """Forget the webhooks of deleted projects once their last delivery is done."""
    db.execute("DELETE FROM webhooks WHERE deleted_at IS NOT NULL AND NOT EXISTS ("
               "SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id"
               " AND d.status IN ('pending', 'sending'))")
