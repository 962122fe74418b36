"""Delivery channels from plugins (notify's own hookspec) and the notification.* events."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lcore_taskflow.notify
import pytest
from lcore_taskflow.core import PluginCheckError, hookimpl
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app, private_imports
from lcore_taskflow.notify import NotificationFailed, NotificationSent, NotifyPlugin
from notify_testutil import HOST, free_port, settled, wait_until


# ------------------------------------------- a third-party plugin (no notify import)
class ChatChannel:
    """POSTs each notification as JSON to a chat service's incoming webhook."""

    name = "chat"

    def __init__(self, url: str):
        self.url = url

    def address(self, user):
        return f"@{user['username']}"

    def deliver(self, notification):
        body = json.dumps({"to": notification["recipient"], "text": notification["subject"]})
        request = urllib.request.Request(self.url, data=body.encode(), headers={
            "Content-Type": "application/json",
            "Idempotency-Key": notification["message_id"]})
        with urllib.request.urlopen(request, timeout=5) as response:  # raises when down
            response.read()


class ChatPlugin:
    name, version, core_api = "chat", "1.0", "1.0"

    def __init__(self, url: str, channel_name: str = "chat"):
        self.channel = ChatChannel(url)
        self.channel.name = channel_name

    @hookimpl(optionalhook=True)
    def taskflow_notify_channels(self, kernel):
        return [self.channel]


class ChatReceiver:
    """A real HTTP server that keeps every POSTed message."""

    def __init__(self, port: int):
        self.posts: list[tuple[dict, str]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                posts.append((json.loads(self.rfile.read(length)),
                              self.headers["Idempotency-Key"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class EventRecorder:
    name, version, core_api = "recorder", "1", "1.0"

    def __init__(self) -> None:
        self.events: list = []

    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, (NotificationSent, NotificationFailed)):
            self.events.append(event)


def chat_app(tmp_path, url: str, *plugins, **config):
    return make_app(tmp_path, plugins=[HeaderIdentity(), NotifyPlugin(), ChatPlugin(url),
                                       *plugins], **config)


def rows_of(app) -> list[dict]:
    with app.taskflow.database() as db:
        return db.fetchall("SELECT * FROM notifications ORDER BY id")


def alice(app) -> dict:
    with app.taskflow.database() as db:
        return db.fetchone("SELECT id, username, email FROM users WHERE username = 'alice'")


# ------------------------------------------------------------------- tests
def test_a_plugin_channel_gets_assignments_through_the_outbox_and_retries(tmp_path,
                                                                         smtp_server):
    port = free_port()  # the chat service is down at first
    app = chat_app(tmp_path, f"http://{HOST}:{port}/hook", **smtp_server.config,
                   notify_backoff=0.3, notify_poll=0.05)
    receiver = None
    try:
        user = alice(app)
        r = Client(app).as_user("admin").post("/api/projects/1/tasks", json={
            "title": "Ship it", "assignee_id": user["id"]})
        assert r.status == 201

        def chat_failed():
            found = {row["type"]: row for row in rows_of(app)}
            return found if found.get("chat", {}).get("status") == "failed" else None

        by_channel = wait_until(chat_failed, "the chat delivery to fail")
        assert "Connection refused" in by_channel["chat"]["error"]
        assert by_channel["chat"]["recipient"] == "@alice"
        assert by_channel["chat"]["next_attempt_at"] is not None
        receiver = ChatReceiver(port)  # the chat service comes back

        def both_delivered():
            found = rows_of(app)
            if settled(found) and {r["status"] for r in found} == {"sent"}:
                return {row["type"]: row for row in found}
            return None

        by_channel = wait_until(both_delivered, "the retry to reach the chat service")
        email_row, chat_row = by_channel["email"], by_channel["chat"]
        assert (email_row["type"], email_row["attempts"]) == ("email", 1)
        assert (chat_row["type"], chat_row["attempts"]) == ("chat", 2)
        assert receiver.posts == [({"to": "@alice", "text": "[TaskFlow] You've been assigned: "
                                    "Ship it"}, chat_row["message_id"])]
        assert [m.rcpt_tos for m in smtp_server.handler.messages] == [[user["email"]]]
        mine = Client(app).as_user("alice").get("/api/notifications/history").json
        assert sorted(n["type"] for n in mine["notifications"]) == ["chat", "email"]
    finally:
        if receiver:
            receiver.stop()
        app.taskflow.close()


def test_the_email_endpoints_use_the_email_channel_only(tmp_path):
    app = chat_app(tmp_path, f"http://{HOST}:{free_port()}/hook")
    try:
        r = Client(app).as_user("admin").post("/api/notifications/email", json={
            "to": "alice@taskflow.local", "subject": "Email only", "body": "b"})
        assert r.json["status"] == "simulated"
        assert [row["type"] for row in rows_of(app)] == ["email"]
    finally:
        app.taskflow.close()


def test_a_channel_plugin_loads_without_notify(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity(), ChatPlugin("http://unused")])
    try:
        assert [i.name for i in app.taskflow.infos] == ["core", "test-identity", "chat"]
    finally:
        app.taskflow.close()


class BrokenChannel:
    name = "broken"

    def address(self, user):
        raise RuntimeError("this plugin has a bug")

    def deliver(self, notification):
        raise AssertionError("never reached")


class BrokenPlugin:
    name, version, core_api = "broken", "1.0", "1.0"

    @hookimpl(optionalhook=True)
    def taskflow_notify_channels(self, kernel):
        return [BrokenChannel()]


def test_a_broken_channel_costs_the_user_no_other_notification(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity(), NotifyPlugin(), BrokenPlugin()])
    try:
        r = Client(app).as_user("admin").post("/api/projects/1/tasks", json={
            "title": "Still emailed", "assignee_id": alice(app)["id"]})
        assert r.status == 201
        assert [row["type"] for row in rows_of(app)] == ["email"]
    finally:
        app.taskflow.close()


def test_two_channels_of_one_name_stop_start_up(tmp_path):
    with pytest.raises(PluginCheckError, match="two notify channels are named 'email'"):
        make_app(tmp_path, plugins=[NotifyPlugin(), ChatPlugin("http://unused", "email")])


def test_a_row_of_an_uninstalled_channel_fails_for_good(tmp_path):
    url = f"http://{HOST}:{free_port()}/hook"
    app = chat_app(tmp_path / "with", url, notify_delivery="worker")
    Client(app).as_user("admin").post("/api/projects/1/tasks", json={
        "title": "Orphan", "assignee_id": alice(app)["id"]})
    app.taskflow.close()
    # the chat plugin is uninstalled; its row is still in the outbox
    again = make_app(tmp_path / "with", plugins=[HeaderIdentity(), NotifyPlugin()],
                     notify_poll=0.05)
    try:
        def both_settled():
            found = rows_of(again)
            return found if settled(found) else None

        found = wait_until(both_settled, "both rows to get an outcome")
        chat = next(r for r in found if r["type"] == "chat")
        assert chat["status"] == "failed" and chat["next_attempt_at"] is None
        assert "no notify channel named 'chat'" in chat["error"]
    finally:
        again.taskflow.close()


def test_listeners_receive_notification_events(smtp_server, tmp_path):
    recorder = EventRecorder()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), NotifyPlugin(), recorder],
                   **smtp_server.config)
    try:
        admin = Client(app).as_user("admin")
        ok = admin.post("/api/notifications/email", json={
            "to": "ok@example.com", "subject": "Fine", "body": "secret body"}).json
        bad = admin.post("/api/notifications/email", json={
            "to": "refuse@example.com", "subject": "Refused", "body": "b"}).json
        sent, failed = recorder.events
        assert isinstance(sent, NotificationSent) and sent.type == "notification.sent"
        assert (sent.notification_id, sent.channel, sent.attempts, sent.error) == \
            (ok["id"], "email", 1, None)
        assert sent.notification["status"] == "sent" and "body" not in sent.notification
        assert sent.notification["recipient"] == "ok@example.com"
        assert isinstance(failed, NotificationFailed) and failed.type == "notification.failed"
        assert failed.notification_id == bad["id"] and "550" in failed.error
        assert failed.gave_up  # a 5xx refusal is not retried automatically
        assert set(app.taskflow.event_types()) >= {"notification.sent", "notification.failed"}
    finally:
        app.taskflow.close()


def test_simulated_deliveries_are_reported_as_sent_events(tmp_path):
    recorder = EventRecorder()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), NotifyPlugin(), recorder])
    try:
        Client(app).as_user("admin").post("/api/notifications/email", json={
            "to": "sim@example.com", "subject": "Sim", "body": "b"})
        (event,) = recorder.events
        assert isinstance(event, NotificationSent)
        assert event.notification["status"] == "simulated"
    finally:
        app.taskflow.close()


def test_notify_imports_only_cores_public_api():
    """Plugins stay plugins: never another feature package, never a ``_private`` core module."""
    assert private_imports(Path(lcore_taskflow.notify.__file__).parent) == []
