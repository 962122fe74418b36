"""Delivery channels: email is built in; plugins add more (``taskflow_notify_channels``).

The contract a channel fulfils is documented in :mod:`.hookspecs`.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from typing import Any

from lcore_taskflow.core import PluginCheckError

from ._mailer import (
    EmailService,
    InvalidEmail,
    SmtpSettings,
    check_address,
    make_message_id,
    permanent_refusal,
)
from ._render import footer, translator_of
from ._unsubscribe import unsubscribe_url

log = logging.getLogger("lcore_taskflow.notify")

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class EmailChannel:
    """The built-in channel: SMTP with the ``smtp_*`` settings (simulated without a host)."""

    name = "email"

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def service(self) -> EmailService:
        """A service for the current configuration (read at each send)."""
        return EmailService(SmtpSettings.from_config(self.kernel.config))

    def address(self, user: dict[str, Any]) -> str | None:
        try:
            return check_address(user.get("email"))
        except InvalidEmail as exc:  # e.g. a user whose address cannot be mailed
            log.warning("not emailing user %s: %s", user.get("id"), exc.message)
            return None

    def deliver(self, notification: dict[str, Any]) -> str:
        service = self.service()
        if service.simulated:
            return "simulated"
        # Leave a quarter of the lease for recording the outcome: the claim
        # must still be ours when the server's 250 is written down.
        left = notification["lease_until"] - time.time() - self.kernel.config.notify_lease / 4
        body, text, headers = self.with_unsubscribe(notification)
        try:
            service.send(notification["recipient"], notification["subject"],
                         body, bool(notification["html"]),
                         message_id=notification["message_id"]
                         or make_message_id(notification["id"]),
                         deadline=time.monotonic() + left, text=text, headers=headers)
        except smtplib.SMTPException as exc:
            exc.permanent = permanent_refusal(exc)
            raise
        return "sent"


    def with_unsubscribe(self, row: dict[str, Any]) -> tuple[str, str | None, dict[str, str]]:
        """Body, text part and headers; a hub email (``kind`` set) gets the footer and the
        RFC 8058 ``List-Unsubscribe`` headers for its recipient and kind."""
        body, text = row["body"] or "", row.get("body_text")
        if not row.get("kind") or not row.get("user_id"):
            return body, text, {}
        url = unsubscribe_url(self.kernel, row["user_id"], row["kind"])
        html_footer, text_footer = footer(row["kind"], url, None,
                                          translator_of(self.kernel, row["user_id"]))
        if bool(row["html"]):
            body = body.replace("</body></html>", "") + html_footer
        else:
            body += text_footer
        if text is not None:
            text += text_footer
        return body, text, {"List-Unsubscribe": f"<{url}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def collect_channels(kernel: Any) -> dict[str, Any]:
    """Every channel the plugins contribute, sorted by name; a bad one raises
    ``PluginCheckError``."""
    found: dict[str, Any] = {}
    for contributed in kernel.hook.taskflow_notify_channels(kernel=kernel):
        for channel in contributed or ():
            name = getattr(channel, "name", None)
            if not (isinstance(name, str) and NAME_RE.match(name)
                    and callable(getattr(channel, "address", None))
                    and callable(getattr(channel, "deliver", None))):
                raise PluginCheckError(
                    f"notify channel {_origin(channel)}: a channel needs a name (1-32 of a-z, "
                    "0-9, '-', '_', starting with a letter), address(user) and "
                    "deliver(notification)")
            if name in found:
                raise PluginCheckError(f"two notify channels are named {name!r}: "
                                       f"{_origin(found[name])} and {_origin(channel)}")
            found[name] = channel
    return dict(sorted(found.items()))


def _origin(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"
