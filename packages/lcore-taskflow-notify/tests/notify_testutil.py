"""Real SMTP servers (aiosmtpd) on free loopback ports and real taskflow processes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from lcore_taskflow.core.testing import wait_until

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
    while the server is slow is answered 451 and not kept.  ``accept_delay``
    and ``gate`` (DATA waits until the event is set) hold the 250 back; like a
    server that takes responsibility only when it answers 250, a client that
    disconnects meanwhile leaves nothing behind (aiosmtpd cancels the handler).
    ``in_data`` lists the Message-IDs whose DATA is being answered.
    """

    messages: list[Received] = field(default_factory=list)
    delay: float = 0.0
    accept_delay: float = 0.0
    gate: threading.Event | None = None
    in_data: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
            return "451 4.3.0 too slow, try again later"
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        self.in_data.append(msg["Message-ID"])
        try:
            if self.accept_delay:
                await asyncio.sleep(self.accept_delay)
            while self.gate is not None and not self.gate.is_set():
                await asyncio.sleep(0.01)
        finally:
            self.in_data.remove(msg["Message-ID"])
        login = session.auth_data.login.decode() if isinstance(
            session.auth_data, LoginPassword) else None
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg, login))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def message_ids(self) -> list[str]:
        return [m.message["Message-ID"] for m in self.messages]


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def settled(rows: list[dict[str, Any]]) -> bool:
    """Every row has its outcome (none pending, none claimed)."""
    return bool(rows) and all(r["status"] != "pending" and r["claimed_by"] is None
                              for r in rows)


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


class Process:
    """A real ``taskflow`` process (the installed console script), output in files."""

    def __init__(self, argv: list[str], env: dict[str, str], directory: Path, name: str):
        self.name = name
        self.out_path = directory / f"{name}.out"
        self.err_path = directory / f"{name}.err"
        script = Path(sys.executable).with_name("taskflow")
        assert script.exists(), f"the taskflow console script is not installed at {script}"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([str(script), *argv], env=env, cwd=directory,
                                         stdout=out, stderr=err)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.out_path.read_text() + self.err_path.read_text()

    def wait_for_output(self, text: str, timeout: float = 30.0) -> None:
        wait_until(lambda: text in self.output() or self.proc.poll() is not None,
                   f"{text!r} from {self.name}", timeout)
        assert text in self.output(), f"{self.name} exited early:\n{self.output()}"

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code (SIGKILL if it does not stop in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} ignored SIGTERM:\n{self.output()}") from None

    def kill(self) -> None:
        """``kill -9``: no cleanup of any kind."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def database_of(app) -> str:
    """The database URL of a test app (SQLite file or PostgreSQL), for a child process."""
    config = app.taskflow.config
    return config.database_url or f"sqlite:///{os.path.abspath(config.db_path)}"


def process_env(database_url: str, workdir: Path, **settings: Any) -> dict[str, str]:
    """The environment of a ``taskflow`` process on ``database_url``; APP_* from ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    base = {"database_url": database_url, "upload_dir": workdir / "uploads", "debug": "false",
            "secret_key": "test-secret-key-0123456789abcdef", "password_iterations": 1000,
            "log_level": "INFO"}
    for key, value in {**base, **settings}.items():
        env[f"APP_{key.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env
