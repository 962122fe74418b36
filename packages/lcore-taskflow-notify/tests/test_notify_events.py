"""Assignment emails from core's task.assigned event (embedded delivery); the installable object."""

from __future__ import annotations

import threading

from lcore import Lcore
from lcore_taskflow.core.testing import FAST_CONFIG, Client, HeaderIdentity
from lcore_taskflow.notify import NotifyPlugin, TaskFlowNotify
from notify_testutil import HOST, SmtpServer, free_port, wait_until


def alice_id(app) -> int:
    with app.taskflow.database() as db:
        return db.scalar("SELECT id FROM users WHERE username = 'alice'")


def test_assigning_a_task_through_the_api_emails_the_assignee(make_notify_app, smtp_server,
                                                              settled_rows):
    app = make_notify_app(**smtp_server.config)
    admin = Client(app).as_user("admin")
    r = admin.post("/api/projects/1/tasks", json={"title": "Write the report",
                                                  "assignee_id": alice_id(app)})
    assert r.status == 201, r
    (got,) = smtp_server.handler.wait_for(1)
    assert got.rcpt_tos == ["alice@taskflow.local"]
    assert got.subject == "[TaskFlow] You've been assigned: Write the report"
    html = next(p for p in got.message.iter_parts() if p.get_content_type() == "text/html")
    assert "Write the report" in html.get_content() and "admin" in html.get_content()
    (row,) = settled_rows(app, 1)
    assert (row["status"], row["user_id"], row["html"]) == ("sent", alice_id(app), 1)
    assert got.message["Message-ID"] == row["message_id"]


def test_reassigning_emails_the_new_assignee_only(make_notify_app, smtp_server, settled_rows):
    app = make_notify_app(**smtp_server.config)
    admin = Client(app).as_user("admin")
    task = admin.post("/api/projects/1/tasks", json={"title": "Unassigned"}).json
    admin.patch(f"/api/projects/1/tasks/{task['id']}", json={"priority": "high"})
    with app.taskflow.database() as db:
        bob = db.scalar("SELECT id FROM users WHERE username = 'bob'")
    r = admin.patch(f"/api/projects/1/tasks/{task['id']}", json={"assignee_id": bob})
    assert r.status == 200
    settled_rows(app, 1)
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [["bob@taskflow.local"]]


def test_assignment_does_not_block_the_request_and_shutdown_finishes_the_send(
        make_notify_app, smtp_server, outbox_rows):
    smtp_server.handler.gate = threading.Event()  # the server holds its 250 until we say so
    app = make_notify_app(**smtp_server.config)
    admin = Client(app).as_user("admin")
    r = admin.post("/api/projects/1/tasks", json={"title": "Quick", "assignee_id": alice_id(app)})
    assert r.status == 201  # answered while the message waits in the server
    wait_until(lambda: smtp_server.handler.in_data, "the send to reach DATA")
    # recorded before any network I/O: visible as pending while the send is in flight
    assert [row["status"] for row in outbox_rows(app)] == ["pending"]
    history = Client(app).as_user("alice").get("/api/notifications/history").json
    assert history["total"] == 1 and history["notifications"][0]["status"] == "pending"
    closing = threading.Thread(target=app.taskflow.close)
    closing.start()  # shutdown waits for the send in flight ...
    smtp_server.handler.gate.set()
    closing.join(timeout=30)
    assert not closing.is_alive()
    (row,) = outbox_rows(app)  # ... which ends recorded, not claimed
    assert (row["status"], row["claimed_by"]) == ("sent", None)
    assert len(smtp_server.handler.messages) == 1


def test_assignment_while_smtp_is_down_is_kept_for_retry(make_notify_app, settled_rows):
    port = free_port()
    app = make_notify_app(smtp_host=HOST, smtp_port=port, smtp_use_tls=False, smtp_timeout=2.0)
    admin = Client(app).as_user("admin")
    assert admin.post("/api/projects/1/tasks", json={
        "title": "Lost?", "assignee_id": alice_id(app)}).status == 201
    (row,) = settled_rows(app, 1)
    assert row["status"] == "failed" and row["error"] and row["next_attempt_at"]
    server = SmtpServer(port=port)
    try:
        assert admin.post("/api/notifications/retry").json["sent"] == 1
        assert server.handler.wait_for(1)[0].rcpt_tos == ["alice@taskflow.local"]
    finally:
        server.stop()


def test_simulated_assignment(make_notify_app, settled_rows):
    app = make_notify_app()
    Client(app).as_user("admin").post("/api/projects/1/tasks", json={
        "title": "Sim", "assignee_id": alice_id(app)})
    assert [row["status"] for row in settled_rows(app, 1)] == ["simulated"]


def test_installable_object_in_a_foreign_lcore_app(tmp_path, smtp_server):
    app = Lcore()

    @app.get("/hello")
    def hello():
        return {"hello": "world"}

    notify = TaskFlowNotify(
        config={**FAST_CONFIG, "db_path": str(tmp_path / "foreign.db"), **smtp_server.config},
        plugins=[HeaderIdentity()], environ={}, dotenv=None)
    app.install(notify)
    try:
        assert [i.name for i in app.taskflow.infos] == ["core", "test-identity", "notify"]
        client = Client(app)
        assert client.get("/hello").json["hello"] == "world"
        r = client.as_user("admin").post("/api/notifications/email", json={
            "to": "guest@example.com", "subject": "From a foreign app", "body": "hi"})
        assert r.status == 200 and r.json["status"] == "sent"
        assert smtp_server.handler.wait_for(1)[0].subject == "From a foreign app"
        assert client.as_user("alice").post("/api/notifications/email", json={
            "to": "guest@example.com", "subject": "s", "body": "b"}).status == 403
    finally:
        app.taskflow.close()


def test_plugin_is_found_through_its_entry_point():
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="lcore_taskflow.plugins") if ep.name == "notify"]
    assert ep.load() is NotifyPlugin


def test_repeated_failed_sign_ins_email_the_account_owner(taskflow_app, smtp_server):
    """Auth (installed beside notify in its tox env) emits user.sign_in_failures; one email."""
    app = taskflow_app(plugins=[NotifyPlugin()], auth=True, identity=False,
                       login_account_free_failures=2, **smtp_server.config)
    client = Client(app)
    for _ in range(5):
        client.post("/auth/login", json={"username": "alice", "password": "wrong"})
    (got,) = smtp_server.handler.wait_for(1)
    assert got.rcpt_tos == ["alice@taskflow.local"]
    assert "Failed sign-ins" in got.subject
