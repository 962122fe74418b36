"""End to end in real Chromium (Playwright) against a real ``taskflow serve`` process.

Run alone with ``pytest packages/lcore-taskflow-ui/tests -m browser``.  The
server runs on a free port with a temporary database and upload directory;
screenshots go to ``$TASKFLOW_ARTIFACTS`` or a pytest temp directory (the
path is printed).  Without ``/usr/bin/chromium`` (or Playwright, or the
auth package, which provides the login) the tests skip and say why.
"""

from __future__ import annotations

import urllib.error
from pathlib import Path

import pytest
from ui_browser_support import XSS_TITLE, ServerProcess, card, http_json

pytestmark = pytest.mark.browser
_card = card
_get_json = http_json


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
    text = todo_card.inner_text()
    assert "Assigned to alice" in text and "Due 2031-05-17" in text
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

    _card(page, "Write the release notes").locator(".title a").click()
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
    feed.locator("li", has_text="admin moved 'Write the release notes' to Done").wait_for()
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
    page.locator("[data-testid=task-card] .title a").first.click()
    page.locator("[data-testid=comment-form]").wait_for()
    assert page.locator("[data-testid=delete-task]").count() == 0
    session.go("#/team", "[data-testid=team-table]")
    assert page.locator("[data-testid=add-member]").count() == 0
    assert page.locator("[data-testid=remove-member]").count() == 0
    assert page.locator("[data-testid=team-table] th", has_text="Actions").count() == 0
    session.go("#/ext/notifications?tab=emails", "#view .card")
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


def test_profile_edit_and_phone_layout(phone, artifacts):
    s = phone
    page = s.page
    s.login("alice")
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    s.go("#/projects/1", "[data-testid=board]")
    # One column at a time; the buttons above the board switch between them.
    assert page.locator("[data-testid=column-todo]").is_visible()
    assert page.locator("[data-testid=column-done]").is_hidden()
    page.click("[data-testid=tab-done]")
    assert page.locator("[data-testid=column-done]").is_visible()
    assert page.locator("[data-testid=column-todo]").is_hidden()
    box = page.locator("[data-testid=column-done]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.screenshot(path=str(artifacts / "board-phone.png"), full_page=True)

    s.go("#/profile", "[data-testid=profile-form]")
    page.fill("[data-testid=profile-form] input[name=email]", "alice.new@example.com")
    page.click("[data-testid=profile-form] button[type=submit]")
    page.locator("[data-testid=toast]", has_text="Profile saved").wait_for()
    # An API error (username taken: 409) is shown in the form.
    page.fill("[data-testid=profile-form] input[name=username]", "bob")
    page.click("[data-testid=profile-form] button[type=submit]")
    error = page.locator("[data-testid=profile-form] .form-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip()
    assert page.locator("[data-testid=whoami]").text_content() == "alice"
    s.go("#/ext/notifications?tab=emails", "#view .card")


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


def test_without_the_notify_plugin_there_is_no_notifications_screen(open_session, tmp_path):
    """The Notifications screen and the unread count come from notify's own module."""
    proc = ServerProcess(tmp_path, APP_PLUGINS_DISABLED="notify").start()
    try:
        plugins = {p["name"] for p in _get_json(proc.base + "/health")["plugins"]}
        assert "notify" not in plugins and "ui" in plugins
        s = open_session(proc.base)
        s.login("admin")
        page = s.page
        assert page.locator("link[data-plugin-script]").count() == 0
        assert page.locator("#nav a", has_text="Notifications").count() == 0
        assert page.locator("#header-badges a").count() == 0
        s.go("#/ext/notifications", "[data-testid=view-error]")
        assert page.locator("#page-title").inner_text() == "Page not found"
        s.go("#/notifications", "[data-testid=view-error]")
        assert page.locator("[data-testid=compose-form]").count() == 0
    finally:
        proc.stop()
