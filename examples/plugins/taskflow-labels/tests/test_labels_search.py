"""Label names make tasks findable in core's full-text search (``kernel.search``)."""

from __future__ import annotations


def found(client, words: str) -> list[tuple[str, int]]:
    reply = client.get("/api/search", query={"q": words})
    assert reply.status == 200, reply
    return [(r["kind"], r["id"]) for r in reply.json["results"]]


def test_a_tasks_labels_are_searchable_and_follow_renames(taskflow_admin, taskflow_app):
    label = taskflow_admin.post("/api/labels/projects/1",
                                json={"name": "Quokka", "color": "#3366cc"}).json
    assert found(taskflow_admin, "quokka") == []
    assert taskflow_admin.post(f"/api/labels/tasks/1/{label['id']}").status == 200
    assert found(taskflow_admin, "quok") == [("task", 1)]
    taskflow_admin.patch(f"/api/labels/{label['id']}", json={"name": "Wombat"})
    assert found(taskflow_admin, "quokka") == []
    assert found(taskflow_admin, "wombat") == [("task", 1)]
    # a rebuild asks the plugin again
    assert taskflow_app.default().taskflow.search.reindex() > 0
    assert found(taskflow_admin, "wombat") == [("task", 1)]
    taskflow_admin.delete(f"/api/labels/{label['id']}")
    assert found(taskflow_admin, "wombat") == []
