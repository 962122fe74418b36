"""Typed domain events: each operation emits its event with the fields a listener needs,
inside the change's transaction; plugins declare events and hooks of their own."""

from __future__ import annotations

import dataclasses

import pytest
from core_testutil import EventRecorder
from lcore import Lcore
from lcore_taskflow.core import events, hookimpl, hookspec
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app, multipart


def one(recorder, cls):
    found = [e for e in recorder.events if isinstance(e, cls)]
    assert len(found) == 1, [type(e).__name__ for e in recorder.events]
    return found[0]


def test_every_core_event_is_declared_and_frozen(kernel):
    declared = kernel.event_types()
    for cls in events.CORE_EVENTS:
        assert declared[cls.type] is cls
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert len({cls.type for cls in events.CORE_EVENTS}) == 27


def test_user_events(admin, recorder, ids):
    body = admin.post("/api/users/", json={"username": "carol", "email": "carol@x.example",
                                           "password": "a fine passphrase"}).json
    created = one(recorder, events.UserCreated)
    assert created.user["username"] == "carol" and created.actor["username"] == "admin"
    admin.put(f"/api/users/{body['id']}", json={"username": "caroline",
                                               "email": "carol@x.example"})
    updated = one(recorder, events.UserUpdated)
    assert updated.changes == {"username": ["carol", "caroline"]}
    admin.patch(f"/api/users/{body['id']}", json={"is_active": False})
    deactivated = one(recorder, events.UserDeactivated)
    assert deactivated.user["is_active"] is False
    admin.delete(f"/api/users/{body['id']}")
    deleted = one(recorder, events.UserDeleted)
    assert deleted.user["username"] == "caroline" and "password_hash" not in deleted.user


def test_project_events(admin, recorder):
    pid = admin.post("/api/projects/", json={"name": "Launch"}).json["id"]
    created = one(recorder, events.ProjectCreated)
    assert created.project["name"] == "Launch" and created.project_id == pid
    admin.put(f"/api/projects/{pid}", json={"name": "Launch", "status": "archived"})
    updated = one(recorder, events.ProjectUpdated)
    assert updated.changes == {"status": ["active", "archived"]}
    admin.delete(f"/api/projects/{pid}")
    assert one(recorder, events.ProjectDeleted).project["id"] == pid


def test_task_and_comment_events(admin, alice, recorder, ids):
    tid = alice.post("/api/projects/1/tasks", json={"title": "Ship",
                                                    "assignee_id": ids["bob"]}).json["id"]
    created = one(recorder, events.TaskCreated)
    assert created.task["title"] == "Ship" and (created.project_id, created.task_id) == (1, tid)
    assigned = one(recorder, events.TaskAssigned)
    assert assigned.assignee["email"] == "bob@taskflow.local"
    assert assigned.project["name"] == "Website Redesign" and assigned.actor["username"] == "alice"
    alice.patch(f"/api/projects/1/tasks/{tid}", json={"priority": "high"})
    updated = one(recorder, events.TaskUpdated)
    assert updated.changes == {"priority": ["medium", "high"]}
    assert updated.task["priority"] == "high"
    cid = alice.post(f"/api/projects/1/tasks/{tid}/comments", json={"body": "done?"}).json["id"]
    added = one(recorder, events.CommentAdded)
    assert added.comment["body"] == "done?" and added.comment["username"] == "alice"
    alice.delete(f"/api/projects/1/tasks/{tid}/comments/{cid}")
    assert one(recorder, events.CommentDeleted).comment["id"] == cid
    body, ctype = multipart("file", "notes.txt", b"hello")
    admin.post(f"/api/projects/1/tasks/{tid}/attachment", body=body,
               headers={"Content-Type": ctype})
    attached = one(recorder, events.AttachmentAdded)
    assert attached.size == 5 and attached.filename.endswith("notes.txt")
    admin.delete(f"/api/projects/1/tasks/{tid}/attachment")
    assert one(recorder, events.AttachmentDeleted).filename == attached.filename
    admin.delete(f"/api/projects/1/tasks/{tid}")
    assert one(recorder, events.TaskDeleted).task["id"] == tid


def test_comment_of_another_user_needs_an_admin(alice, bob, admin):
    cid = alice.post("/api/projects/1/tasks/1/comments", json={"body": "mine"}).json["id"]
    assert bob.delete(f"/api/projects/1/tasks/1/comments/{cid}").status == 403
    assert admin.delete(f"/api/projects/1/tasks/1/comments/{cid}").status == 200


class FailingListener:
    name = "failing-listener"

    @hookimpl
    def taskflow_event(self, event, kernel):
        kernel.db.execute("INSERT INTO activity (type, summary, created_at) VALUES (?, ?, ?)",
                          ("junk", "written, then undone", 0))
        raise RuntimeError("listener bug")


def test_a_failing_listener_loses_only_its_own_writes(tmp_path):
    recorder = EventRecorder()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), FailingListener(), recorder])
    kernel = app.taskflow
    try:
        res = Client(app).as_user("alice").post("/api/projects/1/tasks", json={"title": "Kept"})
        assert res.status == 201 and recorder.of("task.created")
        with kernel.database() as db:
            assert db.count("activity", "type = 'junk'") == 0
            assert db.count("activity", "type = 'task.created'") == 1
            assert db.count("tasks", "title = 'Kept'") == 1
    finally:
        kernel.close()


class ActivityReader:
    """Sees, from inside its listener, whether the event's activity row is there yet."""

    name = "activity-reader"

    def __init__(self):
        self.seen: list[int] = []

    @hookimpl(tryfirst=True)
    def taskflow_event(self, event, kernel):
        self.seen.append(kernel.db.count("activity", "type = ?", (event.type,)))


def test_the_activity_row_is_written_before_any_listener_runs(tmp_path):
    reader = ActivityReader()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), reader])
    try:
        res = Client(app).as_user("alice").post("/api/projects/1/tasks", json={"title": "Seen"})
        assert res.status == 201
        assert reader.seen == [1]
    finally:
        app.taskflow.close()


def test_an_undeclared_event_type_is_refused(kernel):
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Sneaky(events.Event):
        type = "sneaky.thing"

    with pytest.raises(TypeError, match="is not a declared event type"):
        kernel.emit(Sneaky())


# ------------------------------------------------ plugins' events and hooks
@dataclasses.dataclass(frozen=True, kw_only=True)
class Starred(events.Event):
    type = "star.added"
    task_id_: int

    @property
    def task_id(self):
        return self.task_id_

    def summary(self) -> str:
        return f"{self.actor_name} starred a task"


class StarSpecs:
    """The hookspecs the stars plugin adds for others to implement."""

    @hookspec
    def stars_badge(self, count):
        """Return a badge text for a task with ``count`` stars."""


class Stars:
    name = "stars"

    @hookimpl
    def taskflow_addhooks(self, pluginmanager):
        pluginmanager.add_hookspecs(StarSpecs)

    @hookimpl
    def taskflow_event_types(self):
        return [Starred]

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.post("/<tid:int>", auth=True)
        def star(tid):
            user = kernel.current_user()
            with kernel.db.transaction():
                kernel.emit(Starred(actor=user, task_id_=tid))
            return {"badges": kernel.hook.stars_badge(count=3)}

        return [("/stars/", sub)]


class Sparkles:
    name = "sparkles"

    @hookimpl
    def stars_badge(self, count):
        return "✨" * count


def test_plugin_declared_event_and_plugin_defined_hook(tmp_path):
    recorder = EventRecorder()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), Stars(), Sparkles(), recorder])
    try:
        res = Client(app).as_user("bob").post("/stars/1")
        assert res.json["badges"] == ["✨✨✨"]
        [event] = recorder.of("star.added")
        assert isinstance(event, Starred) and event.task_id == 1
        feed = Client(app).as_user("bob").get("/api/projects/dashboard/activity").json
        assert feed["activity"][0]["summary"] == "bob starred a task"
    finally:
        app.taskflow.close()
