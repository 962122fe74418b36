"""``EmailService``: build a safe MIME message and hand it to an SMTP server.

Simulated mode
    When ``smtp_host`` is empty (its default) nothing is sent: the outbox
    records the email as ``simulated``, as the seed did for an unconfigured
    server.  Setting ``APP_SMTP_HOST`` turns real sending on.  The seed keyed
    this on the SMTP *user*, which made a real server without AUTH unusable;
    here the user only decides whether to log in.

Header injection
    Every address is checked against :data:`EMAIL_RE` and may not contain CR
    or LF; a subject containing CR or LF is refused.  The message is built
    with :class:`email.message.EmailMessage` (policy ``SMTP``), which refuses
    such headers too, so a crafted value can never add a ``Bcc:`` line.

Transport security
    With ``smtp_use_tls`` the session is upgraded with STARTTLS *before*
    logging in, verifying the server certificate and host name against the
    system trust store (or ``smtp_ca_file``).  A server that does not offer
    STARTTLS fails the send instead of silently going on in clear text.

Bounded sends
    ``smtp_timeout`` bounds each reply; a ``deadline`` bounds the whole
    dialogue, so a send never outlives the outbox claim it runs under.  Once
    the server has accepted the message, :meth:`EmailService.send` returns
    and the polite ``QUIT`` happens on another thread: the outbox records
    the outcome without waiting for one more round trip.
"""

from __future__ import annotations

import html
import re
import secrets
import smtplib
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from html.parser import HTMLParser
from typing import Any

from lcore_taskflow.core import EMAIL_RE

MAX_SUBJECT = 255
#: Every character ``str.splitlines`` breaks on, beyond CR/LF: a header value
#: containing one could be folded into two lines by a mail client.
LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
SIMULATED_NOTE = "SMTP not configured (APP_SMTP_HOST is empty) - email simulated."


class InvalidEmail(ValueError):
    """An address or subject that must not reach a message header.

    ``field`` names the offending input (``to``, ``subject``) for a 422.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_address(address: Any, field: str = "to") -> str:
    """``address`` if it is one plain email address; else :class:`InvalidEmail`."""
    if not isinstance(address, str) or not address:
        raise InvalidEmail(field, "must be an email address")
    if any(ch in address for ch in "\r\n\0") or len(address) > 254 \
            or not EMAIL_RE.match(address):
        raise InvalidEmail(field, "must be a valid email address")
    return address


def check_subject(subject: Any) -> str:
    """``subject`` if it is a single-line header value; else :class:`InvalidEmail`."""
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidEmail("subject", "must not be empty")
    if "\r" in subject or "\n" in subject or LINE_BREAKS.search(subject):
        raise InvalidEmail("subject", "must not contain line breaks (CR/LF or a Unicode "
                                      "line separator)")
    if any(ord(ch) < 32 and ch != "\t" for ch in subject) or "\x7f" in subject:
        raise InvalidEmail("subject", "must not contain control characters")
    if len(subject) > MAX_SUBJECT:
        raise InvalidEmail("subject", f"must be at most {MAX_SUBJECT} characters")
    return subject


def one_line(text: str, limit: int = 120) -> str:
    """``text`` with every control character (CR/LF included) turned into a space.

    For user data that ends up in a subject, such as a task title.
    """
    flat = LINE_BREAKS.sub(" ", re.sub(r"[\x00-\x1f\x7f]+", " ", text)).strip()
    return flat[: limit - 1] + "…" if len(flat) > limit else flat


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML body, with line breaks for block tags."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(body: str) -> str:
    """A readable plain-text version of an HTML body (the text/plain alternative)."""
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or html.unescape(body)


def make_message_id(notification_id: int | None = None) -> str:
    """``<notification-<id>.<random>@taskflow>``: stable per outbox row, unique everywhere.

    The random part keeps two installations' row 5 apart, so a mail system
    that drops a repeated Message-ID only ever drops a real resend.
    """
    return f"<notification-{notification_id or 0}.{secrets.token_hex(8)}@taskflow>"


def build_message(sender: str, to: str, subject: str, body: str, html_body: bool = False,
                  message_id: str | None = None, *, text: str | None = None,
                  headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A complete MIME message: text/plain, or text/html with a text/plain alternative.

    ``text`` is the plain-text part of an HTML body (derived from the HTML
    when not given); ``headers`` are extra one-line headers
    (``List-Unsubscribe``), refused like a subject when they hold a line break.
    """
    msg = EmailMessage(policy=SMTP)
    msg["From"] = check_address(sender, "smtp_from")
    msg["To"] = check_address(to)
    msg["Subject"] = check_subject(subject)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_message_id()
    for name, value in (headers or {}).items():
        if "\r" in value or "\n" in value or LINE_BREAKS.search(value):
            raise InvalidEmail(name, "must not contain line breaks")
        msg[name] = value
    if html_body:
        msg.set_content(text if text is not None else html_to_text(body))
        msg.add_alternative(body, subtype="html")
    else:
        msg.set_content(body)
    return msg


# SmtpSettings field -> configuration key.
_CONFIG_KEYS = {"host": "smtp_host", "port": "smtp_port", "user": "smtp_user",
                "password": "smtp_password", "sender": "smtp_from", "use_tls": "smtp_use_tls",
                "timeout": "smtp_timeout", "ca_file": "smtp_ca_file"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; built from the ``smtp_*`` configuration keys."""

    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = "noreply@taskflow.local"
    use_tls: bool = True
    timeout: float = 10.0
    ca_file: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """From the ``smtp_*`` keys present in ``config``; the defaults above for the rest."""
        return cls(**{name: config[key] for name, key in _CONFIG_KEYS.items() if key in config})

    @property
    def simulated(self) -> bool:
        """No host configured: record emails as ``simulated`` instead of sending."""
        return not self.host.strip()

    def __repr__(self) -> str:  # never show the password
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, "
                f"use_tls={self.use_tls}, timeout={self.timeout})")


class EmailService:
    """Sends one message per call over :mod:`smtplib`; raises on any failure.

    Recording (``pending`` -> ``sent``/``failed``) is the outbox's job; this
    class only talks to the server, so every error reaches the caller.
    """

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    @property
    def simulated(self) -> bool:
        return self.settings.simulated

    def message(self, to: str, subject: str, body: str, html_body: bool = False,
                message_id: str | None = None, *, text: str | None = None,
                headers: Mapping[str, str] | None = None) -> EmailMessage:
        return build_message(self.settings.sender, to, subject, body, html_body, message_id,
                             text=text, headers=headers)

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host-name verification; ``ca_file`` adds a trusted CA."""
        return ssl.create_default_context(cafile=self.settings.ca_file or None)

    def send(self, to: str, subject: str, body: str, html_body: bool = False, *,
             message_id: str | None = None, deadline: float = float("inf"),
             text: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        """Deliver one email, or raise (``smtplib.SMTPException``, ``OSError``).

        ``deadline`` (a :func:`time.monotonic` value) ends the whole dialogue;
        returns as soon as the server has accepted the message.
        """
        msg = self.message(to, subject, body, html_body, message_id, text=text, headers=headers)
        if self.simulated:
            return
        s = self.settings
        smtp = _DeadlineSMTP(s.host, s.port, s.timeout, deadline)
        try:
            smtp.ehlo()
            if s.use_tls:
                smtp.starttls(context=self.tls_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
            smtp.send_message(msg, from_addr=s.sender, to_addrs=[to])
        finally:
            threading.Thread(target=_quit, args=(smtp,), name="taskflow-smtp-quit",
                             daemon=True).start()


class _DeadlineSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` whose dialogue ends by ``deadline`` (``time.monotonic()``).

    ``timeout`` still bounds each reply; before every command and reply the
    socket timeout shrinks to what is left until the deadline.
    """

    def __init__(self, host: str, port: int, timeout: float, deadline: float):
        self.reply_timeout = timeout
        self.deadline = deadline
        super().__init__(host, port, timeout=self._left())

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the SMTP dialogue ran past its deadline")
        return min(left, self.reply_timeout)

    def send(self, s) -> None:
        if self.sock:
            self.sock.settimeout(self._left())
        super().send(s)

    def getreply(self):
        if self.sock:
            self.sock.settimeout(self._left())
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected:  # what smtplib makes of a socket timeout
            if time.monotonic() >= self.deadline:
                raise TimeoutError("the SMTP dialogue ran past its deadline") from None
            raise


def _quit(smtp: _DeadlineSMTP) -> None:
    """Say QUIT and close; the outcome is already known, so errors do not matter."""
    smtp.deadline = time.monotonic() + smtp.reply_timeout
    try:
        if smtp.sock:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def permanent_refusal(exc: BaseException) -> bool:
    """Whether the server refused for good (a 5xx reply): retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def describe_error(exc: BaseException) -> str:
    """A one-line, secret-free description of a failed send for the outbox."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
