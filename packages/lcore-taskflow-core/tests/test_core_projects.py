"""``/api/projects/`` (SPEC §4): projects, tasks, comments, attachments, dashboard,
activity, and the domain events behind them."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from core_testutil import assert_error, no_secrets
from lcore_taskflow.core.testing import multipart


def day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


# ------------------------------------------------------------- projects
def test_list_projects(alice, admin):
    body = alice.get("/api/projects/").json
    assert body["total"] == 2 and body["page"] == 1 and body["limit"] == 20
    assert body["projects"][0]["task_counts"] == {"total": 2, "todo": 1, "in_progress": 1,
                                                  "done": 0}
    admin.put("/api/projects/2", json={"name": "Mobile App", "status": "archived"})
    archived = alice.get("/api/projects/", query={"status": "archived"}).json
    assert archived["total"] == 1 and archived["projects"][0]["id"] == 2
    default = alice.get("/api/projects/").json  # archived projects are hidden by default
    assert default["total"] == 1 and [p["id"] for p in default["projects"]] == [1]
    everything = alice.get("/api/projects/", query={"include_archived": 1, "limit": 1,
                                                    "page": 2}).json
    assert everything["total"] == 2 and everything["projects"][0]["id"] == 2
    for query in ({"page": 0}, {"limit": 0}, {"limit": 101}, {"page": "one"},
                  {"status": "nope"}):
        assert_error(alice.get("/api/projects/", query=query), 400)


def test_get_project_with_counts(alice):
    body = alice.get("/api/projects/2").json
    assert body["name"] == "Mobile App"
    assert body["task_counts"] == {"total": 1, "todo": 0, "in_progress": 0, "done": 1}
    assert_error(alice.get("/api/projects/99"), 404)


def test_create_project(admin, alice, client):
    resp = admin.post("/api/projects/", json={"name": "  Launch  ", "description": "d"})
    assert resp.status == 201
    assert resp.json["name"] == "Launch" and resp.json["created"] is True
    assert admin.get(f"/api/projects/{resp.json['id']}").json["description"] == "d"
    assert_error(alice.post("/api/projects/", json={"name": "x"}), 403)
    assert_error(client.post("/api/projects/", json={"name": "x"}), 401)
    assert_error(admin.post("/api/projects/", json={"description": "no name"}), 422,
                 fields=("name",))
    assert_error(admin.post("/api/projects/", json={"name": "x" * 201}), 422, fields=("name",))
    assert_error(admin.post("/api/projects/", json={"name": "   "}), 422, fields=("name",))


def test_update_project(admin, alice):
    resp = admin.put("/api/projects/1", json={"name": "Site", "status": "on_hold"})
    assert resp.status == 200 and resp.json["updated"] is True
    assert admin.get("/api/projects/1").json["status"] == "on_hold"
    assert_error(alice.put("/api/projects/1", json={"name": "x"}), 403)
    assert_error(admin.put("/api/projects/99", json={"name": "x"}), 404)
    assert_error(admin.put("/api/projects/1", json={"name": "x", "status": "gone"}), 422,
                 fields=("status",))
    assert_error(admin.put("/api/projects/1", json={"status": "active"}), 422, fields=("name",))


def test_delete_project_removes_tasks_comments_and_files(admin, alice, kernel, tmp_path):
    admin.post("/api/projects/1/tasks/1/comments", json={"body": "bye"})
    up = upload(alice, 1, 1, b"file body")
    path = os.path.join(kernel.config.upload_dir, up.json["filename"])
    assert os.path.exists(path)
    assert_error(alice.delete("/api/projects/1"), 403)
    resp = admin.delete("/api/projects/1")
    assert resp.status == 200 and resp.json == {**resp.json, "id": 1, "deleted": True}
    assert not os.path.exists(path)
    with kernel.database() as db:
        assert db.count("tasks", "project_id = 1") == 0
        assert db.count("comments") == 0
    assert_error(admin.get("/api/projects/1"), 404)
    assert_error(admin.delete("/api/projects/1"), 404)


# ---------------------------------------------------------------- tasks
def test_list_tasks_filters_and_pagination(alice, admin, ids):
    for i in range(5):
        admin.post("/api/projects/1/tasks", json={"title": f"T{i}", "priority": "low",
                                                  "assignee_id": ids["bob"]})
    body = alice.get("/api/projects/1/tasks").json
    assert body["total"] == 7 and len(body["tasks"]) == 7
    assert body["tasks"][0]["assignee_name"] == "alice"
    assert alice.get("/api/projects/1/tasks", query={"status": "todo"}).json["total"] == 6
    low = alice.get("/api/projects/1/tasks", query={"priority": "low"}).json
    assert low["total"] == 5 and {t["priority"] for t in low["tasks"]} == {"low"}
    bobs = alice.get("/api/projects/1/tasks", query={"assignee_id": ids["bob"],
                                                     "status": "todo"}).json
    assert bobs["total"] == 6
    page = alice.get("/api/projects/1/tasks", query={"limit": 3, "page": 3}).json
    assert len(page["tasks"]) == 1 and page["total"] == 7 and page["page"] == 3
    for query in ({"page": 0}, {"limit": 0}, {"limit": 101}, {"limit": "ten"},
                  {"status": "doing"}, {"priority": "urgent"}, {"assignee_id": "bob"}):
        assert_error(alice.get("/api/projects/1/tasks", query=query), 400)
    assert_error(alice.get("/api/projects/99/tasks"), 404)


def test_create_task_and_events(alice, ids, recorder):
    resp = alice.post("/api/projects/1/tasks", json={
        "title": "<script>alert(1)</script>", "description": "d", "assignee_id": ids["bob"],
        "priority": "high", "status": "in_progress", "due_date": day(3)})
    assert resp.status == 201 and resp.json["created"] is True
    assert resp.json["title"] == "<script>alert(1)</script>"
    task = alice.get(f"/api/projects/1/tasks/{resp.json['id']}").json
    assert task["title"] == "<script>alert(1)</script>"  # stored as text, verbatim
    assert task["creator_id"] == ids["alice"] and task["assignee_name"] == "bob"
    [created] = recorder.of("task.created")
    [assigned] = recorder.of("task.assigned")
    assert created.task_id == assigned.task_id == resp.json["id"]
    assert created.project_id == 1 and created.actor["username"] == "alice"
    assert assigned.task["assignee_id"] == ids["bob"]
    assert assigned.assignee == {"id": ids["bob"], "username": "bob",
                                 "email": "bob@taskflow.local"}
    assert assigned.project == {"id": 1, "name": "Website Redesign"}
    plain = alice.post("/api/projects/1/tasks", json={"title": "no assignee"})
    assert plain.status == 201 and len(recorder.of("task.assigned")) == 1
    defaults = alice.get(f"/api/projects/1/tasks/{plain.json['id']}").json
    assert defaults["status"] == "todo" and defaults["priority"] == "medium"


@pytest.mark.parametrize("body,field", [
    ({}, "title"), ({"title": ""}, "title"), ({"title": 5}, "title"),
    ({"title": "t", "status": "doing"}, "status"), ({"title": "t", "priority": "urgent"},
                                                    "priority"),
    ({"title": "t", "due_date": "2024-13-01"}, "due_date"),
    ({"title": "t", "due_date": "01/02/2024"}, "due_date"),
    ({"title": "t", "assignee_id": 999}, "assignee_id"),
    ({"title": "t", "assignee_id": "2"}, "assignee_id"),
    ({"title": "t", "assignee_id": True}, "assignee_id"),
])
def test_create_task_validation(alice, body, field):
    assert_error(alice.post("/api/projects/1/tasks", json=body), 422, fields=(field,))


def test_create_task_errors(alice, admin, ids):
    assert_error(alice.post("/api/projects/99/tasks", json={"title": "x"}), 404)
    admin.patch(f"/api/users/{ids['bob']}", json={"is_active": False})
    assert_error(alice.post("/api/projects/1/tasks", json={"title": "x",
                                                           "assignee_id": ids["bob"]}),
                 422, fields=("assignee_id",))


def test_get_task(alice, admin):
    admin.post("/api/projects/1/tasks/1/comments", json={"body": "first"})
    task = alice.get("/api/projects/1/tasks/1").json
    assert task["title"] == "Design mockups" and task["comments"][0]["body"] == "first"
    assert task["comments"][0]["username"] == "admin"
    assert_error(alice.get("/api/projects/2/tasks/1"), 404)  # task of another project
    assert_error(alice.get("/api/projects/1/tasks/999"), 404)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_task_and_events(alice, ids, recorder, method):
    send = getattr(alice, method)
    resp = send("/api/projects/1/tasks/2", json={"status": "done", "assignee_id": ids["alice"],
                                                  "due_date": None})
    assert resp.status == 200 and resp.json["updated"] is True
    assert sorted(resp.json["fields"]) == ["assignee_id", "due_date", "status"]
    task = alice.get("/api/projects/1/tasks/2").json
    assert task["status"] == "done" and task["due_date"] is None
    [updated] = recorder.of("task.updated")
    assert updated.changes["status"] == ["todo", "done"]
    assert updated.changes["assignee_id"] == [ids["bob"], ids["alice"]]
    assert [e.task_id for e in recorder.of("task.assigned")] == [2]
    # no change -> no event
    send("/api/projects/1/tasks/2", json={"status": "done"})
    assert len(recorder.of("task.updated")) == 1
    assert_error(send("/api/projects/2/tasks/2", json={"status": "todo"}), 404)
    assert_error(send("/api/projects/1/tasks/2", json={"status": "later"}), 422,
                 fields=("status",))
    assert_error(send("/api/projects/1/tasks/2", json={"colour": "red"}), 422)
    assert_error(send("/api/projects/1/tasks/2", json={"title": ""}), 422, fields=("title",))


def test_delete_task(admin, alice, kernel):
    assert_error(alice.delete("/api/projects/1/tasks/1"), 403)
    assert_error(admin.delete("/api/projects/2/tasks/1"), 404)
    resp = admin.delete("/api/projects/1/tasks/1")
    assert resp.status == 200 and resp.json["deleted"] is True
    assert_error(admin.get("/api/projects/1/tasks/1"), 404)
    assert admin.get("/api/projects/1").json["task_counts"]["total"] == 1


# ------------------------------------------------------------- comments
def test_comments(alice, bob, recorder):
    resp = alice.post("/api/projects/1/tasks/1/comments", json={"body": "<b>hi</b>"})
    assert resp.status == 201 and resp.json["task_id"] == 1 and resp.json["created"] is True
    bob.post("/api/projects/1/tasks/1/comments", json={"body": "second"})
    body = bob.get("/api/projects/1/tasks/1/comments").json
    assert [c["body"] for c in body["comments"]] == ["<b>hi</b>", "second"]
    assert body["total"] == 2
    [event] = recorder.of("comment.added")[:1]
    assert event.comment["body"] == "<b>hi</b>" and event.task_id == 1
    assert_error(alice.post("/api/projects/1/tasks/1/comments", json={"body": ""}), 422,
                 fields=("body",))
    assert_error(alice.post("/api/projects/1/tasks/1/comments", json={}), 422, fields=("body",))
    assert_error(alice.post("/api/projects/2/tasks/1/comments", json={"body": "x"}), 404)
    assert_error(alice.get("/api/projects/1/tasks/99/comments"), 404)


# ---------------------------------------------------------- attachments
def upload(client, pid, tid, content, filename="notes.txt", field="file"):
    body, ctype = multipart(field, filename, content, "text/plain")
    return client.post(f"/api/projects/{pid}/tasks/{tid}/attachment", body=body,
                       headers={"Content-Type": ctype})


def test_upload_and_download(alice, kernel):
    resp = upload(alice, 1, 1, b"hello attachment")
    assert resp.status == 200, resp
    body = resp.json
    assert body["task_id"] == 1 and body["uploaded"] is True
    assert body["content_type"] == "text/plain" and body["filename"].endswith("notes.txt")
    got = alice.get(f"/api/projects/attachments/{body['filename']}")
    assert got.status == 200 and got.body == b"hello attachment"
    assert "attachment" in got.headers.get("content-disposition", "")
    assert alice.get("/api/projects/1/tasks/1").json["attachment"] == body["filename"]


def test_upload_errors(alice, tmp_path):
    assert_error(upload(alice, 1, 1, b"x", field="other"), 400)
    assert_error(upload(alice, 1, 99, b"x"), 404)
    assert_error(upload(alice, 2, 1, b"x"), 404)


def test_upload_over_limit_is_413(tmp_path):
    from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

    app = make_app(tmp_path, plugins=[HeaderIdentity()], max_upload_size=1024)
    client = Client(app).as_user("alice")
    assert_error(upload(client, 1, 1, b"x" * 2048), 413)
    assert upload(client, 1, 1, b"x" * 500).status == 200
    files = os.listdir(app.taskflow.config.upload_dir)
    assert len(files) == 1 and not files[0].endswith(".part")
    app.taskflow.close()


def test_reupload_replaces_old_file(alice, kernel):
    first = upload(alice, 1, 1, b"one").json["filename"]
    second = upload(alice, 1, 1, b"two").json["filename"]
    assert first != second
    assert os.listdir(kernel.config.upload_dir) == [second]
    assert_error(alice.get(f"/api/projects/attachments/{first}"), 404)


def test_long_filename_is_shortened(alice):
    resp = upload(alice, 1, 1, b"long", filename="a" * 300 + ".txt")
    assert resp.status == 200, resp
    name = resp.json["filename"]
    assert len(name) < 200  # (Lcore's own sanitiser may already cut the extension)
    assert alice.get(f"/api/projects/attachments/{name}").body == b"long"


@pytest.mark.parametrize("filename", ["../../etc/passwd", "../etc/passwd", "/etc/passwd",
                                      "evil/../../x", "....//....//etc/passwd"])
def test_upload_filename_cannot_escape(alice, kernel, tmp_path, filename):
    resp = upload(alice, 1, 1, b"payload", filename=filename)
    if resp.status == 200:
        name = resp.json["filename"]
        assert "/" not in name and ".." not in name.replace("....", "")
        root = os.path.realpath(kernel.config.upload_dir)
        assert os.path.exists(os.path.join(root, name))
    else:
        assert_error(resp, resp.status)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == b"payload"]
    assert all(str(p).startswith(os.path.realpath(kernel.config.upload_dir)) for p in outside)


@pytest.mark.parametrize("path", [
    "..%2f..%2fetc%2fpasswd", "../taskflow.db", "..%2ftaskflow.db", "%2e%2e/taskflow.db",
    "/etc/passwd", "%2fetc%2fpasswd", "..\\taskflow.db", "....//taskflow.db",
    "uploads/../taskflow.db", "nope.txt", ".hidden",
])
def test_download_traversal(alice, path, tmp_path):
    (tmp_path / "secret.txt").write_text("top secret")
    resp = alice.get("/api/projects/attachments/" + path)
    assert resp.status in (400, 404), resp
    assert b"SQLite format" not in resp.body and b"root:" not in resp.body
    assert b"top secret" not in resp.body


def test_download_needs_a_user(client):
    assert_error(client.get("/api/projects/attachments/whatever.txt"), 401)


# ------------------------------------------------------------ dashboard
def test_dashboard_totals_on_known_data(admin, alice, ids):
    # seed: P1 (in_progress due +7, todo due +14), P2 (done due -3, not overdue)
    alice.post("/api/projects/1/tasks", json={"title": "late", "due_date": day(-2)})
    alice.post("/api/projects/2/tasks", json={"title": "late done", "due_date": day(-5),
                                              "status": "done"})
    alice.post("/api/projects/2/tasks", json={"title": "later", "due_date": day(-1),
                                              "status": "in_progress"})
    resp = alice.get("/api/projects/dashboard/overview")
    assert resp.status == 200
    body = resp.json
    assert body["totals"] == {"projects": 2, "tasks": 6, "users": 3, "overdue": 2}
    assert [t["title"] for t in body["overdue_tasks"]] == ["late", "later"]
    assert body["overdue_tasks"][0]["project_name"] == "Website Redesign"
    assert body["projects"] == [
        {"id": 1, "name": "Website Redesign", "status": "active", "task_count": 3,
         "done_count": 0},
        {"id": 2, "name": "Mobile App", "status": "active", "task_count": 3, "done_count": 2}]
    no_secrets(resp)


def test_activity_after_each_kind_of_event(admin, alice, ids):
    admin.post("/api/users/", json={"username": "carol", "email": "c@example.test",
                                    "password": "carol-pass-1"})
    tid = alice.post("/api/projects/1/tasks", json={"title": "Feed me",
                                                    "assignee_id": ids["bob"]}).json["id"]
    alice.patch(f"/api/projects/1/tasks/{tid}", json={"status": "done"})
    alice.patch(f"/api/projects/1/tasks/{tid}", json={"priority": "high",
                                                      "assignee_id": ids["alice"]})
    alice.post(f"/api/projects/1/tasks/{tid}/comments", json={"body": "done!"})
    feed = alice.get("/api/projects/dashboard/activity").json["activity"]
    types = [a["type"] for a in feed]
    assert types == ["comment.added", "task.assigned", "task.updated", "task.updated",
                     "task.assigned", "task.created", "user.created"]
    summaries = [a["summary"] for a in feed]
    assert summaries[0] == "alice commented on 'Feed me'"
    assert summaries[1] == "alice assigned 'Feed me' to alice"
    assert summaries[2] == "alice updated assignee_id, priority of 'Feed me'"
    assert summaries[3] == "alice moved 'Feed me' to Done"
    assert summaries[5] == "alice created task 'Feed me'"
    assert summaries[6] == "admin added carol to the team"
    assert feed[0]["actor"] == "alice" and feed[0]["project_id"] == 1 and feed[0]["task_id"] == tid
    assert set(feed[0]) == {"id", "type", "actor", "project_id", "task_id", "summary", "created_at"}
    times = [a["created_at"] for a in feed]
    assert times == sorted(times, reverse=True)
    limited = alice.get("/api/projects/dashboard/activity", query={"limit": 2}).json["activity"]
    assert len(limited) == 2
    for query in ({"limit": 0}, {"limit": 101}, {"limit": "x"}):
        assert_error(alice.get("/api/projects/dashboard/activity", query=query), 400)


def test_a_failing_event_listener_does_not_fail_the_request(tmp_path, caplog):
    from lcore_taskflow.core import hookimpl
    from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

    class Broken:
        name = "broken"

        @hookimpl
        def taskflow_event(self, event, kernel):
            raise RuntimeError("listener broke")

    app = make_app(tmp_path, plugins=[HeaderIdentity(), Broken()])
    client = Client(app).as_user("alice")
    assert client.post("/api/projects/1/tasks", json={"title": "still ok"}).status == 201
    feed = client.get("/api/projects/dashboard/activity").json["activity"]
    assert feed[0]["type"] == "task.created"  # core's listener still ran
    assert "listener broke" in caplog.text
    app.taskflow.close()


def test_domain_routes_need_a_user(client):
    for path in ("/api/projects/", "/api/projects/1", "/api/projects/1/tasks",
                 "/api/projects/1/tasks/1", "/api/projects/1/tasks/1/comments",
                 "/api/projects/dashboard/overview", "/api/projects/dashboard/activity",
                 "/api/users/", "/api/users/1", "/api/users/search?q=a"):
        assert_error(client.get(path), 401)
