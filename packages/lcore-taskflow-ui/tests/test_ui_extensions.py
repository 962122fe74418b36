"""The frontend extension API and the URL prefix, in real Chromium.

A real server process from the tests' own launcher (``extension_server.py``)
lists a test plugin module (``plugin_fixture/``) and serves everything under
``/pm``: every extension point renders, every URL the browser asks for is under
the prefix, and a plugin that throws is reported without breaking the app.
Without a plugin, nothing of the extension points is left on any screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_browser_support import Api, ServerProcess, axe_violations, card

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory, browser):
    proc = ServerProcess(tmp_path_factory.mktemp("ext"), launcher=HERE / "extension_server.py",
                         prefix="/pm", TASKFLOW_TEST_PLUGIN="1")
    yield proc.start()
    proc.stop()


def test_every_extension_point_renders_under_the_prefix(open_session, plugin_server):
    base = plugin_server.base
    assert base.endswith("/pm")
    admin = Api(base, "admin")
    task = admin.task(1, "Hot plugin task", priority="high")
    s = open_session(base)
    page = s.page
    s.login("admin")
    # The broken plugin is reported; the app goes on.
    page.locator("[data-testid=toast]", has_text="broken.js").wait_for()

    nav = page.locator("#nav a[data-extension=testplug]")
    assert nav.inner_text() == "Test plugin"
    nav.click()
    s.ready()
    assert page.locator("#page-title").inner_text() == "Test plugin"
    page.locator("[data-testid=testplug-view]", has_text="Hello admin").wait_for()
    page.locator("[data-testid=testplug-count]", has_text="projects").wait_for()
    view = page.locator("[data-testid=testplug-view]")
    weight = view.evaluate("e => getComputedStyle(e).fontWeight")
    assert weight == "700", "the plugin's stylesheet is loaded"
    assert axe_violations(page) == []

    s.go("#/projects/1", "[data-testid=board]")
    badge = card(page, "Hot plugin task").locator(".badge-plugin")
    assert badge.inner_text() == "HOT"
    assert badge.get_attribute("title") == "High priority (test plugin)"
    page.wait_for_function("() => Number(document.body.dataset.testplugRefreshes) > 0")

    s.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=edit-task-form]")
    page.locator("[data-testid=testplug-panel]", has_text="Panel for Hot plugin task").wait_for()
    page.fill("[data-testid=testplug-field]", "from the plugin")
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        page.click("[data-testid=edit-task-form] button[type=submit]")
    assert sent.value.post_data_json["testplug_note"] == "from the plugin"
    page.locator("[data-testid=toast]",
                 has_text="Test plugin saw “Hot plugin task” saved").wait_for()

    s.go("#/projects/1/settings", "[data-testid=edit-project-form]")
    page.locator("[data-testid=testplug-project]", has_text="Settings of").wait_for()

    # Version 2: a header badge kept current by the live polling, 'poll', text helpers.
    assert page.evaluate("() => document.body.dataset.testplugVersion") == "3"
    badge = page.locator("[data-testid=header-badge-testplug]")
    total = admin.get("/api/projects/?limit=1")["total"]
    page.wait_for_function("n => document.querySelector('[data-testid=header-badge-testplug]')"
                           "?.dataset.count === String(n)", arg=total)
    assert badge.get_attribute("aria-label") == f"Test count: {total}"
    assert badge.get_attribute("href") == "#/ext/testplug"
    admin.post("/api/projects/", {"name": "One more for the badge"})
    page.wait_for_function("n => document.querySelector('[data-testid=header-badge-testplug]')"
                           "?.dataset.count === String(n)", arg=total + 1, timeout=5000)
    page.wait_for_function("() => Number(document.body.dataset.testplugPolls) > 0")
    s.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=edit-task-form]")
    assist = "el => el.dataset.testplugAssist"
    comment = page.locator("[data-testid=comment-form] textarea")
    assert comment.evaluate(assist) == f"comment:1:{task['id']}"
    described = page.locator("[data-testid=edit-task-form] textarea[name=description]")
    assert described.evaluate(assist) == f"description:1:{task['id']}"

    # Prefix-aware: every request of the page went under /pm (pages, static files, API, plugins).
    outside = [url for _, url in s.requests
               if url.startswith("http") and not url.startswith(base + "/")]
    assert outside == [], outside
    assert any("/pm/static/favicon.svg" in url for _, url in s.requests)


def test_welcome_and_error_pages_link_under_the_prefix(open_session, plugin_server):
    s = open_session(plugin_server.base)
    page = s.page
    page.goto(plugin_server.base + "/")
    page.click("[data-testid=open-frontend]")
    page.locator("#login-form").wait_for()
    assert page.url == plugin_server.base + "/frontend"
    page.goto(plugin_server.base + "/no/such/page")
    page.click("text=Back to Home")
    page.locator("[data-testid=plugins]").wait_for()
    assert page.url == plugin_server.base + "/"


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory, browser):
    """The suite's packages but notify (which ships a frontend module of its own)."""
    proc = ServerProcess(tmp_path_factory.mktemp("bare"), APP_PLUGINS_ENABLED="auth,ui")
    yield proc.start()
    proc.stop()


def test_without_plugins_no_extension_point_leaves_a_trace(open_session, bare_server):
    session = open_session(bare_server.base)
    page = session.page
    session.login("admin")
    assert page.locator("link[data-plugin-script], link[data-plugin-style]").count() == 0
    for hash_, ready in (("#/dashboard", "[data-testid=stat-projects]"),
                         ("#/projects/1", "[data-testid=task-card]"),
                         ("#/projects/1/tasks/1", "[data-testid=edit-task-form]"),
                         ("#/projects/1/settings", "[data-testid=edit-project-form]")):
        session.go(hash_, ready)
        assert page.locator("[data-extension], .badge-plugin, .extension-panel").count() == 0, hash_
    assert page.locator("#nav a").count() == 8  # own five; Teams, Audit log, Plugins (admin)
    assert page.locator("#header-badges *").count() == 0
    assert page.locator("[role=combobox]:not(#search-input)").count() == 0
    assert page.locator("#nav a[data-extension]").count() == 0
    assert page.locator("[data-testid=toast][data-kind=error]").count() == 0
