"""Plugin kernel: discovery, selection, isolation, tracing, contributions."""

from __future__ import annotations

import logging
import textwrap

import pytest
from core_testutil import EventRecorder, assert_error
from lcore import Lcore, Middleware, ctx
from lcore_taskflow.core import PluginCheckError, TaskFlow, create_app, hookimpl
from lcore_taskflow.core._plugins import selected
from lcore_taskflow.core.testing import FAST_CONFIG, Client, HeaderIdentity, make_app

DUMMY_MODULE = textwrap.dedent('''
    from lcore import Lcore
    from lcore_taskflow.core import hookimpl


    class DummyPlugin:
        name = "dummy"
        version = "1.0"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.get("/hello", auth=False)
            def hello():
                return {"hello": "dummy"}

            return [("/dummy/", sub)]


    class OtherPlugin:
        name = "dummy2"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.get("/hello", auth=False)
            def hello():
                return {"hello": "dummy2"}

            return [("/dummy2/", sub)]
''')


@pytest.fixture
def dummy_dist(tmp_path, monkeypatch):
    """A real installed distribution with two entry points, on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "tf_dummy_plugin.py").write_text(DUMMY_MODULE)
    info = site / "tf_dummy_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tf-dummy-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[lcore_taskflow.plugins]\n"
        "dummy = tf_dummy_plugin:DummyPlugin\n"
        "dummy2 = tf_dummy_plugin:OtherPlugin\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    import sys

    sys.modules.pop("tf_dummy_plugin", None)


def discovered(tmp_path, **config):
    settings = {**FAST_CONFIG, "db_path": str(tmp_path / "d.db"),
                "upload_dir": str(tmp_path / "up"), **config}
    return create_app(settings, discover=True, environ={}, dotenv=None)


def names(app):
    return [i.name for i in app.taskflow.infos]


def test_entry_point_discovery(tmp_path, dummy_dist):
    app = discovered(tmp_path, plugins_enabled=["dummy"])
    assert names(app) == ["core", "dummy"]
    info = app.taskflow.infos[1]
    assert info.version == "1.0" and "tf-dummy-plugin" in info.source
    client = Client(app)
    assert client.get("/dummy/hello").json["hello"] == "dummy"
    health = client.get("/health").json
    assert {"name": "dummy", "version": "1.0"} in health["plugins"]
    assert_error(client.get("/dummy2/hello"), 404)
    app.taskflow.close()


def test_allow_list_selects_among_discovered(tmp_path, dummy_dist):
    app = discovered(tmp_path, plugins_enabled=["dummy2"])
    assert names(app) == ["core", "dummy2"]
    assert_error(Client(app).get("/dummy/hello"), 404)
    app.taskflow.close()


def test_disable_by_name(tmp_path, dummy_dist):
    app = discovered(tmp_path, plugins_enabled=["dummy", "dummy2"], plugins_disabled=["dummy"])
    assert names(app) == ["core", "dummy2"]
    app.taskflow.close()
    settings = {**FAST_CONFIG, "db_path": str(tmp_path / "e.db"),
                "upload_dir": str(tmp_path / "up")}
    app = create_app(settings, discover=True, dotenv=None,
                     environ={"APP_PLUGINS_ENABLED": "dummy,dummy2",
                              "APP_PLUGINS_DISABLED": "dummy2"})
    assert names(app) == ["core", "dummy"]
    app.taskflow.close()


def test_core_cannot_be_disabled_and_unknown_names_stop_start_up(tmp_path, dummy_dist):
    assert selected("core", ["x"], ["core"])
    with pytest.raises(PluginCheckError) as err:
        discovered(tmp_path, plugins_enabled=["dummy"], plugins_disabled=["nope"])
    message = str(err.value)
    assert "plugins_disabled: no plugin named 'nope'" in message
    assert "installed: " in message and "dummy" in message and "core" in message
    with pytest.raises(PluginCheckError, match="plugins_enabled: no plugin named 'dumy'"):
        discovered(tmp_path, plugins_enabled=["dumy"])
    with pytest.raises(PluginCheckError, match="core cannot be disabled"):
        discovered(tmp_path, plugins_disabled=["core"])


def test_two_apps_do_not_share_plugin_state(tmp_path):
    rec1, rec2 = EventRecorder(), EventRecorder()
    app1 = make_app(tmp_path / "one", plugins=[HeaderIdentity(), rec1])
    app2 = make_app(tmp_path / "two", plugins=[HeaderIdentity()])
    k1, k2 = app1.taskflow, app2.taskflow
    assert k1.pm is not k2.pm
    assert "event-recorder" in names(app1) and "event-recorder" not in names(app2)
    k2.add(rec2)
    assert Client(app2).as_user("admin").post(
        "/api/projects/1/tasks", json={"title": "in app two"}).status == 201
    assert rec1.events == [] and [e.type for e in rec2.events] == ["task.created"]
    # Counters are per app too.
    assert Client(app1).get("/health").json["_request_number"] == 1
    k1.close()
    k2.close()


def test_kernel_installs_once_per_app(tmp_path):
    app = make_app(tmp_path)
    from lcore import PluginError

    with pytest.raises(PluginError):
        app.install(TaskFlow({}, environ={}, dotenv=None))
    assert TaskFlow.of(app) is app.taskflow
    app.taskflow.close()


def test_trace_hooks_logs_calls(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="lcore_taskflow.hooks"):
        settings = {**FAST_CONFIG, "db_path": str(tmp_path / "t.db"),
                    "upload_dir": str(tmp_path / "up")}
        app = create_app(settings, plugins=[HeaderIdentity()], discover=False, dotenv=None,
                         environ={"APP_TRACE_HOOKS": "true"})
        Client(app).as_user("admin").get("/api/users/1")
    hook_lines = [r.getMessage() for r in caplog.records if r.name == "lcore_taskflow.hooks"]
    text = "\n".join(hook_lines)
    assert "taskflow_mounts" in text and "finish taskflow_config_schema -->" in text
    assert "taskflow_identify" in text and "request:" in text  # arguments are shown
    app.taskflow.close()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="lcore_taskflow.hooks"):
        quiet = make_app(tmp_path / "q")
    assert not [r for r in caplog.records if r.name == "lcore_taskflow.hooks"]
    quiet.taskflow.close()


class MarkerPlugin:
    """A route plugin installed on the host after assembly."""

    name = "marker"
    api = 2

    def __init__(self):
        self.seen = []

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            self.seen.append(route.rule)
            result = callback(*args, **kwargs)
            from lcore import response

            response.set_header("X-Marked", route.rule)
            return result

        return wrapper


def test_host_route_plugin_wraps_mounted_routes(app, admin):
    marker = MarkerPlugin()
    app.install(marker)
    resp = admin.get("/api/users/")
    assert resp.status == 200 and resp.headers["x-marked"].endswith("/api/users/")
    assert admin.get("/api/projects/1/tasks").headers["x-marked"].endswith("/<pid:int>/tasks")
    assert "x-marked" in admin.get("/health").headers
    # the kernel's own route plugins still apply, inside the host's plugin
    assert resp.json["_api_version"] == "1.0.0"
    assert any(rule.endswith("/api/users/") for rule in marker.seen)


class Widgets:
    """A feature plugin using every assembly hook."""

    name = "widgets"
    version = "3.1"

    class Header(Middleware):
        name = "widget_header"
        order = 4

        def __call__(self, ctx_, next_handler):
            result = next_handler(ctx_)
            ctx_.response.set_header("X-Widget", "yes")
            return result

    class Wrap:
        name = "widget_wrap"
        api = 2

        def apply(self, callback, route):
            def wrapper(*a, **kw):
                result = callback(*a, **kw)
                if isinstance(result, dict):
                    result["_wrapped"] = True
                return result
            return wrapper

    def __init__(self):
        self.started = self.stopped = 0

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.get("/count", auth=False)
        def count():
            return {"widget": ctx.widget["n"], "users": kernel.db.count("users")}

        @sub.get("/boom", auth=False)
        def boom():
            raise RuntimeError("widget exploded: secret detail")

        return [("/widgets/", sub)]

    @hookimpl
    def taskflow_middleware(self, kernel):
        return [self.Header()]

    @hookimpl
    def taskflow_route_plugins(self, kernel):
        return [self.Wrap()]

    @hookimpl
    def taskflow_dependencies(self, kernel):
        return [("widget", lambda: {"n": 42}, "singleton")]

    @hookimpl
    def taskflow_startup(self, kernel):
        self.started += 1

    @hookimpl
    def taskflow_shutdown(self, kernel):
        self.stopped += 1


def test_plugin_mounts_middleware_dependencies_and_lifecycle(tmp_path):
    widgets = Widgets()
    app = make_app(tmp_path, plugins=[widgets])
    client = Client(app)
    resp = client.get("/widgets/count")
    assert resp.status == 200
    assert resp.json["widget"] == 42 and resp.json["users"] == 3
    assert resp.json["_wrapped"] is True and resp.headers["x-widget"] == "yes"
    # the plugin's route plugin also wraps core's routes, its middleware all answers
    assert client.get("/health").json["_wrapped"] is True
    assert client.get("/nowhere").headers["x-widget"] == "yes"
    assert widgets.started == 1 and widgets.stopped == 0
    app.taskflow.close()
    app.taskflow.close()
    assert widgets.stopped == 1


def test_late_registration_into_a_foreign_app(tmp_path):
    host = Lcore()

    @host.get("/own")
    def own():
        return {"own": True}

    kernel = TaskFlow.of(host, config={**FAST_CONFIG, "db_path": str(tmp_path / "f.db"),
                                       "upload_dir": str(tmp_path / "up")},
                         environ={}, dotenv=None)
    widgets = kernel.add(Widgets())
    with pytest.raises(PluginCheckError, match="already installed"):
        kernel.add(widgets)
    assert [i.name for i in kernel.infos] == ["core", "widgets"]
    client = Client(host)
    assert client.get("/widgets/count").json["widget"] == 42
    # the host's own route stays exactly as the host wrote it
    own_resp = client.get("/own")
    assert own_resp.body == b'{"own": true}' and "x-widget" not in own_resp.headers
    kernel.close()


def test_plugin_route_that_raises_is_a_clean_500(tmp_path, caplog):
    app = make_app(tmp_path, plugins=[Widgets()])
    with caplog.at_level(logging.ERROR, logger="lcore_taskflow"):
        resp = Client(app).get("/widgets/boom", headers={"X-Request-ID": "boom-1"})
    body = assert_error(resp, 500)
    assert body == {"error": "Internal Server Error", "status": 500}
    assert "secret detail" not in resp.text and "Traceback" not in resp.text
    assert resp.headers["x-request-id"] == "boom-1" and "x-content-type-options" in resp.headers
    assert "widget exploded" in caplog.text  # logged for the operator
    app.taskflow.close()
    debug_app = make_app(tmp_path / "dbg", plugins=[Widgets()], debug=True)
    resp = Client(debug_app).get("/widgets/boom")
    assert resp.status == 500 and "RuntimeError" in resp.json["traceback"]
    debug_app.taskflow.close()


class Quiet:
    """Answers nothing: pluggy skips its ``None``."""

    name = "quiet"

    @hookimpl
    def taskflow_identify(self, request, kernel, credentials):
        return None

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel):
        return None


class Voter:
    name = "voter"

    @hookimpl
    def taskflow_authorize(self, action):  # a subset of the arguments, as pluggy allows
        return {"tasks:read": True, "users:delete": False}.get(action)


class Wrapping:
    """A new-style wrapper on identify and on events: only pluggy can run it."""

    name = "wrapping"

    def __init__(self):
        self.seen: list[str] = []

    @hookimpl(wrapper=True)
    def taskflow_identify(self, request, kernel, credentials):
        user = yield
        self.seen.append(f"identify:{user and user['username']}")
        return user

    @hookimpl(wrapper=True)
    def taskflow_event(self, event, kernel):
        yield
        self.seen.append(f"event:{event.type}")


@pytest.mark.parametrize("wrapped", [False, True], ids=["direct", "with-a-wrapper"])
def test_kernel_call_answers_as_pluggy_does(tmp_path, wrapped):
    """``kernel.call`` skips pluggy's dispatch on the request path; the answers must match."""
    wrapper = Wrapping()
    extra = [wrapper] if wrapped else []
    app = make_app(tmp_path, plugins=[Quiet(), HeaderIdentity(), Voter(), *extra])
    kernel = app.taskflow
    try:
        class Req:
            @staticmethod
            def get_header(name, default=None):
                return "alice" if name == "X-Test-User" else default

        args = {"request": Req(), "kernel": kernel, "credentials": ("header",)}
        assert kernel.call("taskflow_identify", **args) == kernel.hook.taskflow_identify(**args)
        assert kernel.call("taskflow_identify", **args)["username"] == "alice"
        for action in ("tasks:read", "users:delete"):
            args = {"user": {"id": 2, "role": "member"}, "action": action, "resource": None,
                    "kernel": kernel}
            assert kernel.call("taskflow_authorize", **args) == \
                kernel.hook.taskflow_authorize(**args)
        assert kernel.call("taskflow_authorize", **{**args, "action": "tasks:read"}).count(
            True) == 1
        res = Client(app).as_user("admin").post("/api/projects/", json={"name": "Wrapped"})
        assert res.status == 201
        if wrapped:
            assert "identify:admin" in wrapper.seen and "event:project.created" in wrapper.seen
    finally:
        kernel.close()
