"""A person signs in with single sign-on in real Chromium: TaskFlow's login route, the
provider's login form (a wrong password first), and back to TaskFlow signed in.

Runs in every ``tox -e py3XX-oidc`` (and so in CI, where a missing Chromium or
Playwright fails instead of skipping).  Debian's ``chromium`` at
``/usr/bin/chromium`` (or ``TASKFLOW_CHROMIUM``), driven by Playwright as the ui
package's browser suite does; axe-core 4.14 (core's browser kit) checks the login screen with
its "Sign in with ..." button and the signed-in board at 360 px.  Screenshots go to
``TASKFLOW_ARTIFACTS`` when set.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import skip_or_fail
from lcore_taskflow.core.testing.browser import axe_violations
from lcore_taskflow.core.testing.serve import ServerProcess

CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def require_chromium() -> None:
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = (f"Chromium not found at {CHROMIUM} (install Debian's chromium or set "
                  "TASKFLOW_CHROMIUM)")
    elif importlib.util.find_spec("playwright") is None:
        reason = "the python package playwright is not installed (pip install playwright)"
    if reason:
        print(f"skipping the browser sign-in: {reason}")
        skip_or_fail(reason)


def shoot(page, name: str) -> None:
    folder = os.environ.get("TASKFLOW_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"oidc-{name}.png"), full_page=True)


def test_sign_in_through_the_provider_s_login_form(tmp_path, oidc_provider, person):
    require_chromium()
    from playwright.sync_api import sync_playwright

    server = ServerProcess(tmp_path / "server")
    base = f"http://127.0.0.1:{server.port}"
    registered = oidc_provider.register([base + "/auth/oidc/callback"])
    server.settings = {
        "APP_PLUGINS_ENABLED": "auth,oidc", "APP_OIDC_ISSUER": oidc_provider.issuer,
        "APP_OIDC_CLIENT_ID": registered["client_id"],
        "APP_OIDC_CLIENT_SECRET": registered["client_secret"],
        "APP_OIDC_SCOPES": "openid,email,profile,groups", "APP_OIDC_TEAM_MAP": "eng=Engineering",
        "APP_OIDC_CREATE_TEAMS": "true"}
    login_name, password = person("nora", name="Nora Browser", groups=["eng"])
    with server, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context().new_page()
            page.set_default_timeout(20_000)
            page.goto(base + "/auth/oidc/login")
            # the provider's own page, on the provider's origin
            page.locator("form #username").wait_for()
            assert page.url.startswith(oidc_provider.issuer + "/interaction/"), page.url
            shoot(page, "provider-login")

            page.fill("#username", login_name)
            page.fill("#password", "not the password")
            page.click("#submit")
            assert page.locator("[role=alert]").inner_text() == "Wrong username or password"
            assert page.url.startswith(oidc_provider.issuer)

            page.fill("#username", login_name)
            page.fill("#password", password)
            page.click("#submit")
            page.wait_for_url(base + "/frontend")  # (a 404 here: the ui is not installed)

            me = page.evaluate("""async () => {
                const answer = await fetch('/auth/me', {headers: {Accept: 'application/json'}});
                return {status: answer.status, body: await answer.json()};
            }""")
            assert me["status"] == 200, me
            assert me["body"]["username"] == "nora" and me["body"]["email"] == "nora@example.com"
            cookies = {c["name"]: c for c in page.context.cookies(base)}
            assert cookies["session_user"]["httpOnly"] is True
            assert cookies["session_user"]["sameSite"] == "Lax"
        finally:
            chromium.close()
    with sqlite3.connect(server.workdir / "taskflow.db") as db:
        teams = db.execute("SELECT t.name FROM teams t JOIN team_members m ON m.team_id = t.id"
                           " JOIN users u ON u.id = m.user_id WHERE u.username = 'nora'")
        assert [row[0] for row in teams] == ["Engineering"]


def test_the_frontend_offers_single_sign_on_and_is_signed_in_after_it(
        tmp_path, oidc_provider, person):
    """The whole way a person takes: TaskFlow's login screen shows "Sign in with <provider>"
    (oidc's UI module), the provider's form, and back in the frontend, signed in (the
    frontend takes the session the callback left in the cookie, POST /auth/token).  In a
    German browser the option reads "Anmelden mit <provider>"."""
    require_chromium()
    if importlib.util.find_spec("lcore_taskflow.ui") is None:
        skip_or_fail("lcore-taskflow-ui is not installed: no frontend to sign in to")
    from playwright.sync_api import sync_playwright

    server = ServerProcess(tmp_path / "server")
    base = f"http://127.0.0.1:{server.port}"
    registered = oidc_provider.register([base + "/auth/oidc/callback"])
    server.settings = {
        "APP_PLUGINS_ENABLED": "auth,oidc,ui", "APP_OIDC_ISSUER": oidc_provider.issuer,
        "APP_OIDC_CLIENT_ID": registered["client_id"],
        "APP_OIDC_CLIENT_SECRET": registered["client_secret"],
        "APP_OIDC_PROVIDER_NAME": "Acme ID"}
    login_name, password = person("olga", name="Olga Frontend")
    with server, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(viewport={"width": 360, "height": 740}).new_page()
            page.set_default_timeout(20_000)
            page.goto(base + "/frontend")
            button = page.get_by_role("link", name="Sign in with Acme ID")
            button.wait_for()
            shoot(page, "frontend-login")
            assert axe_violations(page) == []  # axe-core 4.14 at 360 px, the SSO button shown
            button.click()
            page.locator("form #username").wait_for()
            page.fill("#username", login_name)
            page.fill("#password", password)
            page.click("#submit")
            page.wait_for_url(base + "/frontend*")
            page.locator("#shell").wait_for()  # the app, not the login
            assert page.locator("#whoami-name").text_content() == "olga"  # (in the closed menu)
            assert page.locator("#login-view").is_hidden()
            token = page.evaluate("JSON.parse(localStorage.getItem('taskflow.session')).token")
            shoot(page, "frontend-signed-in")
            assert axe_violations(page) == []
            # signing out ends the session the provider started: the cookie is no way back in
            page.locator("#menu-toggle").click()  # at 360 px the menu holds "Sign out"
            page.locator("#logout").click()
            page.locator("#login-view").wait_for()
            page.reload()
            page.get_by_role("link", name="Sign in with Acme ID").wait_for()
            assert page.locator("#shell").is_hidden()
            # A German browser: the option comes from oidc's catalog (static/i18n/de.json).
            german = chromium.new_context(locale="de-DE").new_page()
            german.set_default_timeout(20_000)
            german.goto(base + "/frontend")
            german.get_by_role("link", name="Anmelden mit Acme ID").wait_for()
            assert german.evaluate("document.documentElement.lang") == "de"
            shoot(german, "frontend-login-de")
        finally:
            chromium.close()
    assert token and "." in token
