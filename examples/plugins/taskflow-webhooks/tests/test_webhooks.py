"""taskflow-webhooks: API, outbox, signed deliveries to a real receiver, retries, cleanup."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from conftest import SECRET
from lcore_taskflow.core import events
from lcore_taskflow.core.testing import Client, assert_error, installed_plugin, private_imports
from taskflow_webhooks import WebhooksPlugin, signing
from taskflow_webhooks._outbox import backoff
from webhooks_receiver import Receiver, wait_for

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "taskflow_webhooks"


def add_hook(admin, url, events_=("task.created",), pid=1, **extra):
    # webhooks is project-scoped: on only where an owner turned it on
    assert admin.put(f"/api/projects/{pid}/plugins/webhooks", json={"enabled": True}).status \
        == 200
    answer = admin.post(f"/api/webhooks/projects/{pid}",
                        json={"url": url, "secret": SECRET, "events": list(events_), **extra})
    assert answer.status == 201, answer
    return answer.json


def deliveries(admin, hook_id):
    return admin.get(f"/api/webhooks/{hook_id}/deliveries").json["deliveries"]


# ---------------------------------------------------------------- signing
def test_signature_scheme_round_trip():
    body = b'{"type":"task.created"}'
    now = int(time.time())
    signature = signing.sign(SECRET, now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert signing.verify(SECRET, body, str(now), signature)
    assert not signing.verify(SECRET, body + b" ", str(now), signature)  # tampered body
    assert not signing.verify("another-secret-0123456789", body, str(now), signature)
    assert not signing.verify(SECRET, body, str(now + 1), signature)  # timestamp is signed
    old = now - 3600
    assert not signing.verify(SECRET, body, str(old), signing.sign(SECRET, old, body))  # replay
    assert not signing.verify(SECRET, body, None, signature)
    assert not signing.verify(SECRET, body, "soon", signature)


def test_backoff_doubles_and_is_capped():
    assert [backoff(10, n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff(10, 30) == 3600


# -------------------------------------------------------------------- API
def test_admin_configures_webhooks(taskflow_admin, receiver):
    hook = add_hook(taskflow_admin, receiver.url, ["task.created", "comment.added"])
    assert hook["events"] == ["comment.added", "task.created"] and hook["active"] is True
    assert hook["secret_hint"] == "…" + SECRET[-4:] and "secret" not in hook
    [listed] = taskflow_admin.get("/api/webhooks/projects/1").json["webhooks"]
    assert listed["url"] == receiver.url and "secret" not in listed
    off = taskflow_admin.patch(f"/api/webhooks/{hook['id']}", json={"active": False}).json
    assert off["active"] is False
    generated = taskflow_admin.post("/api/webhooks/projects/1", json={
        "url": receiver.url, "events": ["task.deleted"]}).json
    assert len(generated["secret"]) >= 32  # shown this once
    assert "secret" not in taskflow_admin.get("/api/webhooks/projects/1").json["webhooks"][1]
    assert taskflow_admin.delete(f"/api/webhooks/{hook['id']}").json["deleted"] is True
    assert_error(taskflow_admin.get(f"/api/webhooks/{hook['id']}/deliveries"), 404)


def test_webhook_input_is_checked(taskflow_admin):
    post = lambda body: taskflow_admin.post("/api/webhooks/projects/1", json=body)  # noqa: E731
    assert_error(post({"url": "ftp://x.example/", "events": ["task.created"]}), 422,
                 fields=("url",))
    assert_error(post({"url": "http://127.0.0.1/", "events": ["user.created"]}), 422,
                 fields=("events",))
    assert_error(post({"url": "http://127.0.0.1/", "events": []}), 422, fields=("events",))
    assert_error(post({"url": "http://127.0.0.1/", "events": ["task.created"],
                       "secret": "short"}), 422, fields=("secret",))
    assert_error(taskflow_admin.post("/api/webhooks/projects/999", json={
        "url": "http://127.0.0.1/", "events": ["task.created"]}), 404)


def test_only_admins_configure_webhooks(taskflow_member, taskflow_client, taskflow_admin):
    body = {"url": "http://127.0.0.1:9/", "events": ["task.created"]}
    assert_error(taskflow_member.post("/api/webhooks/projects/1", json=body), 403)
    assert_error(taskflow_member.get("/api/webhooks/projects/1"), 403)
    hook = add_hook(taskflow_admin, "http://127.0.0.1:9/")
    assert_error(taskflow_member.get(f"/api/webhooks/{hook['id']}/deliveries"), 403)
    assert_error(taskflow_client.get("/api/webhooks/projects/1"), 401)
    types = taskflow_member.get("/api/webhooks/events").json["events"]
    assert "task.created" in types and "project.deleted" in types
    assert not [t for t in types if t.startswith("user.")]  # not about a project


# ------------------------------------------------------------- deliveries
def test_a_delivery_is_signed_and_logged(taskflow_admin, receiver):
    hook = add_hook(taskflow_admin, receiver.url, ["task.created"])
    created = taskflow_admin.post("/api/projects/1/tasks", json={"title": "Ship it"}).json
    [got] = wait_for(lambda: receiver.received, "the delivery")
    assert got.valid, got.headers
    assert got.headers[signing.EVENT_HEADER] == "task.created"
    assert got.json["type"] == "task.created" and got.json["project_id"] == 1
    assert got.json["data"]["task"]["title"] == "Ship it"
    assert got.json["task_id"] == created["id"] and got.json["actor"]["username"] == "admin"
    [logged] = wait_for(lambda: [d for d in deliveries(taskflow_admin, hook["id"])
                                 if d["status"] == "delivered"], "the log entry")
    assert logged["attempts"] == 1 and logged["response_status"] == 200
    assert str(logged["id"]) == got.headers[signing.DELIVERY_HEADER]
    assert logged["payload"] == got.json


def test_only_subscribed_events_of_the_project_are_sent(taskflow_admin, receiver):
    add_hook(taskflow_admin, receiver.url, ["task.deleted"])
    other = taskflow_admin.post("/api/projects/", json={"name": "Other"}).json["id"]
    tid = taskflow_admin.post("/api/projects/1/tasks", json={"title": "x"}).json["id"]
    taskflow_admin.post(f"/api/projects/{other}/tasks", json={"title": "elsewhere"})
    taskflow_admin.delete(f"/api/projects/1/tasks/{tid}")
    [got] = wait_for(lambda: receiver.received, "the delivery")
    assert got.json["type"] == "task.deleted" and got.json["task_id"] == tid


def test_nothing_is_sent_when_the_change_rolls_back(taskflow_app, taskflow_admin, receiver):
    hook = add_hook(taskflow_admin, receiver.url, ["task.created"])
    kernel = taskflow_app.default().taskflow
    with pytest.raises(RuntimeError), kernel.database() as db, db.transaction():
        kernel.emit(events.TaskCreated(task={"id": 77, "project_id": 1, "title": "ghost"}))
        raise RuntimeError("the change fails after the event")
    kernel.emit(events.TaskCreated(task={"id": 78, "project_id": 1, "title": "real"}))
    [got] = wait_for(lambda: receiver.received, "the committed delivery")
    assert got.json["task_id"] == 78
    assert [d["payload"]["task_id"] for d in deliveries(taskflow_admin, hook["id"])] == [78]


def test_retry_after_the_receiver_was_down(taskflow_admin):
    down = Receiver(SECRET).start()
    down.stop()  # the port is known, nobody listens
    hook = add_hook(taskflow_admin, down.url, ["task.created"])
    taskflow_admin.post("/api/projects/1/tasks", json={"title": "While down"})
    [failed] = wait_for(lambda: [d for d in deliveries(taskflow_admin, hook["id"])
                                 if d["attempts"] >= 1], "a failed attempt")
    assert failed["status"] in ("pending", "sending") and "refused" in failed["error"].lower()
    back = Receiver(SECRET, port=down.port).start()
    try:
        [got] = wait_for(lambda: back.received, "the retried delivery")
        assert got.valid and got.json["data"]["task"]["title"] == "While down"
        [done] = wait_for(lambda: [d for d in deliveries(taskflow_admin, hook["id"])
                                   if d["status"] == "delivered"], "delivered")
        assert done["attempts"] >= 2
        assert got.headers[signing.DELIVERY_HEADER] == str(done["id"])
    finally:
        back.stop()


def test_a_delivery_fails_after_max_attempts_and_an_admin_retries_it(taskflow_app, receiver):
    app = taskflow_app(webhooks_max_attempts=2)
    admin = Client(app).as_user("admin")
    receiver.status = 500
    hook = add_hook(admin, receiver.url, ["task.created"])
    admin.post("/api/projects/1/tasks", json={"title": "Unlucky"})
    [failed] = wait_for(lambda: [d for d in deliveries(admin, hook["id"])
                                 if d["status"] == "failed"], "giving up")
    assert failed["attempts"] == 2 and failed["response_status"] == 500
    assert failed["error"].startswith("HTTP 500") and len(receiver.received) == 2
    assert all(r.valid for r in receiver.received)
    receiver.status = 204
    assert admin.post(f"/api/webhooks/{hook['id']}/deliveries/{failed['id']}/retry").json[
        "status"] == "pending"
    wait_for(lambda: [d for d in deliveries(admin, hook["id"]) if d["status"] == "delivered"],
             "the admin's retry")
    assert_error(admin.post(f"/api/webhooks/{hook['id']}/deliveries/{failed['id']}/retry"), 409)
    log = admin.get(f"/api/webhooks/{hook['id']}/deliveries?status=delivered").json
    assert log["total"] == 1


def test_project_deletion_is_delivered_then_the_webhooks_go(taskflow_app, taskflow_admin,
                                                            receiver):
    pid = taskflow_admin.post("/api/projects/", json={"name": "Doomed"}).json["id"]
    add_hook(taskflow_admin, receiver.url, ["project.deleted"], pid=pid)
    assert taskflow_admin.delete(f"/api/projects/{pid}").status == 200
    [got] = wait_for(lambda: receiver.received, "project.deleted")
    assert got.valid and got.json["type"] == "project.deleted"
    kernel = taskflow_app.default().taskflow

    def purged():
        with kernel.database() as db:
            return db.count("webhooks") == 0 and db.count("webhook_deliveries") == 0
    wait_for(purged, "the tombstoned webhook to be purged")


def test_closing_the_app_stops_the_worker(taskflow_app):
    app = taskflow_app()
    assert any(t.name == "taskflow-webhooks" for t in threading.enumerate())
    plugin = app.taskflow.plugin("webhooks")
    app.taskflow.close()
    assert not plugin.worker._thread.is_alive()


# ---------------------------------------------------------------- frontend
def test_the_ui_module_ships_its_files():
    [module] = WebhooksPlugin().taskflow_ui_modules(kernel=None)
    for name in (*module.scripts, *module.styles):
        assert (Path(module.directory) / name).is_file(), name


def test_the_frontend_page_loads_the_webhooks_module(taskflow_app):
    ui = installed_plugin("ui")
    if ui is None:
        pytest.skip("lcore-taskflow-ui is not installed: the page check needs it")
    client = Client(taskflow_app(plugins=[WebhooksPlugin(), ui]))
    page = client.get("/frontend", headers={"Accept": "text/html"}).text
    url = re.search(r'href="(/static/plugins/webhooks/v/[0-9a-f]{16}/webhooks\.js)"',
                    page).group(1)
    script = client.get(url)
    assert script.status == 200 and "innerHTML" not in script.text


def test_only_the_public_api_is_imported():
    assert private_imports(PACKAGE) == []


def test_webhook_bodies_are_schemas(taskflow_admin):
    """/openapi.json shows the bodies; ``events: null`` is refused, other nulls are "not given"."""
    doc = taskflow_admin.get("/openapi.json").json
    create = doc["components"]["schemas"]["WebhookCreate"]
    assert create["required"] == ["url", "events"]
    assert doc["paths"]["/api/webhooks/{hid}"]["patch"]["requestBody"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/WebhookUpdate"}
    hook = add_hook(taskflow_admin, "http://127.0.0.1:9/")
    assert_error(taskflow_admin.patch(f"/api/webhooks/{hook['id']}", json={"events": None}),
                 422, fields=("events",))
    same = taskflow_admin.patch(f"/api/webhooks/{hook['id']}", json={"url": None, "active": None})
    assert same.status == 200 and same.json["url"] == "http://127.0.0.1:9/"
