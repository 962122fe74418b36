"""The HTTP contract over real HTTP, on both engines (issue 24).

One ``taskflow serve`` process (waitress) per engine, core alone with the
test identity (``X-Test-User``): NUL characters are refused before any SQL
(PostgreSQL cannot store them), attachments are downloads that never run in
the browser, ETags are quoted and compared weakly, an unsatisfiable Range is
416, ``/old-api`` never echoes the client's ``Host``, and a 304 keeps the
connection open.
"""

from __future__ import annotations

import json
import sys
from http.client import HTTPConnection
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database, multipart
from lcore_taskflow.core.testing.serve import ServerProcess

HERE = Path(__file__).resolve().parent
ADMIN = {"X-Test-User": "admin"}
NUL = "\u0000"


@pytest.fixture(scope="module", params=ENGINES)
def server(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"contract-{request.param}")
    with engine_database(request.param, workdir) as url:
        settings = {"APP_DATABASE_URL": url, "APP_LOG_LEVEL": "INFO"}
        command = [sys.executable, str(HERE / "serve_test_identity.py")]
        with ServerProcess(workdir, settings, command=command) as proc:
            yield proc


def call(server, method, path, **kw):
    kw["headers"] = {**ADMIN, **kw.get("headers", {})}
    return server.request(method, path, **kw)


def no_errors_logged(server) -> None:
    errors = [line for line in server.log(200_000).splitlines() if " ERROR " in line]
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------ NUL
@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/projects/", {"name": f"a{NUL}b"}, "name"),
    ("/api/projects/1/tasks", {"title": "ok", "description": f"x{NUL}"}, "description"),
    ("/api/projects/1/tasks", {"title": "ok", "extra": {"tags": ["a", NUL]}}, "extra.tags[1]"),
    ("/api/users/", {"username": "nul", "email": "n@example.com", "password": f"pw{NUL}"
                     "-long-enough", "role": "member"}, "password"),
])
def test_nul_in_a_json_string_is_a_422_naming_the_field(server, path, body, field):
    before = call(server, "GET", "/api/projects/1/tasks?limit=100").json["total"]
    resp = call(server, "POST", path, json=body)
    assert resp.status == 422, resp
    assert resp.json["fields"] == {field: "must not contain the NUL character (\\u0000)"}
    assert field in resp.json["error"]
    assert call(server, "GET", "/api/projects/1/tasks?limit=100").json["total"] == before
    no_errors_logged(server)


@pytest.mark.parametrize(("path", "field"), [
    ("/api/users/search?q=a%00b", "q"),
    ("/api/projects/1/tasks?status=todo%00", "status"),
    ("/api/search?q=x%00", "q"),
    ("/api/projects/?x%00y=1", "x\\u0000y"),
])
def test_nul_in_a_query_parameter_is_a_400_naming_it(server, path, field):
    resp = call(server, "GET", path)
    assert resp.status == 400, resp
    assert list(resp.json["fields"]) == [field]
    assert f"Query parameter {field}" in resp.json["error"]
    no_errors_logged(server)


def test_nul_in_a_path_segment_is_refused(server):
    resp = call(server, "GET", "/api/projects/attachments/task_1_x%00.txt")
    assert resp.status == 400, resp
    assert resp.json["fields"] == {"filename": "must not contain the NUL character (\\u0000)"}
    no_errors_logged(server)


# ---------------------------------------------------------- attachments
def upload(server, name: str, content: bytes, content_type: str) -> str:
    body, ctype = multipart("file", name, content, content_type)
    conn = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/api/projects/1/tasks/1/attachment", body=body,
                     headers={**ADMIN, "Content-Type": ctype, "Accept": "application/json"})
        reply = conn.getresponse()
        data = json.loads(reply.read())
    finally:
        conn.close()
    assert reply.status == 200, data
    return data["filename"]


@pytest.mark.parametrize(("name", "given", "served"), [
    ("page.html", "text/html", "application/octet-stream"),
    ("logo.svg", "image/svg+xml", "application/octet-stream"),
    ("run.js", "text/javascript", "application/octet-stream"),
    ("noext", "text/html", "application/octet-stream"),
    ("photo.png", "image/png", "image/png"),
    ("notes.txt", "text/plain", "text/plain; charset=UTF-8"),
])
def test_attachments_are_downloads_that_never_run(server, name, given, served):
    content = b"<svg onload=alert(1)><script>alert(document.cookie)</script></svg>"
    stored = upload(server, name, content, given)
    resp = call(server, "GET", f"/api/projects/attachments/{stored}")
    assert resp.status == 200, resp
    assert resp.body == content
    headers = resp.headers
    assert headers["content-type"] == served
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]


def test_etags_are_quoted_and_if_none_match_compares_weakly(server):
    stored = upload(server, "data.csv", b"a,b\n1,2\n" * 50, "text/csv")
    path = f"/api/projects/attachments/{stored}"
    first = call(server, "GET", path)
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2, tag
    for header in (tag, f"W/{tag}", f'"nope", {tag}', "*"):
        again = call(server, "GET", path, headers={"If-None-Match": header})
        assert again.status == 304, (header, again)
        assert again.headers["etag"] == tag and again.body == b""
    other = call(server, "GET", path, headers={"If-None-Match": '"something-else"'})
    assert other.status == 200 and other.body == first.body
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    stale = call(server, "GET", path, headers={"If-None-Match": '"other"',
                                              "If-Modified-Since": first.headers["last-modified"]})
    assert stale.status == 200


def test_dashboard_etag_matches_weak_and_listed_tags(server):
    first = call(server, "GET", "/api/projects/dashboard/overview")
    tag = first.headers["etag"]
    assert tag.startswith('"'), tag
    for header in (tag, f"W/{tag}", f'"x", W/{tag}'):
        assert call(server, "GET", "/api/projects/dashboard/overview",
                    headers={"If-None-Match": header}).status == 304, header


def test_an_unsatisfiable_range_is_416_with_the_size(server):
    content = b"0123456789" * 10
    stored = upload(server, "range.txt", content, "text/plain")
    path = f"/api/projects/attachments/{stored}"
    part = call(server, "GET", path, headers={"Range": "bytes=10-19"})
    assert part.status == 206 and part.body == content[10:20]
    assert part.headers["content-range"] == "bytes 10-19/100"
    resp = call(server, "GET", path, headers={"Range": "bytes=500-"})
    assert resp.status == 416, resp
    assert resp.headers["content-range"] == "bytes */100"
    assert resp.json["status"] == 416 and "100 bytes" in resp.json["error"]


# -------------------------------------------------------------- redirect
def test_old_api_location_never_comes_from_the_host_header(server):
    conn = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/old-api", headers={"Host": "evil.example"})
        reply = conn.getresponse()
        reply.read()
    finally:
        conn.close()
    assert reply.status == 301
    assert reply.getheader("Location") == "/api/projects/"


# ---------------------------------------------------------- keep-alive
def test_two_polls_answered_304_reuse_one_connection(server):
    """waitress closes after every bodiless answer unless core's task class stops it."""
    cursor = call(server, "GET", "/api/projects/1/tasks").json["cursor"]
    conn = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        sockets = []
        for _ in range(3):
            conn.request("GET", f"/api/projects/1/tasks/changes?since={cursor}",
                         headers={**ADMIN, "Accept": "application/json"})
            reply = conn.getresponse()
            reply.read()
            assert reply.status == 304
            assert (reply.getheader("Connection") or "").lower() != "close"
            assert not reply.will_close
            sockets.append(conn.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
        conn.request("GET", "/health")  # the same connection still serves a 200
        reply = conn.getresponse()
        assert reply.status == 200 and json.loads(reply.read())["status"] == "ok"
        assert conn.sock is sockets[0]
    finally:
        conn.close()


def test_connection_close_asked_by_the_client_is_honoured(server):
    cursor = call(server, "GET", "/api/projects/1/tasks").json["cursor"]
    conn = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", f"/api/projects/1/tasks/changes?since={cursor}",
                     headers={**ADMIN, "Connection": "close"})
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 304 and reply.will_close
    finally:
        conn.close()


# --------------------------------------------------------------- /api/
def test_api_errors_are_json_whatever_the_accept_header(server):
    for accept in ("text/html", "*/*", "text/html,application/xhtml+xml"):
        resp = call(server, "GET", "/api/no/such/thing", headers={"Accept": accept})
        assert resp.status == 404
        assert resp.headers["content-type"] == "application/json"
        assert resp.json["status"] == 404


# ------------------------------------------------------------ deadlocks
def test_concurrent_comments_and_moves_never_deadlock(server):
    """Comments locked the task row before the project's, moves the other way round:
    PostgreSQL broke the cycle by failing one of them (found by bench/load.py)."""
    import threading

    tasks = [call(server, "POST", "/api/projects/1/tasks", json={"title": f"busy {n}"}).json["id"]
             for n in range(2)]
    answers: list[int] = []

    def work(worker: int) -> None:
        for n in range(30):
            tid = tasks[(worker + n) % 2]
            if (worker + n) % 3:
                resp = call(server, "POST", f"/api/projects/1/tasks/{tid}/comments",
                            json={"body": f"comment {worker}/{n}"})
            else:
                resp = call(server, "PATCH", f"/api/projects/1/tasks/{tid}",
                            json={"status": ("todo", "in_progress", "done")[n % 3]})
            answers.append(resp.status)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == 180
    assert set(answers) <= {200, 201}, sorted(set(answers))
    assert "deadlock" not in server.log(500_000)
