"""Bulk actions on tasks (``POST /api/projects/<pid>/tasks/bulk``) and the list view's sorts.

Each test runs on SQLite and PostgreSQL (conftest).  One request per action,
one transaction: every refusal leaves every task as it was; each changed
task emits the event a single edit emits.
"""

from __future__ import annotations

from core_testutil import assert_error
from lcore_taskflow.core import ApiError, hookimpl
from lcore_taskflow.core.testing import Client, make_private, with_project_role

T = "/api/projects/1/tasks"
BULK = f"{T}/bulk"


def make_tasks(client, n, prefix="Bulk", pid=1, **fields):
    return [client.post(f"/api/projects/{pid}/tasks", json={"title": f"{prefix} {i}", **fields})
            .json["id"] for i in range(n)]


def column(client, status, pid=1):
    """``[(id, position)]`` of a status column in board order."""
    rows = client.get(f"/api/projects/{pid}/tasks",
                      query={"status": status, "sort": "position", "limit": 100}).json["tasks"]
    return [(t["id"], t["position"]) for t in rows]


def snapshot(client, pid=1):
    rows = client.get(f"/api/projects/{pid}/tasks", query={"limit": 100}).json["tasks"]
    keys = ("id", "status", "position", "priority", "assignee_id", "due_date")
    return [{k: t[k] for k in keys} for t in rows]


def test_bulk_move_appends_in_board_order_and_renumbers(admin, recorder):
    ids = make_tasks(admin, 6)
    admin.patch(f"{T}/{ids[5]}", json={"status": "in_progress"})
    picked = [ids[3], ids[1], ids[5]]  # asked out of order: they keep the board's order
    done_before = column(admin, "done")
    recorder.clear()
    reply = admin.post(BULK, json={"ids": picked, "action": "move", "value": "done"})
    assert reply.status == 200, reply.json
    assert {k: reply.json[k] for k in ("action", "ids", "changed")} == {
        "action": "move", "ids": picked, "changed": [ids[1], ids[3], ids[5]]}
    done = column(admin, "done")
    assert [i for i, _ in done] == [i for i, _ in done_before] + [ids[1], ids[3], ids[5]]
    for status in ("todo", "in_progress", "done"):  # every column stays 1..n
        positions = [p for _, p in column(admin, status)]
        assert positions == list(range(1, len(positions) + 1))
    assert ids[3] not in [i for i, _ in column(admin, "todo")]
    updated = recorder.of("task.updated")
    assert [e.task["id"] for e in updated] == [ids[1], ids[3], ids[5]]
    assert updated[2].changes["status"] == ["in_progress", "done"]
    counts = admin.get("/api/projects/1").json["task_counts"]
    assert counts["done"] == len(done)
    assert counts["in_progress"] == len(column(admin, "in_progress"))
    # Already there: nothing changes, nothing is announced.
    recorder.clear()
    again = admin.post(BULK, json={"ids": picked, "action": "move", "value": "done"}).json
    assert again["changed"] == [] and recorder.of("task.updated") == []


def test_bulk_assign_priority_and_due_date_emit_per_task(admin, recorder, ids):
    tasks = make_tasks(admin, 3)
    recorder.clear()
    assigned = admin.post(BULK, json={"ids": tasks, "action": "assign", "value": ids["alice"]})
    assert assigned.status == 200 and assigned.json["changed"] == tasks
    assert sorted(e.task["id"] for e in recorder.of("task.assigned")) == sorted(tasks)
    assert {e.assignee["username"] for e in recorder.of("task.assigned")} == {"alice"}
    assert all(admin.get(f"{T}/{t}").json["assignee_id"] == ids["alice"] for t in tasks)
    unassigned = admin.post(BULK, json={"ids": tasks[:2], "action": "assign", "value": None})
    assert unassigned.json["changed"] == tasks[:2]
    assert [admin.get(f"{T}/{t}").json["assignee_id"] for t in tasks] == [None, None, ids["alice"]]

    recorder.clear()
    admin.post(BULK, json={"ids": tasks, "action": "priority", "value": "high"})
    assert {admin.get(f"{T}/{t}").json["priority"] for t in tasks} == {"high"}
    assert [e.changes["priority"][1] for e in recorder.of("task.updated")] == ["high"] * 3
    admin.post(BULK, json={"ids": tasks, "action": "due_date", "value": "2031-02-03"})
    assert {admin.get(f"{T}/{t}").json["due_date"] for t in tasks} == {"2031-02-03"}
    admin.post(BULK, json={"ids": tasks[:1], "action": "due_date", "value": None})
    assert admin.get(f"{T}/{tasks[0]}").json["due_date"] is None
    # The activity feed has a row per task, as single edits leave.
    feed = admin.get("/api/projects/dashboard/activity", query={"limit": 100}).json["activity"]
    assert {a["task_id"] for a in feed if a["type"] == "task.assigned"} >= set(tasks)


def test_bulk_delete_needs_the_owner_role_and_clears_the_search_index(app, admin, recorder):
    pid = make_private(app, "Bulk delete")
    tasks = make_tasks(admin, 4, prefix="Zanzibar", pid=pid)
    editor = Client(app, with_project_role(app, pid, "editor"))
    bulk = f"/api/projects/{pid}/tasks/bulk"
    refused = assert_error(editor.post(bulk, json={"ids": tasks, "action": "delete"}), 403)
    assert "owner" in refused["error"]
    assert editor.post(bulk, json={"ids": tasks[:1], "action": "priority",
                                   "value": "low"}).status == 200  # editors may edit
    assert admin.get("/api/search", query={"q": "zanzibar"}).json["total"] == 4
    recorder.clear()
    gone = admin.post(bulk, json={"ids": tasks[1:], "action": "delete"})
    assert gone.status == 200 and gone.json["changed"] == tasks[1:]
    assert sorted(e.task["id"] for e in recorder.of("task.deleted")) == sorted(tasks[1:])
    assert [i for i, _ in column(admin, "todo", pid)] == [tasks[0]]
    assert column(admin, "todo", pid) == [(tasks[0], 1)]
    assert admin.get("/api/search", query={"q": "zanzibar"}).json["total"] == 1
    assert admin.get(f"/api/projects/{pid}").json["task_counts"]["total"] == 1
    assert_error(admin.post(bulk, json={"ids": tasks[:1], "action": "delete", "value": "x"}),
                 422, fields=("value",))


def test_bad_requests_name_the_problem_and_change_nothing(admin, ids):
    tasks = make_tasks(admin, 3)
    other = make_tasks(admin, 1, pid=2)[0]
    before = snapshot(admin)
    bad = assert_error(admin.post(BULK, json={"ids": [tasks[0], other, 999999],
                                              "action": "move", "value": "done"}),
                       422, fields=("ids",))
    assert f"{other}, 999999" in bad["fields"]["ids"]
    twice = assert_error(admin.post(BULK, json={
        "ids": [tasks[0], tasks[0]], "action": "priority", "value": "low"}), 422, fields=("ids",))
    assert f"more than once: {tasks[0]}" in twice["fields"]["ids"]
    assert_error(admin.post(BULK, json={"ids": [], "action": "move", "value": "done"}),
                 422, fields=("ids",))
    too_many = admin.post(BULK, json={"ids": list(range(1, 502)), "action": "move",
                                      "value": "done"})
    assert "at most 500" in assert_error(too_many, 422, fields=("ids",))["fields"]["ids"]
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "archive"}), 422,
                 fields=("action",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "move"}), 422, fields=("value",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "move", "value": "later"}),
                 422, fields=("value",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "priority", "value": 3}),
                 422, fields=("value",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "due_date",
                                        "value": "2031-02-30"}), 422, fields=("value",))
    assert_error(admin.post(BULK, json={"ids": ["1"], "action": "move", "value": "done"}),
                 422, fields=("ids",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "assign", "value": 424242}),
                 422, fields=("value",))
    assert_error(admin.post(BULK, json={"ids": tasks, "action": "assign", "value": "alice"}),
                 422, fields=("value",))
    assert_error(admin.post(BULK, body=b'{"ids": [1', headers={
        "Content-Type": "application/json"}), 400)
    assert_error(admin.post("/api/projects/999/tasks/bulk", json={
        "ids": tasks, "action": "move", "value": "done"}), 404)
    assert snapshot(admin) == before


class RefuseDone:
    """A plugin that refuses moving the task titled "Guarded" to done (as a listener may)."""

    name = "refuse-done"
    version = "1"

    @hookimpl
    def taskflow_event(self, event, kernel):
        if (event.type == "task.updated" and event.task["title"] == "Guarded"
                and event.task["status"] == "done"):
            raise ApiError(422, "Guarded tasks stay open")


def test_a_refused_task_rolls_back_the_whole_request(taskflow_app):
    app = taskflow_app(plugins=[RefuseDone()])
    admin = Client(app, "admin")
    tasks = make_tasks(admin, 3) + make_tasks(admin, 1, prefix="Guarded")
    admin.patch(f"{T}/{tasks[-1]}", json={"title": "Guarded"})
    before = snapshot(admin)
    feed = len(admin.get("/api/projects/dashboard/activity", query={"limit": 100})
               .json["activity"])
    refused = admin.post(BULK, json={"ids": tasks, "action": "move", "value": "done"})
    assert_error(refused, 422)
    assert "Guarded tasks stay open" in refused.json["error"]
    assert snapshot(admin) == before  # the three moves before it are undone too
    assert len(admin.get("/api/projects/dashboard/activity", query={"limit": 100})
               .json["activity"]) == feed
    assert admin.post(BULK, json={"ids": tasks[:3], "action": "move",
                                  "value": "done"}).status == 200


def test_who_may_use_it(app, admin):
    pid = make_private(app, "Bulk roles")
    tasks = make_tasks(admin, 2, pid=pid)
    bulk = f"/api/projects/{pid}/tasks/bulk"
    body = {"ids": tasks, "action": "priority", "value": "high"}
    assert_error(Client(app, "bob").post(bulk, json=body), 404)  # cannot see it: no leak
    viewer = Client(app, with_project_role(app, pid, "viewer"))
    assert "editor" in assert_error(viewer.post(bulk, json=body), 403)["error"]
    assert_error(Client(app).post(bulk, json=body), 401)
    # a guest's assignee must see the project: one message naming nobody
    guest = with_project_role(app, pid, "viewer", "gwen", workspace_role="guest")
    assert admin.post(bulk, json={"ids": tasks, "action": "assign",
                                  "value": _id(app, guest)}).status == 200
    outsider = _id(app, "bob")
    refused = assert_error(admin.post(bulk, json={
        "ids": tasks, "action": "assign", "value": outsider}), 422)
    assert refused["fields"]["value"] == (
        f"value {outsider} is not an active user who can see project {pid}")


def _id(app, username):
    with app.taskflow.database() as db:
        return db.scalar("SELECT id FROM users WHERE username = ?", (username,))


def test_many_tasks_move_in_one_request(admin):
    tasks = make_tasks(admin, 60, prefix="Many")
    reply = admin.post(BULK, json={"ids": tasks[::-1], "action": "move", "value": "in_progress"})
    assert reply.status == 200 and len(reply.json["changed"]) == 60
    moved = column(admin, "in_progress")
    assert [i for i, _ in moved][-60:] == tasks  # board order kept
    assert [p for _, p in moved] == list(range(1, len(moved) + 1))
    assert [p for _, p in column(admin, "todo")] == list(range(1, len(column(admin, "todo")) + 1))


def test_the_list_sorts_by_its_columns(admin, ids):
    pid = admin.post("/api/projects/", json={"name": "Sorted"}).json["id"]
    spec = [("banana", "low", "alice", "2030-01-03", "done"),
            ("Apple", "high", None, None, "todo"),
            ("cherry", "medium", "bob", "2030-01-01", "in_progress"),
            ("date", "high", "admin", "2030-01-02", "todo")]
    made = {}
    for title, priority, who, due, status in spec:
        made[title] = admin.post(f"/api/projects/{pid}/tasks", json={
            "title": title, "priority": priority, "status": status, "due_date": due,
            "assignee_id": ids[who] if who else None}).json["id"]

    def titles(sort):
        reply = admin.get(f"/api/projects/{pid}/tasks", query={"sort": sort})
        assert reply.status == 200, reply.json
        return [t["title"] for t in reply.json["tasks"]]

    assert titles("title") == ["Apple", "banana", "cherry", "date"]
    assert titles("-title") == ["date", "cherry", "banana", "Apple"]
    assert titles("priority") == ["banana", "cherry", "Apple", "date"]  # ties by id
    assert titles("-priority")[:2] == ["Apple", "date"]
    assert titles("assignee") == ["date", "banana", "cherry", "Apple"]  # nobody last
    assert titles("due_date") == ["cherry", "date", "banana", "Apple"]  # no date last
    assert titles("status") == ["Apple", "date", "cherry", "banana"]
    admin.patch(f"/api/projects/{pid}/tasks/{made['cherry']}", json={"title": "cherry"})
    admin.patch(f"/api/projects/{pid}/tasks/{made['cherry']}", json={"priority": "low"})
    assert titles("-updated")[0] == "cherry"
    assert_error(admin.get(f"/api/projects/{pid}/tasks", query={"sort": "-id;drop"}), 400)
