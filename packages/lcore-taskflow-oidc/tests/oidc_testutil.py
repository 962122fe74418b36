"""The OpenID provider the tests run, a live TaskFlow app, and a browser made of requests.

The provider is ``oidc_provider/provider.mjs``: the certified ``oidc-provider``
package on Node (see the script's header).  :func:`provider_install` installs
its npm packages once per lockfile into a cache directory (``npm ci`` from the
committed ``package-lock.json``, under a file lock so parallel tox envs share
one install), and :class:`ProviderProcess` starts it on a free loopback port
and stops it by pid.  Without Node or npm the tests skip saying why — and fail
under CI (``CI`` / ``TASKFLOW_REQUIRE_SERVICES``), where a missing provider
must never pass as green.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from lcore_taskflow.core.testing import skip_or_fail

HERE = Path(__file__).resolve().parent
PROVIDER_SOURCE = HERE / "oidc_provider"
NODE_MIN = (20, 19)
CALLBACK = "/auth/oidc/callback"


# ------------------------------------------------------------------ install
def _version(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)", text)
    return tuple(int(p) for p in found.groups()) if found else (0, 0)


def node_problem() -> str | None:
    """Why the provider cannot run here (no Node, too old, no npm), or ``None``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        return "Node.js is not installed (the tests' OpenID provider runs on Node >= 20.19)"
    if not npm:
        return "npm is not installed (it installs the tests' OpenID provider, oidc-provider)"
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    if _version(out.stdout) < NODE_MIN:
        return (f"Node.js {out.stdout.strip()} is too old for oidc-provider "
                f"(needs >= {'.'.join(map(str, NODE_MIN))})")
    return None


def cache_root() -> Path:
    configured = os.environ.get("TASKFLOW_TEST_OIDC_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.path.expanduser("~"), ".cache") if os.path.expanduser("~") != "~"
        else tempfile.gettempdir())
    return Path(base) / "lcore-taskflow-oidc-tests"


def provider_install() -> Path:
    """A directory with the provider's ``node_modules``, installed once per lockfile.

    Returns the directory; skips (or fails under CI) when Node/npm are
    missing or the install fails, printing npm's output.
    """
    problem = node_problem()
    if problem:
        print(f"skipping the OpenID provider tests: {problem}")
        skip_or_fail(problem)
    lock = (PROVIDER_SOURCE / "package-lock.json").read_bytes()
    spec = (PROVIDER_SOURCE / "package.json").read_bytes()
    key = hashlib.sha256(spec + b"\0" + lock).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"provider-{key}"
    if (target / "node_modules" / "oidc-provider" / "package.json").is_file():
        return target
    with open(root / f"provider-{key}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another tox env may be installing it now
        if (target / "node_modules" / "oidc-provider" / "package.json").is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix=f"provider-{key}-", dir=root))
        try:
            shutil.copy(PROVIDER_SOURCE / "package.json", work)
            shutil.copy(PROVIDER_SOURCE / "package-lock.json", work)
            env = {**os.environ, "NPM_CONFIG_UPDATE_NOTIFIER": "false",
                   "NPM_CONFIG_FUND": "false", "NPM_CONFIG_AUDIT": "false"}
            if not os.environ.get("NPM_CONFIG_CACHE") and os.path.expanduser("~") == "~":
                env["NPM_CONFIG_CACHE"] = str(root / "npm-cache")  # no home: keep it with us
            output = ""
            for attempt in range(3):  # a flaky network gets two more chances
                done = subprocess.run(
                    [shutil.which("npm") or "npm", "ci", "--ignore-scripts", "--no-audit",
                     "--no-fund", "--prefer-offline"],
                    cwd=work, env=env, capture_output=True, text=True, timeout=600)
                output = done.stdout[-2000:] + done.stderr[-3000:]
                if done.returncode == 0:
                    break
                time.sleep(2 * (attempt + 1))
            else:
                reason = f"npm could not install the tests' OpenID provider:\n{output}"
                print(reason)
                skip_or_fail(reason)
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(target)
            os.replace(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


# ------------------------------------------------------------------ provider
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ProviderProcess:
    """``node provider.mjs PORT`` in a directory beside the installed packages."""

    installed: Path
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ProviderProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROVIDER_SOURCE / "provider.mjs", self.workdir / "provider.mjs")
        modules = self.workdir / "node_modules"
        if not modules.exists():
            modules.symlink_to(self.installed / "node_modules", target_is_directory=True)
        self.log_path = self.workdir / "provider.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([shutil.which("node") or "node", "provider.mjs",
                                          str(self.port)], cwd=self.workdir,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the OpenID provider exited:\n{self.log()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.issuer + "/.well-known/openid-configuration",
                                timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the OpenID provider did not start in 60 s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-4000:]
        except OSError:
            return "(no log)"

    # -------------------------------------------------- what tests ask of it
    def register(self, redirect_uris: list[str], **extra: Any) -> dict[str, Any]:
        """A new client (dynamic registration): ``{client_id, client_secret, ...}``."""
        answer = requests.post(self.issuer + "/reg", timeout=10, json={
            "redirect_uris": redirect_uris, "response_types": ["code"],
            "grant_types": ["authorization_code"], **extra})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def account(self, account_id: str, password: str, **claims: Any) -> None:
        answer = requests.post(self.issuer + "/__test__/accounts", timeout=10, json={
            "id": account_id, "password": password, "claims": claims})
        assert answer.status_code == 200, answer.text

    def tamper_next_id_token(self, mode: str) -> None:
        answer = requests.post(self.issuer + "/__test__/tamper", json={"mode": mode}, timeout=10)
        assert answer.status_code == 200, answer.text

    def rotate_keys(self) -> dict[str, str]:
        answer = requests.post(self.issuer + "/__test__/rotate", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()


# ------------------------------------------------------------ a live TaskFlow
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):  # one thread per connection
        thread = threading.Thread(target=self._serve_one, args=(request, client_address),
                                  daemon=True)
        thread.start()

    def _serve_one(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class LiveServer:
    """A WSGI app on a real loopback port (the port is known before the app exists)."""

    def __init__(self) -> None:
        self.server = make_server("127.0.0.1", 0, self._not_ready, server_class=_ThreadingServer,
                                  handler_class=_QuietHandler)
        self.port = self.server.server_address[1]
        self.thread: threading.Thread | None = None

    @staticmethod
    def _not_ready(environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"not ready"]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, app) -> LiveServer:
        self.server.set_app(app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(10)
        self.server.server_close()


# ------------------------------------------------------------ the "browser"
class Browser:
    """A person's browser made of a ``requests.Session``: cookies per site, redirects.

    :meth:`start` asks TaskFlow to sign in and fills in the provider's login
    form; it stops when the provider sends the browser back to TaskFlow's
    callback, so a test can inspect (or tamper with) that URL before
    :meth:`visit` goes there.
    """

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["Accept"] = "text/html,application/json;q=0.9,*/*;q=0.8"

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=20, **kw)

    def start(self, base: str, username: str, password: str) -> str:
        """From ``/auth/oidc/login`` to the URL of TaskFlow's callback (not yet visited)."""
        answer = self.get(base + "/auth/oidc/login")
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        return self.start_from(answer, username, password)

    def start_from(self, answer: requests.Response, username: str, password: str) -> str:
        """Follow the provider's redirects from ``answer``, signing in at its form if it
        shows one, until it sends the browser to a callback; that URL."""
        for _ in range(10):
            location = urljoin(answer.url, answer.headers["Location"])
            if urlsplit(location).path.endswith(CALLBACK):
                return location
            answer = self.get(location)
            if answer.status_code == 200 and "<form" in answer.text:
                action = re.search(r'<form method="post" action="([^"]+)"', answer.text)
                assert action, answer.text[:500]
                answer = self.session.post(urljoin(answer.url, action.group(1)), timeout=20,
                                           allow_redirects=False,
                                           data={"username": username, "password": password})
                if answer.status_code == 401:
                    raise WrongPassword(answer.text)
            assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        raise AssertionError("the provider never sent the browser back to a callback")

    def visit(self, callback_url: str) -> requests.Response:
        return self.get(callback_url, headers={"Accept": "application/json"})

    def sign_in(self, base: str, username: str, password: str) -> requests.Response:
        """The whole round trip; the callback's answer (302 to the frontend when it worked)."""
        return self.visit(self.start(base, username, password))

    def me(self, base: str) -> requests.Response:
        """``/auth/me`` with the session cookie the sign-in set (no bearer token)."""
        return self.session.get(base + "/auth/me", headers={"Accept": "application/json"},
                                timeout=20)


class WrongPassword(AssertionError):
    pass


def with_query(url: str, **changes: str) -> str:
    """``url`` with some query parameters replaced (a tampered callback)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
