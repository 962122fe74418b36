"""Checklists, relations and saved views (SPEC §11)."""

from __future__ import annotations

import itertools

from core_testutil import assert_error
from lcore_taskflow.core.testing import Client, make_private, with_project_role

T = "/api/projects/1/tasks"


def new_task(client, title="Structured", pid=1):
    return client.post(f"/api/projects/{pid}/tasks", json={"title": title}).json["id"]


def test_checklist_items_add_tick_move_and_count(admin, alice, app):
    tid = new_task(admin)
    base = f"{T}/{tid}/checklist"
    ids = [admin.post(base, json={"title": f"step {n}"}).json["id"] for n in range(3)]
    assert [i["position"] for i in admin.get(base).json["items"]] == [1, 2, 3]
    assert admin.patch(f"{base}/{ids[1]}", json={"done": True}).json["done"] is True
    assert admin.get(f"{T}/{tid}").json["checklist"] == {"done": 1, "total": 3}
    card = next(t for t in admin.get(T).json["tasks"] if t["id"] == tid)
    assert card["checklist"] == {"done": 1, "total": 3}
    assert admin.patch(f"{base}/{ids[2]}", json={"position": 1}).json["position"] == 1
    assert [i["id"] for i in admin.get(base).json["items"]] == [ids[2], ids[0], ids[1]]
    assert admin.delete(f"{base}/{ids[0]}").status == 204
    listed = admin.get(base).json
    assert [i["position"] for i in listed["items"]] == [1, 2] and listed["total"] == 2
    assert admin.get(f"{T}/{tid}").json["checklist"] == {"done": 1, "total": 2}
    assert_error(admin.post(base, json={}), 422, fields=("title",))
    assert_error(admin.patch(f"{base}/{ids[1]}", json={}), 422)
    assert_error(admin.patch(f"{base}/99999", json={"done": True}), 404)
    assert alice.get(base).json["total"] == 2  # a workspace member reads it too


def test_checklist_follows_roles_and_the_change_cursor(app, admin):
    pid = make_private(app, "Checked")
    tid = new_task(admin, pid=pid)
    base = f"/api/projects/{pid}/tasks/{tid}/checklist"
    viewer = Client(app, with_project_role(app, pid, "viewer"))
    assert viewer.get(base).status == 200
    assert_error(viewer.post(base, json={"title": "x"}), 403)
    assert_error(Client(app, "bob").get(base), 404)
    cursor = admin.get(f"/api/projects/{pid}/tasks").json["cursor"]
    admin.post(base, json={"title": "live"})
    changed = admin.get(f"/api/projects/{pid}/tasks/changes", query={"since": cursor}).json
    assert [t["id"] for t in changed["tasks"]] == [tid]
    assert changed["tasks"][0]["checklist"] == {"done": 0, "total": 1}


def test_relations_show_on_both_tasks_with_their_inverse(admin):
    a, b, c = (new_task(admin, name) for name in ("A", "B", "C"))
    made = admin.post(f"{T}/{a}/relations", json={"kind": "blocks", "task_id": b})
    assert made.status == 201 and made.json["title"] == "B"
    admin.post(f"{T}/{c}/relations", json={"kind": "parent", "task_id": a})
    assert [(r["kind"], r["task_id"]) for r in admin.get(f"{T}/{a}").json["relations"]] == [
        ("blocks", b), ("child", c)]
    assert [(r["kind"], r["task_id"]) for r in admin.get(f"{T}/{b}").json["relations"]] == [
        ("blocked_by", a)]
    rid = made.json["id"]
    assert admin.delete(f"{T}/{b}/relations/{rid}").status == 204  # from either end
    assert admin.get(f"{T}/{b}").json["relations"] == []


def test_cycles_of_blocks_and_parents_are_refused(admin):
    chain = [new_task(admin, f"link {n}") for n in range(6)]
    for first, second in itertools.pairwise(chain):
        assert admin.post(f"{T}/{first}/relations",
                          json={"kind": "blocks", "task_id": second}).status == 201
    loop = admin.post(f"{T}/{chain[-1]}/relations", json={"kind": "blocks", "task_id": chain[0]})
    assert loop.status == 409 and "cycle of blocks" in loop.json["error"]
    assert_error(admin.post(f"{T}/{chain[1]}/relations",
                            json={"kind": "blocks", "task_id": chain[0]}), 409)
    assert_error(admin.post(f"{T}/{chain[0]}/relations",
                            json={"kind": "blocks", "task_id": chain[1]}), 409)  # twice
    # relates and duplicates may go both ways round without a cycle check
    assert admin.post(f"{T}/{chain[-1]}/relations",
                      json={"kind": "relates", "task_id": chain[0]}).status == 201
    p, q, r = chain[:3]
    assert admin.post(f"{T}/{p}/relations", json={"kind": "parent", "task_id": q}).status == 201
    assert admin.post(f"{T}/{q}/relations", json={"kind": "parent", "task_id": r}).status == 201
    assert_error(admin.post(f"{T}/{r}/relations", json={"kind": "parent", "task_id": p}), 409)
    other_parent = admin.post(f"{T}/{chain[4]}/relations", json={"kind": "parent", "task_id": r})
    assert other_parent.status == 409 and "already has a parent" in other_parent.json["error"]
    assert_error(admin.post(f"{T}/{p}/relations", json={"kind": "blocks", "task_id": p}), 422)
    assert_error(admin.post(f"{T}/{p}/relations", json={"kind": "owns", "task_id": q}), 422)


def test_relations_reach_only_tasks_the_caller_can_see(app, admin, alice):
    pid = make_private(app, "Elsewhere")
    hidden = new_task(admin, "Hidden blocker", pid=pid)
    mine = new_task(alice, "Visible task")
    assert_error(alice.post(f"{T}/{mine}/relations", json={"kind": "blocks",
                                                           "task_id": hidden}), 404)
    assert admin.post(f"{T}/{mine}/relations", json={"kind": "relates",
                                                     "task_id": hidden}).status == 201
    assert alice.get(f"{T}/{mine}").json["relations"] == []  # the other end is hidden
    assert len(admin.get(f"{T}/{mine}").json["relations"]) == 1


def test_saved_views_private_or_shared_with_a_project(app, admin, alice):
    pid = make_private(app, "Viewed")
    mine = alice.post("/api/views", json={"name": "My bugs", "query": "status=todo&q=bug"})
    assert mine.status == 201 and mine.json["mine"] is True
    shared = admin.post("/api/views", json={"name": "Team", "query": "priority=high",
                                            "project_id": pid, "shared": True}).json
    admin.post("/api/views", json={"name": "Admin's own", "query": ""})
    assert [v["name"] for v in alice.get("/api/views").json["views"]] == ["My bugs"]
    member = Client(app, with_project_role(app, pid, "viewer"))
    assert [v["name"] for v in member.get("/api/views").json["views"]] == ["Team"]
    assert_error(member.delete(f"/api/views/{shared['id']}"), 404)
    assert_error(alice.post("/api/views", json={"name": "x", "query": "a=1",
                                                "project_id": pid}), 404)
    assert_error(alice.post("/api/views", json={"name": "x", "query": "a=1", "shared": True}),
                 422, fields=("shared",))
    assert_error(alice.post("/api/views", json={"name": "x", "query": "no equals &&"}), 422,
                 fields=("query",))
    assert alice.delete(f"/api/views/{mine.json['id']}").status == 204
    assert admin.delete(f"/api/views/{shared['id']}").status == 204


def test_a_checklist_assignee_must_see_the_project(app, admin, ids):
    pid = make_private(app, "Assigned")
    base = f"/api/projects/{pid}/tasks/{new_task(admin, pid=pid)}/checklist"
    refused = admin.post(base, json={"title": "x", "assignee_id": ids["bob"]})
    assert refused.status == 422 and "bob" not in refused.text
    item = admin.post(base, json={"title": "x", "assignee_id": ids["admin"]}).json
    assert item["assignee_id"] == ids["admin"]
    assert admin.patch(f"{base}/{item['id']}", json={"assignee_id": None}).json[
        "assignee_id"] is None
    assert_error(admin.patch(f"{base}/{item['id']}", json={"assignee_id": 99999}), 422,
                 fields=("assignee_id",))


def test_blocked_by_open_counts_open_blockers_the_caller_can_see(app, admin, alice):
    """The board's "Blocked" badge: one batched field on every task row, lists included."""
    blocked, open_blocker, done_blocker = (new_task(admin, n) for n in ("Blocked", "Open", "Done"))
    pid = make_private(app, "Hidden blockers")
    hidden = new_task(admin, "Hidden", pid=pid)
    for source in (open_blocker, done_blocker):
        admin.post(f"{T}/{source}/relations", json={"kind": "blocks", "task_id": blocked})
    admin.post(f"/api/projects/{pid}/tasks/{hidden}/relations",
               json={"kind": "blocks", "task_id": blocked})
    admin.patch(f"{T}/{done_blocker}", json={"status": "done"})
    listed = {t["id"]: t for t in admin.get(T, query={"limit": 100}).json["tasks"]}
    assert listed[blocked]["blocked_by_open"] == 2  # the open one and the private one
    assert listed[open_blocker]["blocked_by_open"] == 0
    assert admin.get(f"{T}/{blocked}").json["blocked_by_open"] == 2
    # alice cannot see the private project: its blocker is not counted for her.
    assert alice.get(f"{T}/{blocked}").json["blocked_by_open"] == 1
    cursor = admin.get(T, query={"limit": 1}).json["cursor"]
    admin.patch(f"{T}/{open_blocker}", json={"status": "done"})
    assert alice.get(f"{T}/{blocked}").json["blocked_by_open"] == 0
    # The blocked task rides the change cursor with its new count: boards redraw it live.
    changed = alice.get(f"{T}/changes", query={"since": cursor}).json
    assert {t["id"]: t["blocked_by_open"] for t in changed["tasks"]} == {
        open_blocker: 0, blocked: 0}
    cursor = changed["cursor"]
    admin.patch(f"{T}/{open_blocker}", json={"status": "todo"})  # open again: blocked again
    changed = alice.get(f"{T}/changes", query={"since": cursor}).json
    assert {t["id"]: t["blocked_by_open"] for t in changed["tasks"]}[blocked] == 1
    cursor = changed["cursor"]
    admin.patch(f"{T}/{open_blocker}", json={"priority": "high"})  # not a status: not stamped
    changed = alice.get(f"{T}/changes", query={"since": cursor}).json
    assert [t["id"] for t in changed["tasks"]] == [open_blocker]
