"""Auth's part of the HTTP contract over real HTTP, on both engines (issue 24).

A real ``taskflow serve`` (core + auth) per engine: a NUL in the credentials
is a 422 (JSON) or a plain 401 (HTTP Basic), never a 500 on PostgreSQL; the
access log records a refused request with the status the client got (429,
not 500); a cookie sign-out must prove it is same-site, as the OpenAPI
document says, and then really ends the session.
"""

from __future__ import annotations

import base64
import json

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database
from lcore_taskflow.core.testing.serve import ServerProcess

LIMIT = 3
NUL = "\u0000"


@pytest.fixture(scope="module", params=ENGINES)
def server(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"auth-contract-{request.param}")
    with engine_database(request.param, workdir) as url:
        settings = {"APP_DATABASE_URL": url, "APP_PLUGINS_ENABLED": "auth",
                    "APP_LOG_LEVEL": "INFO", "APP_LOGIN_RATE_LIMIT": str(LIMIT),
                    "APP_TRUSTED_PROXIES": "127.0.0.1"}  # each test its own X-Forwarded-For
        with ServerProcess(workdir, settings) as proc:
            yield proc


def errors_logged(server) -> list[str]:
    return [line for line in server.log(500_000).splitlines() if " ERROR " in line]


def access_log(server, path: str) -> list[dict]:
    entries = []
    for line in server.log(500_000).splitlines():
        if "lcore_taskflow.http:" in line:
            entry = json.loads(line.split("lcore_taskflow.http: ", 1)[1])
            if entry["path"] == path:
                entries.append(entry)
    return entries


def sign_in(server, username="alice", password="alice123", client="203.0.113.9"):
    resp = server.request("POST", "/auth/login", json={"username": username,
                                                       "password": password},
                          headers={"X-Forwarded-For": client})
    assert resp.status == 200, resp
    cookie = resp.headers["set-cookie"].split(";", 1)[0]
    return resp.json["token"], cookie


@pytest.mark.parametrize("body", [
    {"username": f"admin{NUL}", "password": "admin123"},
    {"username": "admin", "password": f"admin123{NUL}"},
    {"username": "admin", "password": "admin123", "totp": f"{NUL}123456"},
])
def test_nul_in_a_login_is_a_422_naming_the_field(server, body):
    field = next(k for k, v in body.items() if NUL in v)
    resp = server.request("POST", "/auth/login", json=body,
                          headers={"X-Forwarded-For": "203.0.113.1"})
    assert resp.status == 422, resp
    assert field in resp.json["fields"]
    assert "NUL" in resp.json["fields"][field]
    assert not errors_logged(server)


def test_nul_in_http_basic_credentials_is_a_401(server):
    for user, password in ((f"alice{NUL}", "alice123"), ("alice", f"alice123{NUL}")):
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        resp = server.request("GET", "/auth/basic-demo", headers={
            "Authorization": f"Basic {basic}", "X-Forwarded-For": "203.0.113.50"})
        assert resp.status == 401, resp
    assert not errors_logged(server)


def test_the_access_log_records_a_429_as_429(server):
    wrong = base64.b64encode(b"bob:not-his-password").decode()
    statuses = [server.request("GET", "/auth/basic-demo", headers={
        "Authorization": f"Basic {wrong}", "X-Forwarded-For": "203.0.113.77"}).status
        for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429], statuses
    logged = [e["status"] for e in access_log(server, "/auth/basic-demo")
              if e["remote_addr"] == "203.0.113.77"]
    assert logged == statuses, logged


def test_the_document_names_the_header_the_server_wants(server):
    scheme = server.request("GET", "/openapi.json").json["components"]["securitySchemes"]
    text = scheme["cookieAuth"]["description"]
    assert "X-Requested-With" in text and "X-CSRF-Token" not in text
    logout = server.request("GET", "/openapi.json").json["paths"]["/auth/logout"]["post"]
    assert "403" in logout["responses"]


def test_a_cookie_logout_without_the_header_is_refused_and_revokes_nothing(server):
    token, cookie = sign_in(server)
    refused = server.request("POST", "/auth/logout", headers={"Cookie": cookie})
    assert refused.status == 403, refused
    assert "X-Requested-With" in refused.json["error"]
    assert "set-cookie" not in refused.headers  # the cookie is not cleared either
    still = server.request("GET", "/auth/me", headers={"Cookie": cookie})
    assert still.status == 200 and still.json["username"] == "alice"

    done = server.request("POST", "/auth/logout", headers={
        "Cookie": cookie, "X-Requested-With": "XMLHttpRequest"})
    assert done.status == 200 and done.json["revoked"] is True, done
    assert server.request("GET", "/auth/me", headers={"Cookie": cookie}).status == 401
    # the cookie's session was the token's too: it ended everywhere
    assert server.request("GET", "/auth/me", headers={
        "Authorization": f"Bearer {token}"}).status == 401


def test_a_bearer_logout_needs_no_header(server):
    token, _ = sign_in(server, "bob", "bob123", client="203.0.113.10")
    done = server.request("POST", "/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert done.status == 200 and done.json["revoked"] is True
    assert server.request("GET", "/auth/me", headers={
        "Authorization": f"Bearer {token}"}).status == 401
