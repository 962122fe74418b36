"""Helpers of notify's browser tests, copied from the ui package's
(``packages/lcore-taskflow-ui/tests/ui_browser_support.py`` and the checks of
``test_ui_access.py``): a real server process, a watched browser page,
axe-core, sideways scroll and squeezed text, 44 px targets on a phone, an HTTP
client acting as another user.  Copied, not imported: each package's tests
run on their own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 780}
SIZES = ["desktop", "phone"]
PASSWORD = "Correct-Horse-42"


def missing_requirement() -> str | None:
    if not os.path.exists(CHROMIUM):
        return (f"Chromium not found at {CHROMIUM} "
                "(install Debian's chromium or set TASKFLOW_CHROMIUM)")
    for module, package in (("playwright", "playwright"),
                            ("axe_playwright_python", "axe-playwright-python"),
                            ("lcore_taskflow.auth", "lcore-taskflow-auth"),
                            ("lcore_taskflow.ui", "lcore-taskflow-ui")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed (pip install 'lcore-taskflow-notify[browser]')"
    return None


def require_browser() -> None:
    reason = missing_requirement()
    if reason:
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, token: str | None = None, data: dict | None = None,
              method: str | None = None) -> dict:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as res:
        text = res.read()
        return json.loads(text) if text else {}


class ServerProcess:
    """``taskflow serve`` on a free port with a temporary SQLite database and the demo users."""

    def __init__(self, home: Path, **env: str):
        self.home, self.env = home, env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = home / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        env.update({
            "APP_HOST": "127.0.0.1", "APP_PORT": str(self.port), "APP_DEBUG": "false",
            "APP_DB_PATH": str(self.home / "taskflow.db"),
            "APP_UPLOAD_DIR": str(self.home / "uploads"),
            "APP_SECRET_KEY": "browser-test-secret-key-0123456789",
            "APP_PASSWORD_ITERATIONS": "1000", "APP_SEED_DEMO": "true",
            "APP_PLUGINS_ENABLED": "auth,notify,ui",
            "APP_LOGIN_RATE_LIMIT": "1000", "APP_RATE_LIMIT_DEFAULT": "5000", "APP_THREADS": "8",
            **self.env,
        })
        cmd = [sys.executable, "-m", "lcore_taskflow.core._cli",
               "--env-file", str(self.home / "none.env"),
               "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.home, env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited ({self.proc.returncode}):\n{self.log_path.read_text()}")
            try:
                if http_json(self.base + "/health")["status"] == "ok":
                    return self
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not healthy in 90 s:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Api:
    """The HTTP API as one user: the 'other user' who acts while the page watches."""

    def __init__(self, base: str, username: str, password: str | None = None):
        self.base = base
        login = {"username": username, "password": password or f"{username}123"}
        answer = http_json(base + "/auth/login", data=login)
        self.token, self.user = answer["token"], answer["user"]

    def get(self, path: str) -> dict:
        return http_json(self.base + path, self.token)

    def post(self, path: str, data: dict) -> dict:
        return http_json(self.base + path, self.token, data)

    def put(self, path: str, data: dict) -> dict:
        return http_json(self.base + path, self.token, data, "PUT")

    def delete(self, path: str) -> dict:
        return http_json(self.base + path, self.token, None, "DELETE")

    def task(self, pid: int, title: str, **fields) -> dict:
        created = self.post(f"/api/projects/{pid}/tasks", {"title": title, **fields})
        return self.get(f"/api/projects/{pid}/tasks/{created['id']}")


class Session:
    """One browser page with what it saw: dialogs, uncaught errors, CSP violations."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.errors.append(f"csp: {msg.text}")
        elif msg.type == "error" and msg.text.startswith("taskflow "):
            self.errors.append(f"console: {msg.text[:300]}")

    def login(self, username: str, password: str) -> None:
        page = self.page
        page.goto(self.base + "/frontend")
        page.fill("#login-username", username)
        page.fill("#login-password", password)
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")
        self.ready()

    def ready(self) -> None:
        self.page.wait_for_function("() => !document.querySelector('#main[aria-busy]')"
                                    " && !document.querySelector('[data-testid=loading]')")

    def go(self, hash_: str, ready: str | None = None) -> None:
        self.page.evaluate("h => { location.hash = h; }", hash_)
        self.ready()
        if ready:
            self.page.locator(ready).first.wait_for()

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs


# Text squeezed into a sliver (a letter or two per line): narrow and tall for its text.
SQUEEZED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#shell *')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join('').trim();
    if (own.length < 4 || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
    if (r.width < 40 && r.height > 2.5 * line) {
      out.push(`${el.tagName}.${el.className}: ${own.slice(0, 30)} (${Math.round(r.width)} px)`);
    }
  }
  return out;
}"""

# Controls under 44 px on a phone (inline links in running text are exempt, as in WCAG 2.5.8).
SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    '#shell button, #shell .btn, #shell select, #shell label.choice,'
    + ' #shell input:not([type=radio]):not([type=checkbox])')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => {
    const name = (el.getAttribute('aria-label') || el.textContent || el.name || '').trim();
    return `${el.tagName} ${name.slice(0, 30)}: ${Math.round(r.width)}x${Math.round(r.height)}`;
  })"""

AXE_JS = None


def axe_violations(page, impacts=("critical", "serious")) -> list[str]:
    """axe-core (bundled by the package axe-playwright-python, never a CDN) on the page."""
    global AXE_JS
    if AXE_JS is None:
        spec = importlib.util.find_spec("axe_playwright_python")
        AXE_JS = (Path(spec.origin).parent / "axe.min.js").read_text()
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE_JS)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(
        f"{n['target']} {n.get('failureSummary', '')[:160]}" for n in v["nodes"][:4])
        for v in result["violations"] if v["impact"] in impacts]


class Checks:
    """Screenshot, sideways scroll, squeezed text, 44 px targets (phone), axe: screen by screen."""

    def __init__(self, page, artifacts: Path, size: str):
        self.page, self.artifacts, self.size = page, artifacts, size
        self.problems: list[str] = []

    def __call__(self, name: str) -> None:
        page = self.page
        page.screenshot(path=str(self.artifacts / f"notify-{name}-{self.size}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            self.problems.append(f"{name}: the page scrolls {overflow} px sideways")
        self.problems.extend(f"{name}: squeezed text {t}" for t in page.evaluate(SQUEEZED_JS))
        if self.size == "phone":
            self.problems.extend(f"{name}: small target {t}"
                                 for t in page.evaluate(SMALL_TARGETS_JS))
        self.problems.extend(f"{name}: {v}" for v in axe_violations(page))

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
