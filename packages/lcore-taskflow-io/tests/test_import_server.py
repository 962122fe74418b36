"""Imports and exports against real ``taskflow serve`` processes over HTTP (both engines):
a job queued before a restart is run by the next server's worker."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from http.client import HTTPConnection

import pytest
from io_testutil import fixture, form
from lcore_taskflow.core.testing import wait_until
from lcore_taskflow.core.testing.serve import ServerProcess

pytestmark = pytest.mark.timeout(240)
MIB = 1024 * 1024


def send(server: ServerProcess, method: str, path: str, token: str, body: bytes = b"",
         content_type: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, path, body=body or None, headers=headers)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def sign_in(server: ServerProcess) -> str:
    reply = server.request("POST", "/auth/login", json={"username": "admin",
                                                        "password": "admin123"})
    assert reply.status == 200, reply
    return reply.json["token"]


def test_a_job_queued_before_a_restart_runs_after_it(taskflow_engine_database, tmp_path):
    settings = {"APP_DATABASE_URL": taskflow_engine_database,
                "APP_PLUGINS_ENABLED": "auth,io,labels", "APP_LOGIN_RATE_LIMIT": "100",
                "APP_IMPORT_POLL": "0.2"}
    body, ctype = form({"source": "trello", "mapping": {"QA": "in_progress"}},
                       ("board.json", fixture("trello_board.json")))
    with ServerProcess(tmp_path, {**settings, "APP_IMPORT_WORKER": "false"}) as first:
        token = sign_in(first)
        status, _, raw = send(first, "POST", "/api/imports", token, body, ctype)
        assert status == 202, raw
        job = json.loads(raw)
        status, _, raw = send(first, "GET", f"/api/imports/{job['id']}", token)
        assert json.loads(raw)["status"] == "queued"
    with ServerProcess(tmp_path, settings) as second:  # the same database, a new process
        token = sign_in(second)

        def done():
            _, _, raw = send(second, "GET", f"/api/imports/{job['id']}", token)
            found = json.loads(raw)
            return found if found["status"] in ("done", "failed") else None

        outcome = wait_until(done, "the restarted server to run the queued import", 60)
        assert outcome["status"] == "done", outcome
        pid = outcome["project_id"]
        status, headers, raw = send(second, "GET", f"/api/projects/{pid}/export", token)
        assert status == 200 and headers["content-type"].startswith("application/json")
        assert "content-length" not in headers  # streamed, not built whole
        exported = json.loads(raw)
        titles = {t["title"] for t in exported["tasks"]}
        assert "<img src=x onerror=alert('xss')> Fix the contact form" in titles
        assert {lb["name"] for t in exported["tasks"] for lb in t["labels"]} == {
            "ready", "bug", "blue"}
        status, headers, raw = send(second, "GET", f"/api/projects/{pid}/export?format=csv",
                                    token)
        assert status == 200 and raw.decode("utf-8-sig").startswith("id,title,")


def _rows(db_path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_the_import_route_has_its_own_body_limit(tmp_path):
    """APP_IMPORT_MAX_BYTES, not core's 10 MiB, bounds POST /api/imports; other routes keep
    APP_MAX_UPLOAD_SIZE.  Real HTTP to a real server (the limit is a property of the stack)."""
    db_path = tmp_path / "limits.db"
    settings = {"APP_DB_PATH": str(db_path), "APP_PLUGINS_ENABLED": "auth,io",
                "APP_LOGIN_RATE_LIMIT": "100", "APP_IMPORT_POLL": "0.2",
                "APP_IMPORT_MAX_BYTES": str(24 * MIB)}
    board = fixture("trello_board.json")
    big = board + b" " * (20 * MIB - len(board))  # valid JSON: 20 MiB, trailing blanks
    over = board + b" " * (24 * MIB + 1 - len(board))
    with ServerProcess(tmp_path, settings) as server:
        token = sign_in(server)
        before = (_rows(db_path, "io_imports"), _rows(db_path, "projects"))
        body, ctype = form({"source": "trello"}, ("board.json", over))
        status, _, raw = send(server, "POST", "/api/imports", token, body, ctype)
        assert status == 413, raw
        assert "APP_IMPORT_MAX_BYTES" in json.loads(raw)["error"]
        assert (_rows(db_path, "io_imports"), _rows(db_path, "projects")) == before

        body, ctype = form({"source": "trello"}, ("board.json", big))
        status, _, raw = send(server, "POST", "/api/imports", token, body, ctype)
        assert status == 202, raw
        job = json.loads(raw)

        def done():
            _, _, raw = send(server, "GET", f"/api/imports/{job['id']}", token)
            found = json.loads(raw)
            return found if found["status"] in ("done", "failed") else None

        outcome = wait_until(done, "the 20 MiB import to finish", 120)
        assert outcome["status"] == "done" and outcome["counts"]["tasks"] > 0, outcome

        # Core's other routes still stop at APP_MAX_UPLOAD_SIZE (10 MiB by default).
        pid = outcome["project_id"]
        status, _, raw = send(server, "GET", f"/api/projects/{pid}/tasks", token)
        tid = json.loads(raw)["tasks"][0]["id"]
        body, ctype = form({}, ("notes.txt", b"x" * (11 * MIB)))
        status, _, raw = send(server, "POST", f"/api/projects/{pid}/tasks/{tid}/attachment",
                              token, body, ctype)
        assert status == 413, raw
        status, _, raw = send(server, "POST", "/api/projects", token,
                              json.dumps({"name": "x" * (11 * MIB)}).encode(),
                              "application/json")
        assert status == 413, raw
