"""Auth in a foreign Lcore app: ``TaskFlowAuth``, the ``auth=`` route option, the example."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from auth_testutil import bearer, login, session_cookie, token_of
from lcore import Lcore, ctx
from lcore_taskflow.auth import TaskFlowAuth
from lcore_taskflow.core import TaskFlow
from lcore_taskflow.core._config import ConfigError
from lcore_taskflow.core.testing import FAST_CONFIG, Client

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "foreign_app" / "app.py"
SECRET = "foreign-secret-key-0123456789abcdef"


def settings(tmp_path, **extra):
    return {**FAST_CONFIG, "db_path": str(tmp_path / "foreign.db"), "seed_demo": True,
            "upload_dir": str(tmp_path / "up"), "login_rate_limit": 1000, **extra}


@pytest.fixture
def foreign(tmp_path):
    """A plain Lcore app with its own routes and ``TaskFlowAuth`` installed."""
    app = Lcore()

    @app.error(401)
    @app.error(403)
    def host_error(err):
        return f"host says {err.status_code}: {err.body}"

    app.install(TaskFlowAuth(settings(tmp_path), environ={}, dotenv=None))

    @app.get("/open")
    def open_():
        return {"open": True}

    @app.get("/closed", auth=False)
    def closed_false():
        return {"open": True}

    @app.get("/mine", auth=True, auth_via=("bearer", "cookie"))
    def mine():
        return {"user": ctx.user["username"]}

    @app.get("/boss", auth="admin")
    def boss():
        return {"boss": True}

    @app.get("/action", auth="reports:view")
    def action():
        return {"allowed": True}

    yield app
    app.taskflow.close()


def test_install_gives_core_and_auth_only(foreign):
    assert [p["name"] for p in foreign.taskflow.plugin_list()] == ["core", "auth"]


@pytest.mark.parametrize("path, anon, member, admin", [
    ("/open", 200, 200, 200), ("/closed", 200, 200, 200), ("/mine", 401, 200, 200),
    ("/boss", 401, 403, 200), ("/action", 401, 403, 200),
])
def test_route_option_rules(foreign, path, anon, member, admin):
    client = Client(foreign)
    assert client.get(path).status == anon
    assert client.get(path, headers=bearer(token_of(client, "alice"))).status == member
    assert client.get(path, headers=bearer(token_of(client, "admin"))).status == admin


def test_route_option_accepts_the_session_cookie(foreign):
    client = Client(foreign)
    cookie = session_cookie(login(client, "bob"))
    res = client.get("/mine", headers={"Cookie": cookie})
    assert res.status == 200 and res.json["user"] == "bob"


def test_refusals_on_host_routes_stay_with_the_hosts_error_handler(foreign):
    res = Client(foreign).get("/boss")
    assert res.status == 401
    assert res.text == "host says 401: Authentication required (Authorization: Bearer <token>)"
    member = Client(foreign).get("/boss", headers=bearer(token_of(Client(foreign), "bob")))
    assert member.status == 403 and member.text == "host says 403: Admin access required"
    # TaskFlow's own routes still answer TaskFlow's JSON
    assert Client(foreign).get("/api/users/").json["status"] == 401


def test_route_option_on_the_host_of_an_assembled_app(build):
    app = build()

    @app.get("/host-only", auth="admin")
    def host_only():
        return {"ok": True}

    client = Client(app)
    assert client.get("/host-only").status == 401
    assert client.get("/host-only", headers=bearer(token_of(client, "bob"))).status == 403
    assert client.get("/host-only", headers=bearer(token_of(client, "admin"))).status == 200


def test_installing_into_an_app_that_has_a_kernel(tmp_path):
    app = Lcore()
    kernel = TaskFlow(settings(tmp_path), environ={}, dotenv=None)
    app.install(kernel)
    app.install(TaskFlowAuth())
    try:
        assert app.taskflow is kernel and kernel.plugin("auth") is not None
        assert login(Client(app), "alice").status == 200
    finally:
        kernel.close()


def test_auth_disabled_but_installed_by_hand_is_refused(tmp_path):
    """APP_PLUGINS_DISABLED=auth and app.install(TaskFlowAuth()) contradict each other:
    start-up says so instead of silently keeping one (issue 23)."""
    from lcore_taskflow.core import PluginCheckError

    app = Lcore()
    with pytest.raises(PluginCheckError, match=r"plugin auth is disabled by APP_PLUGINS_DISABLED "
                                               r"\(environment APP_PLUGINS_DISABLED\)"):
        app.install(TaskFlowAuth(settings(tmp_path), environ={"APP_PLUGINS_DISABLED": "auth"},
                                 dotenv=None))
    assert getattr(app, "taskflow", None) is None
    kernel = TaskFlow(settings(tmp_path / "2", plugins_disabled=["auth"]), environ={},
                      dotenv=None)
    other = Lcore()
    other.install(kernel)
    try:
        with pytest.raises(PluginCheckError, match="plugin auth is disabled"):
            other.install(TaskFlowAuth())
        assert kernel.plugin("auth") is None
    finally:
        kernel.close()


@pytest.mark.parametrize("bad, key", [
    ({"token_ttl": "abc"}, "token_ttl"), ({"token_ttl": 5}, "token_ttl"),
    ({"previous_secret_keys": "short"}, "previous_secret_keys"),
    ({"login_rate_limit": 0}, "login_rate_limit"), ({"cookie_secure": "maybe"}, "cookie_secure"),
])
def test_auth_config_is_validated(tmp_path, bad, key):
    with pytest.raises(ConfigError, match=key):
        Lcore().install(TaskFlowAuth(settings(tmp_path, **bad), environ={}, dotenv=None))


def test_auth_config_from_environment(tmp_path):
    app = Lcore()
    environ = {"APP_TOKEN_TTL": "120", "APP_PREVIOUS_SECRET_KEYS": "a" * 16 + "," + "b" * 16,
               "APP_COOKIE_SECURE": "true"}
    app.install(TaskFlowAuth(settings(tmp_path), environ=environ, dotenv=None))
    try:
        config = app.taskflow.config
        assert config.token_ttl == 120 and config.cookie_secure is True
        assert config.previous_secret_keys == ["a" * 16, "b" * 16]
    finally:
        app.taskflow.close()


# ------------------------------------------------------------- the example

@pytest.fixture
def example(tmp_path, monkeypatch):
    """``examples/foreign_app/app.py`` imported with a temporary database."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("APP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("APP_SECRET_KEY", SECRET)
    monkeypatch.setenv("APP_DB_PATH", str(tmp_path / "example.db"))
    monkeypatch.setenv("APP_PASSWORD_ITERATIONS", "1000")
    monkeypatch.setenv("APP_LOGIN_RATE_LIMIT", "1000")
    spec = importlib.util.spec_from_file_location("foreign_app_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.app
    module.app.taskflow.close()


def test_example_loads_only_core_and_auth(example):
    assert {p["name"] for p in example.taskflow.plugin_list()} == {"core", "auth"}
    assert example.taskflow.config.port == 8081


@pytest.mark.parametrize("who, hello, me, reports", [
    (None, 200, 401, 401), ("alice", 200, 200, 403), ("admin", 200, 200, 200),
])
def test_example_routes(example, who, hello, me, reports):
    client = Client(example)
    headers = bearer(token_of(client, who)) if who else {}
    assert client.get("/hello", headers=headers).status == hello
    res = client.get("/me", headers=headers)
    assert res.status == me
    if who:
        assert res.json["username"] == who
    res = client.get("/reports", headers=headers)
    assert res.status == reports
    if reports == 200:
        assert res.json["report"]["users"] == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, data: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_example_serves_with_waitress(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(APP_PORT=str(port), APP_SECRET_KEY=SECRET, APP_PASSWORD_ITERATIONS="1000",
               APP_DB_PATH=str(tmp_path / "served.db"))
    proc = subprocess.Popen([sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = _call(f"{base}/hello")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"the example did not start: {out}")
                time.sleep(0.2)
        assert status == 200
        assert _call(f"{base}/reports")[0] == 401
        _, session = _call(f"{base}/auth/login", {"username": "alice", "password": "alice123"})
        assert _call(f"{base}/me", token=session["token"])[1]["username"] == "alice"
        assert _call(f"{base}/reports", token=session["token"])[0] == 403
        _, session = _call(f"{base}/auth/login", {"username": "admin", "password": "admin123"})
        assert _call(f"{base}/reports", token=session["token"])[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
