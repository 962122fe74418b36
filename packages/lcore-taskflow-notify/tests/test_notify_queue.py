"""The outbox as a queue: one transaction with the change, worker processes, leases, backoff.

Workers here are real ``taskflow notify worker`` processes on the test's SQLite
file, delivering to an aiosmtpd server in this process; "killed" means SIGKILL.
"""

from __future__ import annotations

import importlib.util
import json
import re
import signal
import socket
import threading
import urllib.request
from collections import Counter

import pytest
from lcore_taskflow.core import events, hookimpl
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app
from lcore_taskflow.notify import NotificationFailed, NotifyPlugin
from notify_testutil import (
    HOST,
    Process,
    SmtpServer,
    accepts_connections,
    database_of,
    free_port,
    process_env,
    wait_until,
)

MESSAGE_ID = re.compile(r"^<notification-(\d+)\.[0-9a-f]{16}@taskflow>$")


def users(app) -> dict[str, dict]:
    with app.taskflow.database() as db:
        return {u["username"]: u for u in db.fetchall("SELECT id, username, email FROM users")}


def assign_tasks(app, count: int) -> None:
    """Create ``count`` tasks through the API, assigned to alice and bob in turn."""
    admin = Client(app).as_user("admin")
    team = users(app)
    for i in range(count):
        assignee = team["alice" if i % 2 else "bob"]["id"]
        r = admin.post("/api/projects/1/tasks", json={"title": f"Task {i}",
                                                      "assignee_id": assignee})
        assert r.status == 201, r


def rows(app) -> list[dict]:
    with app.taskflow.database() as db:
        return db.fetchall("SELECT * FROM notifications ORDER BY id")


def all_sent(app, count: int) -> list[dict] | None:
    found = rows(app)
    done = len(found) == count and all(r["status"] == "sent" for r in found)
    return found if done else None


def worker(app, tmp_path, name: str, smtp: SmtpServer, *args: str, **settings) -> Process:
    """``taskflow notify worker ARGS`` on ``app``'s database."""
    env = process_env(database_of(app), tmp_path, **{
        **smtp.config, "notify_delivery": "worker", "notify_poll": 0.1, **settings})
    return Process(["notify", "worker", *args], env, tmp_path, name)


def delivered_once(smtp: SmtpServer, found: list[dict]) -> None:
    """Each row's Message-ID arrived exactly once, and nothing else did."""
    counts = Counter(smtp.handler.message_ids())
    assert [mid for mid, n in counts.items() if n > 1] == []
    assert set(counts) == {r["message_id"] for r in found}


# ----------------------------------------------------------- transactions
def test_outbox_row_commits_or_rolls_back_with_the_assignment(make_notify_app, smtp_server):
    app = make_notify_app(**smtp_server.config)
    kernel = app.taskflow
    alice = users(app)["alice"]

    def assign(task_id: int, fail: bool) -> None:
        with kernel.database() as db, db.transaction():
            db.execute("UPDATE tasks SET assignee_id = ? WHERE id = ?", (alice["id"], task_id))
            kernel.emit(events.TaskAssigned(task=kernel.tasks.get(task_id), assignee=alice,
                                            project={"id": 1, "name": "Website Redesign"}))
            if fail:
                raise RuntimeError("the change fails after its event")

    admin = Client(app).as_user("admin")
    first, second = (admin.post("/api/projects/1/tasks", json={"title": t}).json["id"]
                     for t in ("Rolled back", "Committed"))
    with pytest.raises(RuntimeError):
        assign(first, fail=True)
    assert rows(app) == []  # the outbox row went with the task write
    assert kernel.tasks.get(first)["assignee_id"] is None

    assign(second, fail=False)
    (row,) = wait_until(lambda: all_sent(app, 1), "the committed assignment's email")
    assert smtp_server.handler.message_ids() == [row["message_id"]]
    assert MESSAGE_ID.match(row["message_id"]).group(1) == str(row["id"])


def test_embedded_delivery_is_woken_by_the_commit(make_notify_app, smtp_server):
    """With a poll interval of 5 minutes only the after-commit wake-up can deliver in time."""
    app = make_notify_app(**smtp_server.config, notify_poll=300)
    assert app.taskflow.plugin("notify").dispatcher is not None
    assign_tasks(app, 3)
    found = wait_until(lambda: all_sent(app, 3), "three assignment emails")
    delivered_once(smtp_server, found)


def test_worker_mode_web_process_only_writes_rows_and_a_worker_sends_them(
        make_notify_app, smtp_server, tmp_path):
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    assert app.taskflow.plugin("notify").dispatcher is None
    assign_tasks(app, 4)
    assert [(r["status"], r["attempts"], r["claimed_by"]) for r in rows(app)] == \
        [("pending", 0, None)] * 4

    # at APP_LOG_LEVEL=WARNING too, the worker says that it started (issue 24)
    once = worker(app, tmp_path, "once", smtp_server, "--once", log_level="WARNING")
    assert once.proc.wait(60) == 0, once.output()
    assert "notify worker worker@" in once.output() and " started: " in once.output()
    assert "delivered: 4 sent, 0 simulated, 0 failed" in once.output()
    found = all_sent(app, 4)
    assert found, rows(app)
    delivered_once(smtp_server, found)


# ------------------------------------------------------ worker processes
def test_two_workers_deliver_each_email_exactly_once(make_notify_app, smtp_server, tmp_path):
    smtp_server.handler.accept_delay = 0.02  # a server that takes a moment, so sends overlap
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    workers = [worker(app, tmp_path, f"worker{i}", smtp_server, "--threads", "3") for i in (1, 2)]
    try:
        for w in workers:
            w.wait_for_output("notify worker worker@")
        assign_tasks(app, 40)
        found = wait_until(lambda: all_sent(app, 40), "40 assignment emails")
    finally:
        codes = [w.stop() for w in workers]
    assert codes == [0, 0], [w.output() for w in workers]
    delivered_once(smtp_server, found)
    assert {r["attempts"] for r in found} == {1}
    per_worker = [len(re.findall(r"\): sent, attempt 1", w.output())) for w in workers]
    assert sum(per_worker) == 40 and all(per_worker), per_worker  # both took part


def test_killed_worker_mid_batch_is_taken_over_after_its_lease(make_notify_app, smtp_server,
                                                               tmp_path):
    """Worker A is SIGKILLed while both its sends wait for the server's 250.

    The server had not accepted those messages (a client that vanishes before
    the 250 leaves nothing behind), so once A's lease runs out worker B sends
    them, with the same Message-IDs, and every email arrives exactly once.  A
    duplicate could only arise from a kill between the 250 and the commit of
    ``sent`` (one local UPDATE); this test kills outside that window on purpose.
    """
    smtp_server.handler.accept_delay = 0.5
    settings = {**smtp_server.config, "notify_lease": 3, "smtp_timeout": 1.5}
    app = make_notify_app(**settings, notify_delivery="worker")
    assign_tasks(app, 12)
    a = worker(app, tmp_path, "worker-a", smtp_server, "--threads", "2", **settings)
    b = worker(app, tmp_path, "worker-b", smtp_server, "--threads", "2", **settings)
    try:
        a_claim = f"worker@{socket.gethostname()}:{a.pid}"

        def a_mid_send() -> set[str] | None:
            with app.taskflow.database() as db:
                held = {r["message_id"] for r in db.fetchall(
                    "SELECT message_id FROM notifications WHERE claimed_by = ?", (a_claim,))}
            sending = held & set(smtp_server.handler.in_data)
            return sending if len(sending) == 2 else None

        cut_off = wait_until(a_mid_send, "worker A to have both its sends in DATA")
        a.kill()
        found = wait_until(lambda: all_sent(app, 12), "B to deliver everything", timeout=60)
    finally:
        a.kill()
        assert b.stop() == 0, b.output()
    delivered_once(smtp_server, found)
    taken_over = [r for r in found if r["message_id"] in cut_off]
    assert [r["attempts"] for r in taken_over] == [2, 2]  # A's claim, then B's after the lease
    assert {r["attempts"] for r in found if r not in taken_over} == {1}
    assert all(r["claimed_by"] is None and r["lease_until"] is None for r in found)


def test_sigterm_finishes_the_send_in_flight_and_claims_nothing_more(make_notify_app,
                                                                       smtp_server, tmp_path):
    smtp_server.handler.gate = threading.Event()
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    assign_tasks(app, 3)
    w = worker(app, tmp_path, "worker", smtp_server, "--threads", "1")
    try:
        wait_until(lambda: smtp_server.handler.in_data, "the first send to reach DATA")
        w.proc.send_signal(signal.SIGTERM)
        w.wait_for_output("SIGTERM, finishing the sends in flight")
    finally:
        smtp_server.handler.gate.set()
    assert w.stop() == 0, w.output()
    assert "delivered: 1 sent, 0 simulated, 0 failed" in w.output()
    assert [(r["status"], r["attempts"], r["claimed_by"]) for r in rows(app)] == [
        ("sent", 1, None), ("pending", 0, None), ("pending", 0, None)]


def test_web_process_killed_mid_send_loses_nothing(make_notify_app, smtp_server, tmp_path):
    """The issue-12 crash: ``taskflow serve`` (embedded delivery) SIGKILLed with sends in flight.

    Every acknowledged assignment has its outbox row (same transaction), and a
    worker started afterwards delivers all of them once the dead server's
    leases have run out.
    """
    if importlib.util.find_spec("lcore_taskflow.auth") is None:
        pytest.skip("needs lcore-taskflow-auth installed: the server process logs in through "
                    "/auth/login (tox's notify envs install it)")
    smtp_server.handler.gate = threading.Event()  # nothing is accepted while the server lives
    settings = {**smtp_server.config, "notify_lease": 3, "smtp_timeout": 1.5,
                "notify_workers": 2}
    app = make_notify_app(**settings, notify_delivery="worker")  # makes the database only
    alice = users(app)["alice"]["id"]
    port = free_port()
    env = process_env(database_of(app), tmp_path, **settings, port=port, host=HOST,
                      notify_delivery="embedded")
    server = Process(["serve"], env, tmp_path, "server")
    try:
        server.wait_for_output("serving on")  # printed just before the socket is bound
        wait_until(lambda: accepts_connections(port), "the server to listen")
        token = _login(port)
        for i in range(6):
            _post(port, token, "/api/projects/1/tasks", {"title": f"Crash {i}",
                                                         "assignee_id": alice})
        wait_until(lambda: len(smtp_server.handler.in_data) == 2, "two sends in DATA")
    finally:
        server.kill()
    # The SMTP server notices the dead connections and drops their messages
    # (it never answered 250); only then may it accept mail again.
    wait_until(lambda: not smtp_server.handler.in_data or None,
               "the SMTP server to drop the dead client's messages")
    smtp_server.handler.gate.set()
    with app.taskflow.database() as db:
        assigned = db.scalar("SELECT COUNT(*) FROM tasks WHERE title LIKE 'Crash %'")
    assert assigned == 6 and len(rows(app)) == 6  # no assignment without its row
    w = worker(app, tmp_path, "worker", smtp_server, **settings)
    try:
        found = wait_until(lambda: all_sent(app, 6), "the worker to deliver all six")
    finally:
        assert w.stop() == 0, w.output()
    delivered_once(smtp_server, found)
    assert sorted(r["attempts"] for r in found) == [1, 1, 1, 1, 2, 2]


def _login(port: int) -> str:
    return _post(port, None, "/auth/login", {"username": "admin", "password": "admin123"})[
        "token"]


def _post(port: int, token: str | None, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# ------------------------------------------------------- backoff, attempts
class FailureRecorder:
    """A listener plugin: keeps every ``notification.failed`` event."""

    name, version, core_api = "failures", "1", "1.0"

    def __init__(self) -> None:
        self.events: list[NotificationFailed] = []

    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, NotificationFailed):
            self.events.append(event)


def test_failed_sends_back_off_exponentially_then_give_up(tmp_path):
    port = free_port()  # no server yet: every attempt is refused
    recorder = FailureRecorder()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), NotifyPlugin(), recorder],
                   smtp_host=HOST, smtp_port=port, smtp_use_tls=False, smtp_timeout=2.0,
                   notify_backoff=0.2, notify_max_attempts=3, notify_poll=0.05)
    try:
        admin = Client(app).as_user("admin")
        first = admin.post("/api/notifications/email", json={
            "to": "ops@example.com", "subject": "Backoff", "body": "b"}).json
        assert first["status"] == "failed" and first["retry_at"]
        wait_until(lambda: len(recorder.events) == 3, "three failed attempts")
        rows_seen = [e.notification for e in recorder.events]
        assert [e.attempts for e in recorder.events] == [1, 2, 3]
        for attempt, row in enumerate(rows_seen[:2], 1):
            assert row["next_attempt_at"] - row["updated_at"] == pytest.approx(
                0.2 * 2 ** (attempt - 1), abs=1e-6)
        # an attempt starts only once its backoff is over
        assert rows_seen[1]["last_attempt_at"] >= rows_seen[0]["next_attempt_at"]
        assert rows_seen[2]["last_attempt_at"] >= rows_seen[1]["next_attempt_at"]
        assert recorder.events[-1].gave_up and not recorder.events[0].gave_up
        (row,) = rows(app)
        assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 3, None)

        server = SmtpServer(port=port)  # the server is back: a manual retry still works
        try:
            again = admin.post(f"/api/notifications/{row['id']}/retry").json
            assert again["status"] == "sent"
            assert server.handler.message_ids() == [row["message_id"]]
        finally:
            server.stop()
        assert rows(app)[0]["attempts"] == 4
    finally:
        app.taskflow.close()


def test_a_permanent_refusal_is_not_retried_automatically(make_notify_app, smtp_server):
    app = make_notify_app(**smtp_server.config, notify_backoff=0.05, notify_poll=0.05)
    r = Client(app).as_user("admin").post("/api/notifications/email", json={
        "to": "refuse@example.com", "subject": "Nope", "body": "b"}).json
    assert r["status"] == "failed" and "550" in r["error"] and r["retry_at"] is None
    (row,) = rows(app)
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)


@pytest.mark.parametrize("config, key", [
    ({"notify_delivery": "cron"}, "notify_delivery"),
    ({"notify_lease": 0}, "notify_lease"),
    ({"notify_lease": 10, "smtp_timeout": 10}, "notify_lease"),
    ({"notify_poll": 0}, "notify_poll"),
    ({"notify_max_attempts": 0}, "notify_max_attempts"),
    ({"notify_backoff": -1}, "notify_backoff"),
])
def test_bad_queue_settings_stop_start_up(tmp_path, config, key):
    from lcore_taskflow.core import ConfigError

    with pytest.raises(ConfigError, match=key):
        make_app(tmp_path, plugins=[NotifyPlugin()], **config)
