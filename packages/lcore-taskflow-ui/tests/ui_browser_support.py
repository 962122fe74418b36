"""Helpers of the browser tests: a real server process, a watched browser page,
axe-core, an HTTP client for seeding, and the checks several tests share.

The server is a real ``python -m lcore_taskflow.core._cli serve`` process (or
the tests' own launcher ``extension_server.py``, which adds a test-only
plugin module and a URL prefix) on a free port with a temporary database.
"""

from __future__ import annotations

import datetime as dt
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

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000
LIVE_TIMEOUT_MS = 15_000  # live updates arrive within 5 s; the margin is for a loaded CI machine
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 780}
XSS_TITLE = "<img src=x onerror=alert(1)>"
LONG_TITLE = "Unbroken" + "x" * 192  # 200 characters without a space


def missing_requirement() -> str | None:
    if not os.path.exists(CHROMIUM):
        return (f"Chromium not found at {CHROMIUM} "
                "(install Debian's chromium or set TASKFLOW_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        return "the python package playwright is not installed (pip install playwright)"
    if importlib.util.find_spec("lcore_taskflow.auth") is None:
        return "lcore-taskflow-auth is not installed: the frontend needs its login"
    return None


def require_browser() -> None:
    reason = missing_requirement()
    if reason:
        print(f"skipping browser tests: {reason}")
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


def http_status(url: str, token: str | None = None, data: dict | None = None,
                method: str | None = None) -> int:
    try:
        http_json(url, token, data, method)
        return 200
    except urllib.error.HTTPError as err:
        return err.code


class ServerProcess:
    """A TaskFlow server process; it can stop and start again on the same port and database."""

    def __init__(self, home: Path, *, launcher: Path | None = None, prefix: str = "", **env: str):
        self.home, self.launcher, self.prefix = home, launcher, prefix
        self.port = free_port()
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = home / "server.log"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return self.origin + self.prefix

    def start(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        env.update({
            "APP_HOST": "127.0.0.1", "APP_PORT": str(self.port), "APP_DEBUG": "false",
            "APP_DB_PATH": str(self.home / "taskflow.db"),
            "APP_UPLOAD_DIR": str(self.home / "uploads"),
            "APP_SECRET_KEY": "browser-test-secret-key-0123456789",
            "APP_PASSWORD_ITERATIONS": "1000", "APP_SEED_DEMO": "true",
            "APP_MOUNT_PREFIX": self.prefix,
            # the suite's packages only: other plugins installed beside them (say, the
            # example plugins in a dev venv) add UI of their own
            "APP_PLUGINS_ENABLED": "auth,notify,ui",
            # Every test client is 127.0.0.1: one shared bucket for all of them.
            "APP_LOGIN_RATE_LIMIT": "1000", "APP_RATE_LIMIT_DEFAULT": "5000", "APP_THREADS": "8",
            **self.env,
        })
        if self.launcher:
            cmd = [sys.executable, str(self.launcher)]
        else:
            cmd = [sys.executable, "-m", "lcore_taskflow.core._cli",
                   "--env-file", str(self.home / "none.env"),
                   "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.home, env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        self._wait_healthy()
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited ({self.proc.returncode}):\n{self.log_path.read_text()}")
            try:
                if http_json(self.base + "/health")["status"] == "ok":
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not healthy in 90 s:\n{self.log_path.read_text()}")
            time.sleep(0.2)


class Api:
    """The HTTP API as one user, for seeding and for changes made 'by someone else'."""

    def __init__(self, base: str, username: str, password: str | None = None):
        self.base = base
        login = {"username": username, "password": password or f"{username}123"}
        answer = http_json(base + "/auth/login", data=login)
        self.token, self.user = answer["token"], answer["user"]

    def get(self, path: str) -> dict:
        return http_json(self.base + path, self.token)

    def post(self, path: str, data: dict) -> dict:
        return http_json(self.base + path, self.token, data)

    def patch(self, path: str, data: dict) -> dict:
        return http_json(self.base + path, self.token, data, "PATCH")

    def put(self, path: str, data: dict) -> dict:
        return http_json(self.base + path, self.token, data, "PUT")

    def status(self, path: str, data: dict | None = None, method: str | None = None) -> int:
        return http_status(self.base + path, self.token, data, method)

    def task(self, pid: int, title: str, **fields) -> dict:
        created = self.post(f"/api/projects/{pid}/tasks", {"title": title, **fields})
        return self.get(f"/api/projects/{pid}/tasks/{created['id']}")


def day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


# Unicode on purpose: accents, CJK, right-to-left, emoji, markup.
TITLES = ["Write the release notes", "Fix login on Safari 🐛",
          "Übersetzung prüfen – Größenänderung",  # noqa: RUF001
          "设计新的仪表板", "مراجعة التصميم", "Ship it 🚀🚀🚀", "Refactor the <b>parser</b>",
          "Plan Q3 roadmap", "Customer interviews (5 × 30 min)",  # noqa: RUF001
          "Update dependencies"]


def seed_rich_data(base: str) -> dict:
    """3 projects, 60 tasks: long, Unicode, emoji titles, overdue and due-soon dates."""
    admin = Api(base, "admin")
    users = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100")["users"]}
    names = ["Launch 🚀 Q3 — Marketing & Sales Enablement", "Plattform-Überarbeitung",
             LONG_TITLE[:120]]
    projects = [admin.post("/api/projects/", {"name": n, "description": "Seeded"})["id"]
                for n in names]
    pid = projects[0]
    special = {
        "long": admin.task(pid, LONG_TITLE, due_date=day(-3), assignee_id=users["alice"],
                           priority="high"),
        "overdue": admin.task(pid, "Overdue invoice 🧾", due_date=day(-1),
                              assignee_id=users["bob"]),
        "soon": admin.task(pid, "Due tomorrow: prepare the demo", due_date=day(1),
                           assignee_id=users["alice"]),
    }
    statuses, priorities = ["todo", "in_progress", "done"], ["low", "medium", "high"]
    assignees = [users["alice"], users["bob"], users["admin"], None]
    for i in range(57):
        target = projects[0] if i < 27 else projects[1 + i % 2]
        admin.task(target, f"{TITLES[i % len(TITLES)]} #{i}", status=statuses[i % 3],
                   priority=priorities[i % 3], assignee_id=assignees[i % 4],
                   due_date=day(i % 20 - 5) if i % 4 else None)
    # A long subject without spaces in the email history (it once pushed the table out of its card).
    admin.post("/api/notifications/email", {"to": "someone@example.com", "subject": LONG_TITLE,
                                            "body": "Seeded for the browser tests"})
    return {"projects": projects, "special": special, "users": users}


class Session:
    """One browser page with what it saw: dialogs, uncaught errors, CSP violations, requests."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[tuple[str, str]] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.on("request", lambda req: self.requests.append((req.method, req.url)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.errors.append(f"csp: {msg.text}")

    def login(self, username: str) -> None:
        page = self.page
        page.goto(self.base + "/frontend")
        page.locator("#login-form").wait_for()
        page.click(f".demo-fill[data-username={username}]")
        assert page.input_value("#login-username") == username
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")
        self.ready()

    def ready(self) -> None:
        """The view has its data: no loading indicator, the main area is not busy."""
        self.page.wait_for_function("() => !document.querySelector('#main[aria-busy]')"
                                    " && !document.querySelector('[data-testid=loading]')")

    def go(self, hash_: str, ready: str | None = None) -> None:
        self.page.evaluate("h => { location.hash = h; }", hash_)
        self.ready()
        if ready:
            self.page.locator(ready).first.wait_for()

    def token(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('taskflow.session')).token")

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs


def card(page, title: str):
    return page.locator("[data-testid=task-card]", has=page.locator(".title", has_text=title))


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 is right)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


AXE_JS = None


def axe_violations(page, impacts=("critical", "serious")) -> list[str]:
    """axe-core (bundled by the Python package axe-playwright-python, never a CDN) on the page,
    with the rules axe-core 4.14 runs by default (see below)."""
    global AXE_JS
    if AXE_JS is None:
        spec = importlib.util.find_spec("axe_playwright_python")
        if spec is None:
            pytest.fail("axe-playwright-python is not installed: "
                        "pip install 'lcore-taskflow-ui[browser]'")
        AXE_JS = (Path(spec.origin).parent / "axe.min.js").read_text()
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE_JS)
    # label-content-name-mismatch (WCAG 2.5.3) is "experimental" in the bundled 4.12 and so
    # off by default; axe-core 4.14 reports it as serious: run it here too.
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations'],"
                           " rules: {'label-content-name-mismatch': {enabled: true}}})")
    return [f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(
        f"{n['target']} {n.get('failureSummary', '')[:160]}" for n in v["nodes"][:4])
        for v in result["violations"] if v["impact"] in impacts]
