"""End to end in real Chromium (Playwright) against a real ``taskflow serve`` process.

Run alone with ``pytest packages/lcore-taskflow-ui/tests -m browser``.  The
server runs on a free port with a temporary database and upload directory;
screenshots go to ``$TASKFLOW_ARTIFACTS`` or a pytest temp directory (the
path is printed).  Without ``/usr/bin/chromium`` (or Playwright, or the
auth package, which provides the login) the tests skip and say why.
"""

from __future__ import annotations

import contextlib
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

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_TITLE = "<img src=x onerror=alert(1)>"
TIMEOUT_MS = 20_000


def _missing_requirement() -> str | None:
    if not os.path.exists(CHROMIUM):
        return (f"Chromium not found at {CHROMIUM} "
                "(install Debian's chromium or set TASKFLOW_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        return "the python package playwright is not installed (pip install playwright)"
    if importlib.util.find_spec("lcore_taskflow.auth") is None:
        return "lcore-taskflow-auth is not installed: the frontend needs its login"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str, token: str | None = None, data: dict | None = None) -> dict:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    path = Path(os.environ.get("TASKFLOW_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nui browser artifacts (screenshots): {path}")
    return path


@contextlib.contextmanager
def _running_server(home: Path, **extra_env: str):
    """A real ``taskflow serve`` process on a free port; yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update({
        "APP_HOST": "127.0.0.1", "APP_PORT": str(port), "APP_DEBUG": "false",
        "APP_DB_PATH": str(home / "taskflow.db"), "APP_UPLOAD_DIR": str(home / "uploads"),
        "APP_SECRET_KEY": "browser-test-secret-key-0123456789", "APP_PASSWORD_ITERATIONS": "1000",
        "APP_LOGIN_RATE_LIMIT": "100", "APP_THREADS": "4", **extra_env,
    })
    log_path = home / "server.log"
    cmd = [sys.executable, "-m", "lcore_taskflow.core._cli", "--env-file", str(home / "none.env"),
           "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(proc, base, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}):\n{log_path.read_text()}")
        try:
            if _get_json(base + "/health")["status"] == "ok":
                return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"server not healthy in 90 s:\n{log_path.read_text()}")
        time.sleep(0.3)


def _require_browser() -> None:
    reason = _missing_requirement()
    if reason:
        print(f"skipping browser tests: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The full server (every installed plugin) on a temp database."""
    _require_browser()
    with _running_server(tmp_path_factory.mktemp("server")) as base:
        plugins = {p["name"] for p in _get_json(base + "/health")["plugins"]}
        assert {"core", "auth", "ui"} <= plugins, plugins
        yield base


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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

    def login(self, username: str) -> None:
        page = self.page
        page.goto(self.base + "/frontend")
        page.locator("#login-form").wait_for()
        page.click(f".demo-fill[data-username={username}]")
        assert page.input_value("#login-username") == username
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for()
        page.locator("#view .card, #view .stats").first.wait_for()

    def go(self, hash_: str, ready: str) -> None:
        self.page.evaluate("h => { location.hash = h; }", hash_)
        self.page.locator(ready).first.wait_for()

    def token(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('taskflow.session')).token")


@pytest.fixture
def session(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    s = Session(page, server)
    yield s
    context.close()
    assert not s.errors, s.errors
    assert not s.dialogs, s.dialogs


def _card(page, title: str):
    return page.locator("[data-testid=task-card]", has=page.locator(".title", has_text=title))


# ----------------------------------------------------------------- the tests
def test_admin_creates_drags_comments_uploads_and_sees_activity(session, artifacts, tmp_path):
    page = session.page
    session.login("admin")
    assert page.locator("[data-testid=stat-projects] .value").inner_text() == "2"
    page.locator("[data-testid=status-chart]").wait_for()

    session.go("#/projects", "[data-testid=project-card]")
    page.click("[data-testid=new-project]")
    page.fill("[data-testid=new-project-form] input[name=name]", "Browser launch")
    page.fill("[data-testid=new-project-form] textarea[name=description]", "Made in Chromium")
    page.click("[data-testid=new-project-form] button[type=submit]")
    card = page.locator("[data-testid=project-card]", has_text="Browser launch")
    card.locator("a.btn", has_text="Open board").click()
    page.locator("#page-title", has_text="Browser launch").wait_for()

    page.click("[data-testid=new-task]")
    form = page.locator("[data-testid=new-task-form]")
    form.locator("input[name=title]").fill("Write the release notes")
    form.locator("select[name=assignee_id]").select_option(label="alice")
    form.locator("select[name=priority]").select_option("high")
    form.locator("input[name=due_date]").fill("2031-05-17")
    form.locator("button[type=submit]").click()
    todo_card = page.locator("[data-testid=column-todo]").locator(
        "[data-testid=task-card]", has_text="Write the release notes")
    todo_card.wait_for()
    assert "@alice" in todo_card.inner_text() and "due 2031-05-17" in todo_card.inner_text()
    page.screenshot(path=str(artifacts / "board-before-drag.png"), full_page=True)

    page.drag_and_drop("[data-testid=task-card]:has-text('Write the release notes')",
                       "[data-testid=column-done]")
    page.locator("[data-testid=column-done] [data-testid=task-card]",
                 has_text="Write the release notes").wait_for()
    assert page.locator("[data-testid=column-todo] [data-testid=task-card]").count() == 0

    # The buttons move cards as well: a second task goes to In Progress.
    page.click("[data-testid=new-task]")
    form.locator("input[name=title]").fill("Check the buttons")
    form.locator("button[type=submit]").click()
    _card(page, "Check the buttons").locator("[data-testid=move-right]").click()
    page.locator("[data-testid=column-in_progress] [data-testid=task-card]",
                 has_text="Check the buttons").wait_for()
    page.screenshot(path=str(artifacts / "board.png"), full_page=True)

    _card(page, "Write the release notes").locator("a.title").click()
    page.locator("#page-title", has_text="Write the release notes").wait_for()
    assert "Done" in page.locator("[data-testid=task-status]").inner_text()
    page.fill("[data-testid=comment-form] textarea[name=body]", "Shipped <b>today</b>")
    page.click("[data-testid=comment-form] button[type=submit]")
    page.locator("[data-testid=comments] .body", has_text="Shipped <b>today</b>").wait_for()

    content = b"release notes v1\n"
    page.set_input_files("[data-testid=upload-input]", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": content}])
    page.click("[data-testid=upload-form] button[type=submit]")
    page.locator("[data-testid=attachment]", has_text="notes.txt").wait_for()
    with page.expect_download() as info:
        page.click("[data-testid=download]")
    download = info.value
    assert download.suggested_filename == "notes.txt"
    saved = tmp_path / "downloaded.txt"
    download.save_as(saved)
    assert saved.read_bytes() == content

    session.go("#/dashboard", "[data-testid=activity-feed]")
    feed = page.locator("[data-testid=activity-feed]")
    feed.locator("li", has_text="admin moved 'Write the release notes' to done").wait_for()
    assert "admin commented on 'Write the release notes'" in feed.inner_text()
    assert page.locator("[data-testid=stat-projects] .value").inner_text() == "3"
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)


def test_member_sees_no_admin_controls(session):
    page = session.page
    session.login("alice")
    session.go("#/projects", "[data-testid=project-card]")
    assert page.locator("[data-testid=new-project]").count() == 0
    assert page.locator("[data-testid=delete-project]").count() == 0
    page.locator("[data-testid=project-card] a.btn").first.click()
    page.locator("[data-testid=board]").wait_for()
    assert page.locator("[data-testid=new-task]").count() == 1  # members create tasks
    assert page.locator("[data-testid=delete-project]").count() == 0
    page.locator("[data-testid=task-card] a.title").first.click()
    page.locator("[data-testid=comment-form]").wait_for()
    assert page.locator("[data-testid=delete-task]").count() == 0
    session.go("#/team", "[data-testid=team-table]")
    assert page.locator("[data-testid=add-member]").count() == 0
    assert page.locator("[data-testid=remove-member]").count() == 0
    assert page.locator("[data-testid=team-table] th", has_text="Actions").count() == 0
    session.go("#/notifications", "#view .card")
    assert page.locator("[data-testid=compose-form]").count() == 0
    # The API still refuses what the page hides.
    with pytest.raises(urllib.error.HTTPError) as err:
        _get_json(session.base + "/api/projects/", session.token(), {"name": "sneaky"})
    assert err.value.code == 403


def test_script_in_a_task_title_is_shown_as_text(session, server):
    login = {"username": "bob", "password": "bob123"}
    token = _get_json(server + "/auth/login", data=login)["token"]
    created = _get_json(server + "/api/projects/1/tasks", token,
                        {"title": XSS_TITLE, "description": XSS_TITLE})
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    card = _card(page, XSS_TITLE)
    assert card.locator(".title").inner_text() == XSS_TITLE
    assert page.locator("#view img").count() == 0
    session.go(f"#/projects/1/tasks/{created['id']}", "[data-testid=comment-form]")
    assert page.locator("#page-title").inner_text() == XSS_TITLE
    assert page.locator(".task-detail .desc").inner_text() == XSS_TITLE
    session.go("#/dashboard", "[data-testid=activity-feed]")
    assert XSS_TITLE in page.locator("[data-testid=activity-feed]").inner_text()
    assert page.locator("#view img").count() == 0
    page.wait_for_timeout(300)
    assert session.dialogs == []


def test_reload_keeps_the_session_and_a_bad_token_ends_it(session):
    page = session.page
    session.login("bob")
    session.go("#/team", "[data-testid=team-table]")
    page.reload()
    page.locator("[data-testid=team-table]").wait_for()
    assert page.locator("[data-testid=whoami]").inner_text() == "bob"
    assert page.locator("#login-view").is_hidden()

    page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('taskflow.session'));
        s.token = s.token.slice(0, -4) + 'abcd';
        localStorage.setItem('taskflow.session', JSON.stringify(s));
    }""")
    page.reload()
    page.locator("#login-view").wait_for(state="visible")
    assert "sign in again" in page.locator("#login-error").inner_text()
    assert page.evaluate("localStorage.getItem('taskflow.session')") is None


def test_wrong_password_shows_the_api_error(session):
    page = session.page
    page.goto(session.base + "/frontend")
    page.fill("#login-username", "admin")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip()
    assert page.locator("#shell").is_hidden()


def test_profile_edit_and_phone_layout(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    s = Session(context.new_page(), server)
    try:
        page = s.page
        s.login("alice")
        page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
        s.go("#/projects/1", "[data-testid=board]")
        boxes = [page.locator(f"[data-testid=column-{c}]").bounding_box()
                 for c in ("todo", "in_progress", "done")]
        assert boxes[0]["x"] == boxes[1]["x"] == boxes[2]["x"], "columns stack on a phone"
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
        assert max(b["x"] + b["width"] for b in boxes) <= 390
        page.screenshot(path=str(artifacts / "board-phone.png"), full_page=True)

        s.go("#/profile", "[data-testid=profile-form]")
        page.fill("[data-testid=profile-form] input[name=email]", "alice.new@example.com")
        page.click("[data-testid=profile-form] button[type=submit]")
        page.locator("#flash", has_text="Profile saved").wait_for()
        # An API error (username taken: 409) is shown in the form.
        page.fill("[data-testid=profile-form] input[name=username]", "bob")
        page.click("[data-testid=profile-form] button[type=submit]")
        error = page.locator("[data-testid=profile-form] .form-error")
        error.wait_for(state="visible")
        assert error.inner_text().strip()
        assert page.locator("[data-testid=whoami]").inner_text() == "alice"
        s.go("#/notifications", "#view .card")
        assert not s.errors and not s.dialogs, (s.errors, s.dialogs)
    finally:
        context.close()


def test_artifacts_dir_is_not_in_the_repository(artifacts):
    repo = Path(__file__).resolve().parents[3]
    assert repo not in artifacts.resolve().parents and artifacts.resolve() != repo


def test_browser_gets_the_html_error_page(session):
    page = session.page
    response = page.goto(session.base + "/no/such/<b>page</b>")
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    page.locator("[data-testid=error-page]").wait_for()
    assert "<b>page</b>" in page.locator(".error-message").inner_text()
    assert page.locator(".error-message b").count() == 0
    page.click("text=Back to Home")
    page.locator("[data-testid=plugins]").wait_for()
    assert "ui" in page.locator("[data-testid=plugins]").inner_text()


def test_notifications_page_without_the_notify_plugin(browser, tmp_path):
    with _running_server(tmp_path, APP_PLUGINS_DISABLED="notify") as base:
        plugins = {p["name"] for p in _get_json(base + "/health")["plugins"]}
        assert "notify" not in plugins and "ui" in plugins
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        s = Session(context.new_page(), base)
        try:
            s.login("admin")
            s.go("#/notifications", "#view .card")
            message = s.page.locator("[data-testid=notify-missing]")
            message.wait_for()
            assert "does not have the notifications plugin" in message.inner_text()
            assert s.page.locator("[data-testid=compose-form]").count() == 0
            assert not s.errors and not s.dialogs, (s.errors, s.dialogs)
        finally:
            context.close()
