"""What the test services share: the answer of a finder, a private server, how one is started.

Part of :mod:`.services` (which re-exports it): the standard library only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Service:
    """A server to test against: its ``url``, or ``None`` and the reason in ``note``."""

    url: str | None
    note: str


@dataclass
class PrivateServer:
    """A server this process started; :meth:`stop` (also run at exit) ends it."""

    url: str
    directory: str
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)
    _halt: Callable[[], None] | None = field(default=None, repr=False)
    _resume: Callable[[], None] | None = field(default=None, repr=False)

    def halt(self) -> None:
        """Stop the server process but keep its data, to play an outage (PostgreSQL)."""
        if self._halt is None:
            raise NotImplementedError("this server cannot be halted and resumed")
        self._halt()

    def resume(self) -> None:
        """Start a halted server again on the same port, with its data."""
        if self._resume is None:
            raise NotImplementedError("this server cannot be halted and resumed")
        self._resume()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            try:
                self._stop()
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)


class ServiceError(RuntimeError):
    """A private server could not be installed or started; the message says why."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(cmd: list[str], what: str, **kwargs) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    if proc.returncode != 0:
        raise ServiceError(f"{what} failed ({proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-800:]}")


def _apt_install(package: str) -> None:
    """``apt-get install -y package`` as root on Debian, else a ServiceError."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServiceError(f"{package} is not installed, and installing it needs root "
                           "on Debian (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Parallel test processes may install at once: wait for dpkg's lock.
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", package]
    if subprocess.run(install, capture_output=True, env=env, timeout=900).returncode != 0:
        _run(["apt-get", "update", "-q"], "apt-get update", env=env)
        _run(install, f"apt-get install {package}", env=env)


def find_service(name: str, env: str, local: str, where: str, problem: Callable[[], str | None],
                 start: Callable[[], PrivateServer]) -> Service:
    """Where a server for the tests comes from: ``$env``, else the one at ``where``
    (``local``) unless ``problem()`` says why not, else a private one from ``start()``."""
    configured = os.environ.get(env)
    if configured:
        return Service(configured, f"from {env}")
    tried = []
    found = problem()
    if found is None:
        return Service(local, f"the server on {where}")
    tried.append(f"{where}: {found}")
    try:
        server = start()
    except ServiceError as exc:
        tried.append(f"private server: {exc}")
        return Service(None, f"no {name} for the tests (set {env}): " + "; ".join(tried))
    return Service(server.url, f"a private server in {server.directory}")
