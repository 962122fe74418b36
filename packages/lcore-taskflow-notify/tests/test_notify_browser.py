"""The notification hub's frontend (notify's own UI module), in real Chromium.

A real ``taskflow serve`` process (auth, notify, ui) on a temporary database;
the signed-in user works in the browser while another user acts over HTTP:

* the unread count in the header changes within 5 s of a mention, on any
  screen, and follows marking one, the selected and all items read;
* the inbox says what happened, who, where (a link), pages and filters unread;
* the settings grid, the time zone and the chat URLs save and come back after
  a reload, the URL's secret never shown again;
* Watch / Unwatch on the task page, and a watcher hears of a comment;
* typing "@bo" in a comment or a description offers @bob (arrows, Enter,
  Escape; an ARIA combobox) and the comment notifies bob;
* in a German browser the module's own catalog (static/i18n/de.json) is loaded:
  navigation, badge, inbox, settings and the watch panel speak German.

Each on both engines (one server per engine), at 1366 px and at 360 px with
axe-core (no serious or critical violation), no sideways scroll, 44 px targets
on the phone; screenshots ``notify-*.png`` go to ``TASKFLOW_ARTIFACTS`` (or a
temporary folder).
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database
from notify_browser import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SIZES,
    Api,
    Checks,
    ServerProcess,
    Session,
    chromium,
    require_browser,
)

pytestmark = pytest.mark.browser
BADGE = "[data-testid=header-badge-notifications]"
_serial = itertools.count(1)


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module", params=ENGINES)
def server(request, tmp_path_factory):
    """One server per engine (SQLite; PostgreSQL when the testing kit finds a server)."""
    require_browser()
    home = tmp_path_factory.mktemp("notify-ui")
    with engine_database(request.param, home) as url:
        proc = ServerProcess(home, APP_DATABASE_URL=url).start()
        yield proc.base
        proc.stop()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    path = Path(os.environ.get("TASKFLOW_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


@pytest.fixture
def open_page(browser):
    """Pages at a size; each is checked for page errors, CSP violations and dialogs at the end."""
    opened = []

    def make(base: str, size: str, locale: str | None = None) -> Session:
        phone = size == "phone"
        # locale sets navigator.languages: the frontend's language when the profile has none
        context = browser.new_context(viewport=PHONE if phone else DESKTOP, is_mobile=phone,
                                      has_touch=phone, locale=locale)
        s = Session(context.new_page(), base)
        opened.append((context, s))
        return s

    yield make
    for context, _ in opened:
        context.close()
    for _, s in opened:
        s.assert_clean()


def _people(admin: Api, size: str) -> tuple[dict, dict]:
    """Two fresh members (so counts start at zero): the reader and the one who acts."""
    n = next(_serial)
    made = []
    for who in ("reader", "actor"):
        name = f"{who}{size[0]}{n}"
        created = admin.post("/api/users/", {"username": name, "email": f"{name}@example.com",
                                             "password": PASSWORD, "role": "member"})
        made.append({"id": created["id"], "username": name})
    return made[0], made[1]


def _badge_count(page) -> int:
    return int(page.locator(BADGE).get_attribute("data-count") or 0)


def _wait_count(page, n: int, timeout_ms: int) -> float:
    """Seconds until the header badge shows ``n`` (fails after ``timeout_ms``)."""
    start = time.monotonic()
    page.wait_for_function(f"() => document.querySelector('{BADGE}')?.dataset.count === '{n}'",
                           timeout=timeout_ms)
    return time.monotonic() - start


# ------------------------------------------------------------- the badge
@pytest.mark.parametrize("size", SIZES)
def test_a_mention_reaches_the_badge_within_5_s_and_the_inbox_marks_read(
        open_page, server, admin, artifacts, size):
    reader, actor = _people(admin, size)
    task = admin.task(1, f"Hub task {reader['username']} <b>bold</b>")
    other = Api(server, actor["username"], PASSWORD)
    s = open_page(server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    s.go("#/profile", "[data-testid=profile-form]")  # a screen with no polling of its own
    badge = page.locator(BADGE)
    badge.wait_for()
    page.wait_for_function(f"() => document.querySelector('{BADGE}').dataset.count === '0'")
    assert badge.get_attribute("aria-label") == "Inbox, no unread notifications"
    # no number on a wide screen; a phone's badge shows only its number, 0 included
    zero = page.locator(f"{BADGE} .header-badge-count")
    assert zero.is_hidden() if size != "phone" else zero.inner_text() == "0"

    # Another user mentions the reader over HTTP: the badge follows within 5 s.
    other.post(f"/api/projects/1/tasks/{task['id']}/comments",
               {"body": f"@{reader['username']} can you check?"})
    waited = _wait_count(page, 1, timeout_ms=5000)
    print(f"\nbadge after a mention ({size}): {waited:.2f} s")
    assert badge.get_attribute("aria-label") == "Inbox 1 unread notification"
    assert page.locator(f"{BADGE} .header-badge-count").inner_text() == "1"
    check("badge")

    # Two more, then the inbox: what, who, where (a link to the task).
    for i in range(2):
        other.post(f"/api/projects/1/tasks/{task['id']}/comments",
                   {"body": f"Again {i}, @{reader['username']}"})
    _wait_count(page, 3, timeout_ms=5000)
    badge.click()
    s.ready()
    items = page.locator("[data-testid=inbox-item]")
    items.first.wait_for()
    assert items.count() == 3
    first = items.first
    assert first.get_attribute("data-read") == "false"
    text = first.inner_text()
    assert actor["username"] in text and "<b>bold</b>" in text, text
    assert page.locator("[data-testid=inbox] b").count() == 0  # a title's markup stays text
    link = first.locator(".inbox-where a")
    assert link.get_attribute("href") == f"#/projects/1/tasks/{task['id']}"
    check("inbox")

    # Mark one read (its own button), then one selected, then all.
    first.locator("[data-testid=inbox-mark-one]").click()
    _wait_count(page, 2, timeout_ms=5000)
    page.locator("[data-testid=inbox-item][data-read=false]").first.wait_for()
    assert page.locator("[data-testid=inbox-item][data-read=false]").count() == 2
    assert page.locator("[data-testid=inbox-mark-selected]").is_disabled()
    page.locator("[data-testid=inbox-item][data-read=false] input[type=checkbox]").first.check()
    page.click("[data-testid=inbox-mark-selected]")
    _wait_count(page, 1, timeout_ms=5000)
    page.focus("[data-testid=inbox-mark-all]")
    page.keyboard.press("Enter")
    _wait_count(page, 0, timeout_ms=5000)
    # The pressed button is disabled now: the keyboard lands on the count, not on the body.
    page.wait_for_function("() => document.activeElement.dataset.testid === 'inbox-status'")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=inbox-item][data-read=false]')")
    assert page.locator("[data-testid=inbox-mark-all]").is_disabled()
    me = Api(server, reader["username"], PASSWORD)
    assert me.get("/api/notifications/inbox")["unread"] == 0
    assert page.locator(f"{BADGE} .header-badge-count").is_hidden()
    check("inbox-read")

    # On the inbox, a new mention arrives in the list with the live polling, no reload.
    other.post(f"/api/projects/1/tasks/{task['id']}/comments",
               {"body": f"One more, @{reader['username']}"})
    page.locator("[data-testid=inbox-item][data-read=false]").wait_for(timeout=5000)
    assert page.locator("[data-testid=inbox-item]").count() == 4
    _wait_count(page, 1, timeout_ms=5000)

    # The link opens the task.
    page.locator("[data-testid=inbox-item] .inbox-where a").first.click()
    s.ready()
    page.locator("[data-testid=comment-form]").wait_for()
    assert page.evaluate("location.hash") == f"#/projects/1/tasks/{task['id']}"
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_the_inbox_pages_and_filters_unread(open_page, server, admin, artifacts, size):
    reader, actor = _people(admin, size)
    task = admin.task(1, f"Busy task {reader['username']}")
    other = Api(server, actor["username"], PASSWORD)
    for i in range(23):
        other.post(f"/api/projects/1/tasks/{task['id']}/comments",
                   {"body": f"Note {i} for @{reader['username']}"})
    me = Api(server, reader["username"], PASSWORD)
    assert me.get("/api/notifications/inbox")["total"] == 23
    s = open_page(server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    s.go("#/ext/notifications", "[data-testid=inbox-item]")
    items = page.locator("[data-testid=inbox-item]")
    assert items.count() == 20
    assert "Note 22" in items.first.inner_text()  # newest first
    assert "of 23" in page.locator("[data-testid=inbox-status]").inner_text()
    page.click("[data-testid=inbox-older]")
    s.ready()
    page.locator("[data-testid=inbox-newer]").wait_for()
    assert items.count() == 3
    assert "Note 0" in items.last.inner_text()
    assert "page=2" in page.evaluate("location.hash")
    check("inbox-page-2")

    # Unread only: read the two newest (over HTTP), the filter leaves 21.
    newest = [i["id"] for i in me.get("/api/notifications/inbox?limit=2")["items"]]
    me.post("/api/notifications/inbox/read", {"ids": newest})
    s.go("#/ext/notifications", "[data-testid=inbox-item]")
    page.check("[data-testid=inbox-unread-only]")
    s.ready()
    page.wait_for_function("() => location.hash.includes('unread=1')")
    page.locator("[data-testid=inbox-item]").first.wait_for()
    assert page.locator("[data-testid=inbox-item][data-read=true]").count() == 0
    assert "21 unread" in page.locator("[data-testid=inbox-status]").inner_text()
    assert "Note 20" in items.first.inner_text()
    check.assert_clean()


# ------------------------------------------------------------- settings
@pytest.mark.parametrize("size", SIZES)
def test_settings_save_and_come_back_after_a_reload(open_page, server, admin, artifacts, size):
    reader, _ = _people(admin, size)
    me = Api(server, reader["username"], PASSWORD)
    before = me.get("/api/users/me/notification-settings")
    assert before["settings"]["commented"]["email"] is False
    assert before["settings"]["mentioned"]["email"] is True
    s = open_page(server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    s.go("#/ext/notifications?tab=settings", "[data-testid=settings-grid]")
    assert page.locator("[data-testid=notify-tab-settings]").get_attribute("aria-current") == "page"
    grid = page.locator("[data-testid=settings-grid]")
    # Defaults as the server sends them: every kind in the inbox, email for assigned/mentioned.
    assert grid.locator("input[name='assigned.inbox']").is_checked()
    assert not grid.locator("input[name='commented.email']").is_checked()
    assert grid.locator("input[name='commented.email']").get_attribute("aria-label") \
        == "Email: A comment on a task I watch"
    check("settings")

    grid.locator("input[name='commented.email']").check()
    grid.locator("input[name='mentioned.email']").uncheck()
    grid.locator("input[name='status_changed.digest']").check()
    page.select_option("[data-testid=settings-timezone]", "Europe/Berlin")
    secret = "json://127.0.0.1:9/hook?token=very-secret-value"
    page.fill("[data-testid=apprise-new]", secret)
    page.click("[data-testid=settings-save]")
    page.locator("[data-testid=toast]", has_text="Notification settings saved").wait_for()

    saved = me.get("/api/users/me/notification-settings")
    assert saved["settings"]["commented"]["email"] is True
    assert saved["settings"]["mentioned"]["email"] is False
    assert saved["settings"]["status_changed"]["digest"] is True
    assert saved["timezone"] == "Europe/Berlin"
    assert len(saved["apprise_urls"]) == 1 and "very-secret" not in saved["apprise_urls"][0]

    page.reload()
    s.ready()
    page.locator("[data-testid=settings-grid]").wait_for()
    grid = page.locator("[data-testid=settings-grid]")
    assert grid.locator("input[name='commented.email']").is_checked()
    assert not grid.locator("input[name='mentioned.email']").is_checked()
    assert grid.locator("input[name='status_changed.digest']").is_checked()
    assert page.locator("[data-testid=settings-timezone]").input_value() == "Europe/Berlin"
    shown = page.locator("[data-testid=apprise-urls]").inner_text()
    assert shown.startswith("json://") and "very-secret" not in page.content()
    check("settings-saved")

    # A bad URL: the server's 422 is said in the form; nothing changes.
    page.fill("[data-testid=apprise-new]", "not a url")
    page.click("[data-testid=settings-save]")
    error = page.locator("[data-testid=settings-error]")
    error.wait_for()
    assert "Apprise URL" in error.inner_text()
    assert me.get("/api/users/me/notification-settings")["apprise_urls"] == saved["apprise_urls"]

    # Remove all: the list empties.
    page.fill("[data-testid=apprise-new]", "")
    page.click("[data-testid=apprise-remove-all]")
    page.click("[data-testid=settings-save]")
    page.locator("[data-testid=apprise-none]").wait_for()
    assert me.get("/api/users/me/notification-settings")["apprise_urls"] == []
    check.assert_clean()


# ---------------------------------------------------------------- watch
@pytest.mark.parametrize("size", SIZES)
def test_watch_toggle_and_a_watcher_hears_of_a_comment(open_page, server, admin, artifacts, size):
    reader, actor = _people(admin, size)
    task = admin.task(1, f"Watch me {reader['username']}")
    me = Api(server, reader["username"], PASSWORD)
    assert me.get(f"/api/projects/1/tasks/{task['id']}")["watching"] is False
    s = open_page(server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    s.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=watch-toggle]")
    toggle = page.locator("[data-testid=watch-toggle]")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert toggle.inner_text() == "Watch"
    toggle.click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=watch-toggle]')"
        ".getAttribute('aria-pressed') === 'true'")
    assert toggle.inner_text() == "Watching"
    assert me.get(f"/api/projects/1/tasks/{task['id']}")["watching"] is True
    check("watching")

    # A comment by someone else reaches the watcher's inbox (and badge).
    Api(server, actor["username"], PASSWORD).post(
        f"/api/projects/1/tasks/{task['id']}/comments", {"body": "A plain comment"})
    _wait_count(page, 1, timeout_ms=5000)
    assert me.get("/api/notifications/inbox")["items"][0]["kind"] == "commented"

    page.reload()
    s.ready()
    toggle.wait_for()
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=watch-toggle]')"
        ".getAttribute('aria-pressed') === 'false'")
    assert me.get(f"/api/projects/1/tasks/{task['id']}")["watching"] is False
    check.assert_clean()


# ------------------------------------------------------------- mentions
@pytest.mark.parametrize("size", SIZES)
def test_at_completion_inserts_the_username_with_the_keyboard(open_page, server, admin, artifacts,
                                                              size):
    reader, actor = _people(admin, size)
    task = admin.task(1, f"Mention task {reader['username']}")
    s = open_page(server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    s.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=comment-form]")
    box = page.locator("[data-testid=comment-form] textarea")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox"

    # An email address is not a mention.
    box.click()
    box.type(f"Write to me@{actor['username'][:3]}")
    page.wait_for_timeout(600)
    assert listbox.is_hidden()

    box.fill("")
    box.type(f"Can you check, @{actor['username'][:-1]}")
    option = listbox.locator("[role=option]", has_text="@" + actor["username"])
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    check("mention-list")

    box.press("Escape")
    listbox.wait_for(state="hidden")
    assert box.get_attribute("aria-expanded") == "false"
    box.type(actor["username"][-1])  # typing on opens the list again
    option.wait_for()
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    listbox.wait_for(state="hidden")
    assert box.input_value() == f"Can you check, @{actor['username']} "
    assert page.evaluate("document.activeElement.name") == "body"

    page.click("[data-testid=comment-form] button[type=submit]")
    page.locator("[data-testid=comments] .body", has_text="@" + actor["username"]).wait_for()
    them = Api(server, actor["username"], PASSWORD)
    inbox = them.get("/api/notifications/inbox")
    assert inbox["unread"] == 1 and inbox["items"][0]["kind"] == "mentioned"

    # The description (editors only) offers the same.
    desc = page.locator("[data-testid=edit-task-form] textarea[name=description]")
    desc.click()
    desc.type("Owner: @" + actor["username"])
    page.locator("[data-testid=edit-task-form] [role=option]",
                 has_text="@" + actor["username"]).wait_for()
    desc.press("Tab")
    assert desc.input_value() == f"Owner: @{actor['username']} "
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_at_completion_offers_only_people_who_can_see_the_project(open_page, server, admin, size):
    reader, outsider = _people(admin, size)
    insider, _ = _people(admin, size)
    pid = admin.post("/api/projects/", {"name": f"Private {reader['username']}"})["id"]
    admin.put(f"/api/projects/{pid}", {"name": f"Private {reader['username']}",
                                       "visibility": "private"})
    for person in (reader, insider):
        admin.put(f"/api/projects/{pid}/members/users/{person['id']}", {"role": "editor"})
    task = admin.task(pid, "Private task")
    s = open_page(server, size)
    page = s.page
    s.login(reader["username"], PASSWORD)
    s.go(f"#/projects/{pid}/tasks/{task['id']}", "[data-testid=comment-form]")
    box = page.locator("[data-testid=comment-form] textarea")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    box.click()
    # The outsider exists (the search finds them) but cannot see the project: not offered.
    assert Api(server, reader["username"], PASSWORD).get(
        f"/api/users/search?q={outsider['username']}")["total"] == 1
    box.type("@" + outsider["username"])
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=mention-status]')]"
        ".some((e) => e.textContent.startsWith('No one who can see this project'))")
    assert listbox.is_hidden()
    box.fill("")
    box.type("@" + insider["username"])
    listbox.locator("[role=option]", has_text="@" + insider["username"]).wait_for()
    box.press("Enter")
    assert box.input_value() == f"@{insider['username']} "


# ---------------------------------------------------------------- German
@pytest.mark.parametrize("size", SIZES)
def test_the_notify_screens_speak_german(open_page, server, admin, artifacts, size):
    """navigator.languages = de-DE and no profile language: the frontend picks German and loads
    notify's catalog with the ui's before the module's setup runs."""
    reader, actor = _people(admin, size)
    task = admin.task(1, f"Deutsch {reader['username']}")
    Api(server, actor["username"], PASSWORD).post(
        f"/api/projects/1/tasks/{task['id']}/comments", {"body": f"Hallo @{reader['username']}"})
    s = open_page(server, size, locale="de-DE")
    page = s.page
    check = Checks(page, artifacts, size)
    s.login(reader["username"], PASSWORD)
    assert page.evaluate("document.documentElement.lang") == "de"
    badge = page.locator(BADGE)
    _wait_count(page, 1, timeout_ms=10_000)
    assert badge.get_attribute("aria-label") == "Posteingang 1 ungelesene Benachrichtigung"

    s.go("#/ext/notifications", "[data-testid=inbox-item]")
    tabs = [page.locator(f"[data-testid=notify-tab-{t}]").inner_text()
            for t in ("inbox", "settings", "emails")]
    assert tabs == ["Posteingang", "Einstellungen", "E-Mail-Verlauf"]
    assert page.locator("[data-testid=inbox-status]").inner_text() \
        == "1 ungelesen · 1\u20131 von 1 angezeigt"
    assert page.locator("[data-testid=inbox-mark-all]").inner_text() == "Alle als gelesen markieren"
    assert page.locator("[data-testid=inbox-item] .badge-unread").inner_text() == "Neu"
    assert page.locator("label.choice", has=page.locator("[data-testid=inbox-unread-only]")) \
        .inner_text().strip() == "Nur ungelesene"
    check("de-inbox")
    page.click("[data-testid=inbox-mark-all]")
    page.locator("[data-testid=toast]", has_text="Alles ist als gelesen markiert").wait_for()

    s.go("#/ext/notifications?tab=settings", "[data-testid=settings-grid]")
    grid = page.locator("[data-testid=settings-grid]")
    assert grid.locator("input[name='commented.email']").get_attribute("aria-label") \
        == "E-Mail: Ein Kommentar zu einer Aufgabe, die ich beobachte"
    assert page.locator("[data-testid=settings-save]").inner_text() == "Einstellungen speichern"
    check("de-settings")
    page.click("[data-testid=settings-save]")
    page.locator("[data-testid=toast]",
                 has_text="Benachrichtigungseinstellungen gespeichert").wait_for()

    s.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=watch-toggle]")
    toggle = page.locator("[data-testid=watch-toggle]")
    assert toggle.inner_text() == "Beobachten"
    toggle.click()
    page.locator("[data-testid=toast]", has_text="Sie beobachten diese Aufgabe").wait_for()
    assert toggle.inner_text() == "Beobachtet"
    check("de-watch")
    check.assert_clean()
