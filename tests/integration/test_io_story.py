"""Issue 22's "Done when", as one story over real processes: a team moves a Trello board in,
works, exports it, moves the whole instance from SQLite to PostgreSQL, and a member takes their
data and leaves.

1. ``taskflow serve`` on SQLite with every installed plugin; the admin imports a Trello board
   over HTTP (``POST /api/imports``, the job polled until done);
2. a member moves a task and comments on it;
3. the project is exported as JSON and CSV over HTTP, and both are parsed back;
4. the server stops; the instance moves with the commands of docs/deploy.md (section 3, "The
   database, once" and "Coming from the single-process SQLite setup"), run by a shell as they
   are written there::

       APP_DB_PATH=<the SQLite file> taskflow export <file>.jsonl.gz
       taskflow --env-file <env file> db upgrade
       APP_SEED_DEMO=false taskflow --env-file <env file> import <file>.jsonl.gz

   into an empty PostgreSQL database: every row of every table equal;
5. ``taskflow serve`` on PostgreSQL: the member's session moved with the data (same secret
   key), they download their data (``GET /api/users/me/export``) and delete their account.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lcore_taskflow.core.testing import installed_plugin, make_app, require_postgres, wait_until
from lcore_taskflow.core.testing.serve import SECRET_KEY, Reply, ServerProcess, clean_environ
from lcore_taskflow.core.testing.services import fresh_database
from lcore_taskflow.io import instance

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
BOARD = ROOT / "packages" / "lcore-taskflow-io" / "tests" / "fixtures" / "trello_board.json"
PLUGINS = ("auth", "notify", "ui", "oidc", "io", "labels", "webhooks")
MEMBER, EMAIL, PASSWORD = "mara", "mara@example.test", "mara-long-secret-2026"
SERVER = {"APP_LOGIN_RATE_LIMIT": "1000", "APP_RATE_LIMIT_DEFAULT": "5000",
          "APP_IMPORT_POLL": "0.2", "APP_WEBHOOKS_MAX_ATTEMPTS": "1"}


def call(server: ServerProcess, token: str, method: str, path: str, body: Any = None,
         status: int | None = None, raw: bytes | None = None,
         content_type: str | None = None) -> Reply:
    headers = {"Authorization": f"Bearer {token}"}
    if raw is not None:
        from http.client import HTTPConnection

        conn = HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request(method, path, body=raw, headers={
                **headers, "Content-Type": content_type or "", "Accept": "application/json"})
            got = conn.getresponse()
            reply = Reply(got.status, {k.lower(): v for k, v in got.getheaders()}, got.read())
        finally:
            conn.close()
    else:
        reply = server.request(method, path, json=body, headers=headers, timeout=30)
    if status is not None:
        assert reply.status == status, f"{method} {path}: {reply}"
    return reply


def sign_in(server: ServerProcess, username: str, password: str) -> str:
    reply = server.request("POST", "/auth/login", json={"username": username,
                                                        "password": password})
    assert reply.status == 200, reply
    return reply.json["token"]


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``command`` as an operator types it (a POSIX shell, this environment's ``taskflow``
    first on the PATH), with no ``APP_*`` setting but ``env``."""
    bindir = str(Path(sys.executable).parent)
    environ = clean_environ(**env)
    environ["PATH"] = bindir + ":" + environ.get("PATH", "")
    return subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=240)


def every_row(url: str, directory: Path, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of ``tables`` on ``url``, in a form both engines spell alike."""
    plugins = [installed_plugin(name) for name in PLUGINS if name not in ("ui",)]
    app = make_app(directory, plugins=[p for p in plugins if p is not None],
                   database_url=url, seed_demo=False, import_worker=False,
                   webhooks_max_attempts=1)
    try:
        with app.taskflow.database() as db:
            out = {}
            for table in tables:
                columns = sorted(c["name"] for c in instance.columns_of(db, table))
                names = ", ".join(f'"{c}"' for c in columns)
                out[table] = sorted((tuple(_normal(r[c]) for c in columns) for r in db.fetchall(
                    f'SELECT {names} FROM "{table}"')), key=repr)
            return out
    finally:
        app.taskflow.close()


def _normal(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_a_team_moves_in_works_moves_to_postgresql_and_a_member_leaves(tmp_path):
    base = require_postgres()
    old = tmp_path / "old"
    sqlite_file = old / "taskflow.db"
    # -- 1. the Trello board comes in over HTTP
    with ServerProcess(old, {**SERVER, "APP_DB_PATH": str(sqlite_file)}) as server:
        names = {p["name"] for p in server.request("GET", "/health").json["plugins"]}
        assert set(PLUGINS) <= names, names
        admin = sign_in(server, "admin", "admin123")
        uid = call(server, admin, "POST", "/api/users/", {
            "username": MEMBER, "email": EMAIL, "password": PASSWORD}, 201).json["id"]
        boundary = "storyboundary"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\ntrello'
                f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="mapping"\r\n\r\n'
                '{"QA": "in_progress"}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="board.json"\r\nContent-Type: application/json\r\n\r\n').encode() \
            + BOARD.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        job = call(server, admin, "POST", "/api/imports", raw=body, status=202,
                   content_type=f"multipart/form-data; boundary={boundary}").json

        def finished():
            found = call(server, admin, "GET", f"/api/imports/{job['id']}", status=200).json
            return found if found["status"] in ("done", "failed") else None

        outcome = wait_until(finished, "the Trello import to finish", 60)
        assert outcome["status"] == "done", outcome
        pid = outcome["project_id"]
        call(server, admin, "PUT", f"/api/projects/{pid}/members/users/{uid}",
             {"role": "editor"}, 201)

        # -- 2. a member works: moves a task, comments on it
        mara = sign_in(server, MEMBER, PASSWORD)
        tasks = call(server, mara, "GET", f"/api/projects/{pid}/tasks?limit=100",
                     status=200).json["tasks"]
        landing = next(t for t in tasks if t["title"] == "Design the landing page")
        assert landing["status"] != "done"
        call(server, mara, "PATCH", f"/api/projects/{pid}/tasks/{landing['id']}",
             {"status": "done"}, 200)
        call(server, mara, "POST", f"/api/projects/{pid}/tasks/{landing['id']}/comments",
             {"body": "Shipped, moved to done"}, 201)
        call(server, mara, "POST", f"/api/projects/{pid}/tasks",
             {"title": "Mara's follow-up", "assignee_id": uid}, 201)

        # -- 3. the project goes out as JSON and CSV, and both read back
        exported = json.loads(call(server, mara, "GET", f"/api/projects/{pid}/export",
                                   status=200).body)
        assert exported["format"] == "taskflow.project"
        by_title = {t["title"]: t for t in exported["tasks"]}
        assert len(by_title) == len(tasks) + 1
        assert by_title["Design the landing page"]["status"] == "done"
        assert by_title["Design the landing page"]["comments"][-1] == {
            **by_title["Design the landing page"]["comments"][-1],
            "username": MEMBER, "body": "Shipped, moved to done"}
        table = call(server, mara, "GET", f"/api/projects/{pid}/export?format=csv",
                     status=200).body.decode("utf-8")
        assert table.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(table.lstrip("\ufeff"))))
        assert {r["title"]: r["status"] for r in rows} == {
            t["title"]: t["status"] for t in exported["tasks"]}
        assert {r["title"]: int(r["comment_count"]) for r in rows}[
            "Design the landing page"] == len(by_title["Design the landing page"]["comments"])

    # -- 4. the instance moves to PostgreSQL with docs/deploy.md's commands
    dump = tmp_path / "taskflow-instance.jsonl.gz"
    out = shell(f"APP_DB_PATH={sqlite_file} taskflow export {dump}", tmp_path,
                APP_SECRET_KEY=SECRET_KEY)
    assert out.returncode == 0, out.stderr
    assert "export tasks [" in out.stderr  # progress shown
    with gzip.open(dump, "rt") as stream:
        header = instance._header(stream)
    tables = [t["name"] for t in header["tables"]]
    for name in ("users", "tasks", "comments", "checklist_items", "labels", "task_labels",
                 "io_imports", "auth_sessions", "inbox_items", "activity", "audit_log"):
        assert name in tables, name
    with fresh_database(base) as url:
        env_file = tmp_path / "taskflow.env"
        env_file.write_text(f"APP_DATABASE_URL={url}\nAPP_SECRET_KEY={SECRET_KEY}\n")
        # section 3 ("The database, once") migrates the new database first; the move
        # comes before create-admin
        out = shell(f"taskflow --env-file {env_file} db upgrade", tmp_path)
        assert out.returncode == 0, out.stderr
        out = shell(f"APP_SEED_DEMO=false taskflow --env-file {env_file} import {dump}",
                    tmp_path)
        assert out.returncode == 0, out.stderr
        assert f"imported {sum(t['rows'] for t in header['tables'])} rows" in out.stdout
        before = every_row(f"sqlite:///{sqlite_file}", tmp_path / "a", tables)
        after = every_row(url, tmp_path / "b", tables)
        for name in tables:
            assert after[name] == before[name], name
        assert len(before["tasks"]) > len(tasks) and len(before["comments"]) > 3

        # -- 5. on the new database, the member takes their data and leaves
        new = tmp_path / "new"
        with ServerProcess(new, {**SERVER, "APP_DATABASE_URL": url,
                                 "APP_SEED_DEMO": "false"}) as server:
            assert call(server, mara, "GET", "/auth/me", status=200).json["username"] == MEMBER
            mine = call(server, mara, "GET", "/api/users/me/export", status=200)
            assert "attachment" in mine.headers["content-disposition"]
            data = mine.json
            assert [c["body"] for c in data["comments"]] == ["Shipped, moved to done"]
            assert "Mara's follow-up" in [t["title"] for t in data["tasks"]]
            call(server, mara, "DELETE", "/api/users/me", {"password": PASSWORD}, 204)
            assert call(server, mara, "GET", "/auth/me").status == 401
            assert server.request("POST", "/auth/login", json={
                "username": MEMBER, "password": PASSWORD}).status == 401
            admin = sign_in(server, "admin", "admin123")  # moved accounts sign in as before
            kept = call(server, admin, "GET", f"/api/projects/{pid}/tasks/{landing['id']}",
                        status=200).json
            assert [c["username"] for c in kept["comments"]][-1] == "deleted user"
