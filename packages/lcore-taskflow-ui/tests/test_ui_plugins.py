"""The admins' Plugins screen in real Chromium against a real server (SPEC §13).

The server runs auth and ui, with notify installed but left out by
``APP_PLUGINS_ENABLED``: the screen lists every plugin with its state, health,
hooks, routes and migrations (collapsed), shows notify as disabled with the
change that would enable it, and generates auth's settings form from its
dataclass — a checkbox for ``registration_open`` (changed here and refused at
once by ``/auth/register``), a number input whose out-of-range value comes
back as a 422 shown beside that field, secrets as password fields showing
``***``, restart-only settings disabled.  A member has no Plugins entry.  At
1366 px and at 360 px with axe, sideways scroll, squeezed text and 44 px
targets on the phone (``Checks`` of the access tests).
"""

from __future__ import annotations

import itertools
import urllib.error

import pytest
from test_ui_access import PASSWORD, SIZES, Checks, _eventually, _login, _open, _user
from ui_browser_support import Api, ServerProcess, http_json

pytestmark = pytest.mark.browser
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    proc = ServerProcess(tmp_path_factory.mktemp("plugins"), APP_PLUGINS_ENABLED="auth,ui",
                         APP_SETTINGS_REFRESH_SECONDS="1").start()
    yield proc.base
    proc.stop()


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def _register_status(server: str, name: str) -> int:
    try:
        http_json(server + "/auth/register", None, {
            "username": name, "email": f"{name}@example.com", "password": PASSWORD})
        return 201
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.parametrize("size", SIZES)
def test_plugins_screen_and_generated_settings(open_session, server, admin, artifacts, size):
    name = f"plg{size}{next(_serial)}"
    _user(admin, name)
    m = _open(open_session, server, size)
    _login(m, name)
    assert m.page.locator("#nav-plugins").is_hidden()
    m.go("#/plugins", "[data-testid=view-error]")

    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    if size == "phone":
        page.click("#menu-toggle")
    page.click("#nav-plugins")
    s.ready()
    page.locator("[data-plugin=auth]").wait_for()
    assert page.locator("#page-title").inner_text() == "Plugins"
    names = page.locator("[data-testid=plugin]").evaluate_all(
        "els => els.map((e) => e.dataset.plugin)")
    assert names[:3] == ["core", "auth", "ui"] and "notify" in names, names
    notify = page.locator("[data-plugin=notify]")
    assert notify.locator("[data-testid=plugin-state]").inner_text() == "disabled"
    assert "APP_PLUGINS_ENABLED=auth,ui,notify" in notify.locator(
        "[data-testid=plugin-enable]").inner_text()
    auth = page.locator("[data-plugin=auth]")
    assert auth.locator("[data-testid=plugin-health]").inner_text() == "Healthy"
    routes = auth.locator("[data-testid=plugin-routes]")
    assert not routes.locator("table").is_visible()  # collapsed until opened
    routes.locator("summary").click()
    assert routes.locator("td", has_text="/auth/login").first.is_visible()
    core = page.locator("[data-plugin=core]")
    core.locator("[data-testid=plugin-migrations] summary").click()
    assert "core: applied 1, 2" in core.locator("[data-testid=plugin-migrations]").inner_text()
    check("plugins")

    auth.locator("[data-testid=plugin-settings] summary").click()
    form = auth.locator("[data-testid=settings-auth]")
    secret = form.locator("[data-testid=setting-previous_secret_keys]")
    assert secret.get_attribute("type") == "password"
    assert form.locator("[data-testid=setting-login_rate_limit]").is_disabled()
    assert "restart needed: set APP_LOGIN_RATE_LIMIT" in form.inner_text()
    ttl = form.locator("[data-testid=setting-token_ttl]")
    assert ttl.get_attribute("type") == "number" and ttl.input_value() == "3600"
    box = form.locator("[data-testid=setting-registration_open]")
    assert box.get_attribute("type") == "checkbox" and box.is_checked()
    check("plugins-settings")

    # A value the dataclass's validate() refuses: the 422 beside its field, nothing stored.
    ttl.fill("5")
    form.locator("[data-testid=save-auth]").click()
    error = form.locator(".field-error[data-field=token_ttl]")
    error.wait_for()
    assert "60-2678400" in error.inner_text()
    assert ttl.get_attribute("aria-invalid") == "true"
    check("plugins-error")
    listed = {p["name"]: p for p in admin.get("/api/admin/plugins")["plugins"]}
    auth_settings = {x["key"]: x for x in listed["auth"]["settings"]}
    assert auth_settings["token_ttl"]["value"] == 3600

    # Registration closed from the screen: the server refuses it at once.
    ttl.fill("3600")
    box.uncheck()
    form.locator("[data-testid=save-auth]").click()
    page.locator(".toast", has_text="Settings of auth saved").wait_for()
    assert _register_status(server, f"{name}x") == 403
    box.check()
    form.locator("[data-testid=save-auth]").click()
    _eventually(lambda: _register_status(server, f"{name}y") == 201, "registration open again")
    check.assert_clean()
