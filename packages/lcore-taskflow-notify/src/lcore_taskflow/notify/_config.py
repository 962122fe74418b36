"""notify's configuration: the ``APP_SMTP_*``, ``APP_NOTIFY_*`` and inbox keys, and their checks."""

from __future__ import annotations

import dataclasses
import os
import re

from ._mailer import InvalidEmail, check_address
from ._prefs import URL_SCHEME, mask_url, parse_urls

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
