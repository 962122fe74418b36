"""TaskFlow as a guest in a host app it does not own (SPEC §7, issue 10).

The host is ``lcore_taskflow.core.testing.host.inventory_app``: its own
routes (some under /api/ and /admin/), error handlers, middleware, route
plugin, JSON and database.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3

import pytest
from core_testutil import assert_error
from lcore import Lcore, PluginError
from lcore_taskflow.core import (
    MigrationError,
    PluginCheckError,
    RouteCollision,
    TaskFlow,
    create_app,
    hookimpl,
)
from lcore_taskflow.core.testing import FAST_CONFIG, Client, HeaderIdentity, make_app
from lcore_taskflow.core.testing.host import HOST_REQUESTS, answers, inventory_app


def kernel_config(tmp_path, name="tf", **extra):
    return {**FAST_CONFIG, "db_path": str(tmp_path / f"{name}.db"),
            "upload_dir": str(tmp_path / f"{name}-up"), **extra}


def guest(tmp_path, name="tf", plugins=(), **extra):
    return TaskFlow(kernel_config(tmp_path, name, **extra), plugins=list(plugins),
                    environ={}, dotenv=None)


# ------------------------------------------------------------ unchanged host
@pytest.mark.parametrize("routes_first", [True, False], ids=["installed-after", "before"])
def test_host_answers_are_byte_for_byte_unchanged(tmp_path, routes_first):
    extra = {"X-Test-User": "admin", "Accept-Encoding": "gzip", "Origin": "https://x.example"}
    alone = [list(answers(inventory_app(str(tmp_path / f"alone{i}.db")), headers=headers))
             for i, headers in enumerate((None, extra))]
    kernel = guest(tmp_path, plugins=[HeaderIdentity()])
    host = inventory_app(str(tmp_path / "host.db"), routes_first=routes_first, install=kernel)
    second = inventory_app(str(tmp_path / "host2.db"), routes_first=routes_first,
                           install=guest(tmp_path, "tf2", plugins=[HeaderIdentity()]))
    try:
        with_guest = list(answers(host))
        assert with_guest == alone[0]
        # the same with a signed-in user's headers, gzip and CORS asked for
        assert list(answers(second, headers=extra)) == alone[1]
        # ... while TaskFlow's own routes are TaskFlow's
        health = Client(host).get("/health")
        assert health.status == 200 and health.json["_api_version"] == "1.0.0"
        assert health.headers["x-content-type-options"] == "nosniff"
        assert "x-inventory" in health.headers  # the host's middleware still wraps everything
        assert_error(Client(host).get("/api/projects/999"), 401)
    finally:
        kernel.close()
        second.taskflow.close()
    assert len(with_guest) == len(HOST_REQUESTS)


def test_host_keeps_its_error_handlers_and_taskflow_registers_none(tmp_path):
    kernel = guest(tmp_path)
    host = inventory_app(str(tmp_path / "host.db"), install=kernel)
    try:
        assert sorted(host.error_handler) == [400, 404, 405, 500]
        assert host._dependencies is None  # no DI names added to the host
        assert not host.middleware._middleware[1:]  # only the host's own middleware
        body = json.loads(Client(host).get("/no/such/page").body)
        assert body == {"problem": 404, "detail": "Not found: '/no/such/page'"}
        # a miss under TaskFlow's paths is TaskFlow's JSON
        assert_error(Client(host).get("/api/projects/1/nothing"), 404)
    finally:
        kernel.close()


# ------------------------------------------------------------ fail closed
def test_protected_host_routes_fail_closed_without_an_identity_plugin(tmp_path):
    kernel = guest(tmp_path)  # core only: nothing can identify users
    app = Lcore()
    app.install(kernel)

    @app.get("/reports", auth="admin")
    def reports():
        return {"report": "confidential"}

    @app.delete("/things/<id:int>", auth="things:delete")
    def delete_thing(id):
        raise AssertionError("must never run for an anonymous client")

    @app.get("/open", auth=False)
    def open_route():
        return {"open": True}

    try:
        client = Client(app)
        res = client.get("/reports")
        assert res.status == 401 and b"confidential" not in res.body
        assert "no identity plugin is loaded" in res.text
        assert client.delete("/things/1").status == 401
        assert client.get("/open").json == {"open": True}
    finally:
        kernel.close()


class IdentityOnly:
    """Identifies users but has no opinion on permissions."""

    name = "identity-only"

    @hookimpl
    def taskflow_identify(self, request, kernel):
        name = request.get_header("X-Test-User")
        return {"id": 1, "username": name, "role": "admin"} if name else None


def test_protected_routes_fail_closed_without_a_permission_plugin(tmp_path):
    app = make_app(tmp_path, plugins=[IdentityOnly()])
    try:
        res = Client(app).as_user("admin").post("/api/projects/", json={"name": "P"})
        assert res.status == 403 and "no permission plugin is installed" in res.text
    finally:
        app.taskflow.close()


# ---------------------------------------------------------------- prefix
def test_prefix_puts_every_taskflow_route_under_it(tmp_path):
    kernel = TaskFlow(kernel_config(tmp_path, old_api_redirect=True), prefix="/pm",
                      plugins=[HeaderIdentity()], environ={}, dotenv=None)
    host = inventory_app(str(tmp_path / "host.db"), install=kernel)
    try:
        client = Client(host)
        assert client.get("/pm/health").status == 200
        assert client.as_user("alice").get("/pm/api/projects/").json["total"] == 2
        assert json.loads(client.get("/health").body)["problem"] == 404  # the host's 404
        moved = client.get("/pm/old-api")
        assert moved.status == 301 and moved.headers["location"].endswith("/pm/api/projects/")
        assert all(r.rule.startswith("/pm/") for r in host.routes if kernel.owns(r))
        assert kernel.url("/api/") == "/pm/api/"
    finally:
        kernel.close()


def test_two_kernels_under_two_prefixes_stay_independent(tmp_path):
    one = TaskFlow(kernel_config(tmp_path, "one"), prefix="/a", plugins=[HeaderIdentity()],
                   environ={}, dotenv=None)
    two = TaskFlow(kernel_config(tmp_path, "two"), prefix="/b", plugins=[HeaderIdentity()],
                   environ={}, dotenv=None)
    host = inventory_app(str(tmp_path / "host.db"), install=[one, two])
    try:
        admin = Client(host).as_user("admin")
        assert admin.post("/a/api/projects/", json={"name": "Only in A"}).status == 201
        names_a = [p["name"] for p in admin.get("/a/api/projects/").json["projects"]]
        names_b = [p["name"] for p in admin.get("/b/api/projects/").json["projects"]]
        assert "Only in A" in names_a and "Only in A" not in names_b
        assert host.taskflow is one and one.pm is not two.pm
        assert admin.get("/a/health").json["_request_number"] == 1
        assert admin.get("/b/health").json["_request_number"] == 1
        with pytest.raises(PluginError, match="already installed in this app at prefix '/a'"):
            host.install(TaskFlow(kernel_config(tmp_path, "three"), prefix="/a",
                                  environ={}, dotenv=None))
    finally:
        one.close()
        two.close()


def test_lcore_mount_of_a_whole_taskflow_app(tmp_path):
    host = Lcore()
    tf = make_app(tmp_path, plugins=[HeaderIdentity()])
    host.mount("/tf/", tf)
    try:
        client = Client(host)
        assert client.get("/tf/health").json["status"] == "ok"
        assert client.as_user("alice").get("/tf/api/projects/").json["total"] == 2
        assert tf.taskflow.url("/api/") == "/tf/api/"
    finally:
        tf.taskflow.close()


# ------------------------------------------------------------- demo data
@pytest.mark.parametrize("settings, users", [
    ({"seed_demo": True}, 3), ({"seed_demo": False}, 0),
    ({"seed_demo": None, "debug": True}, 3), ({"seed_demo": None, "debug": False}, 0),
])
def test_demo_users_only_when_asked(tmp_path, caplog, settings, users):
    with caplog.at_level(logging.WARNING, logger="lcore_taskflow"):
        app = make_app(tmp_path, **settings)
    try:
        with app.taskflow.database() as db:
            assert db.count("users") == users
        accounts = app.taskflow.demo_accounts()
        assert [a["username"] for a in accounts] == (["admin", "alice", "bob"] if users else [])
        if not users:
            assert "taskflow create-admin" in caplog.text
    finally:
        app.taskflow.close()


def test_demo_accounts_disappear_once_changed(tmp_path):
    app = make_app(tmp_path)
    kernel = app.taskflow
    try:
        kernel.users.set_password(2, "a much better passphrase")
        assert [a["username"] for a in kernel.demo_accounts()] == ["admin", "bob"]
    finally:
        kernel.close()


# --------------------------------------------------------- start-up checks
class Typo:
    name = "typo"

    @hookimpl
    def taskflow_mount(self, kernel):  # sic: taskflow_mounts
        return []


class Named:
    def __init__(self, name):
        self.name = name


class Routes:
    def __init__(self, name, path, **options):
        self.name, self.path, self.options = name, path, options

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()
        sub.get(self.path, **{"auth": False, **self.options})(lambda: {"from": self.name})
        return [("/", sub)]


def test_unknown_hook_names_stop_start_up(tmp_path):
    with pytest.raises(PluginCheckError, match="taskflow_mount is not a TaskFlow hook; "
                                                "did you mean taskflow_mounts"):
        make_app(tmp_path, plugins=[Typo()])


def test_two_plugins_of_one_name_stop_start_up(tmp_path):
    with pytest.raises(PluginCheckError, match="two plugins are named 'twin'"):
        make_app(tmp_path, plugins=[Named("twin"), Routes("twin", "/x")])


def test_plugin_route_colliding_with_another_plugins_route(tmp_path):
    with pytest.raises(RouteCollision, match="plugin b: route GET /same collides with "
                                             "plugin a's route"):
        make_app(tmp_path, plugins=[Routes("a", "/same"), Routes("b", "/same")])
    with pytest.raises(RouteCollision, match="plugin shadow: route GET /health collides"):
        make_app(tmp_path / "2", plugins=[Routes("shadow", "/health")])
    app = make_app(tmp_path / "3", plugins=[Routes("a", "/same"),
                                            Routes("b", "/same", overrides=True)])
    try:
        assert Client(app).get("/same").json["from"] == "b"
    finally:
        app.taskflow.close()


@pytest.mark.parametrize("order", ["host-first", "taskflow-first"])
def test_host_route_colliding_with_a_taskflow_route(tmp_path, order):
    app = Lcore()

    def host_health():
        return {"host": True}

    if order == "host-first":
        app.get("/health")(host_health)
        with pytest.raises(RouteCollision, match="collides with the host's route GET /health"):
            app.install(guest(tmp_path))
        assert app.routes[0].callback is host_health and len(app.routes) == 1
    else:
        kernel = guest(tmp_path)
        app.install(kernel)
        try:
            with pytest.raises(RouteCollision, match=r"the host's route GET /health .* collides "
                                                     r"with TaskFlow's route"):
                app.get("/health")(host_health)
        finally:
            kernel.close()


def test_undeclared_protection_stops_start_up(tmp_path):
    class Careless:
        name = "careless"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()
            sub.get("/secret")(lambda: {"secret": 1})
            return [("/careless/", sub)]

    with pytest.raises(PluginCheckError, match="route GET /careless/secret declares no "
                                                "protection: add auth=False"):
        make_app(tmp_path, plugins=[Careless()])


def test_a_failed_install_leaves_nothing_registered(tmp_path):
    class FailsAtStartup(Routes):
        @hookimpl
        def taskflow_startup(self, kernel):
            raise RuntimeError("cannot start")

    app = make_app(tmp_path, plugins=[HeaderIdentity()])
    kernel = app.taskflow
    before = list(app.routes)
    try:
        with pytest.raises(RuntimeError, match="cannot start"):
            kernel.add(FailsAtStartup("flaky", "/flaky"))
        assert app.routes == before and kernel.plugin("flaky") is None
        assert [i.name for i in kernel.infos] == ["core", "test-identity"]
        assert "flaky" not in str(Client(app).get("/health").json["plugins"])
        assert_error(Client(app).get("/flaky"), 404)
        kernel.add(Routes("flaky", "/flaky"))  # and it can be added once fixed
        assert Client(app).get("/flaky").json["from"] == "flaky"
    finally:
        kernel.close()


def test_tables_taskflow_did_not_create_stop_start_up_before_any_change(tmp_path):
    path = tmp_path / "host.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT)")
        conn.execute("CREATE TABLE projects (id INTEGER PRIMARY KEY)")
    with pytest.raises(MigrationError, match="already has tables TaskFlow did not create: "
                                             "users, projects"):
        create_app({**FAST_CONFIG, "db_path": str(path)}, discover=False, environ={},
                   dotenv=None)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"users", "projects"}  # nothing was created or changed


def test_unknown_settings_warn_with_the_closest_key(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="lcore_taskflow"):
        app = create_app(kernel_config(tmp_path), discover=False, dotenv=None,
                         environ={"APP_SMTP_HOTS": "mail", "APP_DB_PAHT": "x.db"})
    app.taskflow.close()
    assert "db_paht (from environment APP_DB_PAHT) is not a TaskFlow setting; did you mean " \
           "db_path (APP_DB_PATH)?" in caplog.text
    assert "smtp_hots" in caplog.text


def test_config_of_a_plugin_added_later_is_merged_or_refused(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()])
    kernel = app.taskflow
    try:
        kernel.add(Routes("late", "/late"), config={"api_version": kernel.config.api_version})
        with pytest.raises(PluginError, match=r"db_path=.*the kernel runs with"):
            kernel.add(Routes("later", "/later"), config={"db_path": str(tmp_path / "x.db")})
        assert kernel.plugin("later") is None
    finally:
        kernel.close()


# ---------------------------------------------------------- permissions
class Opinion:
    def __init__(self, name, answers):
        self.name, self.answers = name, answers

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel):
        return self.answers.get(action)


OPINIONS = [Opinion("allow-all", {"a": True, "b": True, "c": True}),
            Opinion("deny-b", {"b": False}),
            Opinion("no-opinion", {})]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_permission_answers_combine_the_same_in_every_order(tmp_path, order):
    app = make_app(tmp_path, plugins=[IdentityOnly()] + [OPINIONS[i] for i in order])
    kernel = app.taskflow
    try:
        user = {"id": 1, "username": "x", "role": "member"}
        assert kernel.allowed(user, "a") is True     # an allow, no deny
        assert kernel.allowed(user, "b") is False    # any deny wins
        assert kernel.allowed(user, "zzz") is False  # nobody has an opinion: deny
    finally:
        kernel.close()


# ------------------------------------------------------------ access log
def test_access_log_records_the_real_status(tmp_path, caplog):
    class Boom(Routes):
        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.get("/boom", auth=False)
            def boom():
                raise RuntimeError("boom")

            return [("/", sub)]

    app = make_app(tmp_path, plugins=[HeaderIdentity(), Boom("boom", "/")])
    client = Client(app)
    try:
        with caplog.at_level(logging.INFO, logger="lcore_taskflow.http"):
            for path, user in (("/health", None), ("/api/users/", None),
                               ("/api/users/99", "admin"), ("/nope", None), ("/boom", None)):
                client.as_user(user).get(path)
            client.as_user("admin").post("/api/projects/", json={"name": ""})
    finally:
        app.taskflow.close()
    statuses = [json.loads(r.getMessage())["status"] for r in caplog.records
                if r.name == "lcore_taskflow.http"]
    assert statuses == [200, 401, 404, 404, 500, 422]
