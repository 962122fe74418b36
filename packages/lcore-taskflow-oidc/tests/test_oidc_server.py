"""The real thing: ``taskflow serve`` processes (auth + oidc, found through their entry
points) on both engines, and the ``taskflow oidc check`` command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess, clean_environ
from oidc_testutil import Browser

pytestmark = pytest.mark.timeout(240)


def settings_for(oidc_provider, server: ServerProcess, database_url: str) -> dict[str, str]:
    registered = oidc_provider.register([f"http://127.0.0.1:{server.port}/auth/oidc/callback"],
                                        client_secret_expires_at=0)
    env = {"APP_PLUGINS_ENABLED": "auth,oidc", "APP_OIDC_ISSUER": oidc_provider.issuer,
           "APP_OIDC_CLIENT_ID": registered["client_id"],
           "APP_OIDC_CLIENT_SECRET": registered["client_secret"],
           "APP_OIDC_SCOPES": "openid,email,profile,groups",
           "APP_OIDC_TEAM_MAP": "eng=Engineering", "APP_OIDC_CREATE_TEAMS": "true",
           "APP_OIDC_ADMIN_GROUPS": "taskflow-admins",
           "APP_OIDC_PROVIDER_NAME": "Test provider"}
    if database_url.startswith("postgresql"):
        env["APP_DATABASE_URL"] = database_url
    return env


def test_sign_in_against_a_served_taskflow(tmp_path, taskflow_engine_database, oidc_provider,
                                           person):
    server = ServerProcess(tmp_path / "server")
    server.settings = settings_for(oidc_provider, server, taskflow_engine_database)
    with server:
        health = server.request("GET", "/health").json
        assert {"name": "oidc", "version": "0.3.0"} in health["plugins"], health
        info = server.request("GET", "/auth/oidc/provider").json
        assert info["enabled"] is True and info["name"] == "Test provider"

        login_name, password = person(groups=["eng", "taskflow-admins"])
        browser = Browser()
        answer = browser.sign_in(f"http://127.0.0.1:{server.port}", login_name, password)
        assert answer.status_code == 302, (answer.text, server.log())
        me = browser.me(f"http://127.0.0.1:{server.port}")
        assert me.status_code == 200, me.text
        assert (me.json()["username"], me.json()["role"]) == (login_name, "admin")

        # the session is a real one of the auth package, listed with how it began
        # (taskflow_sign_in: "records the session (listed with via)")
        sessions = browser.session.get(f"http://127.0.0.1:{server.port}/auth/sessions",
                                       headers={"Accept": "application/json"}, timeout=10)
        assert sessions.status_code == 200, sessions.text
        assert [s["via"] for s in sessions.json()["sessions"]] == ["oidc"]

        # a second sign-in of the same person is the same account
        again = Browser()
        assert again.sign_in(f"http://127.0.0.1:{server.port}", login_name,
                             password).status_code == 302
        assert again.me(f"http://127.0.0.1:{server.port}").json()["id"] == me.json()["id"]
        # a replayed callback is refused by the served app as well
        replay = again.visit(answer.request.url)
        assert replay.status_code == 400
    assert server.settings["APP_OIDC_CLIENT_SECRET"] not in server.log()


def test_taskflow_oidc_check_reads_the_provider(tmp_path, oidc_provider):
    script = [sys.executable, "-m", "lcore_taskflow.core._cli", "--env-file",
              str(tmp_path / "none.env"), "oidc", "check"]
    env = clean_environ(APP_DEBUG="true", APP_DB_PATH=str(tmp_path / "t.db"),
                        APP_PLUGINS_ENABLED="oidc", APP_OIDC_ISSUER=oidc_provider.issuer,
                        APP_OIDC_CLIENT_ID="taskflow", APP_OIDC_CLIENT_SECRET="s3cret-value",
                        APP_OIDC_REDIRECT_URL="https://tasks.example.com/auth/oidc/callback")
    done = subprocess.run(script, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"issuer:        {oidc_provider.issuer}" in done.stdout
    assert "signing keys:  1 (" in done.stdout
    assert "https://tasks.example.com/auth/oidc/callback" in done.stdout
    assert "s3cret-value" not in done.stdout + done.stderr

    env["APP_OIDC_ISSUER"] = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    done = subprocess.run(script, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "names the issuer" in done.stdout, done.stdout
