"""The task list's total stays cheap at any size (issue 25): maintained counts for
the common filters, an exact total on the last page, and a count bounded at
``COUNT_CAP`` with ``total_is_estimate`` for the rest.  Both engines."""

from __future__ import annotations

import time

import pytest
from lcore_taskflow.core.testing import QueryCounter, make_project

CAP = 1000
#: The statement of a bounded total (task_list.bounded_total).
BOUNDED_COUNT = r"COUNT\(\*\) FROM \(SELECT 1 FROM tasks"


@pytest.fixture
def crowded(app, kernel):
    """A project of 1,100 high-priority tasks whose titles hold "needle", plus 3 low ones."""
    pid = make_project(app, "Crowded")
    now = time.time()
    rows = [(f"needle {i}", pid, 1, "todo", "high", i + 1, now) for i in range(CAP + 100)]
    rows += [(f"hay {i}", pid, 1, "done", "low", i + 1, now) for i in range(3)]
    with kernel.database() as db, db.transaction():
        db.bulk_insert("tasks", ("title", "project_id", "creator_id", "status",
                                        "priority", "position", "created_at"), rows)
    return pid


def tasks(client, pid, **query):
    res = client.get(f"/api/projects/{pid}/tasks", query=query)
    assert res.status == 200, res.body
    return res.json


def test_common_filters_answer_exactly_from_the_maintained_counts(admin, crowded):
    whole = tasks(admin, crowded)
    assert (whole["total"], whole["total_is_estimate"]) == (CAP + 103, False)
    todo = tasks(admin, crowded, status="todo")
    assert (todo["total"], todo["total_is_estimate"]) == (CAP + 100, False)
    with QueryCounter() as seen:
        high = tasks(admin, crowded, priority="high")
    assert (high["total"], high["total_is_estimate"]) == (CAP + 100, False)
    assert seen.count and not seen.matching(BOUNDED_COUNT)  # the project's row says
    with QueryCounter() as seen:  # one status and one priority: counted, up to the cap
        tasks(admin, crowded, priority="high", status="todo")
    assert len(seen.matching(BOUNDED_COUNT)) == 1


def test_a_filter_matching_more_than_the_cap_is_a_bounded_estimate(admin, crowded):
    for query in ({"priority": "high", "status": "todo"}, {"q": "needle"},
                  {"priority": "high", "q": "NEEDLE"}):
        body = tasks(admin, crowded, **query)
        assert (body["total"], body["total_is_estimate"]) == (CAP, True), query
        assert len(body["tasks"]) == 20
    beyond = tasks(admin, crowded, priority="high", status="todo", page=37,
                   limit=30)  # the last page
    assert [t["title"] for t in beyond["tasks"]] == [f"needle {i}" for i in range(1080, 1100)]
    assert beyond["total"] == CAP + 100 and beyond["total_is_estimate"] is False


def test_a_filter_under_the_cap_is_exact(admin, crowded):
    low = tasks(admin, crowded, priority="low")
    assert (low["total"], low["total_is_estimate"]) == (3, False)
    full_page = tasks(admin, crowded, priority="low", limit=3)  # a full page: counted
    assert (full_page["total"], full_page["total_is_estimate"]) == (3, False)
    past_the_end = tasks(admin, crowded, priority="low", page=5, limit=3)
    assert past_the_end["tasks"] == [] and past_the_end["total"] == 3
    none = tasks(admin, crowded, q="no such title")
    assert (none["total"], none["total_is_estimate"], none["tasks"]) == (0, False, [])


def test_openapi_documents_the_estimate(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    task_list = next(s for name, s in schemas.items() if name.endswith("TaskList"))
    assert "total_is_estimate" in task_list["required"]
    assert "1,000+" in task_list["properties"]["total_is_estimate"]["description"]


def test_my_tasks_total_is_bounded_and_the_order_kept(app, kernel, admin, crowded):
    with kernel.database() as db, db.transaction():
        db.execute("UPDATE tasks SET assignee_id = 1 WHERE project_id = ?", (crowded,))
        db.execute("UPDATE tasks SET due_date = '2030-01-02' WHERE title = 'needle 7'")
        db.execute("UPDATE tasks SET due_date = '2030-01-01' WHERE title = 'hay 2'")
    first = admin.get("/api/users/me/tasks", query={"limit": 5}).json
    assert (first["total"], first["total_is_estimate"]) == (CAP, True)
    titles = [t["title"] for t in first["tasks"]]
    assert titles[:2] == ["hay 2", "needle 7"]  # soonest due first, the undated after
    last = admin.get("/api/users/me/tasks", query={"limit": 100, "page": 12}).json
    assert (last["total"], last["total_is_estimate"]) == (1100 + len(last["tasks"]), False)
    assert 3 <= len(last["tasks"]) < 100
    done = admin.get("/api/users/me/tasks", query={"status": "done"}).json
    assert (done["total"], done["total_is_estimate"]) == (3, False)
