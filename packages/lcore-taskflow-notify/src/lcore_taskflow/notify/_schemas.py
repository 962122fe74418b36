"""What the ``/api/notifications/`` routes accept and answer, for ``/openapi.json``.

The handlers in ``_api.py`` validate with ``Fields`` and the mailer's checks
(``check_address``, ``check_subject``); these declarations describe the same
rules.
"""

from __future__ import annotations

from lcore_taskflow.core import (
    Boolean,
    Choice,
    Email,
    Integer,
    ListOf,
    MapOf,
    Number,
    Object,
    Page,
    Schema,
    String,
    Text,
)

from ._answers import STATUSES
from ._mailer import MAX_SUBJECT

MAX_BODY = 100_000
MAX_BATCH = 100
SUBJECT = "One line: no CR/LF, Unicode line separators or control characters"


class EmailSend(Schema):
    """One email to one address."""

    to = Email(required=True)
    subject = Text(required=True, max_len=MAX_SUBJECT, description=SUBJECT)
    body = Text(required=True, max_len=MAX_BODY)
    html = Boolean(description="The body is HTML (a text part is derived from it)")


class BatchSend(Schema):
    """One email to many users (``user_ids``) or addresses (``recipients``): exactly one."""

    user_ids = ListOf(Integer(minimum=1), min_items=1, max_items=MAX_BATCH)
    recipients = ListOf(Email(), min_items=1, max_items=MAX_BATCH)
    subject = Text(required=True, max_len=MAX_SUBJECT, description=SUBJECT)
    body = Text(required=True, max_len=MAX_BODY)
    html = Boolean()


class RetryIds(Schema):
    """Which failed notifications to send again (all failed ones when absent)."""

    ids = ListOf(Integer())


class HistoryQuery(Page):
    status = Choice(STATUSES)


class SendResult(Schema):
    """The outcome of one email."""

    id = Integer(required=True, minimum=1)
    status = Choice(STATUSES, required=True)
    to = String(required=True, nullable=True,
                description="The address; null for a re-sent assignment seen by others than "
                            "its recipient and admins")
    subject = String(required=True)
    error = String(description="Why sending failed (status failed)")
    note = String(description="Why it was only simulated (status simulated)")


class Tally(Schema):
    results = ListOf(SendResult, required=True)
    sent = Integer(required=True, minimum=0)
    simulated = Integer(required=True, minimum=0)
    failed = Integer(required=True, minimum=0)


class BatchResult(Tally):
    """The outcome of each email of a batch."""

    total = Integer(required=True, minimum=0)


class RetryResult(Tally):
    """The outcome of each retried email."""

    retried = Integer(required=True, minimum=0)


class Notification(Schema):
    id = Integer(required=True, minimum=1)
    user_id = Integer(required=True, nullable=True)
    type = String(required=True)
    recipient = String(required=True)
    subject = String(required=True)
    body = String(required=True, nullable=True)
    html = Boolean(required=True)
    status = Choice(STATUSES, required=True)
    error = String(required=True, nullable=True)
    attempts = Integer(required=True, minimum=0)
    created_at = Number(required=True)
    updated_at = Number(required=True, nullable=True)
    last_attempt_at = Number(required=True, nullable=True)
    sent_at = Number(required=True, nullable=True)


class History(Schema):
    """Notifications, newest first."""

    notifications = ListOf(Notification, required=True)
    total = Integer(required=True, minimum=0)
    page = Integer(required=True, minimum=1)
    limit = Integer(required=True, minimum=1)
    scope = Choice(("all", "own"), required=True)


# ------------------------------------------------------------------ the hub (issue 21)
class InboxQuery(Page):
    unread = Boolean(description="Only unread items")


class InboxRef(Schema):
    id = Integer(required=True, minimum=1)
    name = String(description="A project's name")
    title = String(description="A task's title")


class InboxItem(Schema):
    """Something that happened: what (``kind``, ``title``), who (``actor``), where, a link."""

    id = Integer(required=True, minimum=1)
    kind = String(required=True)
    actor = String(required=True, nullable=True)
    project = Object(InboxRef, required=True, nullable=True)
    task = Object(InboxRef, required=True, nullable=True)
    title = String(required=True)
    summary = String(required=True, nullable=True)
    link = String(required=True, nullable=True)
    created = Number(required=True)
    read = Boolean(required=True)


class InboxPage(Schema):
    """A page of the caller's inbox, newest first."""

    items = ListOf(InboxItem, required=True)
    total = Integer(required=True, minimum=0)
    unread = Integer(required=True, minimum=0)
    page = Integer(required=True, minimum=1)
    limit = Integer(required=True, minimum=1)


class InboxRead(Schema):
    """Which items to mark read: ``ids``, or ``all: true``."""

    ids = ListOf(Integer(minimum=1, maximum=2**63 - 1), min_items=1, max_items=500)
    all = Boolean()


class InboxReadResult(Schema):
    marked = Integer(required=True, minimum=0, description="Items that were unread")
    unread = Integer(required=True, minimum=0)


class SettingsUpdate(Schema):
    """``settings``: ``{kind: {channel: bool}}``, only what changes; ``apprise_urls``
    replaces the caller's chat URLs (omit it to keep them)."""

    settings = MapOf(MapOf(Boolean()))
    apprise_urls = ListOf(String(max_len=2000), max_items=10)


class NotificationSettings(Schema):
    """Every kind x channel, the caller's chat URLs (masked), the defaults."""

    settings = MapOf(MapOf(Boolean()), required=True)
    apprise_urls = ListOf(String(), required=True, description="Masked: scheme and a hint")
    defaults = MapOf(MapOf(Boolean()), required=True)
    kinds = ListOf(String(), required=True)
    channels = ListOf(String(), required=True)
    timezone = String(required=True, description="The digest's time zone (PATCH /api/users/me)")
    digest_hour = Integer(required=True, minimum=0, maximum=23)


class Watching(Schema):
    task_id = Integer(required=True, minimum=1)
    watching = Boolean(required=True)
