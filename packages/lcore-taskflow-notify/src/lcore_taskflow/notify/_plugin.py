"""The notify plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, response
from lcore_taskflow.core import UIModule, events, hookimpl

from . import __version__, hookspecs
from ._api import build_notifications_app, failures_email
from ._apprise import AppriseChannel
from ._channels import EmailChannel
from ._cli import add_commands
from ._config import NotifyConfig
from ._digest import Digests
from ._events import NOTIFY_EVENTS
from ._hub import Hub
from ._hub_api import UNREAD_HEADER, build_hub_app, unread_count
from ._mailer import InvalidEmail
from ._outbox import MIGRATIONS, Outbox
from ._render import translator_of
from ._unsubscribe import unsubscribe_url
from ._worker import Dispatcher

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

log = logging.getLogger("lcore_taskflow.notify")


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
        app = build_notifications_app(kernel, self._outbox(kernel))
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
        add_commands(subparsers, self)


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
