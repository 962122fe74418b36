"""``taskflow export`` / ``taskflow import``: a SQLite instance with the example plugins moves
to a fresh PostgreSQL database through the real CLI, every row of every table equal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from io_testutil import fixture, run_import
from lcore_taskflow.core.testing import installed_plugin, login, make_app, require_postgres
from lcore_taskflow.core.testing.serve import clean_environ
from lcore_taskflow.core.testing.services import fresh_database
from lcore_taskflow.io import instance

pytestmark = pytest.mark.timeout(300)
PLUGINS = ("auth", "io", "labels", "webhooks")
SECRET = "instance-test-secret-key-0123456789abcdef"


def taskflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The real ``taskflow`` command of this environment."""
    command = Path(sys.executable).with_name("taskflow")
    # a failed webhook delivery is not tried again: no background change to compare against
    return subprocess.run([str(command), *args], env=clean_environ(
        APP_SECRET_KEY=SECRET, APP_LOG_LEVEL="WARNING", APP_WEBHOOKS_MAX_ATTEMPTS="1", **env),
        capture_output=True,
        text=True, timeout=240)


def plugins() -> list[Any]:
    found = [installed_plugin(name) for name in PLUGINS]
    if None in found:
        pytest.fail(f"the instance test needs {', '.join(PLUGINS)} installed")
    return found


def populate(directory: Path) -> Path:
    """A SQLite instance with demo data, an imported Trello board (labels, checklists,
    comments), a webhook and its deliveries, sessions, and deleted rows."""
    path = directory / "source.db"
    app = make_app(directory, plugins=plugins(), db_path=str(path), seed_demo=True,
                   webhooks_max_attempts=1)
    try:
        admin = login(app, "admin", "admin123")
        job = run_import(admin, "trello", fixture("trello_board.json"))
        assert job["status"] == "done", job
        pid = job["project_id"]
        # webhooks is project-scoped: its owner turns it on (the import turned labels on)
        on = admin.put(f"/api/projects/{pid}/plugins/webhooks", json={"enabled": True})
        assert on.status == 200, on.text
        hook = admin.post(f"/api/webhooks/projects/{pid}", json={
            "url": "http://127.0.0.1:9/hook", "events": ["task.created"]})
        assert hook.status == 201, hook.text
        doomed = admin.post(f"/api/projects/{pid}/tasks", json={"title": "Doomed"}).json["id"]
        admin.post(f"/api/projects/{pid}/tasks", json={"title": "Last one"})
        assert admin.delete(f"/api/projects/{pid}/tasks/{doomed}").status == 200
        admin.post("/auth/tokens", json={"name": "ci", "scopes": ["read"]})
    finally:
        app.taskflow.close()
    return path


def table_rows(url: str, directory: Path, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in a comparable form, read through a kernel on ``url``."""
    app = make_app(directory, plugins=plugins(), database_url=url, seed_demo=False,
                   import_worker=False, webhooks_max_attempts=1)
    try:
        with app.taskflow.database() as db:
            out = {}
            for table in tables:
                columns = [c["name"] for c in instance.columns_of(db, table)]
                names = ", ".join(f'"{c}"' for c in sorted(columns))
                rows = db.fetchall(f'SELECT {names} FROM "{table}"')
                out[table] = sorted((tuple(normal(r[c]) for c in sorted(columns)) for r in rows),
                                    key=repr)
            return out
    finally:
        app.taskflow.close()


def normal(value: Any) -> Any:
    """SQLite's and PostgreSQL's spelling of the same value, made one."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_sqlite_to_postgresql_every_row_equal(tmp_path):
    base = require_postgres()
    source = populate(tmp_path)
    dump = tmp_path / "instance.jsonl.gz"
    done = taskflow("export", str(dump), env={"APP_DB_PATH": str(source)})
    assert done.returncode == 0, done.stderr
    assert "exported" in done.stdout and "export tasks [" in done.stderr  # progress shown
    header = instance._header(__import__("gzip").open(dump, "rt"))
    tables = [t["name"] for t in header["tables"]]
    for name in ("users", "projects", "tasks", "comments", "checklist_items", "labels",
                 "task_labels", "webhooks", "webhook_deliveries", "io_imports",
                 "task_tombstones", "audit_log", "activity"):
        assert name in tables, name
    assert not {"search_index", "search_extra", "taskflow_migrations"} & set(tables)
    with fresh_database(base) as url:
        # the target is empty: `import` creates its schema (the kernel's migrations) itself
        loaded = taskflow("import", str(dump), env={"APP_DATABASE_URL": url,
                                                    "APP_SEED_DEMO": "false"})
        assert loaded.returncode == 0, loaded.stderr
        assert f"imported {sum(t['rows'] for t in header['tables'])} rows" in loaded.stdout
        before = table_rows(f"sqlite:///{source}", tmp_path / "a", tables)
        after = table_rows(url, tmp_path / "b", tables)
        for table in tables:
            assert after[table] == before[table], table
        assert sum(len(r) for r in before.values()) > 50
        # ids go on after the highest one ever handed out (the deleted task's included)
        app = make_app(tmp_path / "c", plugins=plugins(), database_url=url, seed_demo=False)
        try:
            admin = login(app, "admin", "admin123")  # the moved account signs in
            pid = admin.get("/api/projects/").json["projects"][0]["id"]
            with app.taskflow.database() as db:
                top = db.scalar("SELECT MAX(id) FROM tasks")
            new = admin.post(f"/api/projects/{pid}/tasks", json={"title": "After the move"})
            assert new.status == 201 and new.json["id"] > top
            # the search index was rebuilt on the target
            hits = admin.get("/api/search?q=landing").json
            assert any("landing" in json.dumps(h).lower() for h in hits["results"]), hits
        finally:
            app.taskflow.close()
        # a second import is refused: the target is no longer empty
        again = taskflow("import", str(dump), env={"APP_DATABASE_URL": url,
                                                   "APP_SEED_DEMO": "false"})
        assert again.returncode == 1 and "not empty" in again.stderr


def test_a_cut_or_foreign_file_is_refused_and_nothing_written(tmp_path):
    source = populate(tmp_path)
    dump = tmp_path / "instance.jsonl"
    assert taskflow("export", str(dump), "--quiet", env={"APP_DB_PATH": str(source)}
                    ).returncode == 0
    lines = dump.read_text().splitlines()
    target = tmp_path / "target.db"
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"hello": "world"}\n')
    for bad, message in ((cut, "cut file"), (foreign, "not a TaskFlow instance export"),
                         (tmp_path / "missing.jsonl", "no such file")):
        done = taskflow("import", str(bad), env={"APP_DB_PATH": str(target),
                                                 "APP_SEED_DEMO": "false"})
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "nothing was imported" in done.stderr
    app = make_app(tmp_path / "d", plugins=plugins(), db_path=str(target), seed_demo=False,
                   import_worker=False)
    try:
        with app.taskflow.database() as db:
            assert db.scalar("SELECT COUNT(*) FROM users") == 0
            assert db.scalar("SELECT COUNT(*) FROM tasks") == 0
    finally:
        app.taskflow.close()
    # and the whole file loads into SQLite too (the same engine)
    done = taskflow("import", str(dump), "--quiet", env={"APP_DB_PATH": str(target),
                                                         "APP_SEED_DEMO": "false"})
    assert done.returncode == 0, done.stderr
