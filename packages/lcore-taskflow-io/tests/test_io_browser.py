"""The io screens in real Chromium against a real server (``taskflow serve``: auth, ui, io):
the profile's calendar feed and "your data" (download, delete the account), the export panel of
a project, at 1366 px and at 360 px, with axe-core (no critical or serious violation).

Chromium, the page (which fails the test on any uncaught error, CSP violation or dialog) and
axe-core 4.14 come from core's browser kit (``lcore_taskflow.core.testing.browser``).
"""

from __future__ import annotations

import importlib.util
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lcore_taskflow.core.testing.browser import CHROMIUM, DESKTOP, PHONE, Session, chromium
from lcore_taskflow.core.testing.serve import ServerProcess

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def require_browser() -> None:
    for needed, why in ((Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}"),
                        (importlib.util.find_spec("playwright"), "playwright is not installed")):
        if not needed:
            pytest.fail(f"the io browser tests need this: {why}")


# ------------------------------------------------------------------ a server and HTTP
def call(base: str, method: str, path: str, token: str | None = None,
         body: dict | None = None) -> tuple[int, bytes, dict]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read(), dict(res.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def token_of(base: str, username: str, password: str) -> str:
    status, body, _ = call(base, "POST", "/auth/login", body={"username": username,
                                                                "password": password})
    assert status == 200, body
    return json.loads(body)["token"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    proc = ServerProcess(tmp_path_factory.mktemp("io-browser"), {
        "APP_PLUGINS_ENABLED": "auth,ui,io", "APP_LOGIN_RATE_LIMIT": "1000",
        "APP_RATE_LIMIT_DEFAULT": "5000", "APP_THREADS": "8"})
    proc.start()
    yield f"http://127.0.0.1:{proc.port}"
    proc.stop()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


def open_session(browser, server, name: str, locale: str | None = None):
    """A page at a viewport; ``locale`` sets navigator.languages (the frontend's language
    when the profile names none).  A generator: the page's errors fail the test at the end."""
    context = browser.new_context(accept_downloads=True, viewport=VIEWPORTS[name],
                                  is_mobile=name == "phone", has_touch=name == "phone",
                                  locale=locale)
    s = Session(context.new_page(), server)
    s.viewport = name
    yield s
    context.close()
    s.assert_clean()


@pytest.fixture(params=sorted(VIEWPORTS))
def session(request, browser, server):
    yield from open_session(browser, server, request.param)


@pytest.fixture(params=sorted(VIEWPORTS))
def german_session(request, browser, server):
    yield from open_session(browser, server, request.param, locale="de-DE")


def axe_violations(page) -> list[str]:
    """Critical and serious violations of axe-core 4.14 (core's browser kit) as the page is now."""
    from lcore_taskflow.core.testing.browser import axe_violations as kit_axe

    return kit_axe(page)


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def new_account(base: str, name: str) -> tuple[str, str]:
    admin = token_of(base, "admin", "admin123")
    password = "a-long-enough-secret-42"
    status, body, _ = call(base, "POST", "/api/users/", admin, {
        "username": name, "email": f"{name}@example.test", "password": password})
    assert status == 201, body
    return name, password


# ------------------------------------------------------------------ the tests
def test_calendar_feed_in_the_profile(session, server):
    name, password = new_account(server, f"cal{session.viewport}")
    token = token_of(server, name, password)
    me = json.loads(call(server, "GET", "/auth/me", token)[1])["id"]
    call(server, "POST", "/api/projects/1/tasks", token, {
        "title": "<b>Due</b> soon", "due_date": "2027-02-02", "assignee_id": me})
    session.login(name, password)
    page = session.page
    session.go("#/profile", "[data-testid=io-feed]")
    assert "No feed yet" in page.locator("[data-testid=io-feed-state]").inner_text()
    assert axe_violations(page) == []
    assert overflow(page) == 0

    page.click("[data-testid=io-feed-make]")
    first = page.locator("[data-testid=io-feed-url]").input_value()
    assert first.startswith(server + "/calendar/tfc_") and first.endswith(".ics")
    status, body, headers = call(server, "GET", first[len(server):])
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert b"SUMMARY:<b>Due</b> soon" in body
    page.click("[data-testid=io-feed-copy]")
    page.click("[data-testid=io-feed-make]")  # rotate
    page.wait_for_function("old => document.querySelector('[data-testid=io-feed-url]').value"
                           " !== old", arg=first)
    second = page.locator("[data-testid=io-feed-url]").input_value()
    assert call(server, "GET", first[len(server):])[0] == 404
    assert call(server, "GET", second[len(server):])[0] == 200
    assert "live" in page.locator("[data-testid=io-feed-state]").inner_text()
    assert axe_violations(page) == []
    assert overflow(page) == 0

    page.click("[data-testid=io-feed-end]")
    page.locator("[data-testid=io-feed-state]", has_text="No feed yet").wait_for()
    assert call(server, "GET", second[len(server):])[0] == 404


def test_download_my_data_then_delete_my_account(session, server):
    name, password = new_account(server, f"leaver{session.viewport}")
    token = token_of(server, name, password)
    task = json.loads(call(server, "POST", "/api/projects/1/tasks", token,
                           {"title": "Left behind"})[1])
    call(server, "POST", f"/api/projects/1/tasks/{task['id']}/comments", token,
         {"body": "My last words"})
    session.login(name, password)
    page = session.page
    session.go("#/profile", "[data-testid=io-download-data]")
    with page.expect_download() as info:
        page.click("[data-testid=io-download-data]")
    download = info.value
    assert download.suggested_filename == f"taskflow-personal-data-{name}.json"
    data = json.loads(Path(download.path()).read_text())
    assert data["profile"]["username"] == name
    assert [c["body"] for c in data["comments"]] == ["My last words"]
    assert "Left behind" in [t["title"] for t in data["tasks"]]

    page.click("[data-testid=io-delete-open]")
    assert axe_violations(page) == []
    assert overflow(page) == 0
    page.fill("[data-testid=io-delete-password]", "not my password at all")
    page.check("[data-testid=io-delete-confirm]")
    page.click("[data-testid=io-delete-submit]")
    page.locator("[data-testid=io-delete-error]", has_text="not your password").wait_for()
    assert call(server, "GET", "/auth/me", token)[0] == 200  # nothing happened

    page.fill("[data-testid=io-delete-password]", password)
    page.click("[data-testid=io-delete-submit]")
    page.locator("#login-form").wait_for()  # signed out: the account's credentials died
    assert call(server, "GET", "/auth/me", token)[0] == 401
    assert call(server, "POST", "/auth/login", body={"username": name,
                                                      "password": password})[0] == 401
    admin = token_of(server, "admin", "admin123")
    kept = json.loads(call(server, "GET", f"/api/projects/1/tasks/{task['id']}", admin)[1])
    assert [c["username"] for c in kept["comments"]] == ["deleted user"]


def test_project_settings_export_and_an_owner_feed(session, server):
    session.login("admin", "admin123")
    page = session.page
    session.go("#/projects/1/settings", "[data-testid=io-export-json]")
    with page.expect_download() as info:
        page.click("[data-testid=io-export-json]")
    assert info.value.suggested_filename == "taskflow-project-1.json"
    exported = Path(info.value.path()).read_text()
    assert "Website Redesign" in exported and "Design mockups" in exported
    with page.expect_download() as info:
        page.click("[data-testid=io-export-csv]")
    assert info.value.suggested_filename == "taskflow-project-1.csv"
    assert Path(info.value.path()).read_text().lstrip("\ufeff").startswith("id,title,")
    page.click("[data-testid=io-project-feed-make]")
    url = page.locator("[data-testid=io-project-feed-url]").input_value()
    status, body, _ = call(server, "GET", url[len(server):])
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    assert axe_violations(page) == []
    assert overflow(page) == 0
    page.click("[data-testid=io-project-feed-end]")
    page.locator("[data-testid=io-project-feed-state]", has_text="No feed yet").wait_for()
    assert call(server, "GET", url[len(server):])[0] == 404


def test_my_tasks_export_buttons(session, server):
    """My tasks has io's export buttons (addViewAction): the downloads hold my tasks, the
    status filter of the view included."""
    name, password = new_account(server, f"mine{session.viewport}")
    token = token_of(server, name, password)
    me = json.loads(call(server, "GET", "/auth/me", token)[1])["id"]
    for title, status in (("Mine to do", "todo"), ("Mine done", "done")):
        reply = call(server, "POST", "/api/projects/1/tasks", token,
                     {"title": title, "assignee_id": me, "status": status})
        assert reply[0] == 201, reply[1]
    session.login(name, password)
    page = session.page
    session.go("#/my-tasks", "[data-testid=io-my-tasks-json]")
    with page.expect_download() as info:
        page.click("[data-testid=io-my-tasks-json]")
    assert info.value.suggested_filename == "my-tasks.json"
    data = json.loads(Path(info.value.path()).read_text())
    assert sorted(t["title"] for t in data["tasks"]) == ["Mine done", "Mine to do"]
    assert axe_violations(page) == []
    assert overflow(page) == 0
    session.go("#/my-tasks?status=done", "[data-testid=io-my-tasks-csv]")
    with page.expect_download() as info:
        page.click("[data-testid=io-my-tasks-csv]")
    assert info.value.suggested_filename == "my-tasks-done.csv"
    rows = Path(info.value.path()).read_text().lstrip("\ufeff").splitlines()
    assert rows[0].startswith("project_id,project,id,title") and len(rows) == 2
    assert "Mine done" in rows[1]
