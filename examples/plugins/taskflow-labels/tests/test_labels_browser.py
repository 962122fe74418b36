"""The labels panel and picker in real Chromium against a real ``taskflow serve`` (auth, ui and
this plugin), in English and in a German browser (the plugin's catalog, static/i18n/de.json):
an owner adds a label in the project settings, picks it in a new task's form, and the panel
counts the task ("(1 task)" / "(1 Aufgabe)").  axe-core 4.14 clean, no sideways scroll.

Chromium, Playwright and axe-core 4.14 come from core's browser kit
(``lcore_taskflow.core.testing.browser``). Needs Chromium (``/usr/bin/chromium`` or
``TASKFLOW_CHROMIUM``), playwright, lcore-taskflow-auth and lcore-taskflow-ui (`tox -e
labels` installs them); without them the test is skipped and says why (under CI it fails).
"""

from __future__ import annotations

import uuid

import pytest
from lcore_taskflow.core.testing.browser import (
    DESKTOP,
    axe_violations,
    chromium,
    horizontal_overflow,
    require_browser,
)
from lcore_taskflow.core.testing.serve import ServerProcess

WORDS = {
    "en-US": {"panel": "Labels", "add": "Add label", "name": "Label name", "count": "(1 task)",
              "delete": "Delete label {}"},
    "de-DE": {"panel": "Labels", "add": "Label hinzufügen", "name": "Name des Labels",
              "count": "(1 Aufgabe)", "delete": "Label {} löschen"},
}


@pytest.fixture(autouse=True)
def labels_on():
    """conftest's in-process app is not needed here (the server below turns labels on), and
    without it the test runs once, not once per engine: the browser sees no database."""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    proc = ServerProcess(tmp_path_factory.mktemp("labels-browser"), {
        "APP_PLUGINS_ENABLED": "auth,ui,labels", "APP_SEED_DEMO": "true",
        "APP_LOGIN_RATE_LIMIT": "1000", "APP_RATE_LIMIT_DEFAULT": "5000"})
    with proc:
        login = proc.request("POST", "/auth/login",
                             json={"username": "admin", "password": "admin123"})
        assert login.status == 200, login
        # labels is project-scoped: its owner (the admin) turns it on in project 1 first
        on = proc.request("PUT", "/api/projects/1/plugins/labels", json={"enabled": True},
                          headers={"Authorization": f"Bearer {login.json['token']}"})
        assert on.status == 200, on
        yield f"http://127.0.0.1:{proc.port}"


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("locale", sorted(WORDS))
def test_add_a_label_pick_it_and_see_it_counted(server, browser, locale):
    words = WORDS[locale]
    context = browser.new_context(viewport=DESKTOP, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/frontend")
        page.click(".demo-fill[data-username=admin]")
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text="admin").wait_for(state="attached")
        assert page.evaluate("document.documentElement.lang") == locale[:2]

        # The project's labels: add one.
        page.evaluate("location.hash = '#/projects/1/settings'")
        form = page.locator("[data-testid=labels-form]")
        form.wait_for()
        name = f"L{uuid.uuid4().hex[:6]}"
        form.get_by_label(words["name"]).fill(name)
        form.get_by_role("button", name=words["add"]).click()
        item = page.locator("[data-testid=labels-list] li", has_text=name)
        item.wait_for()
        assert item.get_by_role("button", name=words["delete"].format(name)).count() == 1

        # A task made with that label through the API, then the panel counts it.
        page.evaluate("""async ([name]) => {
            const token = JSON.parse(localStorage.getItem('taskflow.session')).token;
            const auth = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
            const labels = await (await fetch('/api/labels/projects/1', { headers: auth })).json();
            const id = labels.labels.find((l) => l.name === name).id;
            const res = await fetch('/api/projects/1/tasks', { method: 'POST', headers: auth,
                body: JSON.stringify({ title: 'Labelled ' + name, labels: [id] }) });
            if (!res.ok) throw new Error('task: ' + res.status);
        }""", [name])
        page.reload()
        item = page.locator("[data-testid=labels-list] li", has_text=name)
        item.wait_for()
        assert words["count"] in item.inner_text(), item.inner_text()
        heading = page.locator("section", has=page.locator("[data-testid=labels-list]")).first
        assert words["panel"] in heading.inner_text()
        assert axe_violations(page) == []
        assert horizontal_overflow(page) == 0
        assert errors == []
    finally:
        context.close()
