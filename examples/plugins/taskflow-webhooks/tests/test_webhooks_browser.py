"""The webhooks panel in real Chromium against a real ``taskflow serve`` (auth, ui and this
plugin): a generated secret stays on screen with a Copy button until it is dismissed (it
used to vanish in a 5-second toast), and the event names sit on one line beside their boxes
(they used to wrap letter by letter).  At 1366 px and at 360 x 740 px, axe-core clean.
In a German browser the panel speaks German (the plugin's catalog, static/i18n/de.json).

Needs Chromium (``/usr/bin/chromium`` or ``TASKFLOW_CHROMIUM``), playwright,
axe-playwright-python, lcore-taskflow-auth and lcore-taskflow-ui (the ``browser`` extra of
`tox -e webhooks` installs them)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> dict:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as res:
        return json.loads(res.read())


def _login(base: str) -> str:
    req = urllib.request.Request(base + "/auth/login", method="POST",
                                 data=json.dumps({"username": "admin",
                                                  "password": "admin123"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())["token"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("webhooks-browser")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update({"APP_DEBUG": "false", "APP_SEED_DEMO": "true", "APP_DB_PATH": str(home / "t.db"),
                "APP_SECRET_KEY": "webhooks-browser-secret-0123456789",
                "APP_PASSWORD_ITERATIONS": "1000", "APP_PLUGINS_ENABLED": "auth,ui,webhooks",
                "APP_LOGIN_RATE_LIMIT": "1000", "APP_UPLOAD_DIR": str(home / "uploads")})
    log = open(home / "server.log", "w")  # noqa: SIM115 (open for the process's life)
    proc = subprocess.Popen([sys.executable, "-m", "lcore_taskflow.core._cli", "--env-file",
                             str(home / "none.env"), "serve", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if _get(base + "/health")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start:\n{(home / 'server.log').read_text()}")
        time.sleep(0.2)
    # the plugin is project-scoped: an owner turns it on in the project first
    enable = urllib.request.Request(base + "/api/projects/1/plugins/webhooks", method="PUT",
                                    data=json.dumps({"enabled": True}).encode(),
                                    headers={"Content-Type": "application/json",
                                             "Authorization": f"Bearer {_login(base)}"})
    with urllib.request.urlopen(enable, timeout=10) as res:
        assert json.loads(res.read())["enabled"] is True
    yield base
    proc.terminate()
    proc.wait(15)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM,
                                      args=["--no-sandbox", "--headless", "--disable-gpu"])
        yield chromium
        chromium.close()


def _axe(page) -> list[str]:
    import axe_playwright_python

    page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations'],"
                           " rules: {'label-content-name-mismatch': {enabled: true}}})")
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("size", SIZES)
def test_the_secret_stays_until_dismissed_and_event_names_stay_whole(server, browser, size):
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/frontend")
        page.click(".demo-fill[data-username=admin]")
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text="admin").wait_for(state="attached")
        page.evaluate("location.hash = '#/projects/1/settings'")
        form = page.locator("[data-testid=webhooks-form]")
        form.wait_for()

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

        # a URL of this run's own: the module's one server outlives a test (the kit runs each
        # test once per engine)
        url = f"https://example.com/hook/{size}-{uuid.uuid4().hex[:8]}"
        form.locator("input[name=webhook_url]").fill(url)
        form.locator("button[type=submit]").click()
        box = page.locator("[data-testid=webhook-secret-box]")
        box.wait_for()
        secret = page.locator("[data-testid=webhook-secret]").input_value()
        assert len(secret) >= 32
        token = _login(server)
        hooks = _get(server + "/api/webhooks/projects/1", token)["webhooks"]
        mine = [w for w in hooks if w["url"] == url]
        assert len(mine) == 1 and mine[0]["secret_hint"] == "…" + secret[-4:], hooks
        assert _axe(page) == []
        page.wait_for_timeout(6000)  # longer than the toast it used to be
        assert box.is_visible()
        page.click("[data-testid=webhook-copy]")
        page.locator("[data-testid=webhook-copy-status]", has_text="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        page.click("[data-testid=webhook-secret-done]")
        box.wait_for(state="detached")
        assert page.evaluate("document.activeElement.textContent") == "Add webhook"
        assert page.evaluate("document.documentElement.scrollWidth"
                             " - document.documentElement.clientWidth") == 0
        assert errors == []
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
        assert _axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth"
                             " - document.documentElement.clientWidth") == 0
        assert errors == []
    finally:
        context.close()
