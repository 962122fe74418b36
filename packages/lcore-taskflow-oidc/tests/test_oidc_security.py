"""What must never sign anyone in: tampered, replayed or foreign answers, bad tokens.

The provider is real; the attacks are what an attacker could do to a real
flow: edit the callback URL, replay it, finish it in another browser, hand
over a code issued to another client, or (as a man in the middle of the
token response, or a broken provider) alter the id_token — the provider's
test control re-signs it with the provider's own key, so only the claim
checks can catch those.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from lcore_taskflow.core.testing import Client, assert_error
from lcore_taskflow.oidc import OIDCPlugin
from oidc_testutil import Browser, query_of, with_query

pytestmark = pytest.mark.timeout(180)


def failures(site) -> list[str]:
    return [json.loads(r["details"])["reason"] for r in site.rows(
        "SELECT details FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id")]


def nobody_signed_in(site, browser) -> None:
    assert browser.me(site.base).status_code == 401
    assert site.rows("SELECT id FROM oidc_links") == []
    assert site.rows("SELECT id FROM audit_log WHERE action = 'auth.login'") == []


def test_the_authorization_request_carries_state_nonce_and_pkce(site):
    answer = Browser().get(site.base + "/auth/oidc/login")
    assert answer.status_code == 302
    sent = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert sent["response_type"] == "code"
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 20 and len(sent["nonce"]) >= 16
    assert sent["scope"].split() == ["openid", "email", "profile", "groups"]
    assert sent["redirect_uri"] == site.base + "/auth/oidc/callback"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("taskflow_oidc=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Path=/auth/oidc/" in cookie
    # the verifier and the nonce stay on the server: not in the cookie, not in the URL
    row = site.rows("SELECT nonce, code_verifier FROM oidc_flows")[0]
    assert row["nonce"] == sent["nonce"]
    assert row["code_verifier"] not in answer.headers["Location"]
    assert row["code_verifier"] not in cookie and sent["state"] not in cookie


def test_a_tampered_state_is_refused_and_the_real_one_still_works(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    state = query_of(callback)["state"]
    forged = with_query(callback, state=state[:-1] + ("A" if state[-1] != "A" else "B"))
    answer = browser.visit(forged)
    assert answer.status_code == 400 and "could not be verified" in answer.json()["error"]
    nobody_signed_in(site, browser)
    assert failures(site) == ["state"]
    assert browser.visit(callback).status_code == 302
    assert browser.me(site.base).json()["username"] == login_name


def test_a_callback_without_state_is_refused(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    code = query_of(callback)["code"]
    answer = browser.visit(f"{site.base}/auth/oidc/callback?code={code}")
    assert answer.status_code == 400 and "no state" in answer.json()["error"]
    nobody_signed_in(site, browser)


def test_a_replayed_callback_is_refused(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    assert browser.visit(callback).status_code == 302
    replay = Browser()
    replay.session.cookies.update(browser.session.cookies)  # even with the same cookies
    replay.session.cookies.clear(domain="127.0.0.1", path="/", name="session_user")
    answer = replay.visit(callback)
    assert answer.status_code == 400, answer.text
    assert replay.me(site.base).status_code == 401
    assert failures(site) == ["state"]


def test_a_callback_finished_in_another_browser_is_refused(site, browser, person):
    """Login CSRF: a victim's browser must not finish a sign-in the attacker started."""
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    victim = Browser()
    answer = victim.visit(callback)
    assert answer.status_code == 400
    assert victim.me(site.base).status_code == 401
    nobody_signed_in(site, browser)
    # and the state is spent: the attacker's own browser cannot use it afterwards either
    assert browser.visit(callback).status_code == 400


def test_an_expired_sign_in_is_refused(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    with site.kernel.database() as db:
        db.execute("UPDATE oidc_flows SET expires_at = expires_at - 3600")
    answer = browser.visit(callback)
    assert answer.status_code == 400
    nobody_signed_in(site, browser)


def test_a_code_issued_to_another_client_is_refused(site, browser, person, oidc_provider):
    """Code injection: a code the provider gave another client (here registered with the
    same redirect URI), delivered with a valid state of ours, must fail at the exchange."""
    other = oidc_provider.register([site.base + "/auth/oidc/callback"])
    login_name, password = person()
    ours = browser.start(site.base, login_name, password)
    theirs = Browser()
    theirs.session.cookies.update(browser.session.cookies)
    started = theirs.get(site.base + "/auth/oidc/login")  # a real request of ours ...
    location = started.headers["Location"].replace(site.client["client_id"], other["client_id"])
    answer = theirs.get(location)  # ... sent on behalf of the other client
    assert answer.status_code in (302, 303)
    foreign_callback = theirs.start_from(answer, login_name, password)
    assert query_of(foreign_callback)["state"] == query_of(started.headers["Location"])["state"]
    injected = with_query(ours, code=query_of(foreign_callback)["code"])
    answer = browser.visit(injected)
    assert answer.status_code == 401, answer.text
    assert "did not accept" in answer.json()["error"]
    nobody_signed_in(site, browser)
    assert failures(site) == ["token"]


@pytest.mark.parametrize("mode", ["signature", "audience", "audience_azp", "issuer", "nonce",
                                  "expired", "subject"])
def test_a_tampered_id_token_is_refused(site, browser, person, oidc_provider, mode):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    oidc_provider.tamper_next_id_token(mode)
    answer = browser.visit(callback)
    assert answer.status_code == 401, answer.text
    message = answer.json()["error"]
    if mode == "subject":  # validly signed, but the userinfo answer is about someone else
        assert "another subject" in message
        assert failures(site) == ["userinfo"]
    else:
        assert message.startswith("The id_token from the OpenID provider was refused"), message
        assert failures(site) == ["id_token"]
    nobody_signed_in(site, browser)
    assert site.user(login_name) is None


def test_the_provider_s_refusal_is_passed_on(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    denied = with_query(callback, error="access_denied",
                        error_description="End-User aborted interaction", code="")
    answer = browser.visit(denied)
    assert answer.status_code == 401
    assert "End-User aborted interaction" in answer.json()["error"]
    nobody_signed_in(site, browser)


def test_an_answer_from_another_issuer_is_refused(site, browser, person):
    login_name, password = person()
    callback = browser.start(site.base, login_name, password)
    answer = browser.visit(with_query(callback, iss="https://evil.example"))
    assert answer.status_code == 400 and "another issuer" in answer.json()["error"]
    nobody_signed_in(site, browser)


def test_rotated_keys_are_fetched_again(site, person, oidc_provider):
    login_name, password = person()
    assert Browser().sign_in(site.base, login_name, password).status_code == 302
    plugin = next(p for p in site.kernel.pm.get_plugins() if isinstance(p, OIDCPlugin))
    cached = plugin.client(site.kernel)._app.server_metadata["jwks"]["keys"]
    rotated = oidc_provider.rotate_keys()
    assert [k["kid"] for k in cached] == [rotated["old"]]
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302, \
        "a token signed with the new key must be accepted after fetching the keys again"
    assert browser.me(site.base).json()["username"] == login_name
    refreshed = plugin.client(site.kernel)._app.server_metadata["jwks"]["keys"]
    assert [k["kid"] for k in refreshed] == [rotated["kid"]]


def test_a_wrong_client_secret_is_refused_at_the_exchange(make_site, browser, person):
    site = make_site(oidc_client_secret="not-the-secret")
    login_name, password = person()
    answer = browser.sign_in(site.base, login_name, password)
    assert answer.status_code == 401 and "invalid_client" in answer.json()["error"]
    nobody_signed_in(site, browser)


# ---------------------------------------------------------------- no provider
def test_unconfigured_sso_says_what_to_set(taskflow_app):
    app = taskflow_app(plugins=[OIDCPlugin()], auth=True)
    client = Client(app)
    info = client.get("/auth/oidc/provider")
    assert info.status == 200 and info.json["enabled"] is False
    for path in ("/auth/oidc/login", "/auth/oidc/callback?state=x&code=y"):
        body = assert_error(client.get(path), 503)
        assert "APP_OIDC_ISSUER" in body["error"]


def test_an_unreachable_provider_answers_502(taskflow_app):
    from oidc_testutil import free_port

    issuer = f"http://127.0.0.1:{free_port()}"
    app = taskflow_app(plugins=[OIDCPlugin()], auth=True, oidc_issuer=issuer,
                       oidc_client_id="taskflow", oidc_client_secret="s3cret",
                       oidc_timeout=2)
    body = assert_error(Client(app).get("/auth/oidc/login"), 502)
    assert issuer in body["error"] and "could not be reached" in body["error"]
    assert "s3cret" not in json.dumps(body)


def test_a_provider_naming_another_issuer_is_not_trusted(taskflow_app, oidc_provider):
    # discovery through an alias of the provider's address: its document names the real issuer
    alias = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    app = taskflow_app(plugins=[OIDCPlugin()], auth=True, oidc_issuer=alias,
                       oidc_client_id="taskflow")
    body = assert_error(Client(app).get("/auth/oidc/login"), 502)
    assert "names the issuer" in body["error"]


def test_without_an_identity_plugin_nothing_is_created(taskflow_app, oidc_provider, person):
    """No plugin answers taskflow_sign_in: 503 naming the package, and the user created
    for the sign-in is rolled back."""
    from oidc_testutil import LiveServer

    server = LiveServer()
    try:
        client = oidc_provider.register([server.base + "/auth/oidc/callback"])
        app = taskflow_app(plugins=[OIDCPlugin()], identity=True,
                           oidc_issuer=oidc_provider.issuer, oidc_client_id=client["client_id"],
                           oidc_client_secret=client["client_secret"],
                           oidc_scopes=["openid", "email", "profile"])
        server.serve(app)
        login_name, password = person()
        answer = Browser().sign_in(server.base, login_name, password)
        assert answer.status_code == 503, answer.text
        assert "lcore-taskflow-auth" in answer.json()["error"]
        with app.taskflow.database() as db:
            assert db.fetchone("SELECT id FROM users WHERE username = ?", (login_name,)) is None
            assert db.fetchall("SELECT id FROM oidc_links") == []
    finally:
        server.stop()


def test_the_provider_is_real(oidc_provider):
    """The tests talk to oidc-provider itself, not to a stand-in."""
    found = requests.get(oidc_provider.issuer + "/.well-known/openid-configuration",
                         timeout=10).json()
    assert found["issuer"] == oidc_provider.issuer
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert "oidc-provider" in (oidc_provider.installed / "node_modules" / "oidc-provider" /
                               "package.json").read_text()
