"""The webhooks panel in real Chromium against a real ``taskflow serve`` (auth, ui and this
plugin): a generated secret stays on screen with a Copy button until it is dismissed (it
used to vanish in a 5-second toast), and the event names sit on one line beside their boxes
(they used to wrap letter by letter).  At 1366 px and at 360 x 740 px, axe-core 4.14 clean.
In a German browser the panel speaks German (the plugin's catalog, static/i18n/de.json).
Server, Chromium, page and axe-core come from core's kit (``lcore_taskflow.core.testing.browser``).

Needs Chromium (``/usr/bin/chromium`` or ``TASKFLOW_CHROMIUM``), playwright,
lcore-taskflow-auth and lcore-taskflow-ui (the ``browser`` extra of `tox -e webhooks`
installs them)."""

from __future__ import annotations

import uuid

import pytest
from lcore_taskflow.core.testing.browser import (
    DESKTOP,
    Api,
    BrowserServer,
    Session,
    axe_violations,
    chromium,
    horizontal_overflow,
    require_browser,
)

SIZES = {"desktop": DESKTOP, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def webhooks_on():
    """Not conftest's in-process app (and its run per engine): this module's server process,
    on its own SQLite file, turns the plugin on itself (below)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    with BrowserServer(tmp_path_factory.mktemp("webhooks-browser"),
                       plugins="auth,ui,webhooks") as proc:
        # the plugin is project-scoped: an owner turns it on in the project first
        answer = Api(proc.base, "admin").put("/api/projects/1/plugins/webhooks",
                                             {"enabled": True})
        assert answer["enabled"] is True
        yield proc.base


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("size", SIZES)
def test_the_secret_stays_until_dismissed_and_event_names_stay_whole(server, browser, size):
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    session = Session(context.new_page(), server)
    page = session.page
    try:
        session.login("admin")
        session.go("#/projects/1/settings", "[data-testid=webhooks-form]")
        form = page.locator("[data-testid=webhooks-form]")

        # Each event's name on one line beside its checkbox.
        labels = page.eval_on_selector_all(".webhooks-event", """els => els.map(el => {
            const r = el.getBoundingClientRect();
            const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
            return [el.textContent, Math.round(r.width), Math.round(r.height), line];
        })""")
        assert labels, "no event checkboxes"
        for text, width, height, line in labels:
            one_line = height <= max(44, 1.5 * line) + 1
            assert one_line and width >= 8 * len(text), (text, width, height)

        # a URL of this run's own: the module's one server outlives a test
        url = f"https://example.com/hook/{size}-{uuid.uuid4().hex[:8]}"
        form.locator("input[name=webhook_url]").fill(url)
        form.locator("button[type=submit]").click()
        box = page.locator("[data-testid=webhook-secret-box]")
        box.wait_for()
        secret = page.locator("[data-testid=webhook-secret]").input_value()
        assert len(secret) >= 32
        hooks = Api(server, "admin").get("/api/webhooks/projects/1")["webhooks"]
        mine = [w for w in hooks if w["url"] == url]
        assert len(mine) == 1 and mine[0]["secret_hint"] == "…" + secret[-4:], hooks
        assert axe_violations(page) == []
        page.wait_for_timeout(6000)  # longer than the toast it used to be
        assert box.is_visible()
        page.click("[data-testid=webhook-copy]")
        page.locator("[data-testid=webhook-copy-status]", has_text="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        page.click("[data-testid=webhook-secret-done]")
        box.wait_for(state="detached")
        assert page.evaluate("document.activeElement.textContent") == "Add webhook"
        assert horizontal_overflow(page) == 0
        session.assert_clean()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_panel_in_german(server, browser, size):
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone,
                                  locale="de-DE")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/frontend")
        page.click(".demo-fill[data-username=admin]")
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text="admin").wait_for(state="attached")
        assert page.evaluate("document.documentElement.lang") == "de"
        page.evaluate("location.hash = '#/projects/1/settings'")
        form = page.locator("[data-testid=webhooks-form]")
        form.wait_for()
        assert form.locator("legend").inner_text() == "Ereignisse"
        assert form.locator("input[name=webhook_url]").get_attribute("aria-label") == "Webhook-URL"
        url = f"https://example.com/hook/de-{size}-{uuid.uuid4().hex[:8]}"
        form.locator("input[name=webhook_url]").fill(url)
        form.locator("button[type=submit]", has_text="Webhook hinzufügen").click()
        box = page.locator("[data-testid=webhook-secret-box]")
        box.wait_for()
        assert box.locator("h3").inner_text() \
            == "Webhook hinzugefügt: Kopieren Sie jetzt sein Geheimnis"
        assert page.locator("[data-testid=webhook-copy]").inner_text() == "Geheimnis kopieren"
        mine = page.locator("[data-testid=webhook]", has_text=url)
        assert "· Geheimnis …" in mine.inner_text()
        assert mine.locator("button", has_text="Zustellungen").count() == 1
        assert mine.locator("button", has_text="Ausschalten").count() == 1
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth"
                             " - document.documentElement.clientWidth") == 0
        assert errors == []
    finally:
        context.close()
