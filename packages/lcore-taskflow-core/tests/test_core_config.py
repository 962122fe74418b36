"""Configuration: precedence, coercion, validation errors, secrets, plugin schemas."""

from __future__ import annotations

import dataclasses

import pytest
from core_testutil import assert_error
from lcore_taskflow.core import create_app, hookimpl
from lcore_taskflow.core._config import (
    REDACTED,
    ConfigError,
    CoreConfig,
    build_settings,
    gather_sources,
)
from lcore_taskflow.core.testing import Client, HeaderIdentity

SECRET = "a-very-long-test-secret-key-42"


def build(tmp_path, config=None, *, environ=None, dotenv=None, plugins=()):
    settings = {"db_path": str(tmp_path / "t.db"), "upload_dir": str(tmp_path / "up"),
                "password_iterations": 1000, "secret_key": SECRET, **(config or {})}
    app = create_app(settings, plugins=plugins, discover=False,
                     environ=environ or {}, dotenv=dotenv)
    return app


@pytest.fixture
def closing():
    apps = []
    yield apps.append
    for app in apps:
        app.taskflow.close()


def test_precedence_defaults_dotenv_environ(tmp_path, closing):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nAPP_APP_NAME=from-dotenv\nAPP_THREADS=3\n"
                        "export APP_API_VERSION='2.0.0'\n")
    app = build(tmp_path, {"app_name": "from-defaults", "threads": 2, "port": 9000,
                           "api_version": "1.5.0"},
                environ={"APP_APP_NAME": "from-environ", "UNRELATED": "x"}, dotenv=env_file)
    closing(app)
    cfg = app.taskflow.config
    assert cfg.app_name == "from-environ"          # environ beats .env and defaults
    assert cfg.threads == 3                         # .env beats defaults, coerced to int
    assert cfg.api_version == "2.0.0"               # quotes and "export" handled
    assert cfg.port == 9000                         # defaults dict beats built-in default
    assert cfg.host == "127.0.0.1"                  # built-in default
    assert "unrelated" not in cfg


def test_the_app_factory_reads_the_env_file_named_by_taskflow_env_file(tmp_path, closing,
                                                                      monkeypatch):
    """``create_app()`` with no arguments is the packaged WSGI factory (gunicorn,
    waitress-serve --call): its .env is $TASKFLOW_ENV_FILE, as for the CLI (issue 24)."""
    env_file = tmp_path / "taskflow.env"
    env_file.write_text("APP_APP_NAME=from-the-named-file\n")
    (tmp_path / ".env").write_text("APP_APP_NAME=from-the-working-directory\n")
    monkeypatch.chdir(tmp_path)
    settings = {"db_path": str(tmp_path / "t.db"), "upload_dir": str(tmp_path / "up"),
                "password_iterations": 1000, "secret_key": SECRET}
    named = create_app(settings, discover=False, environ={"TASKFLOW_ENV_FILE": str(env_file)})
    closing(named)
    assert named.taskflow.config.app_name == "from-the-named-file"
    local = create_app(settings, discover=False, environ={})
    closing(local)
    assert local.taskflow.config.app_name == "from-the-working-directory"


def test_coercion_of_bool_float_and_lists(tmp_path, closing):
    app = build(tmp_path, environ={"APP_HSTS": "yes", "APP_DB_BUSY_TIMEOUT": "2.5",
                                   "APP_CORS_ORIGINS": "https://a.example, https://b.example",
                                   "APP_PLUGINS_DISABLED": ""})
    closing(app)
    cfg = app.taskflow.config
    assert cfg.hsts is True
    assert cfg.db_busy_timeout == 2.5
    assert cfg.cors_origins == ["https://a.example", "https://b.example"]
    assert cfg.plugins_disabled == []


def test_environment_is_not_mutated(tmp_path, closing, monkeypatch):
    import os

    monkeypatch.delenv("APP_APP_NAME", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("APP_APP_NAME=dotenv-only\n")
    closing(build(tmp_path, dotenv=env_file))
    assert "APP_APP_NAME" not in os.environ


@pytest.mark.parametrize("origin", ["environ", "dotenv"])
def test_bad_port_names_key_type_and_origin(tmp_path, origin):
    env_file = tmp_path / "bad.env"
    env_file.write_text("APP_PORT=abc\n")
    kwargs = ({"environ": {"APP_PORT": "abc"}} if origin == "environ"
              else {"dotenv": env_file})
    with pytest.raises(ConfigError) as info:
        build(tmp_path, **kwargs)
    message = str(info.value)
    assert "port" in message and "int" in message and "'abc'" in message
    assert ("environment APP_PORT" in message if origin == "environ"
            else str(env_file) in message)


def test_every_bad_key_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as info:
        build(tmp_path, environ={"APP_PORT": "99999", "APP_THREADS": "many",
                                 "APP_DEBUG": "perhaps"})
    message = str(info.value)
    assert "port: expected 1-65535" in message
    assert "threads: expected int" in message
    assert "debug: expected bool" in message


def test_default_secret_refused_unless_debug(tmp_path, closing):
    with pytest.raises(ConfigError, match="secret_key"):
        build(tmp_path, {"secret_key": "change-me-in-production"})
    with pytest.raises(ConfigError, match="secret_key"):
        build(tmp_path, {"secret_key": "short"})
    app = build(tmp_path, {"secret_key": "change-me-in-production"},
                environ={"APP_DEBUG": "true"})
    closing(app)
    assert app.taskflow.config.debug is True


@dataclasses.dataclass
class WidgetConfig:
    widget_count: int = 3
    widget_labels: list[str] = dataclasses.field(default_factory=lambda: ["a"])
    widget_password: str = ""

    def validate(self):
        return ["widget_count: must be at most 10"] if self.widget_count > 10 else []


class WidgetPlugin:
    name = "widgets"
    version = "2.0"

    @hookimpl
    def taskflow_config_schema(self):
        return WidgetConfig


class ClashingPlugin:
    name = "clash"

    @hookimpl
    def taskflow_config_schema(self):
        @dataclasses.dataclass
        class Clash:
            widget_count: int = 1

        return Clash


class CoreClashPlugin:
    name = "core-clash"

    @hookimpl
    def taskflow_config_schema(self):
        @dataclasses.dataclass
        class Clash:
            port: int = 1

        return Clash


def test_plugin_config_fields_are_loaded_and_coerced(tmp_path, closing):
    app = build(tmp_path, plugins=[WidgetPlugin()],
                environ={"APP_WIDGET_COUNT": "7", "APP_WIDGET_LABELS": "x,y"})
    closing(app)
    cfg = app.taskflow.config
    assert cfg.widget_count == 7 and cfg.widget_labels == ["x", "y"]


def test_plugin_config_fields_are_validated(tmp_path):
    with pytest.raises(ConfigError, match=r"widget_count: expected int, got 'many'"):
        build(tmp_path, plugins=[WidgetPlugin()], environ={"APP_WIDGET_COUNT": "many"})
    with pytest.raises(ConfigError, match="widget_count: must be at most 10"):
        build(tmp_path, plugins=[WidgetPlugin()], environ={"APP_WIDGET_COUNT": "11"})


def test_two_plugins_declaring_the_same_key(tmp_path):
    with pytest.raises(ConfigError, match="widget_count: declared by both widgets and clash"):
        build(tmp_path, plugins=[WidgetPlugin(), ClashingPlugin()])
    with pytest.raises(ConfigError, match="port: declared by both core and core-clash"):
        build(tmp_path, plugins=[CoreClashPlugin()])


def test_secrets_redacted_in_debug_config(tmp_path, closing):
    app = build(tmp_path, {"debug": True}, plugins=[HeaderIdentity(), WidgetPlugin()],
                environ={"APP_WIDGET_PASSWORD": "hunter2-widget"})
    closing(app)
    resp = Client(app).as_user("admin").get("/debug/config")
    assert resp.status == 200
    cfg = resp.json["config"]
    assert cfg["secret_key"] == REDACTED and cfg["widget_password"] == REDACTED
    assert cfg["port"] == 8080
    assert SECRET not in resp.text and "hunter2-widget" not in resp.text
    # The copy in the Lcore app's config is redacted too.
    assert SECRET not in repr(dict(app.config))
    assert app.taskflow.config.secret_key == SECRET


def test_debug_config_is_admin_only_and_absent_outside_debug(tmp_path, closing):
    app = build(tmp_path, {"debug": True}, plugins=[HeaderIdentity()])
    closing(app)
    assert_error(Client(app).as_user("alice").get("/debug/config"), 403)
    assert_error(Client(app).get("/debug/config"), 401)
    other = build(tmp_path / "b", plugins=[HeaderIdentity()])
    closing(other)
    assert_error(Client(other).as_user("admin").get("/debug/config"), 404)


@pytest.mark.parametrize("weak", ["a" * 32, "1234567812345678", "passwordpassword" * 2])
def test_a_predictable_secret_key_is_refused_outside_debug(weak):
    with pytest.raises(ConfigError, match="secret_key: too predictable"):
        build_settings([("core", CoreConfig)], gather_sources(
            {"secret_key": weak, "debug": False}, None, {}))
    build_settings([("core", CoreConfig)], gather_sources(
        {"secret_key": weak, "debug": True}, None, {}))  # a developer's machine may
