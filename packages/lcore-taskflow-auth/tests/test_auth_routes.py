"""The ``/auth/`` sub-app: login, register, me, logout, basic-demo."""

from __future__ import annotations

import pytest
from auth_testutil import basic, bearer, from_address, login, session_cookie, token_of
from lcore_taskflow.auth._tokens import verify_token
from lcore_taskflow.core.testing import Client, assert_error


def deactivate(kernel, username: str) -> None:
    with kernel.database() as db:
        db.execute("UPDATE users SET is_active = 0 WHERE username = ?", (username,))


# ------------------------------------------------------------------ login

def test_login_returns_token_user_and_session_cookie(client, kernel):
    res = login(client, "alice")
    assert res.status == 200
    body = res.json
    assert body["user"] == {"id": body["user"]["id"], "username": "alice", "role": "member",
                            "language": None}
    payload = verify_token(body["token"], kernel.config.secret_key)
    assert payload["sub"] == body["user"]["id"] and payload["exp"] - payload["iat"] == 3600
    cookie = res.headers["set-cookie"]
    assert cookie.startswith("session_user=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered
    assert "max-age=3600" in lowered and "path=/" in lowered
    assert "secure" not in lowered
    assert "password" not in res.text


def test_login_says_the_profile_language(client, kernel):
    """A frontend shows itself in the profile's language from the first screen (SPEC §13)."""
    with kernel.database() as db:
        db.execute("UPDATE users SET language = 'de' WHERE username = 'bob'")
    res = login(client, "bob")
    assert res.status == 200 and res.json["user"]["language"] == "de", res.json
    assert login(client, "alice").json["user"]["language"] is None


def test_cookie_secure_and_ttl_come_from_config(build):
    client = Client(build(cookie_secure=True, token_ttl=600))
    res = login(client, "bob")
    lowered = res.headers["set-cookie"].lower()
    assert "; secure" in lowered and "max-age=600" in lowered
    payload = verify_token(res.json["token"], client.app.taskflow.config.secret_key)
    assert payload["exp"] - payload["iat"] == 600


@pytest.mark.parametrize("username, password", [
    ("alice", "wrong-password"), ("nobody", "alice123"), ("ALICE", "Alice123"),
])
def test_bad_credentials_401_with_one_message(client, username, password):
    res = login(client, username, password)
    assert res.status == 401
    assert res.json == {"error": "Invalid username or password", "status": 401}
    assert "set-cookie" not in res.headers


def test_inactive_user_cannot_log_in(client, kernel):
    deactivate(kernel, "bob")
    res = login(client, "bob")
    assert res.status == 401
    assert res.json["error"] == "Invalid username or password"


def test_unknown_username_still_verifies_a_hash(client, monkeypatch):
    """Same work whether or not the user exists: no timing oracle for usernames."""
    calls = []
    from lcore_taskflow.core import _directory  # core checks passwords for every plugin

    real = _directory.verify_password

    def counting(password, hash_string):
        calls.append(hash_string)
        return real(password, hash_string)

    monkeypatch.setattr(_directory, "verify_password", counting)
    assert login(client, "nobody", "whatever1").status == 401
    assert login(client, "alice", "whatever1").status == 401
    assert len(calls) == 2
    iterations = {h.split("$", 1)[0] for h in calls}
    assert len(iterations) == 1  # the dummy hash costs what a real one costs


@pytest.mark.parametrize("body, field", [
    ({"password": "x"}, "username"),
    ({"username": "alice"}, "password"),
    ({"username": 5, "password": "alice123"}, "username"),
    ({"username": "alice", "password": ["alice123"]}, "password"),
    ({"username": "alice", "password": ""}, "password"),
])
def test_login_validation_422(client, body, field):
    res = client.post("/auth/login", json=body)
    assert res.status == 422
    assert field in res.json["fields"]


def test_login_malformed_json_400(client):
    res = client.post("/auth/login", body=b"{nope", headers={"Content-Type": "application/json"})
    assert res.status == 400


def test_login_rate_limit_per_client(build):
    app = build(login_rate_limit=5, login_rate_window=300)
    attacker = Client(from_address(app, "203.0.113.9"))
    statuses = [login(attacker, "alice", f"guess-{i}").status for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert login(attacker, "alice").status == 429  # even the right password, for now
    assert login(Client(from_address(app, "198.51.100.7")), "alice").status == 200


def test_login_rate_limit_defaults_to_5_per_300s(build):
    config = build().taskflow.config
    assert (config.login_rate_limit, config.login_rate_window) == (1000, 300)  # tests widen it
    from lcore_taskflow.auth._config import AuthConfig
    assert (AuthConfig().login_rate_limit, AuthConfig().login_rate_window) == (5, 300)


# --------------------------------------------------------------- register

def new_account(**extra):
    return {"username": "carol", "email": "carol@example.com", "password": "s3cret-pass",
            **extra}


def test_register_creates_a_member_and_emits_event(client, recorder):
    res = client.post("/auth/register", json=new_account())
    assert res.status == 201
    assert res.json["username"] == "carol" and res.json["role"] == "member"
    assert isinstance(res.json["id"], int)
    assert "user.registered" in recorder.types()
    assert login(client, "carol", "s3cret-pass").status == 200


def test_register_ignores_role_admin(client, kernel):
    res = client.post("/auth/register", json=new_account(role="admin"))
    assert res.status == 201 and res.json["role"] == "member"
    with kernel.database() as db:
        assert db.scalar("SELECT role FROM users WHERE username = 'carol'") == "member"
    assert login(client, "carol", "s3cret-pass").json["user"]["role"] == "member"


@pytest.mark.parametrize("dup", [{"username": "ALICE"}, {"email": "Alice@TaskFlow.local"}])
def test_register_duplicate_409(client, dup):
    res = client.post("/auth/register", json=new_account(**dup))
    assert res.status == 409
    assert set(res.json["fields"]) & {"username", "email"}


@pytest.mark.parametrize("change, field", [
    ({"email": "not-an-email"}, "email"),
    ({"password": "short7!"}, "password"),
    ({"password": 12345678}, "password"),
    ({"username": "a"}, "username"),
    ({"username": None}, "username"),
])
def test_register_validation_422(client, change, field):
    res = client.post("/auth/register", json=new_account(**change))
    assert res.status == 422
    assert field in res.json["fields"]


def test_register_rate_limited(build):
    client = Client(from_address(build(register_rate_limit=2), "203.0.113.10"))
    statuses = [client.post("/auth/register", json=new_account(username=f"user{i}",
                                                               email=f"u{i}@example.com")).status
                for i in range(3)]
    assert statuses == [201, 201, 429]


def test_registration_can_be_closed(build):
    res = Client(build(registration_open=False)).post("/auth/register", json=new_account())
    assert res.status == 403


# --------------------------------------------------------------------- me

def test_me_via_cookie(client):
    cookie = session_cookie(login(client, "alice"))
    res = client.get("/auth/me", headers={"Cookie": cookie})
    assert res.status == 200
    assert {k: res.json[k] for k in ("username", "email", "role")} == {
        "username": "alice", "email": "alice@taskflow.local", "role": "member"}
    assert "password_hash" not in res.json


def test_me_says_whether_two_factor_sign_in_is_on(client, kernel):
    import pyotp

    token = token_of(client, "alice")
    assert client.get("/auth/me", headers=bearer(token)).json["totp"] is False
    secret = client.post("/auth/totp", headers=bearer(token)).json["secret"]
    done = client.post("/auth/totp/confirm", headers=bearer(token),
                       json={"code": pyotp.TOTP(secret).now()})
    assert done.status == 200, done
    assert client.get("/auth/me", headers=bearer(token)).json["totp"] is True


def test_the_cookie_session_as_a_bearer_token(client, kernel):
    """After single sign-on only the cookie exists: the frontend asks for its token."""
    signed_in = login(client, "alice")
    cookie = session_cookie(signed_in)
    refused = client.post("/auth/token", headers={"Cookie": cookie})
    assert_error(refused, 403)
    assert "X-Requested-With" in refused.json["error"]
    same = client.post("/auth/token", headers={"Cookie": cookie, "X-Requested-With": "fetch"})
    assert same.status == 200, same
    assert same.json["token"] == signed_in.json["token"]  # the same session, not a new one
    assert same.json["user"] == signed_in.json["user"]
    assert 3500 < same.json["expires_in"] <= 3600
    assert client.get("/api/projects/", headers=bearer(same.json["token"])).status == 200
    # no cookie (a bearer token is not one), or a session that ended: nothing to hand over
    assert client.post("/auth/token", headers=bearer(same.json["token"])).status == 204
    assert client.post("/auth/token", headers={"X-Requested-With": "fetch"}).status == 204
    assert client.post("/auth/logout", headers=bearer(same.json["token"])).status == 200
    ended = client.post("/auth/token", headers={"Cookie": cookie, "X-Requested-With": "fetch"})
    assert ended.status == 204 and not ended.body


def test_me_via_bearer(client):
    res = client.get("/auth/me", headers=bearer(token_of(client, "admin")))
    assert res.status == 200 and res.json["role"] == "admin"


@pytest.mark.parametrize("headers", [
    {}, {"Cookie": "session_user=alice"}, {"Cookie": 'session_user="!forged?abc"'},
    {"Authorization": "Bearer nonsense"},
])
def test_me_anonymous_or_forged_401(client, headers):
    res = client.get("/auth/me", headers=headers)
    assert res.status == 401
    assert res.json["status"] == 401


def test_cookie_signed_with_another_secret_is_refused(build, tmp_path):
    first = Client(build())
    cookie = session_cookie(login(first, "alice"))
    other = Client(build(secret_key="another-secret-key-0123456789abcdef"))
    assert other.get("/auth/me", headers={"Cookie": cookie}).status == 401


def test_cookie_of_deactivated_user_is_refused(client, kernel):
    cookie = session_cookie(login(client, "bob"))
    deactivate(kernel, "bob")
    assert client.get("/auth/me", headers={"Cookie": cookie}).status == 401


# ----------------------------------------------------------------- logout

def test_logout_clears_the_cookie(client):
    res = client.post("/auth/logout")
    assert res.status == 200
    cookie = res.headers["set-cookie"].lower()
    assert cookie.startswith("session_user=") and "max-age=-1" in cookie
    assert "httponly" in cookie


# ------------------------------------------------------------------ basic

def test_basic_demo_asks_for_credentials(client):
    res = client.get("/auth/basic-demo")
    assert res.status == 401
    assert res.headers["www-authenticate"] == 'Basic realm="TaskFlow"'
    assert res.json["status"] == 401


def test_basic_demo_with_credentials(client):
    res = client.get("/auth/basic-demo", headers=basic("alice", "alice123"))
    assert res.status == 200 and "message" in res.json


@pytest.mark.parametrize("headers", [
    basic("alice", "nope"), basic("ghost", "alice123"), {"Authorization": "Basic !!!"},
    {"Authorization": "Basic " + "QQ=="}, {"Authorization": "Bearer x"},
])
def test_basic_demo_bad_credentials(client, headers):
    res = client.get("/auth/basic-demo", headers=headers)
    assert res.status == 401
    assert res.headers["www-authenticate"] == 'Basic realm="TaskFlow"'


def test_basic_demo_refuses_inactive_user(client, kernel):
    deactivate(kernel, "alice")
    assert client.get("/auth/basic-demo", headers=basic("alice", "alice123")).status == 401


def test_registration_and_password_login_change_at_runtime(build):
    """The plugins screen (PUT /api/admin/plugins/auth/settings) closes registration
    and password sign-in at once, without a restart; secrets stay masked."""
    app = build()
    admin = Client(app).with_token(token_of(Client(app), "admin"))
    listed = {p["name"]: p for p in admin.get("/api/admin/plugins").json["plugins"]}
    fields = {s["key"]: s for s in listed["auth"]["settings"]}
    assert fields["registration_open"]["runtime"] is True
    assert fields["previous_secret_keys"]["secret"] is True
    assert fields["login_rate_limit"]["restart"] == "restart needed: set APP_LOGIN_RATE_LIMIT"
    changed = admin.put("/api/admin/plugins/auth/settings",
                        json={"registration_open": False, "password_login": False})
    assert changed.status == 200, changed
    assert Client(app).post("/auth/register", json=new_account()).status == 403
    assert Client(app).post("/auth/login", json={"username": "alice",
                                                 "password": "alice123"}).status == 403
    refused = admin.put("/api/admin/plugins/auth/settings", json={"token_ttl": 5})
    assert_error(refused, 422, fields=("token_ttl",))
    assert admin.put("/api/admin/plugins/auth/settings",
                     json={"registration_open": True}).status == 200
    assert Client(app).post("/auth/register", json=new_account()).status == 201
