"""The SPA in German, in real Chromium against a real server (SPEC §13, the i18n contract).

A browser whose language is German (``locale="de-DE"``: ``navigator.languages`` and
``Accept-Language``) gets the login, dashboard, projects, board, list, task and profile in
German, at desktop size and at 360 px, and no English text the catalog translates is left on
screen: every visible text node and every placeholder, aria-label and title is compared with
the msgids whose German differs (placeholders matched as wildcards).  Every API request says
``Accept-Language: de``.  A plugin module's own catalog (``<module>/i18n/de.json``) is loaded
before its script runs, with the ui's catalog as its fallback.  The profile's language select
switches the language (one reload).  An English browser keeps English (the other tests).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lcore_taskflow.ui._pages import STATIC_DIR
from ui_browser_support import PHONE, Api, ServerProcess, horizontal_overflow, http_status

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
GERMAN = json.loads((Path(STATIC_DIR) / "i18n" / "de.json").read_text(encoding="utf-8"))

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (!text || !el || el.closest('script, style, noscript, option')) continue;
    if (el.checkVisibility({ checkVisibilityCSS: true })) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], option')) {
    if (!(el.closest('select') || el).checkVisibility({ checkVisibilityCSS: true })) continue;
    for (const name of ['placeholder', 'aria-label', 'title']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name).trim());
    }
    if (el.tagName === 'OPTION') out.push(el.textContent.trim());
  }
  return out;
}"""


def _pattern(msgid: str) -> re.Pattern | None:
    """A msgid as a whole-text pattern, its {placeholders} as wildcards; None when what is
    left is too little to tell English from German (say "{role}: {hint}.")."""
    literal = re.sub(r"\{\w+\}", " ", msgid)
    if not re.search(r"[A-Za-z]{3,}", literal):
        return None
    parts = re.split(r"\{\w+\}", msgid)
    return re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$", re.S)


def _english_patterns() -> list[tuple[str, re.Pattern]]:
    """The English texts the German catalog translates differently."""
    found = []
    for msgid, german in GERMAN.items():
        forms = german if isinstance(german, list) else [german]
        if msgid in forms:
            continue  # "Status", "Team", "Board": the same word in both languages
        pattern = _pattern(msgid)
        if pattern:
            found.append((msgid, pattern))
    return found


ENGLISH = _english_patterns()


def english_left(page) -> list[str]:
    """The visible texts that are English msgids of the catalog (should be none in German)."""
    texts = set(page.evaluate(VISIBLE_TEXT))
    return sorted(f"{text!r} (msgid {msgid!r})" for text in texts for msgid, pattern in ENGLISH
                  if pattern.match(text))


@pytest.fixture(scope="module")
def seeded(server):
    admin = Api(server, "admin")
    pid = admin.post("/api/projects/", {"name": "Übersetzungen",
                                        "description": "Für den Test"})["id"]
    users = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100")["users"]}
    task = admin.task(pid, "Katalog prüfen", due_date="2031-05-17", assignee_id=users["alice"],
                      priority="high")
    admin.task(pid, "Zweite Karte", status="in_progress")
    admin.post(f"/api/projects/{pid}/tasks/{task['id']}/comments", {"body": "Sieht gut aus"})
    return {"pid": pid, "tid": task["id"]}


def _tour(s, seeded, phone=False):
    """Sign in and walk the main screens; at each, no English msgid is visible."""
    page = s.page
    page.goto(s.base + "/frontend")
    page.locator("#login-form").wait_for()
    assert page.locator("#login-submit").inner_text() == "Anmelden"
    assert page.evaluate("document.documentElement.lang") == "de"
    assert english_left(page) == []
    s.login("admin")
    pid, tid = seeded["pid"], seeded["tid"]
    screens = [("#/dashboard", "Übersicht"), ("#/projects", "Projekte"),
               (f"#/projects/{pid}", "Übersetzungen"), (f"#/projects/{pid}/list", "Übersetzungen"),
               (f"#/projects/{pid}/tasks/{tid}", "Katalog prüfen"), ("#/profile", "Mein Profil"),
               ("#/my-tasks", "Meine Aufgaben")]
    if not phone:  # the admin's other screens, once
        screens += [(f"#/projects/{pid}/settings", "Einstellungen · Übersetzungen"),
                    ("#/team", "Team"), ("#/teams", "Teams"), ("#/audit", "Audit-Protokoll"),
                    ("#/plugins", "Plugins"), ("#/profile/security", "Sicherheit")]
    for hash_, title in screens:
        s.go(hash_)
        assert page.locator("#page-title").inner_text() == title, hash_
        assert english_left(page) == [], (hash_, english_left(page))
        if phone:
            assert horizontal_overflow(page) <= 1, hash_
    return page


def test_a_german_browser_gets_the_app_in_german(open_session, server, seeded):
    s = open_session(server, locale="de-DE")
    languages = []
    s.page.on("request", lambda r: languages.append(r.headers.get("accept-language"))
              if "/api/" in r.url or "/auth/" in r.url else None)
    page = _tour(s, seeded)
    # What the board says, in German: the columns, a due date as German dates are written.
    s.go(f"#/projects/{seeded['pid']}", "[data-testid=board]")
    assert page.locator("[data-testid=column-todo] h2").inner_text().startswith("Offen")
    assert page.locator("[data-testid=due-badge]").first.get_attribute("title") == \
        "Fälligkeitsdatum 17.05.2031"
    assert page.locator("[data-testid=new-task]").inner_text() == "+ Neue Aufgabe"
    # Every API request named the language.
    assert languages and set(languages) == {"de"}, set(languages)
    # A plural, through tn(): the filter summary.
    page.fill("[data-testid=filter-q]", "Katalog")
    page.locator("[data-testid=filter-summary]",
                 has_text="1 Aufgabe passt zu den Filtern").wait_for()
    # The activity feed (stored in English by core) reads in German.
    s.go("#/dashboard", "[data-testid=activity-feed]")
    feed = page.locator("[data-testid=activity-feed]").inner_text()
    for line in ("admin hat die Aufgabe „Katalog prüfen“ angelegt",
                 "admin hat „Katalog prüfen“ alice zugewiesen",
                 "admin hat „Katalog prüfen“ kommentiert",
                 "admin hat das Projekt „Übersetzungen“ angelegt"):
        assert line in feed, feed


def test_german_at_360_px(open_session, server, seeded):
    s = open_session(server, viewport=PHONE, is_mobile=True, has_touch=True, locale="de-DE")
    page = _tour(s, seeded, phone=True)
    s.go(f"#/projects/{seeded['pid']}", "[data-testid=board]")
    assert page.locator("[data-testid=filters-toggle]").inner_text() == "Filter"
    assert page.locator("#menu-toggle").inner_text() == "Menü"
    # The dashboard's projects summary keeps its German column names on screen.
    s.go("#/dashboard", "[data-testid=project-summary]")
    summary = page.locator("[data-testid=project-summary]")
    assert summary.evaluate("(t) => t.scrollWidth - t.parentElement.clientWidth") <= 0
    assert summary.locator("tbody tr .phone-bar").first.is_visible()  # the bar under the name


def test_an_english_browser_keeps_english(open_session, server, seeded):
    s = open_session(server, locale="en-US")
    s.login("admin")
    assert s.page.evaluate("document.documentElement.lang") == "en"
    s.go(f"#/projects/{seeded['pid']}", "[data-testid=board]")
    assert s.page.locator("[data-testid=column-todo] h2").inner_text().startswith("To Do")
    assert s.page.locator("[data-testid=due-badge]").first.inner_text() == "Due 2031-05-17"


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory, browser):
    proc = ServerProcess(tmp_path_factory.mktemp("i18n-plugin"),
                         launcher=HERE / "extension_server.py", TASKFLOW_TEST_PLUGIN="1")
    yield proc.start()
    proc.stop()


def test_a_plugin_catalog_is_loaded_before_its_script_runs(open_session, plugin_server):
    s = open_session(plugin_server.base, locale="de-DE")
    s.login("admin")
    body = s.page.locator("body")
    assert body.get_attribute("data-testplug-language") == "de"
    # Its own catalog (tests/plugin_fixture/i18n/de.json), a plural, the ui's as a fallback.
    assert body.get_attribute("data-testplug-greeting") == "Hallo von testplug"
    assert body.get_attribute("data-testplug-plural") == "3 Testeinträge"
    assert body.get_attribute("data-testplug-fallback") == "Speichern"


def test_the_profile_switches_the_language(open_session, server):
    if http_status(server + "/api/i18n") == 404:
        pytest.skip("the server has no GET /api/i18n yet (the profile's language is the "
                    "i18nsrv branch's): PATCH /api/users/me cannot store a language")
    s = open_session(server, locale="en-US")
    s.login("bob")
    page = s.page
    s.go("#/profile", "[data-testid=language-form]")
    page.select_option("[data-testid=language-select]", "de")
    with page.expect_navigation():
        page.click("[data-testid=language-form] button[type=submit]")
    s.ready()
    page.locator("#page-title", has_text="Mein Profil").wait_for()
    assert page.locator("#logout").inner_text() == "Abmelden"
    assert english_left(page) == []
    assert Api(server, "bob").get("/auth/me")["language"] == "de"
    # Back to the browser's language (English here), again with one reload.
    page.select_option("[data-testid=language-select]", "")
    with page.expect_navigation():
        page.click("[data-testid=language-form] button[type=submit]")
    s.ready()
    page.locator("#page-title", has_text="My profile").wait_for()
