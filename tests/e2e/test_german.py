"""German from end to end (SPEC §13): the installed example server (the wheels of core, auth,
notify and ui), a real SMTP server (aiosmtpd, in this process) and real Chromium.

Greta's profile says German (``PATCH /api/users/me {"language": "de"}``); her browser says
English, so everything German below comes from the profile:

* she signs in and the app turns German (the ui's catalog and notify's, loaded from the
  wheels): the board's columns, its buttons, the navigation;
* the admin (English) assigns her a task: the email that reaches the SMTP server is German,
  in the RECIPIENT's language — while Bob's (no language) stays English — and so is the
  notification in her inbox;
* an API error shown on a screen is German: the server's message in her language (the
  notification settings refuse a chat URL that is none).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_plugins import CHROMIUM, CHROMIUM_ARGS, browser_missing
from e2e_support import REPO, Server, expect
from test_smtp import Inbox, inbox  # noqa: F401 (the SMTP server fixture, shared)

PASSWORD = "Gruen-Tee-2026-lang"
UI_CATALOG = (REPO / "packages" / "lcore-taskflow-ui" / "src" / "lcore_taskflow" / "ui"
              / "static" / "i18n" / "de.json")
ENGLISH_ASSIGNED = "You've been assigned"


@pytest.fixture(scope="module")
def german_server(server_python, inbox, tmp_path_factory) -> Iterator[Server]:  # noqa: F811
    server = Server("german", server_python, tmp_path_factory.mktemp("german-server"), settings={
        "APP_SMTP_HOST": "127.0.0.1", "APP_SMTP_PORT": str(inbox.port),
        "APP_SMTP_USE_TLS": "false", "APP_SMTP_FROM": "taskflow@example.test"})
    server.start().wait_ready()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def greta(german_server: Server) -> dict:
    """A member whose profile language is German (made by the admin, language set by her)."""
    admin = german_server.token("admin")
    made = expect(german_server.post("/api/users/", token=admin, json={
        "username": "greta", "email": "greta@example.test", "password": PASSWORD,
        "role": "member"}), 201, "create greta")
    login = expect(german_server.login("greta", PASSWORD), 200, "greta logs in")
    german_server.remember("greta", login)
    me = expect(german_server.request("PATCH", "/api/users/me", token=login["token"],
                                      json={"language": "de"}), 200, "greta picks German")
    assert me["language"] == "de", me
    return {**made, "token": login["token"]}


@pytest.fixture(scope="module")
def browser():
    reason = browser_missing()
    if reason:
        print(f"skipping the German browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ui_german(msgid: str) -> str:
    """The ui catalog's German for ``msgid``; fails when the catalog lacks it."""
    catalog = json.loads(UI_CATALOG.read_text(encoding="utf-8"))
    assert isinstance(catalog.get(msgid), str) and catalog[msgid] != msgid, \
        f"the ui's de.json has no German for {msgid!r}"
    return catalog[msgid]


def test_the_server_offers_german_and_answers_greta_in_it(german_server: Server, greta) -> None:
    offered = expect(german_server.get("/api/i18n"), 200, "languages")
    assert {"code": "de", "name": "Deutsch"} in offered["languages"], offered
    # Her profile wins over the English her client asks for.
    missing = german_server.get("/api/projects/999999", token=greta["token"],
                                headers={"Accept-Language": "en"})
    assert missing.status == 404, missing
    assert missing.headers.get("content-language") == "de", missing.headers
    assert "nicht gefunden" in missing.json["error"], missing.json


def test_greta_works_in_german_and_gets_german_email(german_server: Server, greta, browser,
                                                     inbox: Inbox, tmp_path) -> None:  # noqa: F811
    shots = Path(os.environ.get("TASKFLOW_ARTIFACTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{german_server.port}"
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    try:
        # Sign in (the browser is English): the profile's German takes over (one reload).
        page.goto(base + "/frontend")
        page.locator("#login-form").wait_for()
        page.fill("#login-username", "greta")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_function("() => document.documentElement.lang === 'de'")
        page.locator("[data-testid=whoami]", has_text="greta").wait_for(state="attached")

        # The board in German: the ui's catalog (columns, buttons) and notify's (navigation).
        page.evaluate("location.hash = '#/projects/1'")
        todo = page.locator("[data-testid=column-todo] h2")
        todo.wait_for()
        assert todo.inner_text().startswith(ui_german("To Do")), todo.inner_text()
        assert page.locator("[data-testid=column-done] h2").inner_text() \
            .startswith(ui_german("Done"))
        assert page.locator("[data-testid=new-task]").inner_text() == ui_german("+ New task")
        links = page.locator("a[href='#/ext/notifications']")  # the navigation's and the badge
        assert "Benachrichtigungen" in [x.strip() for x in links.all_inner_texts()], \
            links.all_inner_texts()
        assert page.locator("[data-testid=header-badge-notifications]").get_attribute(
            "aria-label") == "Posteingang, keine ungelesenen Benachrichtigungen"
        # German labels are longer: the app's name beside notify's "Posteingang" stays whole.
        lines = page.evaluate("""() => { const r = document.createRange();
            r.selectNodeContents(document.querySelector('#sidebar .brand'));
            return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size; }""")
        assert lines == 1, f"the app's name is broken over {lines} lines"
        page.screenshot(path=str(shots / "german-board.png"), full_page=True)

        # The admin (English) assigns Greta a task, and Bob (no language) another: each
        # email in its recipient's language.
        admin = german_server.token("admin")
        bob = next(u for u in expect(german_server.get("/api/users/search?q=bob", token=admin),
                                     200)["users"] if u["username"] == "bob")
        for title, who in (("Fenster putzen", greta["id"]), ("Wash the windows", bob["id"])):
            expect(german_server.post("/api/projects/1/tasks", token=admin, json={
                "title": title, "assignee_id": who}), 201, f"assign {title}")
        english = inbox.wait_for(bob["email"], "Wash the windows")
        assert ENGLISH_ASSIGNED in english["Subject"], english["Subject"]
        german = inbox.wait_for("greta@example.test", "Fenster putzen")
        subject, text = german["Subject"], _text_of(german)
        assert ENGLISH_ASSIGNED not in subject and "zugewiesen" in subject, subject
        assert "You have been assigned" not in text and "zugewiesen" in text, text

        # Her inbox says it in German too (notify's headline in her language, its screen's
        # words from notify's catalog).
        page.evaluate("location.hash = '#/ext/notifications'")
        item = page.locator("[data-testid=inbox-item]", has_text="Fenster putzen")
        item.wait_for()
        assert "hat Ihnen eine Aufgabe zugewiesen" in item.inner_text(), item.inner_text()
        assert item.locator(".badge-unread").inner_text() == "Neu"

        # An API error on a screen, in German: the settings refuse a chat URL that is none.
        page.evaluate("location.hash = '#/ext/notifications?tab=settings'")
        page.locator("[data-testid=settings-grid]").wait_for()
        page.fill("[data-testid=apprise-new]", "keine url")
        page.click("[data-testid=settings-save]")
        error = page.locator("[data-testid=settings-error]")
        error.wait_for()
        assert "keine Apprise-URL" in error.inner_text(), error.inner_text()
        page.screenshot(path=str(shots / "german-settings-error.png"), full_page=True)
        assert not errors, errors
    finally:
        context.close()


def _text_of(message) -> str:
    """The plain text of an email (its text/plain part, else the HTML without tags)."""
    parts = message.walk() if message.is_multipart() else [message]
    texts = {p.get_content_type(): p.get_payload(decode=True).decode(
        p.get_content_charset() or "utf-8", "replace") for p in parts
        if p.get_content_maintype() == "text"}
    if "text/plain" in texts:
        return texts["text/plain"]
    return re.sub(r"<[^>]+>", " ", texts.get("text/html", ""))
