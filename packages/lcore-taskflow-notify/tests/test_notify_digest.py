"""The daily digest (issue 21): one email per user and day, never twice.

Workers are real ``taskflow notify worker`` processes on the test's database
(SQLite file or PostgreSQL), delivering to an aiosmtpd server in this
process; "killed" means SIGKILL.  ``notify_digest_hour=0`` makes every
user's digest due at once.
"""

from __future__ import annotations

import calendar
import threading
import time

from lcore_taskflow.core.testing import Client, wait_until
from lcore_taskflow.notify._digest import Digests, local_day
from notify_testutil import Process, database_of, process_env

DIGEST = "[TaskFlow] Your daily digest"


def digest_world(app) -> None:
    """alice wants comments on her watched task 1 in the digest; bob writes two."""
    alice, bob = Client(app).as_user("alice"), Client(app).as_user("bob")
    r = alice.put("/api/users/me/notification-settings",
                  json={"settings": {"commented": {"digest": True, "inbox": False}}})
    assert r.status == 200, r
    assert alice.put("/api/projects/1/tasks/1/watchers/me").status == 201
    for body in ("first <remark>", "second remark"):
        assert bob.post("/api/projects/1/tasks/1/comments", json={"body": body}).status == 201


def digests_sent(smtp_server) -> list:
    return [m for m in smtp_server.handler.messages if m.subject.startswith(DIGEST)]


def runs(app) -> list[dict]:
    with app.taskflow.database() as db:
        return db.fetchall("SELECT * FROM digest_runs ORDER BY user_id")


def worker(app, tmp_path, name: str, smtp, **settings) -> Process:
    env = process_env(database_of(app), tmp_path, **{
        **smtp.config, "notify_delivery": "worker", "notify_poll": 0.1,
        "notify_digest_hour": 0, "notify_digest_poll": 1, **settings})
    return Process(["notify", "worker"], env, tmp_path, name)


def test_the_digest_is_one_email_in_the_users_morning(make_notify_app, smtp_server):
    app = make_notify_app(**smtp_server.config, notify_delivery="worker", notify_digest_hour=8,
                          public_url="https://t.example.test")
    digest_world(app)
    r = Client(app).as_user("alice").patch("/api/users/me", json={"timezone": "Asia/Tokyo"})
    assert r.status == 200, r
    digests = Digests(app.taskflow, app.taskflow.plugin("notify").outbox)
    # 22:30 UTC is 07:30 in Tokyo: not yet; 23:30 UTC is 08:30 there: due, dated Tokyo's day.
    before = calendar.timegm(time.strptime("2031-05-01 22:30", "%Y-%m-%d %H:%M"))
    assert local_day(before, "Asia/Tokyo", 8) is None
    assert digests.run(now=before) == 0
    assert digests.run(now=before + 3600) == 1
    assert digests.run(now=before + 3600 + 60) == 0  # the same day: never twice
    (run,) = runs(app)
    assert (run["day"], run["items"]) == ("2031-05-02", 2)
    with app.taskflow.database() as db:
        (row,) = db.fetchall("SELECT * FROM notifications WHERE kind = 'digest'")
        assert db.scalar("SELECT COUNT(*) FROM inbox_items WHERE digested_at IS NULL") == 0
    assert row["subject"] == f"{DIGEST}: 2 updates"
    assert "first &lt;remark&gt;" not in row["body"]  # titles only, escaped
    assert "bob commented" in row["body"] and "bob commented" in row["body_text"]
    assert "https://t.example.test/frontend#/projects/1/tasks/1" in row["body_text"]
    # inbox off for "commented": the digest carried them, the inbox shows nothing
    assert Client(app).as_user("alice").get("/api/notifications/inbox").json["total"] == 0


def test_two_workers_send_each_digest_once(make_notify_app, smtp_server, tmp_path):
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    digest_world(app)
    workers = [worker(app, tmp_path, f"worker{i}", smtp_server) for i in (1, 2)]
    try:
        for w in workers:
            w.wait_for_output("notify worker worker@")
        wait_until(lambda: digests_sent(smtp_server), "the digest")
        time.sleep(2.5)  # both workers ran their digest pass again meanwhile
    finally:
        codes = [w.stop() for w in workers]
    assert codes == [0, 0], [w.output() for w in workers]
    (mail,) = digests_sent(smtp_server)
    assert mail.rcpt_tos == ["alice@taskflow.local"]
    assert mail.message["List-Unsubscribe"].startswith("<")
    assert len(runs(app)) == 1


def test_a_killed_worker_costs_no_digest_and_sends_none_twice(make_notify_app, smtp_server,
                                                              tmp_path):
    smtp_server.handler.gate = threading.Event()  # DATA waits: the worker dies mid-send
    settings = {"notify_lease": 3, "smtp_timeout": 1.5}
    app = make_notify_app(**{**smtp_server.config, **settings}, notify_delivery="worker")
    digest_world(app)
    a = worker(app, tmp_path, "doomed", smtp_server, **settings)
    try:
        wait_until(lambda: smtp_server.handler.in_data, "the digest's DATA")
    finally:
        a.kill()
    wait_until(lambda: not smtp_server.handler.in_data or None,
               "the SMTP server to drop the dead worker's message")
    smtp_server.handler.gate.set()
    assert digests_sent(smtp_server) == []
    b = worker(app, tmp_path, "survivor", smtp_server, **settings)
    try:
        wait_until(lambda: digests_sent(smtp_server), "the survivor to send the digest")
        time.sleep(2.5)
    finally:
        assert b.stop() == 0, b.output()
    (mail,) = digests_sent(smtp_server)
    assert len(runs(app)) == 1
    with app.taskflow.database() as db:
        (row,) = db.fetchall("SELECT * FROM notifications WHERE kind = 'digest'")
    assert (row["status"], row["attempts"]) == ("sent", 2)  # taken over after the lease
    assert mail.message["Message-ID"] == row["message_id"]


def test_a_worker_killed_before_writing_the_digest_leaves_it_to_the_next(make_notify_app,
                                                                         smtp_server,
                                                                         tmp_path):
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    digest_world(app)
    a = worker(app, tmp_path, "early", smtp_server)
    a.kill()  # before it got anywhere (or anywhere at all: either way one digest follows)
    b = worker(app, tmp_path, "next", smtp_server)
    try:
        wait_until(lambda: digests_sent(smtp_server), "the digest")
        time.sleep(1.5)
    finally:
        assert b.stop() == 0, b.output()
    assert len(digests_sent(smtp_server)) == 1 and len(runs(app)) == 1
