"""Security in the profile and the admins' audit log, in real Chromium against a real server.

My profile > Security: two-factor sign-in set up with the server's QR code,
confirmed with a code computed by pyotp, the recovery codes downloaded as a
.txt, a sign-in that asks for the code (a wrong one refused, a recovery code
and a six-digit code accepted), turned off with the password; personal
access tokens created (the secret shown once, copied, working until
revoked); sessions listed, one ended, all the others ended.  The audit log:
filters by area, person and day, paging, CSV download; no entry for members.
Each at 1366 px and at 360 px with axe, sideways scroll, squeezed text,
44 px targets on the phone, and screenshots ``access-security-*.png``.
"""

from __future__ import annotations

import itertools
import time
import urllib.error

import pytest
from test_ui_access import PASSWORD, SIZES, Checks, _eventually, _login, _open, _user
from ui_browser_support import Api, http_json

pytestmark = pytest.mark.browser

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def _works(server: str, token: str) -> bool:
    try:
        http_json(server + "/auth/me", token)
        return True
    except urllib.error.HTTPError as err:
        assert err.code == 401, err.code
        return False


def _fill_login(page, base: str, username: str) -> None:
    page.goto(base + "/frontend")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")


@pytest.mark.parametrize("size", SIZES)
def test_two_factor_setup_sign_in_and_turn_off(open_session, server, admin, artifacts, tmp_path,
                                               size):
    name = f"sec{size}{next(_serial)}"
    _user(admin, name)
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    _login(s, name)
    s.go("#/profile", "[data-testid=security-link]")
    page.click("[data-testid=security-link]")
    page.locator("[data-testid=totp-card]").wait_for()
    assert page.locator("#page-title").inner_text() == "Security"
    check("security")

    page.click("[data-testid=totp-start]")
    qr = page.locator("[data-testid=totp-qr]")
    qr.wait_for()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    page.wait_for_function("() => document.querySelector('[data-testid=totp-qr]').naturalWidth > 0")
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    # A wrong code is refused beside its field.
    import pyotp  # with lcore-taskflow-auth, which the browser env installs (the ui envs don't)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    page.fill("[data-testid=totp-code]", wrong)
    page.click("[data-testid=totp-confirm-form] button[type=submit]")
    page.locator("[data-testid=totp-confirm-form] .field-error").wait_for()
    check("security-totp-setup")
    confirmed_at = time.time()
    page.fill("[data-testid=totp-code]", pyotp.TOTP(secret).now())
    page.click("[data-testid=totp-confirm-form] button[type=submit]")
    codes_box = page.locator("[data-testid=recovery-codes]")
    codes_box.wait_for()
    codes = [c.strip() for c in codes_box.locator("li").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "is on" in page.locator("[data-testid=totp-status]").inner_text()
    with page.expect_download() as info:
        page.click("[data-testid=recovery-download]")
    download = info.value
    assert download.suggested_filename == f"{name}-recovery-codes.txt"
    saved = tmp_path / "codes.txt"
    download.save_as(saved)
    assert saved.read_text().split() == codes
    check("security-recovery")
    page.click("[data-testid=recovery-done]")
    codes_box.wait_for(state="detached")
    # Setting it up again is refused while it is on, and said so.
    page.click("[data-testid=totp-start]")
    page.locator("[data-testid=totp-status]", has_text="turn it off first").wait_for()

    # Signing in now asks for a code: a wrong one is refused, a recovery code works.
    other = _open(open_session, server, size)
    login = other.page
    _fill_login(login, server, name)
    login.locator("#login-totp").wait_for()
    assert login.evaluate("document.activeElement.id") == "login-totp"
    assert "authenticator" in login.locator("#login-error").inner_text()
    check("login-totp", login)
    login.fill("#login-totp", "not-a-code")
    login.click("#login-submit")
    login.locator("#login-error", has_text="did not work").wait_for()
    assert login.locator("#shell").is_hidden()
    login.fill("#login-totp", codes[0])
    login.click("#login-submit")
    login.locator("[data-testid=whoami]", has_text=name).wait_for(state="attached")
    other.ready()
    # The same recovery code works only once.
    third = _open(open_session, server, size)
    _fill_login(third.page, server, name)
    third.page.locator("#login-totp").wait_for()
    third.page.fill("#login-totp", codes[0])
    third.page.click("#login-submit")
    third.page.locator("#login-error", has_text="did not work").wait_for()
    if size == "desktop":
        # A six-digit code from the app, from the step after the confirmation's (codes work once).
        while int(time.time()) // 30 == int(confirmed_at) // 30:
            time.sleep(0.5)
        third.page.fill("#login-totp", pyotp.TOTP(secret).now())
        third.page.click("#login-submit")
        third.page.locator("[data-testid=whoami]", has_text=name).wait_for(state="attached")

    # Turned off with the password: a wrong one is refused beside its field.
    off = page.locator("[data-testid=totp-off-form]")
    off.locator("input[name=password]").fill("wrong-password-1")
    off.locator("button[type=submit]").click()
    off.locator(".field-error").wait_for()
    off.locator("input[name=password]").fill(PASSWORD)
    off.locator("button[type=submit]").click()
    page.locator("[data-testid=totp-status]", has_text="is off").wait_for()
    assert Api(server, name, PASSWORD).token  # no code asked any more
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_access_tokens_and_sessions(open_session, server, admin, artifacts, size):
    name = f"tok{size}{next(_serial)}"
    _user(admin, name)
    phone = size == "phone"
    s = _open(open_session, server, size) if phone else open_session(
        server, permissions=["clipboard-read", "clipboard-write"])
    page = s.page
    check = Checks(page, artifacts, size)
    _login(s, name)
    s.go("#/profile/security", "[data-testid=tokens-card]")
    # Members are not offered the admin scope.
    assert page.locator("[data-testid=token-scope-admin]").count() == 0
    page.locator("[data-testid=tokens-card]", has_text="No access tokens yet").wait_for()

    # Without a scope: refused in the form.
    page.fill("[data-testid=token-name]", "Nightly <b>report</b>")
    page.uncheck("[data-testid=token-scope-read]")
    page.click("[data-testid=token-form] button[type=submit]")
    page.locator("[data-testid=token-form] [data-testid=form-error]",
                 has_text="Choose at least one scope").wait_for()
    page.check("[data-testid=token-scope-write]")
    page.fill("[data-testid=token-days]", "7")
    page.click("[data-testid=token-form] button[type=submit]")
    fresh = page.locator("[data-testid=new-token]")
    fresh.wait_for()
    secret = page.input_value("[data-testid=token-secret]")
    assert secret.startswith("tfp_")
    assert "Nightly <b>report</b>" in fresh.inner_text()  # text, not markup
    page.click("[data-testid=token-copy]")
    page.locator("[data-testid=token-copy-status]", has_text="Cop").wait_for()
    if not phone:
        assert page.evaluate("navigator.clipboard.readText()") == secret
    assert _works(server, secret)
    row = page.locator("[data-testid=token-row]", has_text="Nightly <b>report</b>")
    row.wait_for()
    assert "write" in row.inner_text() and "Never" in row.inner_text()
    # The form is ready for the next one: 30 days, read only.
    assert page.input_value("[data-testid=token-days]") == "30"
    assert page.is_checked("[data-testid=token-scope-read]")
    assert not page.is_checked("[data-testid=token-scope-write]")
    time.sleep(5.5)  # longer than any toast: the new token stays until dismissed
    assert fresh.is_visible()
    check("security-token")
    page.click("[data-testid=token-dismiss]")
    fresh.wait_for(state="detached")
    row.locator("[data-testid=token-revoke]").click()
    row.wait_for(state="detached")
    assert not _works(server, secret)

    # Sessions: this one is marked, another is ended, then all the others.
    extra = [Api(server, name, PASSWORD) for _ in range(3)]
    s.go("#/profile", "[data-testid=security-link]")
    s.go("#/profile/security", "[data-testid=sessions-table]")
    rows = page.locator("[data-testid=session-row]")
    assert rows.count() == 4
    assert page.locator("[data-testid=session-row][data-current='1']").count() == 1
    check("security-sessions")
    rows.locator("[data-testid=session-end]").first.click()
    _eventually(lambda: rows.count() == 3, "one session fewer")
    assert sum(_works(server, a.token) for a in extra) == 2
    page.click("[data-testid=sessions-end-others]")
    _eventually(lambda: rows.count() == 1, "only this session left")
    assert not any(_works(server, a.token) for a in extra)
    assert _works(server, s.token())
    assert page.locator("[data-testid=sessions-end-others]").is_hidden()
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_admin_audit_log(open_session, server, admin, artifacts, tmp_path, size):
    name = f"aud{size}{next(_serial)}"
    user = _user(admin, name)
    for _ in range(3):
        Api(server, name, PASSWORD)
    for _ in range(26):
        Api(server, "admin")  # enough entries for a second page
    # A member has no audit entry in the navigation and no audit page.
    m = _open(open_session, server, size)
    _login(m, name)
    assert m.page.locator("#nav-audit").is_hidden()
    m.go("#/audit", "[data-testid=view-error]")

    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    if size == "phone":
        page.click("#menu-toggle")
    page.click("#nav-audit")
    s.ready()
    page.locator("[data-testid=audit-table]").wait_for()
    assert page.locator("#page-title").inner_text() == "Audit log"
    check("audit")
    assert page.locator("[data-testid=audit-row]").count() == 25
    page.click("[data-testid=audit-next]")
    page.locator("[data-testid=audit-summary]", has_text="page 2 of").wait_for()
    assert "page=2" in page.evaluate("location.hash")

    # An area matches its prefix; a person narrows it; the filters are in the URL.
    page.fill("[data-testid=audit-action]", "auth.")
    page.select_option("[data-testid=audit-user]", str(user["id"]))
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.locator("[data-testid=audit-summary]", has_text="page 1 of").wait_for()
    _eventually(lambda: page.locator("[data-testid=audit-row]").count() == 4,
                "the member's sign-ins")
    actions = page.locator("[data-testid=audit-action-cell]").all_inner_texts()
    assert actions and all(a.startswith("auth.") for a in actions), actions
    assert all(name in r for r in page.locator("[data-testid=audit-row]").all_inner_texts())
    check("audit-filtered")
    with page.expect_download() as info:
        page.click("[data-testid=audit-csv]")
    saved = tmp_path / "audit.csv"
    info.value.save_as(saved)
    lines = saved.read_text().strip().splitlines()
    assert lines[0] == "id,at,actor_id,actor,action,target,address,details"
    assert len(lines) == 5 and all(",auth." in line for line in lines[1:])

    # Since tomorrow: nothing.
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    page.fill("[data-testid=audit-since]", tomorrow)
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.locator("[data-testid=audit-list]", has_text="No entries match").wait_for()
    check.assert_clean()
