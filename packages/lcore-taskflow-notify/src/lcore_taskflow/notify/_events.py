"""The events notify emits when an outbox row gets an outcome (``notification.*``).

Declared through ``taskflow_event_types`` and emitted inside the transaction
that records the outcome, so a listener's writes commit with it::

    from lcore_taskflow.core import hookimpl

    class Audit:
        @hookimpl
        def taskflow_event(self, event, kernel):
            if event.type == "notification.failed" and event.gave_up:
                kernel.db.insert("alerts", {"text": f"{event.channel}: {event.error}"})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lcore_taskflow.core.events import Event, Row


@dataclass(frozen=True, kw_only=True)
class _NotificationEvent(Event):
    """``notification`` is the outbox row as it now stands, without its ``body``."""

    notification: Row
    channel: str
    attempts: int
    error: str | None = None

    @property
    def notification_id(self) -> int:
        return self.notification["id"]


@dataclass(frozen=True, kw_only=True)
class NotificationSent(_NotificationEvent):
    """A channel delivered the notification (``notification["status"]`` is
    ``"sent"``, or ``"simulated"`` when email runs without an SMTP server)."""

    type: ClassVar[str] = "notification.sent"


@dataclass(frozen=True, kw_only=True)
class NotificationFailed(_NotificationEvent):
    """One delivery attempt failed with ``error``.

    ``notification["next_attempt_at"]`` is when the outbox tries again; when
    it is ``None`` (``gave_up``) only a manual retry sends it.
    """

    type: ClassVar[str] = "notification.failed"

    @property
    def gave_up(self) -> bool:
        return self.notification.get("next_attempt_at") is None


NOTIFY_EVENTS = (NotificationSent, NotificationFailed)
