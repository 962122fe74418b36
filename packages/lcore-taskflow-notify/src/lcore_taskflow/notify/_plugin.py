"""The notify plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from typing import Any

from lcore_taskflow.core import events, hookimpl, progress_bar

from . import __version__
from ._api import assignment_email, build_notifications_app
from ._mailer import InvalidEmail, check_address
from ._outbox import MIGRATIONS, Email, Outbox, Worker

log = logging.getLogger("lcore_taskflow.notify")


@dataclasses.dataclass
class NotifyConfig:
    """The ``APP_SMTP_*`` keys.  An empty ``smtp_host`` means simulated mode."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "noreply@taskflow.local"
    smtp_use_tls: bool = True
    smtp_timeout: float = 10.0
    smtp_ca_file: str = ""
    notify_workers: int = 4

    def validate(self) -> list[str]:
        errors = []
        if not 0 < self.smtp_port < 65536:
            errors.append(f"smtp_port: expected 1-65535, got {self.smtp_port}")
        if not 0 < self.smtp_timeout <= 600:
            errors.append(f"smtp_timeout: expected seconds in (0, 600], got {self.smtp_timeout}")
        if not 1 <= self.notify_workers <= 64:
            errors.append(f"notify_workers: expected 1-64, got {self.notify_workers}")
        try:
            check_address(self.smtp_from, "smtp_from")
        except InvalidEmail:
            errors.append(f"smtp_from: not a valid email address: {self.smtp_from!r}")
        if self.smtp_ca_file and not os.path.isfile(self.smtp_ca_file):
            errors.append(f"smtp_ca_file: no such file: {self.smtp_ca_file!r}")
        if self.smtp_password and not self.smtp_user:
            errors.append("smtp_password: set without smtp_user (login needs both)")
        return errors


class NotifyPlugin:
    """SMTP email with an outbox, assignment emails, batch notify and history.

    One instance belongs to one kernel: it owns the background worker that
    emails assignees, started by ``taskflow_startup`` and drained by
    ``taskflow_shutdown``.
    """

    name = "notify"
    version = __version__
    core_api = "1.0"

    def __init__(self) -> None:
        self.outbox: Outbox | None = None
        self.worker: Worker | None = None

    def _outbox(self, kernel: Any) -> Outbox:
        if self.outbox is None or self.outbox.kernel is not kernel:
            self.outbox = Outbox(kernel)
        return self.outbox

    # ---------------------------------------------------------- assembly
    @hookimpl
    def taskflow_config_schema(self):
        return NotifyConfig

    @hookimpl
    def taskflow_migrations(self):
        return ("notify", MIGRATIONS)

    @hookimpl
    def taskflow_mounts(self, kernel):
        app = build_notifications_app(kernel, self._outbox(kernel), kernel.config.notify_workers)
        return [("/api/notifications/", app)]

    @hookimpl
    def taskflow_startup(self, kernel):
        self._outbox(kernel)
        self.worker = Worker(kernel.config.notify_workers)
        self.worker.start()
        mode = "simulated (APP_SMTP_HOST is empty)" if not kernel.config.smtp_host.strip() \
            else f"SMTP {kernel.config.smtp_host}:{kernel.config.smtp_port}"
        log.info("notify: email %s", mode)

    @hookimpl
    def taskflow_shutdown(self, kernel):
        if self.worker is not None:
            self.worker.drain()

    # ---------------------------------------------------------- requests
    @hookimpl
    def taskflow_event(self, event, kernel):
        """On ``task.assigned``: the email's outbox row joins the assignment's transaction.

        It is sent in the background once that transaction commits; if the
        assignment rolls back, so does the row, and nothing is sent.
        """
        if not isinstance(event, events.TaskAssigned) or not event.assignee:
            return
        task = {**event.task, "assignee_id": event.assignee["id"],
                "assignee_name": event.assignee["username"],
                "assignee_email": event.assignee["email"],
                "project_name": (event.project or {}).get("name", "")}
        try:
            (notification_id,) = self._outbox(kernel).record(
                [assignment_email(task, event.actor_name)])
        except InvalidEmail as exc:  # e.g. an assignee whose address cannot be mailed
            log.warning("not emailing the assignee of task %s: %s", event.task_id, exc)
            return
        kernel.db.after_commit(lambda: self._send_later(notification_id))

    def _send_later(self, notification_id: int) -> None:
        if self.worker is None or self.worker.submit(
                self.outbox.deliver, notification_id) is None:
            log.warning("notify worker stopped: notification %s stays pending "
                        "(taskflow notify retry --stale-after 0 sends it)", notification_id)

    # ------------------------------------------------------- maintenance
    @hookimpl
    def taskflow_cli_commands(self, subparsers):
        notify = subparsers.add_parser("notify", help="notification outbox (email)")
        sub = notify.add_subparsers(dest="notify_command", required=True)
        retry = sub.add_parser("retry", help="send failed notifications again")
        retry.add_argument("--id", type=int, action="append", dest="ids", metavar="ID",
                           help="only this notification (repeatable)")
        retry.add_argument("--stale-after", type=float, metavar="SECONDS",
                           help="also resend 'pending' rows older than this (after a crash)")
        retry.add_argument("--limit", type=int, help="at most this many")
        retry.set_defaults(handler=self.cmd_retry)
        test = sub.add_parser("send-test", help="send one test email with the current settings")
        test.add_argument("--to", required=True, help="recipient address")
        test.add_argument("--subject", default="TaskFlow test email")
        test.set_defaults(handler=self.cmd_send_test)

    def cmd_retry(self, kernel: Any, args: Any) -> int:
        """``taskflow notify retry``: resend failed rows with a progress bar."""
        outbox = self._outbox(kernel)
        results = outbox.retry(args.ids, stale_after=args.stale_after, limit=args.limit,
                               progress=progress_bar("retry"))
        for r in results:
            print(f"#{r['id']} {r['to']}: {r['status']}"
                  + (f" ({r['error']})" if r.get("error") else ""))
        failed = sum(r["status"] == "failed" for r in results)
        print(f"retried {len(results)}: {len(results) - failed} ok, {failed} failed")
        return 1 if failed else 0

    def cmd_send_test(self, kernel: Any, args: Any) -> int:
        """``taskflow notify send-test --to ADDR``: check the SMTP settings end to end."""
        body = ("This is a test email from TaskFlow.\n\n"
                f"Server: {kernel.config.smtp_host or '(none: simulated mode)'}\n")
        try:
            result = self._outbox(kernel).send(Email(args.to, args.subject, body))
        except InvalidEmail as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"#{result['id']} {result['to']}: {result['status']}"
              + (f" ({result['error']})" if result.get("error") else ""))
        return 1 if result["status"] == "failed" else 0
