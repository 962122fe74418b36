"""docs/deploy.md, done from scratch: nginx, two gunicorn app servers, two mail workers,
PostgreSQL, Redis, a shared upload directory and a real SMTP server (aiosmtpd, here).

Everything runs on this machine on loopback addresses, installed from the built wheels
exactly as the guide's step 1 says.  The module's fixture follows the guide step by step
(configuration file, ``db upgrade``, ``create-admin``, app servers, workers, proxy); the
tests then check what the guide promises: concurrent clients write each row once and the
counters agree with ``COUNT(*)``, every assignment email leaves exactly once, a mail
worker killed with SIGKILL mid-batch loses nothing, logout and the login throttle hold
across servers and processes, uploads are shared, and an app server killed with SIGKILL
under load leaves no half-written row.

PostgreSQL and Redis come from ``lcore_taskflow.core.testing.services`` (the caller's,
127.0.0.1's, or private ones it starts); nginx from the machine (``.ci/run`` installs
``nginx-light``).  Without one of them the module skips and says which; under CI
(``CI=true``) it fails instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

import pytest
from e2e_support import REPO as ROOT
from e2e_support import Reply, clean_env, expect, free_port, http, make_venv, multipart, pip

SERVICES = ROOT / "packages/lcore-taskflow-core/src/lcore_taskflow/core/testing/services.py"
SECRET = "deployment-test-secret-" + "0123456789abcdef" * 3
ADMIN_PASSWORD = "root passphrase for the deployment test"
MEMBER_PASSWORD = "member passphrase for the deployment test"
CLIENTS, TASKS_EACH = 8, 25


def unavailable(why: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs {why}")
    pytest.skip(why)


def load_services():
    """The PostgreSQL/Redis finder of core's testing kit (standalone: stdlib + drivers)."""
    try:
        import psycopg  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        unavailable(f"the deployment test talks to PostgreSQL and Redis itself: {exc}")
    spec = importlib.util.spec_from_file_location("taskflow_test_services", SERVICES)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def find_nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if not found:
        unavailable("nginx for the reverse proxy (Debian: apt-get install nginx-light)")
    return found


# ------------------------------------------------------------------ SMTP
class Inbox:
    """aiosmtpd handler: keeps every message; ``gate`` can hold senders at RCPT TO."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = 0  # senders held at the gate

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.gate.is_set():
            with self.lock:
                self.waiting += 1
            while not self.gate.is_set():  # a slow server: the sender waits for its reply
                await asyncio.sleep(0.02)
            with self.lock:
                self.waiting -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"

    def about(self, marker: str) -> list[email.message.Message]:
        with self.lock:
            return [m for m in self.messages if marker in m["Subject"]]


# --------------------------------------------------------------- processes
@dataclass
class Process:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = ROOT
    proc: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as log:
            # its own process group: SIGKILL takes gunicorn's master and workers at once
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        if self.proc:
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(10)

    def tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:] if self.log.exists() else ""


@dataclass
class Deployment:
    python: Path
    env: dict[str, str]
    db_url: str
    upload_dir: Path
    inbox: Inbox
    proxy_port: int
    apps: dict[str, tuple[Process, int]] = field(default_factory=dict)
    workers: dict[str, Process] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    proxy_log: Path | None = None  # nginx's error log

    def via_proxy(self, method: str, path: str, **kw) -> Reply:
        return http(self.proxy_port, method, path, **kw)

    def on(self, app: str, method: str, path: str, **kw) -> Reply:
        return http(self.apps[app][1], method, path, **kw)

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def taskflow(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.python.parent / "taskflow"), *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=120)

    def worker(self, name: str, log_dir: Path) -> Process:
        cmd = [str(self.python.parent / "taskflow"), "--env-file", self.env["TASKFLOW_ENV_FILE"],
               "notify", "worker", "--threads", "2"]
        self.workers[name] = Process(name, cmd, self.env, log_dir / f"{name}.log").start()
        return self.workers[name]

    def wait(self, what: str, ok, timeout: float = 60, step: float = 0.2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = ok()
            if value:
                return value
            time.sleep(step)
        logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in
                         [*(a for a, _ in self.apps.values()), *self.workers.values()])
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    def outbox_settled(self) -> bool:
        return not self.sql("SELECT 1 FROM notifications WHERE status = 'pending' LIMIT 1")


def write_env_file(path: Path, settings: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))


NGINX_CONF = """\
{user}worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    upstream taskflow {{
        server 127.0.0.1:{a} max_fails=2 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=2 fail_timeout=10s;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 10m;
        client_header_timeout 10s;
        client_body_timeout 30s;
        location / {{
            proxy_pass http://taskflow;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def deployment(dists, tmp_path_factory) -> Iterator[Deployment]:
    services = load_services()
    pg, rd = services.find_postgres(), services.find_redis()
    if pg.url is None:
        unavailable(f"PostgreSQL: {pg.note}")
    if rd.url is None:
        unavailable(f"Redis: {rd.note}")
    nginx = find_nginx()
    home = tmp_path_factory.mktemp("deployment")

    # 1. Install, on every host: the wheels with the [postgresql,redis] extras, and gunicorn.
    python = make_venv(home / "venv", with_pip=False)
    core = dists["core"].wheel
    pip(python, "install", "-q", f"{core}[postgresql,redis]",
        *[d.wheel for key, d in dists.items() if key != "core"], "gunicorn")

    inbox = Inbox()
    from aiosmtpd.controller import Controller

    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    stack = contextlib.ExitStack()
    stack.callback(smtp.stop)
    try:
        db_url = stack.enter_context(services.fresh_database(pg.url))
        prefix = stack.enter_context(services.redis_namespace(rd.url))
        upload_dir = home / "shared-uploads"
        # 2. One configuration for every process.
        env_file = home / "taskflow.env"
        write_env_file(env_file, {
            "APP_SECRET_KEY": SECRET,
            "APP_DATABASE_URL": db_url,
            "APP_REDIS_URL": rd.url,
            "APP_REDIS_PREFIX": prefix,
            "APP_UPLOAD_DIR": str(upload_dir),
            "APP_TRUSTED_PROXIES": "127.0.0.1",
            "APP_NOTIFY_DELIVERY": "worker",
            "APP_SMTP_HOST": "127.0.0.1",
            "APP_SMTP_PORT": str(smtp.port),
            "APP_SMTP_USE_TLS": "false",
            "APP_SMTP_FROM": "taskflow@example.test",
            "APP_SMTP_TIMEOUT": "3",
            "APP_NOTIFY_LEASE": "6",        # a killed worker's rows come back quickly
            "APP_NOTIFY_BACKOFF": "1",
            "APP_NOTIFY_POLL": "0.2",
            "APP_SEED_DEMO": "false",
            "APP_PASSWORD_ITERATIONS": "1000",
            # every test client reaches nginx from 127.0.0.1: one shared client bucket
            "APP_RATE_LIMIT_DEFAULT": "100000",
            "APP_LOG_LEVEL": "WARNING",
        })
        env = clean_env(TASKFLOW_ENV_FILE=str(env_file),
                        TASKFLOW_ADMIN_PASSWORD=ADMIN_PASSWORD)
        dep = Deployment(python, env, db_url, upload_dir, inbox, free_port())

        # 3. The database, once.
        for args in (("db", "upgrade"),
                     ("create-admin", "--username", "root", "--email", "root@example.test")):
            done = dep.taskflow("--env-file", str(env_file), *args)
            assert done.returncode == 0, f"taskflow {' '.join(args)}:\n{done.stderr}"

        # 4. App servers (gunicorn, as the guide's command line), 5. mail workers.
        for name in ("a", "b"):
            port = free_port()
            cmd = [str(python.parent / "gunicorn"), "--workers", "2", "--worker-class",
                   "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                   "--forwarded-allow-ips", "127.0.0.1", "--env",
                   f"TASKFLOW_ENV_FILE={env_file}", "lcore_taskflow.core:create_app()"]
            dep.apps[name] = (Process(f"app-{name}", cmd, env, home / f"app-{name}.log").start(),
                              port)
            stack.callback(dep.apps[name][0].stop)
        for name in ("worker-1", "worker-2"):
            dep.worker(name, home)
        stack.callback(lambda: [w.stop() for w in dep.workers.values()])

        # 6. The reverse proxy.
        nginx_home = home / "nginx"
        nginx_home.mkdir()
        dep.proxy_log = nginx_home / "error.log"
        conf = nginx_home / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "", home=nginx_home,
            a=dep.apps["a"][1], b=dep.apps["b"][1], port=dep.proxy_port))
        proxy = Process("nginx", [nginx, "-p", str(nginx_home), "-c", str(conf),
                                  "-g", "daemon off;"], env, home / "nginx.log").start()
        stack.callback(proxy.stop)

        for name in ("a", "b"):
            dep.wait(f"app server {name}", lambda n=name: _healthy(dep.apps[n][1]), timeout=90)
        dep.wait("nginx", lambda: _healthy(dep.proxy_port), timeout=30)
        yield dep
    finally:
        stack.close()


def _healthy(port: int) -> bool:
    try:
        return http(port, "GET", "/health", timeout=5).status == 200
    except OSError:
        return False


def login(dep: Deployment, username: str, password: str) -> str:
    if username not in dep.tokens:
        body = expect(dep.via_proxy("POST", "/auth/login",
                                    json={"username": username, "password": password}),
                      200, f"login {username}")
        dep.tokens[username] = body["token"]
    return dep.tokens[username]


@pytest.fixture(scope="module")
def team(deployment: Deployment) -> dict:
    """Two members and two projects, made by the admin through the proxy."""
    root = login(deployment, "root", ADMIN_PASSWORD)
    members = {}
    for name in ("mia", "noah"):
        body = expect(deployment.via_proxy("POST", "/api/users/", token=root, json={
            "username": name, "email": f"{name}@example.test", "password": MEMBER_PASSWORD}),
            201, f"create {name}")
        members[name] = body["id"]
    projects = [expect(deployment.via_proxy("POST", "/api/projects/", token=root,
                                            json={"name": f"Deploy {n}"}), 201)["id"]
                for n in (1, 2)]
    return {"root": root, "members": members, "projects": projects}


# ------------------------------------------------------------------ tests
def test_the_guide_brings_up_every_part(deployment: Deployment) -> None:
    """Both app servers, the proxy and the migrations of every plugin are in place."""
    namespaces = {ns for (ns,) in deployment.sql(
        "SELECT DISTINCT namespace FROM taskflow_migrations")}
    assert {"core", "notify"} <= namespaces
    for name in ("a", "b"):
        assert deployment.on(name, "GET", "/health").status == 200
    health = expect(deployment.via_proxy("GET", "/health"), 200)
    assert health["status"] == "ok" and health["database"] == "ok", health
    # the scheme a TLS-terminating proxy saw reaches the app: a login cookie over https is
    # Secure (this test's nginx listens on plain http, so it speaks as such a proxy itself)
    reply = deployment.on("b", "POST", "/auth/login", headers={"X-Forwarded-Proto": "https"},
                          json={"username": "root", "password": ADMIN_PASSWORD})
    assert reply.status == 200 and "Secure" in reply.headers.get("set-cookie", ""), reply


def create_tasks(dep: Deployment, team: dict, marker: str, count: int,
                 clients: int = CLIENTS) -> tuple[list[int], Counter]:
    """``count`` tasks from ``clients`` threads through the proxy, each assigned to a member."""
    members = list(team["members"].values())
    statuses: Counter = Counter()
    lock = threading.Lock()

    def one(i: int) -> int | None:
        pid = team["projects"][i % 2]
        try:
            reply = dep.via_proxy("POST", f"/api/projects/{pid}/tasks", token=team["root"],
                                  json={"title": f"{marker} {i}", "assignee_id": members[i % 2],
                                        "priority": random.choice(["low", "medium", "high"])})
        except (OSError, HTTPException):
            # an app server killed while the proxy streamed its answer: the body is cut
            # short, and the client cannot know whether the row was written
            with lock:
                statuses["cut"] += 1
            return None
        with lock:
            statuses[reply.status] += 1
        return reply.json["id"] if reply.status == 201 else None

    with ThreadPoolExecutor(clients) as pool:
        ids = [i for i in pool.map(one, range(count)) if i is not None]
    return ids, statuses


def assert_counters_agree(dep: Deployment) -> None:
    rows = dep.sql("SELECT p.id, p.task_count, (SELECT COUNT(*) FROM tasks t"
                   " WHERE t.project_id = p.id) FROM projects p")
    assert rows and all(stored == actual for _, stored, actual in rows), rows


def test_a_hundred_clients_keep_both_servers_in_the_proxy_s_pool(deployment: Deployment,
                                                                team: dict) -> None:
    """The guide's proxy settings (``max_fails=2 fail_timeout=10s``) under 100 clients at
    once, half of them asking ``/health``, half reading a board: every answer comes from an
    app server (no 502 or 504 of nginx's own), and nginx never takes a healthy server out
    of the pool (its error log has no failed upstream)."""
    pid, root = team["projects"][0], team["root"]

    def one(i: int) -> int:
        if i % 2:
            return deployment.via_proxy("GET", "/health").status
        return deployment.via_proxy("GET", f"/api/projects/{pid}/tasks?limit=20",
                                    token=root).status

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = Counter(pool.map(one, range(600)))
    assert statuses == Counter({200: 600}), statuses
    log = deployment.proxy_log.read_text() if deployment.proxy_log.exists() else ""
    for sign in ("upstream server temporarily disabled", "no live upstreams",
                 "upstream timed out", "connect() failed"):
        assert sign not in log, log[-2000:]


def test_concurrent_clients_write_each_row_once_and_each_email_leaves_once(
        deployment: Deployment, team: dict) -> None:
    marker = f"burst-{uuid.uuid4().hex[:6]}"
    ids, statuses = create_tasks(deployment, team, marker, CLIENTS * TASKS_EACH)
    assert statuses == Counter({201: CLIENTS * TASKS_EACH}), statuses
    assert len(set(ids)) == len(ids)
    stored = deployment.sql("SELECT id FROM tasks WHERE title LIKE %s", f"{marker} %")
    assert sorted(i for (i,) in stored) == sorted(ids)
    assert_counters_agree(deployment)
    # both servers took part, and each sees every task the other wrote
    for name in ("a", "b"):
        for pid in team["projects"]:
            listed = expect(deployment.on(name, "GET", f"/api/projects/{pid}/tasks?limit=1",
                                          token=team["root"]), 200)
            count = deployment.sql("SELECT COUNT(*) FROM tasks WHERE project_id = %s", pid)
            assert listed["total"] == count[0][0]

    deployment.wait("the outbox to drain", deployment.outbox_settled)
    deployment.wait("every email", lambda: len(deployment.inbox.about(marker)) >= len(ids))
    time.sleep(1)  # a duplicate would arrive now
    messages = deployment.inbox.about(marker)
    per_id = Counter(m["Message-ID"] for m in messages)
    assert len(messages) == len(ids) and set(per_id.values()) == {1}, per_id.most_common(3)
    rows = deployment.sql("SELECT status, message_id FROM notifications WHERE subject LIKE %s",
                          f"%{marker} %")
    assert len(rows) == len(ids) and {s for s, _ in rows} == {"sent"}
    assert {m for _, m in rows} == set(per_id)


def test_a_mail_worker_killed_mid_batch_loses_and_duplicates_nothing(
        deployment: Deployment, team: dict) -> None:
    """SIGKILL a worker while it holds claimed rows in the middle of SMTP conversations."""
    marker = f"kill-{uuid.uuid4().hex[:6]}"
    victim = deployment.workers["worker-1"]
    inbox = deployment.inbox
    inbox.gate.clear()  # the SMTP server stalls at RCPT TO: every sender is mid-batch
    try:
        _, statuses = create_tasks(deployment, team, marker, 40, clients=4)
        assert statuses[201] == 40, statuses
        held = deployment.wait("the victim to hold claimed rows", lambda: deployment.sql(
            "SELECT id FROM notifications WHERE claimed_by LIKE %s AND subject LIKE %s",
            f"%:{victim.proc.pid}", f"%{marker} %"))
        deployment.wait("senders stalled in SMTP", lambda: inbox.waiting >= 2)
        victim.signal(signal.SIGKILL)
        victim.proc.wait(10)
    finally:
        inbox.gate.set()
    # a supervisor restarts it; the rows it held come back when their lease runs out
    deployment.worker("worker-1", victim.log.parent)
    deployment.wait("the outbox to drain", deployment.outbox_settled, timeout=90)
    deployment.wait("every email", lambda: len(inbox.about(marker)) >= 40, timeout=30)
    time.sleep(1)  # a duplicate would arrive now
    rows = deployment.sql("SELECT id, message_id, attempts, status FROM notifications"
                          " WHERE subject LIKE %s", f"%{marker} %")
    assert len(rows) == 40 and {r[3] for r in rows} == {"sent"}, rows
    per_id = Counter(m["Message-ID"] for m in inbox.about(marker))
    assert set(per_id) == {r[1] for r in rows}
    assert set(per_id.values()) == {1}, per_id.most_common(3)
    held_ids = {i for (i,) in held}
    assert all(attempts >= 2 for i, _, attempts, _ in rows if i in held_ids), rows


def test_logout_on_one_server_revokes_the_token_on_the_other(deployment: Deployment,
                                                             team: dict) -> None:
    body = expect(deployment.on("a", "POST", "/auth/login", json={
        "username": "mia", "password": MEMBER_PASSWORD}), 200)
    token = body["token"]
    assert deployment.on("b", "GET", "/auth/me", token=token).status == 200
    assert deployment.on("a", "POST", "/auth/logout", token=token).status == 200
    for name in ("a", "b"):
        assert deployment.on(name, "GET", "/auth/me", token=token).status == 401, name


def test_the_login_throttle_is_one_bucket_across_servers(deployment: Deployment,
                                                         team: dict) -> None:
    """Five wrong passwords per client, whichever server or worker process answers."""
    client = {"X-Forwarded-For": f"198.51.100.{random.randint(1, 250)}"}
    wrong = {"username": "noah", "password": "not the password at all"}
    for i in range(5):
        reply = deployment.on("ab"[i % 2], "POST", "/auth/login", json=wrong, headers=client)
        assert reply.status == 401, reply
    for name in ("a", "b"):
        reply = deployment.on(name, "POST", "/auth/login", json=wrong, headers=client)
        assert reply.status == 429 and int(reply.headers["retry-after"]) >= 1, reply
    # another client is not affected
    other = {"X-Forwarded-For": "203.0.113.77"}
    assert deployment.on("b", "POST", "/auth/login", headers=other, json={
        "username": "noah", "password": MEMBER_PASSWORD}).status == 200


def test_uploads_are_shared_by_every_server(deployment: Deployment, team: dict) -> None:
    pid = team["projects"][0]
    task = expect(deployment.on("a", "POST", f"/api/projects/{pid}/tasks", token=team["root"],
                                json={"title": "with a file"}), 201)
    content = os.urandom(200_000)
    body, headers = multipart("file", "report.bin", content, "application/octet-stream")
    path = f"/api/projects/{pid}/tasks/{task['id']}/attachment"
    uploaded = expect(deployment.on("a", "POST", path, body=body, headers=headers,
                                    token=team["root"]), 200)
    assert (deployment.upload_dir / uploaded["filename"]).read_bytes() == content
    served = f"/api/projects/attachments/{uploaded['filename']}"
    download = deployment.on("b", "GET", served, token=team["root"])
    assert download.status == 200 and download.body == content
    assert deployment.on("b", "DELETE", path, token=team["root"]).status == 200
    assert not (deployment.upload_dir / uploaded["filename"]).exists()
    assert deployment.on("a", "GET", served, token=team["root"]).status == 404


def test_an_app_server_killed_under_load_leaves_no_half_written_row(
        deployment: Deployment, team: dict) -> None:
    marker = f"crash-{uuid.uuid4().hex[:6]}"
    result: dict = {}
    loader = threading.Thread(target=lambda: result.update(
        zip(("ids", "statuses"), create_tasks(deployment, team, marker, 160, clients=6))))
    loader.start()
    deployment.wait("the load to start", lambda: deployment.sql(
        "SELECT COUNT(*) FROM tasks WHERE title LIKE %s", f"{marker} %")[0][0] >= 20)
    app_a = deployment.apps["a"][0]
    app_a.signal(signal.SIGKILL)
    app_a.proc.wait(10)
    loader.join(120)
    ids, statuses = result["ids"], result["statuses"]
    # a request cut off by the crash is a 502 from the proxy (or an answer cut short),
    # never a 500 from the app
    assert set(statuses) <= {201, 502, "cut"}, statuses
    assert statuses[201] >= 100, statuses
    stored = {i for (i,) in deployment.sql("SELECT id FROM tasks WHERE title LIKE %s",
                                           f"{marker} %")}
    assert set(ids) <= stored  # every answered row is there; at most the cut-off ones extra
    assert len(stored) - len(ids) <= statuses[502] + statuses["cut"]
    assert_counters_agree(deployment)
    # every stored task has its assignment email queued in the same transaction
    queued = deployment.sql("SELECT COUNT(*) FROM notifications WHERE subject LIKE %s",
                            f"%{marker} %")
    assert queued[0][0] == len(stored)
    assert expect(deployment.via_proxy("GET", "/health"), 200)
    # restarted, the server serves again and sees everything
    deployment.apps["a"] = (app_a.start(), deployment.apps["a"][1])
    deployment.wait("app server a again", lambda: _healthy(deployment.apps["a"][1]), timeout=90)
    pid = team["projects"][0]
    listed = expect(deployment.on("a", "GET", f"/api/projects/{pid}/tasks?limit=1",
                                  token=team["root"]), 200)
    assert listed["total"] == deployment.sql(
        "SELECT COUNT(*) FROM tasks WHERE project_id = %s", pid)[0][0]
