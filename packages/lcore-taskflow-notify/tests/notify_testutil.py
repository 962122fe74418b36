"""Real SMTP servers (aiosmtpd) on free loopback ports, for the notify tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    auth: str | None

    @property
    def subject(self) -> str:
        return self.message["Subject"]


@dataclass
class Handler:
    """Stores every message; refuses RCPT for addresses starting with ``refuse``.

    ``delay`` makes DATA answer late (a slow server); a message that arrives
    while the server is slow is answered 451 and not kept.
    """

    messages: list[Received] = field(default_factory=list)
    delay: float = 0.0
    accept_delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
            return "451 4.3.0 too slow, try again later"
        if self.accept_delay:
            await asyncio.sleep(self.accept_delay)
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        login = session.auth_data.login.decode() if isinstance(
            session.auth_data, LoginPassword) else None
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg, login))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


class SmtpServer:
    """A running aiosmtpd server: ``.port``, ``.handler``, ``.config`` for the app."""

    def __init__(self, port: int | None = None, **controller_kw):
        self.port = port or free_port()
        self.handler = Handler()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port,
                                     **controller_kw)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def config(self) -> dict:
        return {"smtp_host": HOST, "smtp_port": self.port, "smtp_use_tls": False,
                "smtp_timeout": 5.0}


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login, auth_data.password) == (b"mailer", b"s3cret-pass")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)
