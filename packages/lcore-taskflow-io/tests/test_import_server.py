"""Imports and exports against real ``taskflow serve`` processes over HTTP (both engines):
a job queued before a restart is run by the next server's worker."""

from __future__ import annotations

import json
from http.client import HTTPConnection

import pytest
from io_testutil import fixture, form
from lcore_taskflow.core.testing import wait_until
from lcore_taskflow.core.testing.serve import ServerProcess

pytestmark = pytest.mark.timeout(240)


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
