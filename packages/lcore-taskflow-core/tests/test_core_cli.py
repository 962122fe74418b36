"""The ``taskflow`` command line, run as a real subprocess on temp paths, on both engines."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from lcore_taskflow.core._db import connect
from lcore_taskflow.core._migrate import DIRECTORY, discover


@pytest.fixture
def cli(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    if database_url.startswith("sqlite:///"):  # the original key still works
        env["APP_DB_PATH"] = database_url.removeprefix("sqlite:///")
    else:
        env["APP_DATABASE_URL"] = database_url
    env.update({
        "APP_UPLOAD_DIR": str(tmp_path / "uploads"),
        "APP_SECRET_KEY": "cli-test-secret-key-0123456789",
        "APP_PASSWORD_ITERATIONS": "1000",
        # core only: the feature packages installed beside it are not under test here
        "APP_PLUGINS_ENABLED": "core",
    })

    def run(*args: str, extra_env: dict | None = None, timeout: float = 60):
        proc = subprocess.run(
            [sys.executable, "-m", "lcore_taskflow.core._cli", *args],
            cwd=tmp_path, env={**env, **(extra_env or {})}, capture_output=True, text=True,
            timeout=timeout)
        return proc

    run.db = database_url
    run.env, run.cwd = env, tmp_path
    return run


def query(url, sql):
    with connect(url) as db:
        return [tuple(row.values()) for row in db.fetchall(sql)]


def test_plugins_lists_core(cli):
    proc = cli("plugins")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:5] == ["name", "version", "source", "enabled", "hooks"]
    core = next(line for line in lines if line.startswith("core "))
    assert "0.3.0" in core and "builtin" in core and "yes" in core
    assert "mounts" in core and "migrations" in core and "event" in core


def test_routes(cli):
    proc = cli("routes")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for rule in ("/health", "/api/users/", "/api/users/<id:int>", "/old-api",
                 "/api/projects/<pid:int>/tasks", "/api/projects/dashboard/overview"):
        assert rule in out, rule
    assert "/debug/routes" not in out  # debug routes only exist with debug on


def test_db_upgrade(cli):
    proc = cli("db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    assert "core" in proc.stdout and "0001" in proc.stdout and "initial" in proc.stdout
    assert "up to date" in proc.stdout
    shipped = [("core", m.version) for m in discover("core", DIRECTORY)]
    assert len(shipped) >= 3
    assert query(cli.db, "SELECT namespace, version FROM taskflow_migrations"
                         " ORDER BY version") == shipped
    again = cli("db", "upgrade")
    assert again.returncode == 0
    assert query(cli.db, "SELECT COUNT(*) FROM taskflow_migrations") == [(len(shipped),)]


def test_db_seed_with_progress(cli):
    proc = cli("db", "seed", "--projects", "3", "--tasks", "2000")
    assert proc.returncode == 0, proc.stderr
    assert "2000/2000" in proc.stderr and "[" in proc.stderr  # the progress bar
    assert "seeded:" in proc.stdout and "2003 tasks" in proc.stdout
    assert query(cli.db, "SELECT COUNT(*) FROM tasks") == [(2003,)]
    assert query(cli.db, "SELECT COUNT(*) FROM projects") == [(5,)]
    assert query(cli.db, "SELECT SUM(task_count) FROM projects") == [(2003,)]


def test_db_seed_vacuums_postgresql(cli):
    """Seeding on PostgreSQL ends with VACUUM ANALYZE (issue 24: ~1M dead rows, 3-28x slower).

    Checked by the tables' last vacuum and analyse times rather than their dead rows:
    on a server shared with other suites, another open transaction may keep VACUUM
    from removing some of them.
    """
    if not cli.db.startswith("postgresql"):
        assert "vacuum" not in cli("db", "seed", "--tasks", "10").stdout  # SQLite: no need
        return
    started = time.time() - 1
    proc = cli("db", "seed", "--projects", "3", "--tasks", "3000", "--comments", "500")
    assert proc.returncode == 0, proc.stderr
    assert "vacuuming and analysing" in proc.stdout
    rows = query(cli.db, "SELECT relname, EXTRACT(EPOCH FROM last_vacuum) AS v,"
                         " EXTRACT(EPOCH FROM last_analyze) AS a FROM pg_stat_user_tables"
                         " WHERE relname IN ('tasks', 'projects', 'comments') ORDER BY relname")
    assert [r[0] for r in rows] == ["comments", "projects", "tasks"], rows
    for _name, vacuumed, analysed in rows:
        assert vacuumed is not None and float(vacuumed) >= started, rows
        assert analysed is not None and float(analysed) >= started, rows


def test_create_admin(cli):
    proc = cli("create-admin", "--username", "root2", "--email", "root2@example.test",
               "--password", "long-enough-pw")
    assert proc.returncode == 0, proc.stderr
    assert "created admin root2" in proc.stdout
    rows = query(cli.db, "SELECT role, password_hash FROM users WHERE username = 'root2'")
    assert rows[0][0] == "admin" and "long-enough-pw" not in rows[0][1]
    dup = cli("create-admin", "--username", "root2", "--email", "other@example.test",
              "--password", "long-enough-pw")
    assert dup.returncode == 1 and "already taken" in dup.stderr
    other_case = cli("create-admin", "--username", "ROOT2", "--email", "new@example.test",
                     "--password", "long-enough-pw")
    assert other_case.returncode == 1 and "already taken" in other_case.stderr
    bad = cli("create-admin", "--username", "x", "--email", "nope", "--password", "short")
    assert bad.returncode == 2
    assert "username" in bad.stderr and "email" in bad.stderr and "password" in bad.stderr
    env_pw = cli("create-admin", "--username", "root3", "--email", "root3@example.test",
                 extra_env={"TASKFLOW_ADMIN_PASSWORD": "from-the-env-1"})
    assert env_pw.returncode == 0, env_pw.stderr


def test_create_admin_on_an_empty_database_does_not_ask_for_an_admin(cli):
    """The first admin is being created: no "no users yet" advice beside it (issue 24)."""
    proc = cli("create-admin", "--username", "first", "--email", "first@example.test",
               "--password", "long-enough-pw", extra_env={"APP_SEED_DEMO": "false"})
    assert proc.returncode == 0, proc.stderr
    assert "created admin first" in proc.stdout
    assert "no users yet" not in proc.stderr, proc.stderr
    assert query(cli.db, "SELECT username FROM users") == [("first",)]
    # any other command on an empty database still gives that advice
    empty = cli("db", "upgrade", extra_env={"APP_SEED_DEMO": "false",
                                            "APP_DB_PATH": str(cli.cwd / "other.db"),
                                            "APP_DATABASE_URL": ""})
    assert empty.returncode == 0 and "no users yet" in empty.stderr, empty.stderr


def test_serve_on_a_taken_port_says_so_in_one_line(cli):
    """Port in use: one line and exit code 1, no banner and no traceback (issue 24)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # the console script, as a user runs it (python -m adds runpy's own warning)
        proc = subprocess.run([Path(sys.executable).with_name("taskflow"), "serve", "--port",
                               str(port)], cwd=cli.cwd, capture_output=True, text=True,
                              env={**cli.env, "APP_LOG_LEVEL": "WARNING"}, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "serving on" not in proc.stdout and "Traceback" not in proc.stderr, proc.stderr
    assert f"taskflow: cannot listen on 127.0.0.1:{port}: address already in use" in proc.stderr
    assert "--port or APP_PORT" in proc.stderr
    # the error is one line, the last (start-up notes at WARNING may come before it)
    assert proc.stderr.strip().splitlines()[-1].startswith("taskflow: cannot listen"), proc.stderr
    assert proc.stderr.count("cannot listen") == 1, proc.stderr


def test_a_held_write_lock_at_start_up_is_one_line_naming_the_file(cli):
    """Another process holding SQLite's write lock past the busy timeout: the start-up
    says which file and what usually holds it, in one line, without a traceback."""
    if not cli.db.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock: PostgreSQL has none to hold at start-up")
    path = cli.db.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        proc = cli("db", "upgrade", extra_env={"APP_DB_BUSY_TIMEOUT": "0.3"})
    finally:
        holder.close()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"taskflow: the database sqlite:///{path} cannot serve"), line
    assert "database is locked" in line and "0.3 s, APP_DB_BUSY_TIMEOUT" in line, line
    assert cli("db", "upgrade").returncode == 0  # nothing half-done: the next start works


def test_bad_port_exits_non_zero_with_message(cli):
    proc = cli("routes", extra_env={"APP_PORT": "abc"})
    assert proc.returncode != 0
    assert "port" in proc.stderr and "int" in proc.stderr and "APP_PORT" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_env_file_option(cli, tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("APP_THREADS=lots\n")
    proc = cli("--env-file", str(env_file), "db", "upgrade")
    assert proc.returncode != 0
    assert "threads" in proc.stderr and str(env_file) in proc.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(cli):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "lcore_taskflow.core._cli", "serve",
                             "--port", str(port)], cwd=cli.cwd, env=cli.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.monotonic() + 30, None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    health = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert health and health["status"] == "ok", proc.stdout
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "serving on http://127.0.0.1:" in out and "TaskFlow stopped" in out, out


def test_db_backup_copies_the_live_sqlite_database(cli, tmp_path):
    assert cli("db", "seed", "--projects", "1", "--tasks", "300").returncode == 0
    target = tmp_path / "backups" / "taskflow.db"
    target.parent.mkdir()
    proc = cli("db", "backup", str(target))
    if not cli.db.startswith("sqlite"):
        assert proc.returncode == 2 and "pg_dump" in proc.stderr and not target.exists()
        return
    assert proc.returncode == 0, proc.stderr
    assert f"to {target}" in proc.stdout
    copy = f"sqlite:///{target}"
    assert query(copy, "SELECT COUNT(*) FROM tasks") == query(cli.db, "SELECT COUNT(*) FROM tasks")
    assert query(copy, "SELECT COUNT(*) FROM taskflow_migrations")[0][0] >= 3
    again = cli("db", "backup", str(target))
    assert again.returncode == 1 and "exists" in again.stderr
    assert cli("db", "backup", "--force", str(target)).returncode == 0
    assert not list(target.parent.glob("*.part"))


def test_db_backup_needs_no_secret_key_but_an_existing_database(cli, tmp_path):
    """scripts/serve.sh keeps its secret out of the environment; a backup signs nothing."""
    assert cli("db", "upgrade").returncode == 0
    without_secret = {k: v for k, v in cli.env.items() if k != "APP_SECRET_KEY"}
    target = tmp_path / "backups" / "copy.db"  # a directory it creates
    proc = subprocess.run([sys.executable, "-m", "lcore_taskflow.core._cli", "db", "backup",
                           str(target)], cwd=cli.cwd, env=without_secret,
                          capture_output=True, text=True, timeout=60)
    if not cli.db.startswith("sqlite"):  # not refused for the key: pointed to pg_dump
        assert proc.returncode == 2 and "pg_dump" in proc.stderr, proc.stderr
        assert "secret" not in proc.stderr and not target.exists()
        return
    assert proc.returncode == 0, proc.stderr
    assert query(f"sqlite:///{target}", "SELECT COUNT(*) FROM users") == \
        query(cli.db, "SELECT COUNT(*) FROM users")
    # a wrong path is an error, not a backup of a database created on the spot
    nowhere = tmp_path / "nowhere" / "taskflow.db"
    missing = cli("db", "backup", str(tmp_path / "copy2.db"),
                  extra_env={"APP_DB_PATH": str(nowhere)})
    assert missing.returncode == 1 and f"no database at {nowhere}" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not nowhere.parent.exists() and not (tmp_path / "copy2.db").exists()


def test_attachments_sweep_removes_only_old_orphans(cli):
    assert cli("db", "seed", "--projects", "1", "--tasks", "3").returncode == 0
    uploads = cli.cwd / "uploads"
    uploads.mkdir(exist_ok=True)
    with connect(cli.db) as db, db.transaction():
        db.execute("UPDATE tasks SET attachment = 'kept.txt'"
                   " WHERE id = (SELECT MIN(id) FROM tasks)")
    old = time.time() - 7200
    for name, mtime in (("kept.txt", old), ("orphan.txt", old), (".abc.part", old),
                        ("fresh-upload.txt", None)):
        (uploads / name).write_text(name)
        if mtime:
            os.utime(uploads / name, (mtime, mtime))
    dry = cli("attachments", "sweep", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2 file(s) would be removed" in dry.stdout and "orphan.txt" in dry.stdout
    assert len(list(uploads.iterdir())) == 4
    proc = cli("attachments", "sweep")
    assert proc.returncode == 0, proc.stderr
    assert "2 file(s) removed" in proc.stdout
    assert sorted(p.name for p in uploads.iterdir()) == ["fresh-upload.txt", "kept.txt"]
    assert cli("attachments", "sweep", "--min-age", "0").returncode == 0
    assert [p.name for p in uploads.iterdir()] == ["kept.txt"]


def test_audit_prune_keeps_the_retention_period(cli):
    assert cli("db", "upgrade").returncode == 0
    now = time.time()
    with connect(cli.db) as db, db.transaction():
        for age_days in (400, 366, 10):
            db.insert("audit_log", {"at": now - age_days * 86400, "action": "auth.login",
                                    "details": "{}"})
    proc = cli("audit", "prune")
    assert proc.returncode == 0, proc.stderr
    assert "2 audit entries older than 365 days removed" in proc.stdout
    assert query(cli.db, "SELECT COUNT(*) FROM audit_log") == [(1,)]
    proc = cli("audit", "prune", "--days", "5")
    assert "1 audit entry older than 5 days removed" in proc.stdout
    assert cli("audit", "prune", "--days", "0").returncode == 2


def test_search_reindex_rebuilds_the_index(cli):
    assert cli("db", "seed", "--projects", "2", "--tasks", "5").returncode == 0
    with connect(cli.db) as db, db.transaction():
        db.execute("DELETE FROM search_index")
    proc = cli("search", "reindex")
    assert proc.returncode == 0, proc.stderr
    tasks, projects = (query(cli.db, f"SELECT COUNT(*) FROM {t}")[0][0]
                       for t in ("tasks", "projects"))
    assert f"search index rebuilt: {tasks + projects} documents" in proc.stdout
