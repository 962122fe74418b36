"""Issue 13's findings, each reproduced over real HTTP against the installed server.

Two servers of this module run in production mode (demo users seeded) under
waitress with proxy headers passed through (``--no-clear-untrusted-proxy-
headers``), so TaskFlow's own ``APP_TRUSTED_PROXIES`` decides whom to
believe: ``guarded`` trusts loopback
(each test speaks as its own client through ``X-Forwarded-For``, so rate
limits stay per test), ``untrusting`` trusts nobody and has an upload
directory that cannot be created.  (How ``taskflow serve`` passes trusted
proxies to waitress is the CLI's business and tested with it.)
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import pytest
from e2e_support import Reply, Server, expect, expect_error, multipart, start_all

PROBE_BYTES = 10_000_000  # just under the 10 MiB upload limit, ten times the JSON limit
RSS_GROWTH_LIMIT = 64 << 20
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))


def client() -> dict[str, str]:
    """Headers that make the next requests come from a client of their own."""
    return {"X-Forwarded-For": next(_addresses)}


class ProxiedServer(Server):
    """The example app under ``waitress-serve`` that hands proxy headers to the app."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, launcher="waitress-serve", **kwargs)

    def command(self):
        cmd, cwd = super().command()
        return [*cmd[:-1], "--no-clear-untrusted-proxy-headers", cmd[-1]], cwd

    def admin(self) -> str:
        if "admin" not in self._tokens:
            reply = self.post("/auth/login", json={"username": "admin", "password": "admin123"},
                              headers=client())
            self._tokens["admin"] = expect(reply, 200, "admin login")["token"]
        return self._tokens["admin"]


@pytest.fixture(scope="module")
def hardened(server_python, tmp_path_factory) -> Iterator[dict[str, ProxiedServer]]:
    root = tmp_path_factory.mktemp("hardening")
    (root / "not-a-dir").write_text("a file where the upload directory's parent should be")
    # debug off, demo users on, the shipped login throttle (e2e_support relaxes it)
    production = {"APP_SEED_DEMO": "true", "APP_LOGIN_RATE_LIMIT": "5"}
    pool = {
        "guarded": ProxiedServer("guarded", server_python, root / "guarded",
                                 settings={**production, "APP_TRUSTED_PROXIES": "127.0.0.1"}),
        "untrusting": ProxiedServer("untrusting", server_python, root / "untrusting",
                                    settings=production),
    }
    pool["untrusting"].env["APP_UPLOAD_DIR"] = str(root / "not-a-dir" / "uploads")
    try:
        start_all(list(pool.values()))
        yield pool
    finally:
        for server in pool.values():
            server.stop()


@pytest.fixture(scope="module")
def guarded(hardened) -> ProxiedServer:
    return hardened["guarded"]


@pytest.fixture(scope="module")
def untrusting(hardened) -> ProxiedServer:
    return hardened["untrusting"]


def new_task(server: ProxiedServer, **fields) -> int:
    body = {"title": "hardening", **fields}
    reply = server.post("/api/projects/1/tasks", json=body, token=server.admin())
    return expect(reply, 201, "create task")["id"]


def raw_post(server: Server, path: str, body: bytes, headers: dict | None = None,
             token: str | None = None) -> Reply:
    sent = {"Content-Type": "application/json", **(headers or {})}
    return server.post(path, body=body, headers=sent, token=token)


# ------------------------------------------------------------- 1. memory
def rss_kib(pid: int, key: str = "VmRSS") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))


def test_big_json_bodies_are_refused_and_memory_stays_bounded(guarded):
    """8 concurrent ~10 MB ``[{},{},...]`` bodies to /auth/register: 413s, bounded RSS."""
    if not Path(f"/proc/{guarded.proc.pid}/status").exists():
        pytest.skip("no /proc on this system: cannot read the server's RSS")
    body = b"[" + b"{}," * ((PROBE_BYTES - 3) // 3) + b"{}]"
    before = rss_kib(guarded.proc.pid)
    replies: list[Reply | BaseException] = []

    def probe() -> None:
        try:
            replies.append(raw_post(guarded, "/auth/register", body, client()))
        except BaseException as exc:  # reported below
            replies.append(exc)

    threads = [threading.Thread(target=probe) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(replies) == 8, f"probe unfinished after 120 s: {replies}"
    for reply in replies:
        assert isinstance(reply, Reply), reply
        expect_error(reply, 413, "10 MB JSON body")
    grown = (rss_kib(guarded.proc.pid) - before) << 10
    peak = (rss_kib(guarded.proc.pid, "VmHWM") - before) << 10
    print(f"\nRSS before {before} KiB, grew {grown >> 10} KiB, peak +{peak >> 10} KiB")
    assert grown < RSS_GROWTH_LIMIT and peak < 2 * RSS_GROWTH_LIMIT


def test_a_chunked_json_body_is_bounded_too(guarded):
    conn = HTTPConnection("127.0.0.1", guarded.port, timeout=60)
    try:
        chunks = (b"[" + b"{}," * 100_000 for _ in range(20))  # ~6 MB, no Content-Length
        conn.request("POST", "/auth/login", body=chunks, encode_chunked=True,
                     headers={"Content-Type": "application/json", **client()})
        reply = conn.getresponse()
        status, data = reply.status, json.loads(reply.read())
    finally:
        conn.close()
    assert (status, data["status"]) == (413, 413), data


# ------------------------------------------------------------ 5. input
BIG = 2**63
HUGE = "99999999999999999999999"
BEYOND_64_BITS = [
    ("GET", f"/api/projects/{HUGE}", None, 404),
    ("GET", f"/api/users/{HUGE}", None, 404),
    ("DELETE", f"/api/projects/1/tasks/{HUGE}", None, 404),
    ("GET", f"/api/projects/1/tasks?page={HUGE}", None, 400),
    ("GET", f"/api/projects/1/tasks?assignee_id={HUGE}", None, 400),
    ("GET", f"/api/projects/1/tasks/changes?since={HUGE}", None, 400),
    ("GET", f"/api/projects/dashboard/activity?before={HUGE}", None, 400),
    ("POST", "/api/projects/1/tasks", {"title": "x", "assignee_id": BIG}, 422),
    ("PATCH", "/api/projects/1/tasks/1", {"before_id": -BIG - 1}, 422),
    ("POST", f"/api/notifications/task-assigned/{HUGE}", None, 404),
    ("POST", "/api/notifications/batch", {"user_ids": [BIG], "subject": "s", "body": "b"}, 422),
    ("POST", "/api/notifications/retry", {"ids": [BIG]}, 422),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BEYOND_64_BITS)
def test_integers_beyond_64_bits_are_a_client_error(guarded, method, path, body, status):
    reply = guarded.request(method, path, json=body, token=guarded.admin(), headers=client())
    expect_error(reply, status, f"{method} {path}")


def nested(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("depth", [1_000, 5_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_deeply_nested_json_is_a_400(guarded, depth, kind):
    payload = b'{"username": "x", "password": ' + nested(depth, kind) + b"}"
    expect_error(raw_post(guarded, "/auth/login", payload, client()), 400, "login, unsigned")
    payload = b'{"name": ' + nested(depth, kind) + b"}"
    expect_error(raw_post(guarded, "/api/projects/", payload, token=guarded.admin()), 400,
                 "create project")


LONE = b'"\\ud800"'


@pytest.mark.parametrize(("path", "body", "signed"), [
    ("/auth/login", b'{"username": ' + LONE + b', "password": "x"}', False),
    ("/auth/login", b'{"username": "admin", "password": ' + LONE + b"}", False),
    ("/auth/register", b'{"username": ' + LONE + b', "email": "a@b.co", "password": "x"}',
     False),
    ("/auth/register", b'{"username": "surrogate", "email": "s@b.co", "password": "long ' +
     LONE[1:-1] + b' passphrase"}', False),
    ("/api/projects/1/tasks", b'{"title": ' + LONE + b"}", True),
    ("/api/projects/1/tasks", b'{"title": "ok", "description": "a' + LONE[1:-1] + b'b"}', True),
    ("/api/projects/1/tasks", b'{"title": "\xed\xa0\x80"}', True),  # the surrogate as UTF-8
])
def test_lone_surrogates_are_refused(guarded, path, body, signed):
    token = guarded.admin() if signed else None
    expect_error(raw_post(guarded, path, body, client(), token=token), 400, path)


def test_line_separators_in_a_title_keep_the_assignment_and_its_email(guarded):
    token = guarded.admin()
    alice = guarded.user_id("alice")
    task_id = new_task(guarded, title="Plan\u2028launch\u0085now", assignee_id=alice)
    history = expect(guarded.get("/api/notifications/history?limit=100", token=token), 200,
                     "history")["notifications"]
    assert any(n["subject"].endswith("Plan launch now") and n["user_id"] == alice
               for n in history), history[:3]  # the outbox row committed with the task
    sent = guarded.post(f"/api/notifications/task-assigned/{task_id}", token=token,
                        headers=client())
    assert expect(sent, 200, "task-assigned")["subject"].endswith("Plan launch now")
    for separator in ("\u2028", "\u2029", "\u0085"):
        email = {"to": "a@example.com", "subject": f"Hi{separator}there", "body": "b"}
        expect_error(guarded.post("/api/notifications/email", json=email, token=token,
                                  headers=client()), 422, "email subject")
        batch = {"user_ids": [alice], "subject": f"Hi{separator}there", "body": "b"}
        expect_error(guarded.post("/api/notifications/batch", json=batch, token=token,
                                  headers=client()), 422, "batch subject")
    body = {"to": "a@example.com", "subject": "Hi", "body": "line\u2028separated"}
    expect(guarded.post("/api/notifications/email", json=body, token=token, headers=client()),
           200, "separator in a body")


def test_async_batch_answers_gzip_clients(guarded):
    """Found by fuzzing: a rate-limited async handler handed gzip a coroutine (500)."""
    batch = {"user_ids": [guarded.user_id("bob")], "subject": "Hi", "body": "b"}
    reply = guarded.post("/api/notifications/batch", json=batch, token=guarded.admin(),
                         headers={"Accept-Encoding": "gzip", **client()})
    assert reply.status == 200, reply


# ---------------------------------------------------------- 6. passwords
WEAK = ["        ", "12345678", "password", "Password", "1234567890", "aaaaaaaaaaaa",
        "weakling01", "weakling01@example.com"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(guarded, password):
    body = {"username": "weakling01", "email": "weakling01@example.com", "password": password}
    reply = guarded.post("/auth/register", json=body, headers=client())
    assert "password" in expect_error(reply, 422, f"register with {password!r}")["fields"]


def test_weak_passwords_are_refused_everywhere(guarded):
    token = guarded.admin()
    create = {"username": "weakling02", "email": "w2@example.com", "password": "12345678"}
    reply = guarded.post("/api/users/", json=create, token=token, headers=client())
    assert "password" in expect_error(reply, 422, "admin creates a user")["fields"]
    change = {"current_password": "admin123", "new_password": "admin"}
    reply = guarded.post("/auth/password", json=change, token=token, headers=client())
    assert "new_password" in expect_error(reply, 422, "password change")["fields"]


# ---------------------------------------------------------- 7. throttles
def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def retry_after(reply: Reply) -> int:
    expect_error(reply, 429, "throttled")
    return int(reply.headers["retry-after"])


def test_one_throttle_bucket_for_every_password_check(guarded):
    """Login, HTTP Basic and password change share 5 guesses per 300 s per client."""
    token = guarded.admin()  # signed in from another address
    me = client()
    wrong_login = {"username": "admin", "password": "guess"}
    wrong_change = {"current_password": "guess", "new_password": "a much longer passphrase"}
    for _ in range(2):
        expect_error(guarded.post("/auth/login", json=wrong_login, headers=me), 401, "login")
        expect_error(guarded.get("/auth/basic-demo", headers={**me, **basic("admin", "guess")}),
                     401, "basic")
    expect_error(guarded.post("/auth/password", json=wrong_change, token=token, headers=me),
                 422, "password change")
    assert retry_after(guarded.post("/auth/login", json=wrong_login, headers=me)) >= 1
    assert retry_after(guarded.get("/auth/basic-demo", headers={**me, **basic("admin", "x")}))
    assert retry_after(guarded.post("/auth/password", json=wrong_change, token=token,
                                    headers=me))
    # the right password does not get through a closed bucket either
    right = {"username": "admin", "password": "admin123"}
    assert retry_after(guarded.post("/auth/login", json=right, headers=me))


def rate_limited_operations(server: ProxiedServer) -> list[tuple[str, str, int]]:
    """``(method, path, limit)`` of every operation the document says can answer 429."""
    doc = expect(server.get("/openapi.json"), 200, "document")
    found = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            match = re.search(r"Rate limit: (\d+) requests", op.get("description", ""))
            if "429" in op["responses"] and match:
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path),
                              int(match.group(1))))
    return found


def test_every_429_carries_retry_after(guarded):
    operations = rate_limited_operations(guarded)
    assert len(operations) >= 10, operations
    token = guarded.admin()
    for method, path, limit in operations:
        me = client()
        for _ in range(2 * limit + 10):  # buckets refill while we ask: room for a slow machine
            body = {} if method in ("POST", "PUT", "PATCH") else None
            reply = guarded.request(method, path, json=body, token=token, headers=me)
            if reply.status == 429:
                break
        assert retry_after(reply) >= 1, f"{method} {path} never answered 429 with Retry-After"


def test_request_ids_are_bounded(guarded):
    reply = guarded.get("/health", headers={"X-Request-ID": "abc-123.x:y_z"})
    assert reply.headers["x-request-id"] == "abc-123.x:y_z"
    for sent in ("r" * 10_000, "<script>alert(1)</script>", "a b"):
        echoed = guarded.get("/health", headers={"X-Request-ID": sent}).headers["x-request-id"]
        assert echoed != sent and 0 < len(echoed) <= 128, echoed


def session_cookie(reply: Reply) -> str:
    expect(reply, 200, "login")
    return next(c for c in reply.cookies if c.startswith("session_user="))


def test_secure_cookie_follows_a_trusted_forwarded_proto(guarded, untrusting):
    https = {"X-Forwarded-Proto": "https"}
    right = {"username": "admin", "password": "admin123"}
    behind_proxy = session_cookie(guarded.post("/auth/login", json=right,
                                               headers={**client(), **https}))
    assert re.search(r";\s*secure", behind_proxy, re.I), behind_proxy
    direct = session_cookie(guarded.post("/auth/login", json=right, headers=client()))
    assert not re.search(r";\s*secure", direct, re.I), direct
    forged = session_cookie(untrusting.post("/auth/login", json=right, headers=https))
    assert not re.search(r";\s*secure", forged, re.I), forged  # nobody trusted: ignored


# ------------------------------------------------------------- 4. storage
def upload(server: ProxiedServer, task_id: int, content: bytes, name: str = "f.txt") -> Reply:
    body, headers = multipart("file", name, content)
    return server.post(f"/api/projects/1/tasks/{task_id}/attachment", body=body,
                       headers={**headers, **client()}, token=server.admin())


def test_an_unusable_upload_directory_is_a_503_and_deletes_still_work(untrusting):
    task_id = new_task(untrusting)
    body = expect_error(upload(untrusting, task_id, b"hello"), 503, "upload")
    assert "upload directory" in body["error"], body
    expect_error(untrusting.get("/api/projects/attachments/task_1_x_f.txt",
                                token=untrusting.admin()), 404, "download")
    reply = untrusting.request("DELETE", f"/api/projects/1/tasks/{task_id}",
                               token=untrusting.admin())
    expect(reply, 200, "delete task")


def test_deleting_a_task_whose_file_cannot_be_removed_logs_the_orphan(guarded):
    task_id = new_task(guarded)
    stored = expect(upload(guarded, task_id, b"keep me"), 200, "upload")["filename"]
    path = guarded.workdir / "uploads" / stored
    path.unlink()
    (path / "inside").mkdir(parents=True)  # a directory in its place: unlink fails
    reply = guarded.request("DELETE", f"/api/projects/1/tasks/{task_id}", token=guarded.admin())
    expect(reply, 200, "delete task")
    deadline = time.monotonic() + 5
    while f"orphaned attachment {path}" not in guarded.log_tail(20_000):
        assert time.monotonic() < deadline, guarded.log_tail()
        time.sleep(0.1)


@pytest.fixture
def tiny_disk(guarded) -> Iterator[Path]:
    """The guarded server's upload directory on a 256 KiB tmpfs (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: the disk-full test did not run")
    target = guarded.workdir / "uploads"
    target.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(target)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): "
                    "the disk-full test did not run")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_a_full_disk_is_a_507_without_leftovers(guarded, tiny_disk):
    task_id = new_task(guarded)
    body = expect_error(upload(guarded, task_id, os.urandom(400_000)), 507, "disk full")
    assert "full" in body["error"], body
    assert not list(tiny_disk.iterdir()), "a partial file was left behind"
    stored = expect(upload(guarded, task_id, b"small enough"), 200, "upload after")["filename"]
    download = guarded.get(f"/api/projects/attachments/{stored}", token=guarded.admin())
    assert download.status == 200 and download.body == b"small enough", download
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        body = expect_error(upload(guarded, task_id, b"x"), 503, "read-only directory")
        assert "upload directory" in body["error"], body
        reply = guarded.request("DELETE", f"/api/projects/1/tasks/{task_id}",
                                token=guarded.admin())
        expect(reply, 200, "delete a task whose file cannot be removed")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
