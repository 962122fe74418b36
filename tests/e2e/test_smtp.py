"""The installed full server pointed at a real SMTP server (aiosmtpd, in this process).

Every notify endpoint and a task assignment must put a real message on the
wire, with the right recipient and subject, and the outbox must say ``sent``.
"""

from __future__ import annotations

import email
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from e2e_support import Server, expect, free_port


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.original_content)))
        return "250 Message accepted"

    def wait_for(self, rcpt: str, subject_part: str, timeout: float = 15) -> email.message.Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for rcpts, message in self.messages:
                if rcpt in rcpts and subject_part in message["Subject"]:
                    return message
            time.sleep(0.1)
        seen = [(r, m["Subject"]) for r, m in self.messages]
        raise AssertionError(f"no message to {rcpt} about {subject_part!r}; got {seen}")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def mail_server(server_python, inbox, tmp_path_factory) -> Iterator[Server]:
    server = Server("smtp", server_python, tmp_path_factory.mktemp("smtp-server"), settings={
        "APP_SMTP_HOST": "127.0.0.1", "APP_SMTP_PORT": str(inbox.port),
        "APP_SMTP_USE_TLS": "false", "APP_SMTP_FROM": "taskflow@example.test"})
    server.start().wait_ready()
    yield server
    server.stop()


def test_every_notify_endpoint_delivers(mail_server: Server, inbox: Inbox) -> None:
    admin = mail_server.token("admin")
    sent = expect(mail_server.post("/api/notifications/email", token=admin, json={
        "to": "carol@example.test", "subject": "Plain hello", "body": "Hi Carol"}), 200)
    assert sent["status"] == "sent", sent
    message = inbox.wait_for("carol@example.test", "Plain hello")
    assert message["From"] == "taskflow@example.test"

    html = expect(mail_server.post("/api/notifications/email", token=admin, json={
        "to": "dave@example.test", "subject": "Html hello", "body": "<p>Hi</p>",
        "html": True}), 200)
    assert html["status"] == "sent", html
    assert inbox.wait_for("dave@example.test", "Html hello").is_multipart()

    batch = expect(mail_server.post("/api/notifications/batch", token=admin, json={
        "recipients": ["erin@example.test", "frank@example.test"],
        "subject": "Batch hello", "body": "To all"}), 200)
    assert batch["sent"] == 2, batch
    for rcpt in ("erin@example.test", "frank@example.test"):
        inbox.wait_for(rcpt, "Batch hello")


def test_assignment_emails_the_assignee(mail_server: Server, inbox: Inbox) -> None:
    admin = mail_server.token("admin")
    bob = next(u for u in expect(mail_server.get("/api/users/search?q=bob", token=admin),
                                 200)["users"] if u["username"] == "bob")
    created = expect(mail_server.post("/api/projects/1/tasks", token=admin, json={
        "title": "Rotate the keys", "assignee_id": bob["id"]}), 201)
    inbox.wait_for(bob["email"], "Rotate the keys")

    again = expect(mail_server.post(f"/api/notifications/task-assigned/{created['id']}",
                                    token=admin), 200)
    assert again["status"] == "sent" and again["to"] == bob["email"], again
    history = expect(mail_server.get("/api/notifications/history", token=admin), 200)
    statuses = {n["status"] for n in history["notifications"]}
    assert statuses == {"sent"}, history
