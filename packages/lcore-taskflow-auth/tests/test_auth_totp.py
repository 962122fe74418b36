"""Two-factor sign-in (SPEC §10) over real HTTP against a real server process."""

from __future__ import annotations

import base64
import time

import pyotp
import pytest
from lcore_taskflow.core.testing.serve import ServerProcess

SETTINGS = {"APP_PLUGINS_ENABLED": "auth", "APP_LOGIN_RATE_LIMIT": "12",
            "APP_LOGIN_RATE_WINDOW": "300"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def sign_in(server, password="alice123", **extra):
    return server.request("POST", "/auth/login", json={"username": "alice",
                                                       "password": password, **extra})


def fresh_code(secret: str, after: float = 0) -> str:
    """A code of a step no code was used in yet (waits for the next step if needed)."""
    totp = pyotp.TOTP(secret)
    while time.time() // 30 <= after // 30:
        time.sleep(0.2)
    return totp.now()


@pytest.mark.timeout(120)
def test_two_factor_sign_in_end_to_end(tmp_path):
    with ServerProcess(tmp_path, SETTINGS) as server:
        admin = server.request("POST", "/auth/login", json={
            "username": "admin", "password": "admin123"}).json["token"]
        token = sign_in(server).json["token"]
        setup = server.request("POST", "/auth/totp", headers=bearer(token))
        assert setup.status == 200, setup
        secret = setup.json["secret"]
        assert setup.json["otpauth_uri"].startswith("otpauth://totp/")
        svg = base64.b64decode(setup.json["qr_svg"].split(",", 1)[1])
        assert svg.startswith(b"<svg") and b"<script" not in svg
        wrong = server.request("POST", "/auth/totp/confirm", headers=bearer(token),
                               json={"code": "000000"})
        assert wrong.status == 422
        confirmed = server.request("POST", "/auth/totp/confirm", headers=bearer(token),
                                   json={"code": pyotp.TOTP(secret).now()})
        assert confirmed.status == 200, confirmed
        confirmed_at = time.time()  # the step it spent is this one or the one before
        recovery = confirmed.json["recovery_codes"]
        assert len(recovery) == 10 and len(set(recovery)) == 10
        assert server.request("POST", "/auth/totp", headers=bearer(token)).status == 409

        # the password alone is not enough any more
        needed = sign_in(server)
        assert needed.status == 401 and needed.json["totp_required"] is True
        assert sign_in(server, password="wrong-one").json.get("totp_required") is None
        bad = sign_in(server, totp="123456")
        assert bad.status == 401 and "two-factor code" in bad.json["error"]
        # a right code works once: the step of the confirmation is spent, wait for the next
        code = fresh_code(secret, after=confirmed_at)
        assert sign_in(server, totp=code).status == 200
        replay = sign_in(server, totp=code)
        assert replay.status == 401 and replay.json["totp_required"] is True
        # a recovery code works once
        assert sign_in(server, totp=recovery[0]).status == 200
        assert sign_in(server, totp=recovery[0]).status == 401
        # HTTP Basic is refused for a two-factor account
        basic = base64.b64encode(b"alice:alice123").decode()
        refused = server.request("GET", "/auth/basic-demo",
                                 headers={"Authorization": f"Basic {basic}"})
        assert refused.status == 401 and "two-factor" in refused.json["error"]
        # codes share the password's throttle (12 tries a window, 10 spent above; the
        # bucket refills one try per 25 s, and the wait for a fresh step may have given one)
        statuses = []
        while len(statuses) < 5 and 429 not in statuses:
            statuses.append(sign_in(server, totp="111111").status)
        assert statuses[0] == 401 and statuses[-1] == 429 and len(statuses) <= 4, statuses

        # an admin can reset it (for a lost phone); it is audited
        audit = server.request("GET", "/api/admin/audit?action=auth.totp_enabled",
                               headers=bearer(admin)).json
        assert audit["total"] == 1 and audit["entries"][0]["actor"] == "alice"
        assert server.request("DELETE", "/auth/users/2/totp", headers=bearer(admin)).status == 204
        assert server.request("DELETE", "/auth/users/2/totp", headers=bearer(admin)).status == 404


def test_turning_it_off_needs_the_password_and_a_person(client):
    from auth_testutil import token_of
    from lcore_taskflow.core.testing import assert_error

    token = token_of(client, "bob")
    secret = client.post("/auth/totp", headers=bearer(token)).json["secret"]
    assert client.post("/auth/totp/confirm", headers=bearer(token),
                       json={"code": pyotp.TOTP(secret).now()}).status == 200
    pat = client.post("/auth/tokens", headers=bearer(token), json={
        "name": "s", "scopes": ["read", "write"], "expires_in_days": 1}).json["token"]
    assert_error(client.delete("/auth/totp", headers=bearer(pat), json={"password": "bob123"}),
                 403)
    assert_error(client.delete("/auth/totp", headers=bearer(token), json={"password": "nope"}),
                 422, fields=("password",))
    assert client.delete("/auth/totp", headers=bearer(token),
                         json={"password": "bob123"}).status == 204
    assert_error(client.delete("/auth/totp", headers=bearer(token),
                               json={"password": "bob123"}), 404)
    assert client.post("/auth/login", json={"username": "bob", "password": "bob123"}).status == 200
