"""Migrations: applied once, in order, recorded per namespace; failures roll back."""

from __future__ import annotations

import pytest
from lcore_taskflow.core import hookimpl
from lcore_taskflow.core._migrate import DIRECTORY, MigrationError, discover
from lcore_taskflow.core.testing import make_app


class MigratingPlugin:
    name = "widgets"
    version = "1.0"

    def __init__(self, directory):
        self.directory = directory

    @hookimpl
    def taskflow_migrations(self):
        return ("widgets", self.directory)


def ledger(kernel, namespace=None):
    with kernel.database() as db:
        rows = db.fetchall("SELECT namespace, version, name FROM taskflow_migrations"
                           " ORDER BY rowid")
    return [(r["namespace"], r["version"], r["name"]) for r in rows
            if namespace is None or r["namespace"] == namespace]


def tables(kernel):
    with kernel.database() as db:
        return {r["name"] for r in db.fetchall("SELECT name FROM sqlite_master")}


@pytest.fixture
def mig_dir(tmp_path):
    d = tmp_path / "widget_migrations"
    d.mkdir()
    # 0002 only works after 0001: applying out of order would fail.
    (d / "0002_add_color.sql").write_text("ALTER TABLE widgets ADD COLUMN color TEXT;\n"
                                          "INSERT INTO widgets (name, color) VALUES ('b', 'red');")
    (d / "0001_create.sql").write_text(
        "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "CREATE TRIGGER widgets_ai AFTER INSERT ON widgets BEGIN\n"
        "  UPDATE widgets SET name = upper(NEW.name) WHERE id = NEW.id;\nEND;\n"
        "INSERT INTO widgets (name) VALUES ('a');")
    (d / "README.txt").write_text("not a migration")
    return d


def make(tmp_path, mig_dir):
    return make_app(tmp_path, plugins=[MigratingPlugin(mig_dir)])


def test_core_migration_recorded(tmp_path):
    app = make_app(tmp_path)
    shipped = [("core", m.version, m.name) for m in discover("core", DIRECTORY)]
    assert shipped[0] == ("core", 1, "initial")
    assert ledger(app.taskflow, "core") == shipped
    assert {"users", "projects", "tasks", "comments", "activity"} <= tables(app.taskflow)
    app.taskflow.close()


def test_plugin_migrations_applied_in_order_in_own_namespace(tmp_path, mig_dir):
    app = make(tmp_path, mig_dir)
    kernel = app.taskflow
    assert ledger(kernel, "widgets") == [("widgets", 1, "create"), ("widgets", 2, "add_color")]
    with kernel.database() as db:
        rows = db.fetchall("SELECT name, color FROM widgets ORDER BY id")
    assert rows == [{"name": "A", "color": None}, {"name": "B", "color": "red"}]
    kernel.close()


def test_rerun_is_a_noop(tmp_path, mig_dir):
    app = make(tmp_path, mig_dir)
    kernel = app.taskflow
    assert kernel.migrate() == []
    kernel.close()
    again = make(tmp_path, mig_dir)  # a restart on the same file
    assert again.taskflow.migrate() == []
    assert len(ledger(again.taskflow, "widgets")) == 2
    with again.taskflow.database() as db:
        assert db.count("widgets") == 2  # data statements not re-run
    again.taskflow.close()


def test_later_migration_applied_on_next_start(tmp_path, mig_dir):
    make(tmp_path, mig_dir).taskflow.close()
    (mig_dir / "0003_more.sql").write_text("INSERT INTO widgets (name) VALUES ('c');")
    app = make(tmp_path, mig_dir)
    assert [v for _, v, _ in ledger(app.taskflow, "widgets")] == [1, 2, 3]
    with app.taskflow.database() as db:
        assert db.count("widgets") == 3
    app.taskflow.close()


def test_failing_migration_rolls_back_whole(tmp_path, mig_dir):
    make(tmp_path, mig_dir).taskflow.close()
    (mig_dir / "0003_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\n"
        "INSERT INTO widgets (name) VALUES ('half');\n"
        "INSERT INTO no_such_table VALUES (1);")
    with pytest.raises(MigrationError, match=r"0003_broken\.sql"):
        make(tmp_path, mig_dir)
    import sqlite3

    conn = sqlite3.connect(tmp_path / "taskflow.db")
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in names
        assert conn.execute("SELECT COUNT(*) FROM widgets").fetchone()[0] == 2
        versions = [r[0] for r in conn.execute(
            "SELECT version FROM taskflow_migrations WHERE namespace = 'widgets'")]
        assert sorted(versions) == [1, 2]
    finally:
        conn.close()
    # Fixing the file lets the next start apply it.
    (mig_dir / "0003_broken.sql").write_text("CREATE TABLE half_done (x INTEGER);")
    fixed = make(tmp_path, mig_dir)
    assert [v for _, v, _ in ledger(fixed.taskflow, "widgets")] == [1, 2, 3]
    fixed.taskflow.close()


def test_duplicate_version_is_an_error(tmp_path, mig_dir):
    (mig_dir / "0001_again.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="two migrations with version 0001"):
        make(tmp_path, mig_dir)
