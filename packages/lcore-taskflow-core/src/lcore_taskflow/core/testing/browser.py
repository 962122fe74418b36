"""Drive your UI module in Chromium: the shared part of every browser test.

A real ``taskflow serve`` process with the frontend (:class:`BrowserServer`),
Debian's Chromium through Playwright (:func:`chromium`), a page that records
what went wrong on it (:class:`Session`), the HTTP API as a second user
(:class:`Api`) and axe-core 4.14 on any page (:func:`axe_violations`).
Importable without Playwright and pytest; a test that cannot run here calls
:func:`require_browser`, which skips saying why (fails under CI).  See
``docs/testing.md``, "Drive your UI module in Chromium".

axe-core: the version the findings were made with (4.14) is installed with
npm, once, into a cache directory outside the checkout (about 550 KB of
JavaScript: too large to commit, and npm checks its integrity);
``TASKFLOW_AXE_JS`` names a copy of ``axe.min.js`` to use instead (offline).
Without npm or network it falls back to the copy bundled by the Python
package axe-playwright-python (4.12), printing why.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .serve import clean_environ, free_port

CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 780}
AXE_VERSION = "4.14"
# what a browser test needs besides Chromium: (module, distribution that brings it)
BROWSER_MODULES = (("playwright", "playwright"), ("lcore_taskflow.auth", "lcore-taskflow-auth"),
                   ("lcore_taskflow.ui", "lcore-taskflow-ui"))


# ------------------------------------------------------------------ requirements
def missing_browser(modules: Iterable[tuple[str, str]] = BROWSER_MODULES) -> str | None:
    """Why a browser test cannot run here (no Chromium, a module missing), or ``None``."""
    if not os.path.exists(CHROMIUM):
        return (f"Chromium not found at {CHROMIUM} "
                "(install Debian's chromium or set TASKFLOW_CHROMIUM)")
    for module, distribution in modules:
        if importlib.util.find_spec(module) is None:
            return f"{distribution} is not installed (the browser tests need {module})"
    return None


def require_browser(modules: Iterable[tuple[str, str]] = BROWSER_MODULES) -> None:
    """Skip the test, printing why, when it cannot run here (fail under CI)."""
    from ._engines import skip_or_fail

    reason = missing_browser(modules)
    if reason:
        print(f"skipping browser tests: {reason}")
        skip_or_fail(reason)


@contextlib.contextmanager
def chromium(**launch: Any) -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **launch)
        try:
            yield browser
        finally:
            browser.close()


# ------------------------------------------------------------------ HTTP
def http_json(url: str, token: str | None = None, data: Any = None,
              method: str | None = None) -> Any:
    """One JSON request; raises ``urllib.error.HTTPError`` on a status >= 400."""
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as res:
        text = res.read()
        return json.loads(text) if text else {}


def http_status(url: str, token: str | None = None, data: Any = None,
                method: str | None = None) -> int:
    """The status of one JSON request (200 for any success)."""
    try:
        http_json(url, token, data, method)
        return 200
    except urllib.error.HTTPError as err:
        return err.code


class Api:
    """The HTTP API as one user: seeding, and changes made 'by someone else' while a page looks."""

    def __init__(self, base: str, username: str, password: str | None = None):
        self.base = base
        login = {"username": username, "password": password or f"{username}123"}
        answer = http_json(base + "/auth/login", data=login)
        self.token, self.user = answer["token"], answer["user"]

    def get(self, path: str) -> Any:
        return http_json(self.base + path, self.token)

    def post(self, path: str, data: Any) -> Any:
        return http_json(self.base + path, self.token, data)

    def patch(self, path: str, data: Any) -> Any:
        return http_json(self.base + path, self.token, data, "PATCH")

    def put(self, path: str, data: Any) -> Any:
        return http_json(self.base + path, self.token, data, "PUT")

    def delete(self, path: str) -> Any:
        return http_json(self.base + path, self.token, None, "DELETE")

    def status(self, path: str, data: Any = None, method: str | None = None) -> int:
        return http_status(self.base + path, self.token, data, method)

    def task(self, pid: int, title: str, **fields: Any) -> Any:
        created = self.post(f"/api/projects/{pid}/tasks", {"title": title, **fields})
        return self.get(f"/api/projects/{pid}/tasks/{created['id']}")


# ------------------------------------------------------------------ server
class BrowserServer:
    """``taskflow serve`` (or a ``launcher`` script) with the frontend, on a free port.

    A temporary SQLite database in ``home`` (or ``APP_DATABASE_URL`` among
    ``env``), the demo users, the plugins named in ``plugins`` only (others
    installed beside them would add UI of their own), and rate limits roomy
    enough for every test client sharing 127.0.0.1.  It can stop and start
    again on the same port and database.
    """

    def __init__(self, home: str | os.PathLike, *, launcher: str | os.PathLike | None = None,
                 prefix: str = "", plugins: str = "auth,ui", **env: str):
        self.home, self.prefix, self.plugins = Path(home), prefix, plugins
        self.launcher = Path(launcher) if launcher else None
        self.env = env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return self.origin + self.prefix

    def environ(self) -> dict[str, str]:
        return clean_environ(**{
            "APP_HOST": "127.0.0.1", "APP_PORT": str(self.port), "APP_DEBUG": "false",
            "APP_DB_PATH": str(self.home / "taskflow.db"),
            "APP_UPLOAD_DIR": str(self.home / "uploads"),
            "APP_SECRET_KEY": "browser-test-secret-key-0123456789",
            "APP_PASSWORD_ITERATIONS": "1000", "APP_SEED_DEMO": "true",
            "APP_MOUNT_PREFIX": self.prefix, "APP_PLUGINS_ENABLED": self.plugins,
            "APP_LOGIN_RATE_LIMIT": "1000", "APP_RATE_LIMIT_DEFAULT": "5000", "APP_THREADS": "8",
            **self.env,
        })

    def argv(self) -> list[str]:
        if self.launcher:
            return [sys.executable, str(self.launcher)]
        return [sys.executable, "-m", "lcore_taskflow.core._cli",
                "--env-file", str(self.home / "none.env"),
                "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self, timeout: float = 90) -> BrowserServer:
        """Start the process and wait until ``/health`` says ok."""
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.argv(), cwd=self.home, env=self.environ(),
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited ({self.proc.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
                if http_json(self.base + "/health")["status"] == "ok":
                    return self
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"server not healthy in {timeout:g} s:\n{self.log()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; by pid."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> BrowserServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------ page
class Session:
    """One browser page with what it saw: dialogs, uncaught errors, CSP violations, requests,
    and console errors the frontend logs as ``taskflow ...`` (``console_errors = False``
    leaves those out)."""

    console_errors = True

    def __init__(self, page: Any, base: str):
        self.page, self.base = page, base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[tuple[str, str]] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.on("request", lambda req: self.requests.append((req.method, req.url)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.errors.append(f"csp: {msg.text}")
        elif self.console_errors and msg.type == "error" and msg.text.startswith("taskflow "):
            self.errors.append(f"console: {msg.text[:300]}")

    def login(self, username: str, password: str | None = None) -> None:
        """Sign in on the frontend's login screen (the demo users' password by default)."""
        page = self.page
        page.goto(self.base + "/frontend")
        page.fill("#login-username", username)
        page.fill("#login-password", password or f"{username}123")
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")
        self.ready()

    def ready(self) -> None:
        """The view has its data: no loading indicator, the main area is not busy."""
        self.page.wait_for_function("() => !document.querySelector('#main[aria-busy]')"
                                    " && !document.querySelector('[data-testid=loading]')")

    def go(self, hash_: str, ready: str | None = None) -> None:
        """Open a view by its ``#/...`` address and wait for its data (and ``ready``)."""
        # The router runs on ``hashchange``, a task after the assignment: wait for it
        # (listeners run in order, the app's first), or the previous view would
        # still count as ready.
        self.page.evaluate(
            "h => new Promise(done => {"
            " if (location.hash === (h.startsWith('#') ? h : '#' + h)) return done();"
            " addEventListener('hashchange', () => done(), { once: true });"
            " location.hash = h; })", hash_)
        self.ready()
        if ready:
            self.page.locator(ready).first.wait_for()

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 is right)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


# ------------------------------------------------------------------ axe-core
_axe_source: str | None = None


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.path.expanduser("~"), ".cache") if os.path.expanduser("~") != "~"
        else tempfile.gettempdir())
    return Path(base) / "lcore-taskflow-tests"


def _npm_axe() -> tuple[Path | None, str]:
    """``axe.min.js`` of axe-core AXE_VERSION.x from npm, installed once into the cache."""
    target = _cache_root() / f"axe-core-{AXE_VERSION}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script, f"axe-core from {target}"
    npm = shutil.which("npm")
    if not npm:
        return None, "npm is not installed"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"axe-core-{AXE_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another tox env may be installing it right now
        if script.is_file():
            return script, f"axe-core from {target}"
        work = Path(tempfile.mkdtemp(prefix="axe-core-", dir=target.parent))
        try:
            (work / "package.json").write_text('{"private": true}\n')
            env = {**os.environ, "NPM_CONFIG_UPDATE_NOTIFIER": "false",
                   "NPM_CONFIG_FUND": "false", "NPM_CONFIG_AUDIT": "false"}
            done = subprocess.run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund",
                                   "--prefer-offline", f"axe-core@~{AXE_VERSION}.0"],
                                  cwd=work, env=env, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                return None, f"npm install axe-core failed: {(done.stderr or done.stdout)[-600:]}"
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(target)
            os.replace(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return script, f"axe-core installed with npm into {target}"


def axe_source() -> str:
    """The JavaScript of axe-core 4.14 (see the module's docstring for where it comes from)."""
    global _axe_source
    if _axe_source is not None:
        return _axe_source
    configured = os.environ.get("TASKFLOW_AXE_JS")
    found, note = (Path(configured), "TASKFLOW_AXE_JS") if configured else _npm_axe()
    if found is None:
        spec = importlib.util.find_spec("axe_playwright_python")
        if spec is None or spec.origin is None:
            raise AssertionError(f"no axe-core: {note}, and axe-playwright-python is not "
                                 "installed either (pip install 'lcore-taskflow-ui[browser]')")
        found = Path(spec.origin).parent / "axe.min.js"
        note = f"{note}; falling back to axe-playwright-python's bundled copy"
    _axe_source = found.read_text("utf-8")
    print(f"axe-core: {note} ({found})")
    return _axe_source


def axe_version(page: Any) -> str:
    """The version of axe-core :func:`axe_violations` runs (after it has run on ``page``)."""
    return page.evaluate("() => window.axe ? axe.version : ''")


def axe_violations(page: Any, impacts: Iterable[str] = ("critical", "serious")) -> list[str]:
    """axe-core's violations on the page at ``impacts``, one line each (empty is clean).

    Evaluated through the DevTools protocol, which the page's CSP does not govern (never a CDN).
    ``label-content-name-mismatch`` (WCAG 2.5.3) is switched on: axe-core 4.14 reports it as
    serious, and an older fallback copy would leave it off as "experimental".
    """
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations'],"
                           " rules: {'label-content-name-mismatch': {enabled: true}}})")
    wanted = set(impacts)
    return [f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(
        f"{n['target']} {n.get('failureSummary', '')[:160]}" for n in v["nodes"][:4])
        for v in result["violations"] if v["impact"] in wanted]
