"""The package as a package: its boundary, its configuration, its place in an app."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import lcore_taskflow.oidc
import pytest
from lcore import Lcore
from lcore_taskflow.core import ConfigError
from lcore_taskflow.core.testing import Client, assert_error, installed_plugin, private_imports
from lcore_taskflow.oidc import OIDCConfig, OIDCPlugin, TaskFlowOIDC, groups_of
from oidc_testutil import Browser, LiveServer

SOURCE = Path(lcore_taskflow.oidc.__file__).parent
pytestmark = pytest.mark.timeout(120)


def test_it_imports_only_core_s_public_api():
    assert private_imports(SOURCE) == []
    text = "\n".join(p.read_text() for p in SOURCE.rglob("*.py"))
    assert "lcore_taskflow.auth" not in text and "lcore_taskflow.ui" not in text


def test_importing_it_does_nothing():
    """No client library, no HTTP session, no thread until a kernel assembles the plugin."""
    code = ("import sys, threading, lcore_taskflow.oidc as o; "
            "print(o.__version__, 'authlib' in sys.modules, 'requests' in sys.modules, "
            "threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == [lcore_taskflow.oidc.__version__, "False", "False", "1"]


def test_it_is_discovered_and_typed():
    found = {ep.name: ep.value for ep in metadata.entry_points(group="lcore_taskflow.plugins")}
    assert found["oidc"] == "lcore_taskflow.oidc:OIDCPlugin"
    assert isinstance(installed_plugin("oidc"), OIDCPlugin)
    assert (SOURCE / "py.typed").is_file()
    for name in lcore_taskflow.oidc.__all__:
        assert hasattr(lcore_taskflow.oidc, name), name


@pytest.mark.parametrize(("settings", "key"), [
    ({"oidc_issuer": "http://id.example.com", "oidc_client_id": "x"}, "oidc_issuer"),
    ({"oidc_issuer": "ftp://id.example.com", "oidc_client_id": "x"}, "oidc_issuer"),
    ({"oidc_issuer": "https://id.example.com?tenant=1", "oidc_client_id": "x"}, "oidc_issuer"),
    ({"oidc_issuer": "https://id.example.com"}, "oidc_client_id"),
    ({"oidc_scopes": ["email", "profile"]}, "oidc_scopes"),
    ({"oidc_redirect_url": "/auth/oidc/callback"}, "oidc_redirect_url"),
    ({"oidc_team_map": ["=Team"]}, "oidc_team_map"),
    ({"oidc_team_map": ["eng=" + "x" * 101]}, "oidc_team_map"),
    ({"oidc_groups_claim": " "}, "oidc_groups_claim"),
    ({"oidc_timeout": 0}, "oidc_timeout"),
    ({"oidc_login_ttl": 5}, "oidc_login_ttl"),
])
def test_bad_settings_stop_start_up_naming_the_key(taskflow_app, settings, key):
    with pytest.raises(ConfigError, match=key):
        taskflow_app(plugins=[OIDCPlugin()], **settings)


def test_good_settings_are_accepted_from_the_environment_s_strings(tmp_path):
    from lcore_taskflow.core import create_app

    app = create_app(plugins=[OIDCPlugin()], discover=False, dotenv=None, environ={
        "APP_DEBUG": "true", "APP_DB_PATH": str(tmp_path / "t.db"),
        "APP_OIDC_ISSUER": "https://id.example.com/realms/acme",
        "APP_OIDC_CLIENT_ID": "taskflow", "APP_OIDC_CLIENT_SECRET": "s3cret",
        "APP_OIDC_SCOPES": "openid,email,profile,groups",
        "APP_OIDC_TEAM_MAP": "eng=Engineering,design=Design Team,ops",
        "APP_OIDC_ADMIN_GROUPS": "taskflow-admins", "APP_OIDC_CREATE_USERS": "false"})
    try:
        settings = OIDCConfig.from_config(app.taskflow.config)
        assert settings.team_map() == [("eng", "Engineering"), ("design", "Design Team"),
                                       ("ops", "ops")]
        assert settings.oidc_admin_groups == ["taskflow-admins"]
        assert settings.oidc_create_users is False
        assert app.taskflow.config.redacted()["oidc_client_secret"] == "***"
    finally:
        app.taskflow.close()


def test_the_client_secret_is_never_shown(taskflow_app):
    app = taskflow_app(plugins=[OIDCPlugin()], debug=True, oidc_issuer="https://id.example.com",
                       oidc_client_id="taskflow", oidc_client_secret="very-secret-value")
    shown = Client(app).as_user("admin").get("/debug/config")
    assert shown.status == 200, shown
    assert "very-secret-value" not in shown.text
    assert shown.json["config"]["oidc_client_secret"] == "***"
    assert shown.json["config"]["oidc_client_id"] == "taskflow"


def test_the_routes_are_in_the_openapi_document(taskflow_app):
    doc = Client(taskflow_app(plugins=[OIDCPlugin()])).get("/openapi.json").json
    for path in ("/auth/oidc/login", "/auth/oidc/callback", "/auth/oidc/provider"):
        assert "get" in doc["paths"][path], path
    answers = doc["paths"]["/auth/oidc/callback"]["get"]["responses"]
    assert {"302", "400", "401", "403", "502"} <= set(answers)


def test_the_provider_endpoint_names_the_provider(taskflow_app):
    app = taskflow_app(plugins=[OIDCPlugin()], oidc_issuer="https://login.acme.example",
                       oidc_client_id="taskflow")
    shown = Client(app).get("/auth/oidc/provider").json
    assert {k: shown[k] for k in ("enabled", "name", "login_url")} == {
        "enabled": True, "name": "login.acme.example", "login_url": "/auth/oidc/login"}
    app = taskflow_app(plugins=[OIDCPlugin()], oidc_issuer="https://login.acme.example",
                       oidc_client_id="taskflow", oidc_provider_name="Acme SSO",
                       mount_prefix="/pm")
    assert Client(app).get("/pm/auth/oidc/provider").json["name"] == "Acme SSO"
    assert Client(app).get("/pm/auth/oidc/provider").json["login_url"] == "/pm/auth/oidc/login"


@pytest.mark.parametrize(("claims", "name", "groups"), [
    ({"groups": ["a", "b"]}, "groups", {"a", "b"}),
    ({"groups": "solo"}, "groups", {"solo"}),
    ({"realm_access": {"roles": ["x", 7]}}, "realm_access.roles", {"x", "7"}),
    ({"https://acme.example/groups": ["y"]}, "https://acme.example/groups", {"y"}),
    ({"groups": {"not": "a list"}}, "groups", set()),
    ({}, "groups", set()),
])
def test_groups_claims_of_every_shape(claims, name, groups):
    assert groups_of(claims, name) == groups


def test_a_foreign_lcore_app_installs_it_the_lcore_way(tmp_path, oidc_provider, person):
    """The README's example: an ordinary Lcore app keeps its routes and gains single sign-on."""
    from lcore_taskflow.auth import TaskFlowAuth  # the test's session plugin (never in src/)

    server = LiveServer()
    app = Lcore()
    try:
        registered = oidc_provider.register([server.base + "/auth/oidc/callback"])

        @app.get("/hello")
        def say_hello():
            return {"hello": "world"}

        app.install(TaskFlowAuth({
            "secret_key": "foreign-app-secret-0123456789", "db_path": str(tmp_path / "app.db"),
            "password_iterations": 1000, "seed_demo": False}, environ={}, dotenv=None))
        app.install(TaskFlowOIDC({
            "oidc_issuer": oidc_provider.issuer, "oidc_client_id": registered["client_id"],
            "oidc_client_secret": registered["client_secret"],
            "oidc_redirect_url": server.base + "/auth/oidc/callback"}))
        server.serve(app)
        login_name, password = person()
        browser = Browser()
        assert browser.sign_in(server.base, login_name, password).status_code == 302
        assert browser.me(server.base).json()["username"] == login_name
        hello = browser.session.get(server.base + "/hello", timeout=10)
        assert hello.status_code == 200 and hello.json() == {"hello": "world"}
    finally:
        server.stop()
        app.close()


def test_a_route_error_page_is_only_for_browsers_on_its_own_routes(taskflow_app):
    app = taskflow_app(plugins=[OIDCPlugin()])
    page = Client(app).get("/auth/oidc/login", headers={"Accept": "text/html"})
    assert page.status == 503 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Sign-in unavailable</h1>" in page.text and "APP_OIDC_ISSUER" in page.text
    assert_error(Client(app).get("/auth/oidc/login"), 503)  # JSON for API clients
    other = Client(app).get("/api/nothing-here", headers={"Accept": "text/html"})
    assert "Sign-in" not in other.text
    assert json.loads(other.text)["status"] == 404
