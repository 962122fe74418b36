"""The notify plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, response
from lcore_taskflow.core import UIModule, events, hookimpl, progress_bar

from . import __version__, hookspecs
from ._api import build_notifications_app, failures_email
from ._apprise import AppriseChannel
from ._channels import EmailChannel
from ._digest import Digests
from ._events import NOTIFY_EVENTS
from ._hub import Hub
from ._hub_api import UNREAD_HEADER, build_hub_app, unread_count
from ._mailer import InvalidEmail, check_address
from ._outbox import MIGRATIONS, Email, Outbox
from ._prefs import URL_SCHEME, mask_url, parse_urls
from ._render import translator_of
from ._unsubscribe import unsubscribe_url
from ._worker import Dispatcher, run_worker, summary

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

log = logging.getLogger("lcore_taskflow.notify")


DELIVERY_MODES = ("embedded", "worker")


@dataclasses.dataclass
class NotifyConfig:
    """The ``APP_SMTP_*`` and ``APP_NOTIFY_*`` keys.  An empty ``smtp_host`` means simulated mode.

    ``notify_delivery``: ``embedded`` delivers in the background of every
    process that assembles the app; ``worker`` leaves delivery to
    ``taskflow notify worker`` processes (the web process only writes rows,
    and sends right away only what an API call asks to send now).
    """

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = dataclasses.field(default="", metadata={"secret": True})
    smtp_from: str = "noreply@taskflow.local"
    smtp_use_tls: bool = True
    smtp_timeout: float = 10.0
    smtp_ca_file: str = ""
    notify_workers: int = 4
    notify_delivery: str = "embedded"
    notify_lease: float = 60.0
    notify_poll: float = 1.0
    notify_max_attempts: int = dataclasses.field(default=8, metadata={
        "runtime": True, "help": "Delivery attempts before an email is given up"})
    notify_backoff: float = dataclasses.field(default=60.0, metadata={
        "runtime": True, "help": "Seconds before the second attempt; doubles each time"})
    notify_apprise_urls: str = ""
    notify_digest_hour: int = 8
    notify_digest_poll: float = 300.0
    inbox_retention_days: int = 90
    public_url: str = ""

    def validate(self) -> list[str]:
        errors = []
        if self.notify_delivery not in DELIVERY_MODES:
            errors.append(f"notify_delivery: expected one of {', '.join(DELIVERY_MODES)}, "
                          f"got {self.notify_delivery!r}")
        if not 1 <= self.notify_lease <= 86400:
            errors.append(f"notify_lease: expected seconds in [1, 86400], got {self.notify_lease}")
        elif self.notify_lease < 2 * self.smtp_timeout:
            errors.append(f"notify_lease: {self.notify_lease} s leaves no room for an SMTP "
                          f"dialogue with smtp_timeout={self.smtp_timeout} (at least twice it)")
        if not 0 < self.notify_poll <= 300:
            errors.append(f"notify_poll: expected seconds in (0, 300], got {self.notify_poll}")
        if not 1 <= self.notify_max_attempts <= 100:
            errors.append(f"notify_max_attempts: expected 1-100, got {self.notify_max_attempts}")
        if not 0 < self.notify_backoff <= 86400:
            errors.append(f"notify_backoff: expected seconds in (0, 86400], "
                          f"got {self.notify_backoff}")
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
        if not 0 <= self.notify_digest_hour <= 23:
            errors.append(f"notify_digest_hour: expected 0-23, got {self.notify_digest_hour}")
        if not 1 <= self.notify_digest_poll <= 3600:
            errors.append(f"notify_digest_poll: expected seconds in [1, 3600], "
                          f"got {self.notify_digest_poll}")
        if not 1 <= self.inbox_retention_days <= 3650:
            errors.append(f"inbox_retention_days: expected 1-3650, "
                          f"got {self.inbox_retention_days}")
        if self.public_url and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$",
                                            self.public_url):
            errors.append(f"public_url: expected http(s)://host[:port][/path], "
                          f"got {self.public_url!r}")
        bad = [mask_url(u) for u in parse_urls(self.notify_apprise_urls) if not URL_SCHEME.match(u)]
        if bad:
            errors.append(f"notify_apprise_urls: not an Apprise URL (scheme://...): {bad[0]}")
        if self.smtp_password and not self.smtp_user:
            errors.append("smtp_password: set without smtp_user (login needs both)")
        return errors


class NotifyPlugin:
    """SMTP email with an outbox, assignment emails, batch notify and history.

    One instance belongs to one kernel: with embedded delivery it owns the
    dispatcher that sends the outbox in the background, started by
    ``taskflow_startup`` and stopped by ``taskflow_shutdown``.
    """

    name = "notify"
    version = __version__
    core_api = "1.1"

    def __init__(self) -> None:
        self.outbox: Outbox | None = None
        self.dispatcher: Dispatcher | None = None
        self._email: EmailChannel | None = None
        self._apprise: AppriseChannel | None = None
        self.hub: Hub | None = None

    def _outbox(self, kernel: Any) -> Outbox:
        if self.outbox is None or self.outbox.kernel is not kernel:
            self.outbox = Outbox(kernel)
        return self.outbox

    def _hub(self, kernel: Any) -> Hub:
        if self.hub is None or self.hub.kernel is not kernel:
            self.hub = Hub(kernel, self._outbox(kernel))
        return self.hub

    def unsubscribe_url(self, kernel: Any, user_id: int, kind: str) -> str:
        """The signed one-click link that stops ``kind``'s emails to ``user_id``."""
        return unsubscribe_url(kernel, user_id, kind)

    def _periodic(self, kernel: Any) -> Any:
        """The delivery loop's periodic work: due digests, then the inbox's clean-up."""
        digests = Digests(kernel, self._outbox(kernel))

        def run() -> None:
            digests.run()
            digests.prune()
        return run

    # ---------------------------------------------------------- assembly
    @hookimpl
    def taskflow_addhooks(self, pluginmanager):
        # Called again whenever another plugin registers: add the specs once.
        caller = getattr(pluginmanager.hook, "taskflow_notify_channels", None)
        if caller is None or caller.spec is None:
            pluginmanager.add_hookspecs(hookspecs)

    @hookimpl
    def taskflow_config_schema(self):
        return NotifyConfig

    @hookimpl
    def taskflow_migrations(self):
        return ("notify", MIGRATIONS)

    @hookimpl
    def taskflow_translations(self):
        return ("notify", MIGRATIONS.parent / "locale")

    @hookimpl
    def taskflow_event_types(self):
        return list(NOTIFY_EVENTS)

    @hookimpl
    def taskflow_mounts(self, kernel: TaskFlow):
        app = build_notifications_app(kernel, self._outbox(kernel), kernel.config.notify_workers)
        return [("/api/notifications/", app), ("/", build_hub_app(kernel, self._hub(kernel)))]

    @hookimpl
    def taskflow_notify_channels(self, kernel: TaskFlow):
        if self._email is None or self._email.kernel is not kernel:
            self._email = EmailChannel(kernel)
            self._apprise = AppriseChannel(kernel)
        return [self._email, self._apprise]

    @hookimpl
    def taskflow_represent(self, kind, rows, kernel: TaskFlow):
        """A task says whether the caller watches it (``watching``), one query per response."""
        if kind != "task":
            return
        user = kernel.current_user(required=False)
        if not user or not user.get("id"):
            return
        ids = list({row["id"] for row in rows})
        marks = ", ".join(["?"] * len(ids))
        watched = {r["task_id"] for r in kernel.db.fetchall(
            f"SELECT task_id FROM task_watchers WHERE user_id = ? AND task_id IN ({marks})",
            (user["id"], *ids))}
        for row in rows:
            row["watching"] = row["id"] in watched

    @hookimpl
    def taskflow_route_plugins(self, kernel: TaskFlow):
        return [UnreadCountPlugin(kernel)]

    @hookimpl
    def taskflow_startup(self, kernel: TaskFlow):
        outbox = self._outbox(kernel)
        channels = outbox.channels()  # a malformed or clashing channel stops start-up here
        config = kernel.config
        mode = "simulated (APP_SMTP_HOST is empty)" if not config.smtp_host.strip() \
            else f"SMTP {config.smtp_host}:{config.smtp_port}"
        log.info("notify: email %s; channels %s; delivery %s", mode, ", ".join(channels),
                 config.notify_delivery)
        self._hub(kernel)
        if config.notify_delivery == "embedded":
            self.dispatcher = Dispatcher(outbox, threads=config.notify_workers,
                                         poll=config.notify_poll, role="embedded",
                                         periodic=self._periodic(kernel),
                                         period=config.notify_digest_poll)
            outbox.waker = self.dispatcher.wake
            self.dispatcher.start()

    @hookimpl
    def taskflow_shutdown(self, kernel: TaskFlow):
        if self.dispatcher is not None:
            self.dispatcher.stop()

    # ---------------------------------------------------------- frontend
    @hookimpl
    def taskflow_ui_modules(self, kernel: TaskFlow):
        """The inbox, settings, email history, header badge, watch toggle and @-completion."""
        return [UIModule("notify", Path(__file__).parent / "static", scripts=("notify.js",),
                         styles=("notify.css",))]

    # ---------------------------------------------------------- requests
    @hookimpl
    def taskflow_event(self, event, kernel: TaskFlow):
        """Core's task, comment and member events reach the hub (inbox, email, chat rows in
        the event's transaction); repeated failed sign-ins email the account's owner.

        With embedded delivery the dispatcher is woken once that transaction
        commits; if the change rolls back, so do the rows.
        """
        if isinstance(event, events.SignInFailures):
            self._notify(kernel, event.user,
                         *failures_email(event, translator_of(kernel, event.user["id"])), None)
            return
        self._hub(kernel).handle(event)

    def _notify(self, kernel: TaskFlow, user, subject: str, body: str,
                project_id: int | None) -> None:
        """Outbox rows for ``user`` in the event's transaction; wake the sender at commit."""
        outbox = self._outbox(kernel)
        try:
            outbox.record(outbox.for_user(user, subject, body, html=True,
                                          project_id=project_id))
        except InvalidEmail as exc:
            log.warning("not notifying user %s: %s", user.get("id"), exc)
            return
        outbox.wake_after_commit(kernel.db)

    # ------------------------------------------------------- maintenance
    @hookimpl
    def taskflow_cli_commands(self, subparsers):
        notify = subparsers.add_parser("notify", help="notification outbox (email and channels)")
        sub = notify.add_subparsers(dest="notify_command", required=True)
        worker = sub.add_parser("worker", help="deliver the outbox in this process "
                                               "(several may run on one database)")
        worker.add_argument("--threads", type=int, metavar="N",
                            help="concurrent sends (default: APP_NOTIFY_WORKERS)")
        worker.add_argument("--poll", type=float, metavar="SECONDS",
                            help="how often to look for due rows (default: APP_NOTIFY_POLL)")
        worker.add_argument("--once", action="store_true",
                            help="deliver what is due now, then exit (tests, cron)")
        worker.set_defaults(handler=self.cmd_worker)
        retry = sub.add_parser("retry", help="send failed notifications again")
        retry.add_argument("--id", type=int, action="append", dest="ids", metavar="ID",
                           help="only this notification (repeatable)")
        retry.add_argument("--stale-after", type=float, metavar="SECONDS",
                           help="also send due 'pending' rows older than this now")
        retry.add_argument("--limit", type=int, help="at most this many")
        retry.set_defaults(handler=self.cmd_retry)
        prune = sub.add_parser("prune", help="delete read inbox items older than "
                                              "APP_INBOX_RETENTION_DAYS (the worker does it too)")
        prune.set_defaults(handler=self.cmd_prune)
        digest = sub.add_parser("digest", help="write the daily digests that are due now "
                                               "(the worker does it too)")
        digest.set_defaults(handler=self.cmd_digest)
        test = sub.add_parser("send-test", help="send one test email with the current settings")
        test.add_argument("--to", required=True, help="recipient address")
        test.add_argument("--subject", default="TaskFlow test email")
        test.set_defaults(handler=self.cmd_send_test)

    def cmd_worker(self, kernel: Any, args: Any) -> int:
        """``taskflow notify worker``: deliver until SIGTERM (or, with ``--once``, until idle)."""
        plugin = kernel.plugin(self.name)  # the kernel's instance, not the CLI's
        if plugin.dispatcher is not None:  # this process delivers in the foreground instead
            plugin.dispatcher.stop()
            plugin.dispatcher = None
        config = kernel.config
        threads = args.threads or config.notify_workers
        poll = args.poll or config.notify_poll
        if not 1 <= threads <= 64 or poll <= 0:
            print("error: --threads must be 1-64 and --poll positive", file=sys.stderr)
            return 2
        counts = run_worker(plugin._outbox(kernel), threads=threads, poll=poll, once=args.once,
                            periodic=plugin._periodic(kernel), period=config.notify_digest_poll)
        print(f"delivered: {summary(counts)}")
        return 0

    def cmd_prune(self, kernel: Any, args: Any) -> int:
        """``taskflow notify prune``: the inbox's clean-up, once."""
        removed = Digests(kernel, self._outbox(kernel)).prune()
        print(f"pruned {removed} inbox items (older than "
              f"{kernel.config.inbox_retention_days} days)")
        return 0

    def cmd_digest(self, kernel: Any, args: Any) -> int:
        """``taskflow notify digest``: write the digests due now (a worker sends them)."""
        written = Digests(kernel, self._outbox(kernel)).run()
        print(f"wrote {written} digests")
        return 0

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


class UnreadCountPlugin:
    """Adds ``X-Unread-Notifications`` to the answers of the board's change polling.

    The frontend already polls ``GET /api/projects/<pid>/tasks/changes`` (a 304
    when the board did not change); the header rides along on every answer,
    304 included, so the unread badge stays current without a request of
    its own.  One indexed count per poll; other routes are not wrapped.
    """

    name = "notify_unread_count"
    api = 2
    ROUTES = ("task_changes",)

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def setup(self, app: Any) -> None:
        pass

    def apply(self, callback: Any, route: Any) -> Any:
        if route.name not in self.ROUTES:
            return callback
        kernel = self.kernel

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            answer = callback(*args, **kwargs)
            user = kernel.current_user(required=False)
            if user and user.get("id"):
                count = str(unread_count(kernel, user["id"]))
                if isinstance(answer, HTTPResponse):
                    answer.set_header(UNREAD_HEADER, count)
                else:
                    response.set_header(UNREAD_HEADER, count)
            return answer
        return wrapper
