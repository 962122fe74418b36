"""The chat channel: Apprise URLs (``json://``, ``ntfy://``, ``tgram://``, ... 100+ services).

Rows of this channel are written by the hub only, one per URL, so each URL has
its own status and retries and a resend never repeats a message another URL
already took: ``recipient`` is ``user:<id>#<n>`` (that user's n-th URL,
from their notification settings) or ``instance#<n>``
(``APP_NOTIFY_APPRISE_URLS``).
The URLs themselves are read when the row is sent and never stored in the
outbox, so the history and the events show no secret.  Delivery goes through
the outbox like email: status, retries with backoff, history.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ._prefs import mask_url, parse_urls

log = logging.getLogger("lcore_taskflow.notify")


class ChatDeliveryFailed(RuntimeError):
    """Apprise reported a failure for at least one URL (retried with backoff)."""


class AppriseChannel:
    """``name = "apprise"``; ``deliver`` posts the row's text to its URLs."""

    name = "apprise"

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def address(self, user: dict[str, Any]) -> str | None:
        # Only the hub writes chat rows (it knows the user's preferences);
        # explicit emails and batches stay email.
        return None

    def url(self, row: dict[str, Any]) -> str | None:
        """The URL a row goes to (looked up now: it is never stored in the outbox)."""
        who, _, index = row["recipient"].partition("#")
        if who == "instance":
            urls = parse_urls(self.kernel.config.get("notify_apprise_urls", ""))
        else:
            with self.kernel.database() as db:
                found = db.fetchone("SELECT apprise_urls FROM notification_settings"
                                    " WHERE user_id = ?", (row["user_id"],))
            urls = json.loads(found["apprise_urls"]) if found else []
        n = int(index) if index.isdigit() else 0
        return urls[n] if n < len(urls) else None

    def deliver(self, notification: dict[str, Any]) -> str:
        import apprise  # imported when the first chat message goes out, not at start-up

        url = self.url(notification)
        if url is None:
            raise NoChatUrls(notification["recipient"])
        sender = apprise.Apprise()
        if not sender.add(url):
            raise InvalidChatUrl(mask_url(url))
        if not sender.notify(title=notification["subject"],
                             body=notification.get("body_text") or notification["body"]):
            raise ChatDeliveryFailed(f"chat delivery to {mask_url(url)} failed")
        return "sent"


class NoChatUrls(LookupError):
    """The user removed their chat URLs before the row was sent."""

    permanent = True

    def __init__(self, recipient: str):
        super().__init__(f"no chat URLs configured for {recipient}")


class InvalidChatUrl(ValueError):
    permanent = True

    def __init__(self, masked: str):
        super().__init__(f"{masked} is not a valid Apprise URL")
