"""Helpers of the end-to-end suite: builds, virtualenvs, server processes, HTTP.

Everything here talks to real things: ``python -m build`` on the package
trees, ``python -m venv``, ``pip``, the example server started as its own
process, and HTTP over loopback with ``http.client`` (no third-party client,
so the test environment needs nothing but pytest and build).
"""

from __future__ import annotations

import base64
import importlib.util
import itertools
import json as _json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = REPO / "examples" / "taskflow_server" / "app.py"
FOREIGN_SCRIPT = REPO / "examples" / "foreign_app" / "app.py"
FEATURES = ("auth", "notify", "ui")
PACKAGES = {"core": "lcore-taskflow-core", **{f: f"lcore-taskflow-{f}" for f in FEATURES}}
SECRET_KEY = "e2e-secret-key-0123456789abcdef-not-for-production"
COMBINATIONS = [tuple(c) for n in range(len(FEATURES) + 1)
                for c in itertools.combinations(FEATURES, n)]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def combo_name(disabled: Sequence[str]) -> str:
    """The name of the matrix server with these plugins disabled."""
    return "disabled=" + (",".join(disabled) or "none")


# ------------------------------------------------------------ processes
def run(cmd: Sequence[str | os.PathLike], *, timeout: float = 300, **kw: Any) -> str:
    """Run ``cmd``; on failure raise with its whole output (that is the diagnosis)."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, **kw)
    if proc.returncode != 0:
        raise AssertionError(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
                             f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n"
                             f"{proc.stderr[-4000:]}")
    return proc.stdout


def parallel(fn, items: Iterable[Any], workers: int = 4) -> list[Any]:
    """``[fn(x) for x in items]`` on threads (the work is in subprocesses)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


# ---------------------------------------------------------- distributions
@dataclass
class Dist:
    """The wheel and sdist built for one package."""

    key: str
    name: str
    version: str
    wheel: Path
    sdist: Path
    source: Path


def build_isolated() -> bool:
    """Isolated builds (a fresh env with hatchling per build) unless hatchling is here.

    ``E2E_BUILD_ISOLATION=1`` forces isolation; without hatchling it is the only way.
    """
    if os.environ.get("E2E_BUILD_ISOLATION", "") not in ("", "0"):
        return True
    return importlib.util.find_spec("hatchling") is None


def build_dist(key: str, outdir: Path) -> Dist:
    """``python -m build`` = an sdist, then the wheel built *from that sdist*.

    Building the wheel from the sdist proves the sdist is complete.
    """
    src = REPO / "packages" / PACKAGES[key]
    out = outdir / key
    flags = [] if build_isolated() else ["--no-isolation"]
    run([sys.executable, "-m", "build", *flags, "--outdir", out, src], timeout=300)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, f"{key}: built {wheels + sdists}"
    version = wheels[0].name.split("-")[1]
    return Dist(key, PACKAGES[key], version, wheels[0], sdists[0], src)


def build_all(outdir: Path) -> dict[str, Dist]:
    """Every package's wheel and sdist, built concurrently, plus a flat wheel dir."""
    dists = dict(zip(PACKAGES, parallel(lambda k: build_dist(k, outdir), PACKAGES)))
    wheelhouse = outdir / "wheels"
    wheelhouse.mkdir(exist_ok=True)
    for dist in dists.values():
        target = wheelhouse / dist.wheel.name
        if not target.exists():
            target.write_bytes(dist.wheel.read_bytes())
    return dists


# ------------------------------------------------------------ virtualenvs
def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def make_venv(venv: Path, *, with_pip: bool = True) -> Path:
    """A fresh virtualenv (no system site-packages); returns its python."""
    cmd = [sys.executable, "-m", "venv", venv]
    run(cmd if with_pip else [*cmd, "--without-pip"], timeout=120)
    return venv_python(venv)


def pip(python: Path, *args: str | os.PathLike, timeout: float = 300) -> str:
    """pip acting on ``python``'s environment, even one created without pip.

    The outer pip drives the target interpreter (``pip --python``), so a
    ``--without-pip`` venv stays free of anything but what we install.
    """
    return run([sys.executable, "-m", "pip", "--python", python,
                "--disable-pip-version-check", *args], timeout=timeout)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: ours minus every ``APP_*`` and venv trace."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("APP_", "TASKFLOW_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


# ------------------------------------------------------------------- HTTP
@dataclass
class Reply:
    """One HTTP answer: ``status``, lower-cased ``headers``, ``body``."""

    status: int
    headers: dict[str, str]
    body: bytes
    method: str = ""
    path: str = ""
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> Any:
        try:
            return _json.loads(self.body)
        except ValueError:
            raise AssertionError(f"{self} is not JSON") from None

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.body[:300]!r}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(port: int, method: str, path: str, *, json: Any = None, token: str | None = None,
         headers: Mapping[str, str] | None = None, body: bytes | None = None,
         timeout: float = 30) -> Reply:
    """One request over a fresh loopback connection; redirects are not followed."""
    sent = {"Accept": "application/json"}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if json is not None:
        body = _json.dumps(json).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=sent)
        raw = conn.getresponse()
        data = raw.read()
        cookies = [v for k, v in raw.getheaders() if k.lower() == "set-cookie"]
        return Reply(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data,
                     method, path, cookies)
    finally:
        conn.close()


def multipart(field_name: str, filename: str, content: bytes,
              content_type: str = "text/plain") -> tuple[bytes, dict[str, str]]:
    """A ``multipart/form-data`` body with one file, and its Content-Type header."""
    boundary = "taskflowe2eboundary5f1c"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# ----------------------------------------------------------------- server
class Server:
    """The example server as a real process of the test venv's python."""

    def __init__(self, name: str, python: Path, workdir: Path, *, debug: bool = False,
                 disabled: Iterable[str] = (), settings: Mapping[str, str] | None = None,
                 launcher: str = "script", script: Path = SERVER_SCRIPT):
        self.name, self.python, self.workdir = name, python, workdir
        self.launcher, self.script = launcher, script
        self.disabled = sorted(disabled)
        self.enabled = [f for f in FEATURES if f not in self.disabled]
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "server.log"
        self.env = clean_env(
            TASKFLOW_ENV_FILE=str(workdir / ".env"),  # absent: no .env values
            APP_HOST="127.0.0.1", APP_PORT=str(self.port), APP_THREADS="8",
            APP_DEBUG="true" if debug else "false",
            APP_SECRET_KEY=SECRET_KEY, APP_PASSWORD_ITERATIONS="1000", APP_SEED_DEMO="true",
            APP_DB_PATH=str(workdir / "taskflow.db"), APP_UPLOAD_DIR=str(workdir / "uploads"),
            APP_PLUGINS_DISABLED=",".join(self.disabled), APP_LOG_LEVEL="WARNING",
            # many tests log in from 127.0.0.1 (one shared password-check bucket); a test
            # of the throttle itself passes settings={"APP_LOGIN_RATE_LIMIT": "5"}
            APP_LOGIN_RATE_LIMIT="1000")
        self.env.update(settings or {})  # a test's settings win over the defaults above
        self.proc: subprocess.Popen | None = None
        self._tokens: dict[str, str] = {}
        self._users: dict[str, dict] = {}

    def command(self) -> tuple[list[str], Path]:
        """How to launch, and where: the README's three ways of running the server."""
        bindir = self.python.parent
        if self.launcher == "cli":  # taskflow serve (reads ./.env of the working dir)
            return [str(bindir / "taskflow"), "serve"], self.workdir
        if self.launcher == "waitress-serve":  # the module-level WSGI app, imported
            return ([str(bindir / "waitress-serve"), f"--listen=127.0.0.1:{self.port}",
                     "--threads=8", "app:app"], SERVER_SCRIPT.parent)
        return [str(self.python), str(self.script)], self.workdir

    def start(self) -> Server:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while the server runs
        cmd, cwd = self.command()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 90) -> Server:
        """Poll ``/health`` until 200; fail with the server's log if it dies or hangs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server {self.name} exited with {self.proc.returncode}:\n"
                                     f"{self.log_tail()}")
            try:
                if http(self.port, "GET", "/health", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server {self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-chars:]
        except OSError:
            return "(no log)"

    # ------------------------------------------------------------ requests
    def request(self, method: str, path: str, **kw: Any) -> Reply:
        return http(self.port, method, path, **kw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.request("POST", path, **kw)

    def login(self, username: str, password: str) -> Reply:
        return self.post("/auth/login", json={"username": username, "password": password})

    def token(self, username: str) -> str:
        """A bearer token for a seed user, logged in once per server (login is rate-limited)."""
        if username not in self._tokens:
            reply = self.login(username, f"{username}123")
            assert reply.status == 200, f"login {username}: {reply}"
            self._tokens[username] = reply.json["token"]
            self._users[username] = reply.json["user"]
        return self._tokens[username]

    def remember(self, username: str, login_body: dict) -> None:
        """Keep the token of a login made elsewhere (saves a rate-limited try)."""
        self._tokens[username] = login_body["token"]
        self._users[username] = login_body["user"]

    def user_id(self, username: str) -> int:
        """The id of any user, looked up by an admin (no login of that user)."""
        found = self.get(f"/api/users/search?q={username}", token=self.token("admin")).json
        return next(u["id"] for u in found["users"] if u["username"] == username)

    def user(self, username: str) -> dict:
        """``{id, username, role}`` of a seed user (from its login)."""
        self.token(username)
        return self._users[username]


def start_all(servers: Sequence[Server]) -> None:
    """Start every server at once, then wait for each (start-up runs in parallel).

    A free port can be taken by someone else between our probe and the
    server's bind: such a server is restarted once on another port.
    """
    for server in servers:
        server.start()
    for server in servers:
        try:
            server.wait_ready()
        except AssertionError:
            if "address already in use" not in server.log_tail().lower():
                raise
            server.stop()
            server.port = free_port()
            server.env["APP_PORT"] = str(server.port)
            server.start().wait_ready()


def expect(reply: Reply, status: int, what: str = "") -> Any:
    """Assert the status; return the JSON body when there is one."""
    assert reply.status == status, f"{what}: expected {status}, got {reply}"
    return reply.json if reply.is_json else None


def expect_error(reply: Reply, status: int, what: str = "") -> dict:
    """Assert a SPEC error body: ``{"error": str, "status": status}``."""
    body = expect(reply, status, what)
    assert isinstance(body, dict), f"{what}: error is not JSON: {reply}"
    assert isinstance(body.get("error"), str) and body["error"], f"{what}: no message: {reply}"
    assert body.get("status") == status, f"{what}: body status mismatch: {reply}"
    return body
