"""``WebhooksPlugin``: the hooks that send TaskFlow's events to HTTP receivers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcore_taskflow.core import UIModule, events, hookimpl

from . import __version__
from ._outbox import Worker, enqueue
from ._routes import build_webhooks_app

HERE = Path(__file__).resolve().parent


@dataclass
class WebhooksConfig:
    """``APP_WEBHOOKS_*``: retries, backoff and timeouts of deliveries."""

    webhooks_max_attempts: int = dataclasses.field(default=6, metadata={
        "runtime": True, "help": "Delivery attempts before a webhook call is given up"})
    # seconds before the 2nd attempt; doubles each time
    webhooks_backoff: float = dataclasses.field(default=10.0, metadata={
        "runtime": True, "help": "Seconds before the second attempt; doubles each time"})
    webhooks_timeout: float = 10.0
    webhooks_poll_interval: float = 30.0  # the worker also wakes after every commit

    def validate(self) -> list[str]:
        errors = []
        if not 1 <= self.webhooks_max_attempts <= 50:
            errors.append("webhooks_max_attempts: expected 1-50")
        for key in ("webhooks_backoff", "webhooks_timeout", "webhooks_poll_interval"):
            if not 0 < getattr(self, key) <= 3600:
                errors.append(f"{key}: expected seconds in (0, 3600]")
        return errors


class WebhooksPlugin:
    """Per-project webhooks: an outbox filled in the event's transaction, sent after commit."""

    name = "webhooks"
    #: off in every project until an owner turns it on (docs/plugins.md)
    project_scoped = True
    version = __version__
    core_api = "1.0"

    def __init__(self) -> None:
        self.worker: Worker | None = None

    def worker_of(self, kernel: Any) -> Worker:
        if self.worker is None:
            self.worker = Worker(kernel)
        return self.worker

    @hookimpl
    def taskflow_config_schema(self):
        return WebhooksConfig

    @hookimpl
    def taskflow_migrations(self):
        return ("webhooks", HERE / "migrations")

    @hookimpl
    def taskflow_translations(self):
        return ("webhooks", HERE / "locale")

    @hookimpl
    def taskflow_mounts(self, kernel):
        return [("/api/webhooks/", build_webhooks_app(kernel, self.worker_of))]

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("webhooks", HERE / "static", scripts=("webhooks.js",),
                         styles=("webhooks.css",))]

    @hookimpl
    def taskflow_startup(self, kernel):
        self.worker_of(kernel).start()

    @hookimpl
    def taskflow_shutdown(self, kernel):
        if self.worker is not None:
            self.worker.stop()

    @hookimpl(trylast=True)
    def taskflow_event(self, event, kernel):
        """Outbox rows in the change's transaction; the worker wakes once it commits.

        ``trylast``: other listeners (core's activity feed, the labels plugin)
        have written their part before the delivery is recorded.
        """
        db = kernel.db
        if enqueue(db, event):
            db.after_commit(self.worker_of(kernel).wake)
        if isinstance(event, events.ProjectDeleted):
            # Tombstones: pending deliveries (this project.deleted too) still go out.
            db.execute("UPDATE webhooks SET deleted_at = ?, active = 0 WHERE project_id = ?",
                       (event.at, event.project_id))
