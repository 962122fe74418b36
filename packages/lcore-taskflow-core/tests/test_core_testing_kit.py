"""The testing kit: its pytest plugin, fixtures, query counter, and the core-API check."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from importlib import metadata

import pytest
from lcore_taskflow.core import CORE_API, PluginCheckError, hookimpl
from lcore_taskflow.core.testing import (
    ENGINES,
    EventRecorder,
    HeaderIdentity,
    QueryCounter,
    make_app,
    private_imports,
    require_postgres,
)


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def run_pytest(tmp_path, source: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path / "test_sample.py")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)


def test_the_pytest_plugin_is_registered_as_pytest11_taskflow():
    [entry] = [ep for ep in metadata.entry_points(group="pytest11") if ep.name == "taskflow"]
    assert entry.value == "lcore_taskflow.pytest_taskflow"


def test_loading_the_pytest_plugin_imports_nothing_of_taskflow():
    done = run_python("""
        import sys
        import lcore_taskflow.pytest_taskflow
        loaded = [m for m in sys.modules if m == "lcore" or m.startswith("lcore_taskflow.core")]
        assert not loaded, loaded
    """)
    assert done.returncode == 0, done.stderr


def test_an_unrelated_pytest_session_does_not_load_taskflow(tmp_path):
    done = run_pytest(tmp_path, """
        import sys

        def test_unrelated():
            assert "lcore_taskflow.core" not in sys.modules and "lcore" not in sys.modules
    """)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_kit_is_importable_without_pytest():
    done = run_python("""
        import sys
        sys.modules["pytest"] = None  # any import of pytest now fails
        from lcore_taskflow.core.testing import Client, EventRecorder, make_app, QueryCounter
    """)
    assert done.returncode == 0, done.stderr


def test_a_strangers_test_file_uses_the_fixtures(tmp_path):
    """Installing core is enough: no conftest, no import of the plugin."""
    done = run_pytest(tmp_path, """
        from lcore_taskflow.core import hookimpl

        class Greeter:
            name = "greeter"
            version = "1"

        def test_fixtures(taskflow_app, taskflow_admin, taskflow_member, taskflow_events):
            assert taskflow_admin.post("/api/projects/", json={"name": "P"}).status == 201
            assert taskflow_member.delete("/api/projects/1").status == 403
            assert taskflow_events.types() == ["project.created"]
            other = taskflow_app(plugins=[Greeter()])
            assert "greeter" in [p["name"] for p in other.taskflow.plugin_list()]
    """)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


BOTH_ENGINES_CONFTEST = """
import pytest


@pytest.fixture
def taskflow_database_url(taskflow_engine_database):
    return taskflow_engine_database
"""


def test_a_plugins_whole_suite_runs_on_both_engines(tmp_path):
    """docs/testing.md, "Both engines": two lines in conftest.py; the PostgreSQL
    database is made for the suite and dropped when it ends."""
    base = require_postgres()
    (tmp_path / "conftest.py").write_text(BOTH_ENGINES_CONFTEST)
    (tmp_path / "test_sample.py").write_text(textwrap.dedent('''
        import pathlib

        def test_engine(taskflow_app, taskflow_admin):
            app = taskflow_app()
            assert taskflow_admin.post("/api/projects/", json={"name": "P"}).status == 201
            with app.taskflow.database() as db:
                assert db.count("projects") == 3  # the default app shares the database
                engine = db.engine
            url = app.taskflow.config.database_url
            pathlib.Path(f"{engine}.url").write_text(url)

        def test_without_an_app():
            pass
    '''))
    done = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, env={**os.environ,
                                            "TASKFLOW_TEST_ENGINES": "sqlite,postgresql",
                                            "TASKFLOW_TEST_POSTGRES_URL": base})
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "test_engine[sqlite] PASSED" in out and "test_engine[postgresql] PASSED" in out, out
    assert "test_without_an_app PASSED" in out  # not parametrised: it needs no database
    assert (tmp_path / "sqlite.url").read_text().startswith("sqlite:")
    made = (tmp_path / "postgresql.url").read_text()
    assert made.startswith("postgresql://") and made != base
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (made.rsplit("/", 1)[1],)).fetchone()
    assert left is None, f"{made} was not dropped"


def test_the_pytest_plugin_reads_the_engines_as_the_kit_does():
    from lcore_taskflow.pytest_taskflow import engines

    assert engines() == ENGINES


class Counter:
    name = "counter"
    version = "0"
    instances = 0

    def __init__(self):
        Counter.instances += 1


def test_plugin_classes_get_one_instance_per_app(taskflow_app):
    before = Counter.instances
    taskflow_app(plugins=[Counter])
    taskflow_app(plugins=[Counter])
    assert Counter.instances == before + 2


def test_every_app_of_a_test_reports_to_taskflow_events(taskflow_app, taskflow_events):
    from lcore_taskflow.core.testing import Client

    one, two = taskflow_app(), taskflow_app()
    Client(one).as_user("admin").post("/api/projects/", json={"name": "one"})
    Client(two).as_user("admin").post("/api/projects/", json={"name": "two"})
    assert [e.project["name"] for e in taskflow_events.of("project.created")] == ["one", "two"]


def test_sign_in_uses_the_real_role_policy(taskflow_admin, taskflow_member, taskflow_client):
    assert taskflow_client.get("/api/projects/").status == 401
    assert taskflow_member.post("/api/users/", json={
        "username": "zed", "email": "zed@example.com", "password": "a-long-password-42"}
    ).status == 403
    assert taskflow_admin.get("/api/users/?limit=5").status == 200


def test_taskflow_config_and_plugins_set_the_defaults(taskflow_app):
    app = taskflow_app(mount_prefix="/pm")
    assert app.taskflow.prefix == "/pm"


def test_query_counter_counts_statements_of_a_response(taskflow_admin, taskflow_queries):
    for i in range(5):
        taskflow_admin.post("/api/projects/1/tasks", json={"title": f"t{i}"})
    with taskflow_queries:
        listing = taskflow_admin.get("/api/projects/1/tasks")
    assert listing.status == 200
    assert len(taskflow_queries.matching(r"\bFROM tasks\b")) == 1, taskflow_queries
    assert taskflow_queries.count >= 2  # the user lookup and the project's counts, too


def test_query_counter_ignores_other_threads(app, kernel):
    def elsewhere():
        with kernel.database() as db:
            db.fetchall("SELECT id FROM users")

    with QueryCounter() as q:
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        with kernel.database() as db:
            db.count("users")  # count() uses scalar(): one statement, counted once
            db.insert("projects", {"name": "x", "owner_id": 1})
    assert q.statements == ["SELECT COUNT(*) AS n FROM users", "INSERT INTO projects"]


def test_event_recorder_filters_by_type_or_class(recorder, admin):
    from lcore_taskflow.core import events

    admin.post("/api/projects/", json={"name": "P"})
    assert recorder.of(events.ProjectCreated) == recorder.of("project.created")
    recorder.clear()
    assert recorder.events == []


# --------------------------------------------------------- core API version
class FromTheFuture:
    name = "future-plugin"
    version = "9.0"
    core_api = "2.0"

    @hookimpl
    def taskflow_mounts(self, kernel):
        raise AssertionError("never assembled")


def test_a_plugin_for_another_core_api_is_refused_at_start_up(tmp_path):
    """``core_api = "2.0"`` against core API 1.x: start-up stops and says what to do."""
    assert CORE_API.startswith("1."), "update this test for the new major core API"
    with pytest.raises(PluginCheckError) as refused:
        make_app(tmp_path, plugins=[HeaderIdentity(), FromTheFuture()])
    assert str(refused.value) == (
        "plugin future-plugin needs TaskFlow core API 2.0, but lcore-taskflow-core "
        f"{_core_version()} provides core API {CORE_API}: upgrade lcore-taskflow-core")


def test_an_older_major_core_api_is_refused(tmp_path):
    plugin = type("Old", (), {"name": "old", "version": "1", "core_api": "0.9"})()
    with pytest.raises(PluginCheckError, match="install a version of old written for core "
                                                r"API 1\.x"):
        make_app(tmp_path, plugins=[plugin])


def test_a_newer_minor_core_api_is_refused_too(tmp_path):
    major = CORE_API.split(".")[0]
    plugin = type("Newer", (), {"name": "newer", "version": "1", "core_api": f"{major}.99"})()
    with pytest.raises(PluginCheckError, match=f"needs TaskFlow core API {major}.99"):
        make_app(tmp_path, plugins=[plugin])
    ok = type("Same", (), {"name": "same", "version": "1", "core_api": f"{major}.0"})()
    make_app(tmp_path / "ok", plugins=[ok, EventRecorder()]).taskflow.close()


def _core_version() -> str:
    from lcore_taskflow.core import __version__

    return __version__


def test_private_imports_names_each_import_beyond_the_public_api(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.py").write_text(
        "from lcore_taskflow.core import hookimpl\nimport lcore_taskflow.core.events\n"
        "from . import sibling\nimport json\n")
    (tmp_path / "sub" / "bad.py").write_text(
        "from lcore_taskflow.core._db import Database\nimport lcore_taskflow.auth\n")
    assert private_imports(tmp_path) == ["bad.py imports lcore_taskflow.core._db",
                                         "bad.py imports lcore_taskflow.auth"]
    (tmp_path / "sub" / "bad.py").unlink()
    assert private_imports(tmp_path) == []
