"""The board's API: order within columns, filters, the change cursor, my tasks,
activity paging, the dashboard's ETag, and the extension points on task JSON."""

from __future__ import annotations

import threading

import pytest
from core_testutil import assert_error
from lcore_taskflow.core import TaskFilter, hookimpl
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app


def column(client, status, pid=1):
    rows = client.get(f"/api/projects/{pid}/tasks", query={"status": status, "sort": "position",
                                                            "limit": 100}).json["tasks"]
    return [(r["title"], r["position"]) for r in rows]


def make(client, *titles, status="todo", pid=1):
    return [client.post(f"/api/projects/{pid}/tasks",
                        json={"title": t, "status": status}).json["id"] for t in titles]


def test_new_tasks_go_to_the_end_of_their_column(alice):
    make(alice, "A", "B")
    assert column(alice, "todo") == [("Set up CI pipeline", 1), ("A", 2), ("B", 3)]


def test_moves_keep_every_column_dense(alice):
    a, b, c = make(alice, "A", "B", "C")
    ci = 2  # "Set up CI pipeline"
    res = alice.patch(f"/api/projects/1/tasks/{c}", json={"before_id": a})
    assert res.json["position"] == 2
    assert column(alice, "todo") == [("Set up CI pipeline", 1), ("C", 2), ("A", 3), ("B", 4)]
    alice.patch(f"/api/projects/1/tasks/{a}", json={"status": "in_progress", "before_id": None})
    assert column(alice, "todo") == [("Set up CI pipeline", 1), ("C", 2), ("B", 3)]
    assert column(alice, "in_progress") == [("Design mockups", 1), ("A", 2)]
    alice.patch(f"/api/projects/1/tasks/{b}", json={"status": "in_progress", "before_id": 1})
    assert column(alice, "in_progress") == [("B", 1), ("Design mockups", 2), ("A", 3)]
    alice.patch(f"/api/projects/1/tasks/{ci}", json={"status": "done"})  # no before_id: the end
    assert column(alice, "todo") == [("C", 1)] and column(alice, "done") == [
        ("Set up CI pipeline", 1)]


def test_before_id_must_be_in_the_target_column(alice):
    (a,) = make(alice, "A")
    assert_error(alice.patch(f"/api/projects/1/tasks/{a}", json={"before_id": 1}), 422,
                 fields=("before_id",))
    assert_error(alice.patch(f"/api/projects/1/tasks/{a}", json={"before_id": a}), 422,
                 fields=("before_id",))


def test_delete_closes_the_gap(admin, alice):
    a, _ = make(alice, "A", "B")
    admin.delete(f"/api/projects/1/tasks/{a}")
    assert column(alice, "todo") == [("Set up CI pipeline", 1), ("B", 2)]


def test_concurrent_moves_stay_dense(app, alice):
    ids = make(alice, *[f"T{i}" for i in range(12)])
    errors = []

    def mover(offset):
        client = Client(app).as_user("alice")
        for i in range(10):
            tid = ids[(offset + i) % len(ids)]
            status = ("todo", "in_progress", "done")[(offset + i) % 3]
            res = client.patch(f"/api/projects/1/tasks/{tid}",
                               json={"status": status, "before_id": None})
            if res.status != 200:
                errors.append(res)

    threads = [threading.Thread(target=mover, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    for status in ("todo", "in_progress", "done"):
        positions = [p for _, p in column(alice, status)]
        assert positions == list(range(1, len(positions) + 1)), (status, positions)


@pytest.mark.parametrize("query, titles", [
    ({"q": "ci pip"}, ["Set up CI pipeline"]),
    ({"q": "100%_"}, []),
    ({"assignee_id": "none"}, ["Loose end"]),
    ({"due": "none"}, ["Loose end"]),
    ({"due": "overdue"}, ["Late one"]),
    ({"due": "week"}, ["Design mockups", "This week"]),
    ({"priority": "high", "status": "in_progress"}, ["Design mockups"]),
])
def test_task_list_filters(alice, ids, query, titles):
    import datetime as dt

    day = lambda n: (dt.date.today() + dt.timedelta(days=n)).isoformat()  # noqa: E731
    alice.post("/api/projects/1/tasks", json={"title": "Loose end"})
    for title, due in (("Late one", day(-2)), ("This week", day(3))):
        alice.post("/api/projects/1/tasks", json={"title": title, "due_date": due,
                                                  "assignee_id": ids["bob"]})
    alice.patch("/api/projects/1/tasks/1", json={"due_date": day(6)})
    alice.patch("/api/projects/1/tasks/2", json={"due_date": day(8)})
    body = alice.get("/api/projects/1/tasks", query=query).json
    assert sorted(r["title"] for r in body["tasks"]) == sorted(titles)
    assert body["total"] == len(titles)


def test_bad_filters_are_400(alice):
    for query in ({"due": "someday"}, {"assignee_id": "x"}, {"sort": "random"},
                  {"q": "x" * 201}, {"since": -1}):
        path = "/api/projects/1/tasks" + ("/changes" if "since" in query else "")
        assert_error(alice.get(path, query=query), 400)


def test_change_cursor(alice, admin):
    first = alice.get("/api/projects/1/tasks").json["cursor"]
    unchanged = alice.get("/api/projects/1/tasks/changes", query={"since": first})
    assert unchanged.status == 304 and unchanged.body == b""
    (tid,) = make(alice, "New")
    alice.patch("/api/projects/1/tasks/1", json={"title": "Mockups v2"})
    changes = alice.get("/api/projects/1/tasks/changes", query={"since": first}).json
    assert {r["title"] for r in changes["tasks"]} == {"New", "Mockups v2"}
    assert changes["deleted"] == [] and changes["reset"] is False
    assert changes["task_counts"]["total"] == 3
    cursor = changes["cursor"]
    admin.delete(f"/api/projects/1/tasks/{tid}")
    later = alice.get("/api/projects/1/tasks/changes", query={"since": cursor}).json
    assert later["deleted"] == [tid] and later["tasks"] == []
    assert alice.get("/api/projects/2/tasks/changes", query={"since": 0}).json["tasks"]
    # a comment changes the task's comment count: the task is in the next change set
    alice.post("/api/projects/1/tasks/1/comments", json={"body": "hi"})
    again = alice.get("/api/projects/1/tasks/changes", query={"since": later["cursor"]}).json
    assert [r["comment_count"] for r in again["tasks"]] == [1]
    # a cursor from the future (another database) asks the client to start over
    assert alice.get("/api/projects/1/tasks/changes",
                     query={"since": 10**9}).json["reset"] is True


def test_my_tasks_across_projects(alice, bob, ids):
    bob.post("/api/projects/2/tasks", json={"title": "Alice's other", "assignee_id": ids["alice"]})
    mine = alice.get("/api/users/me/tasks").json
    titles = [t["title"] for t in mine["tasks"]]
    assert set(titles) == {"Design mockups", "Write API documentation", "Alice's other"}
    assert mine["total"] == 3 and all(t["project_name"] for t in mine["tasks"])
    assert alice.get("/api/users/me/tasks", query={"status": "done"}).json["total"] == 1
    assert bob.get("/api/users/me/tasks").json["total"] == 1


def test_activity_pages_with_before(alice):
    make(alice, *[f"P{i}" for i in range(5)])
    first = alice.get("/api/projects/dashboard/activity", query={"limit": 2}).json
    assert [a["summary"] for a in first["activity"]] == ["alice created task 'P4'",
                                                         "alice created task 'P3'"]
    second = alice.get("/api/projects/dashboard/activity",
                       query={"limit": 2, "before": first["next_before"]}).json
    assert [a["summary"] for a in second["activity"]] == ["alice created task 'P2'",
                                                          "alice created task 'P1'"]
    last = alice.get("/api/projects/dashboard/activity",
                     query={"limit": 100, "before": second["next_before"]}).json
    assert last["next_before"] is None


def test_dashboard_etag(alice):
    first = alice.get("/api/projects/dashboard/overview")
    tag = first.headers["etag"]
    again = alice.get("/api/projects/dashboard/overview", headers={"If-None-Match": tag})
    assert again.status == 304 and again.body == b""
    make(alice, "Something new")
    assert alice.get("/api/projects/dashboard/overview",
                     headers={"If-None-Match": tag}).status == 200


def test_archived_projects_leave_the_dashboard(admin, alice):
    admin.put("/api/projects/2", json={"name": "Mobile App", "status": "archived"})
    names = [p["name"] for p in alice.get("/api/projects/dashboard/overview").json["projects"]]
    assert names == ["Website Redesign"]


class Flags:
    """A plugin adding a field to task JSON and a filter to the task list."""

    name = "flags"

    def __init__(self):
        self.calls = []

    @hookimpl
    def taskflow_represent(self, kind, rows, kernel):
        self.calls.append((kind, len(rows)))
        for row in rows:
            row["flagged"] = row["id"] % 2 == 0 if kind == "task" else None

    @hookimpl
    def taskflow_task_filters(self, kernel):
        return [TaskFilter("parity", "t.id % 2 = ?", convert=int, description="id parity")]


def test_representation_is_batched_and_filters_extend_the_list(tmp_path):
    flags = Flags()
    app = make_app(tmp_path, plugins=[HeaderIdentity(), flags])
    alice = Client(app).as_user("alice")
    try:
        make(alice, "A", "B", "C")
        listing = alice.get("/api/projects/1/tasks").json
        assert [t["flagged"] for t in listing["tasks"]] == [t["id"] % 2 == 0
                                                            for t in listing["tasks"]]
        assert flags.calls[-1] == ("task", 5)  # one call for the whole page
        assert alice.get("/api/projects/1/tasks/1").json["flagged"] is False
        even = alice.get("/api/projects/1/tasks", query={"parity": 0}).json
        expected = [t["id"] for t in listing["tasks"] if t["id"] % 2 == 0]
        assert [t["id"] for t in even["tasks"]] == expected and even["total"] == len(expected)
        assert_error(alice.get("/api/projects/1/tasks", query={"parity": "odd"}), 400)
        alice.get("/api/projects/")
        assert flags.calls[-1] == ("project", 2)
    finally:
        app.taskflow.close()
