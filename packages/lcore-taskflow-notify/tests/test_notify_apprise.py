"""Chat through Apprise (issue 21): a real local HTTP receiver behind ``json://`` URLs.

Delivered, retried after the receiver was down, never twice; the instance's
URLs hear of workspace projects only; both engines.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lcore_taskflow.core.testing import Client, make_private, wait_until, with_project_role
from notify_testutil import HOST, free_port


class Receiver:
    """A real HTTP server keeping every JSON body POSTed to it (Apprise's ``json://``)."""

    def __init__(self, port: int):
        self.port = port
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                posts.append({"path": self.path, **json.loads(self.rfile.read(length))})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chat_rows(app) -> list[dict]:
    with app.taskflow.database() as db:
        return db.fetchall("SELECT * FROM notifications WHERE type = 'apprise' ORDER BY id")


def test_chat_is_delivered_retried_after_the_receiver_was_down_and_never_twice(
        make_notify_app):
    port = free_port()  # nothing listens yet: the chat service is down
    app = make_notify_app(notify_poll=0.1, notify_backoff=0.5)
    alice = Client(app).as_user("alice")
    url = f"json://{HOST}:{port}/alice-room"
    r = alice.put("/api/users/me/notification-settings", json={"apprise_urls": [url]})
    assert r.status == 200, r
    r = Client(app).as_user("bob").post("/api/projects/1/tasks/1/comments",
                                        json={"body": "@alice the deploy is stuck"})
    assert r.status == 201, r

    def failed_once():
        rows = chat_rows(app)
        return rows if rows and rows[0]["status"] == "failed" else None
    (row,) = wait_until(failed_once, "the first chat attempt to fail")
    assert row["recipient"] == f"user:{alice_id(app)}#0"  # the URL itself is not stored
    assert "chat delivery to json://" in row["error"] and "alice-room" not in row["error"]
    assert row["next_attempt_at"] is not None

    receiver = Receiver(port)  # the service comes back
    try:
        def sent():
            rows = chat_rows(app)
            return rows if rows and rows[0]["status"] == "sent" else None
        (row,) = wait_until(sent, "the retry to reach the chat service")
        assert row["attempts"] >= 2
        time.sleep(1.5)  # more polls and backoff periods: nothing is sent again
        assert len(receiver.posts) == 1
        post = receiver.posts[0]
        assert post["path"] == "/alice-room"
        assert "bob mentioned you in a comment" in post["title"]
        assert "@alice the deploy is stuck" in post["message"]
        history = alice.get("/api/notifications/history").json["notifications"]
        chat = [n for n in history if n["type"] == "apprise"]
        assert [n["status"] for n in chat] == ["sent"]
        assert f"{HOST}:{port}" not in json.dumps(history)
    finally:
        receiver.stop()


def alice_id(app) -> int:
    with app.taskflow.database() as db:
        return db.scalar("SELECT id FROM users WHERE username = 'alice'")


def test_instance_urls_hear_of_workspace_projects_only(make_notify_app):
    receiver = Receiver(free_port())
    try:
        app = make_notify_app(notify_poll=0.1,
                              notify_apprise_urls=f"json://{HOST}:{receiver.port}/team")
        secret = make_private(app, "Secret merger")
        with_project_role(app, secret, "editor", "bob")
        admin = Client(app).as_user("admin")
        task = admin.post(f"/api/projects/{secret}/tasks", json={"title": "Due diligence"})
        assert task.status == 201
        bob = Client(app).as_user("bob")
        r = bob.post(f"/api/projects/{secret}/tasks/{task.json['id']}/comments",
                     json={"body": "numbers attached"})
        assert r.status == 201
        r = bob.post("/api/projects/1/tasks/1/comments", json={"body": "public remark"})
        assert r.status == 201
        wait_until(lambda: receiver.posts, "the team room's message")
        time.sleep(0.5)
        assert len(receiver.posts) == 1, receiver.posts
        assert "Secret merger" not in json.dumps(receiver.posts)
        assert "Due diligence" not in json.dumps(receiver.posts)
        assert receiver.posts[0]["path"] == "/team"
        # /debug/config and the plugin settings never show the instance URL in full
        assert all(r["recipient"].startswith("instance#") for r in chat_rows(app))
        assert app.taskflow.config.redacted()["notify_apprise_urls"] == "***"
    finally:
        receiver.stop()
