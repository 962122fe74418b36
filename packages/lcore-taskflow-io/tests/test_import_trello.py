"""Trello board imports over HTTP, as jobs, on SQLite and PostgreSQL (with taskflow-labels)."""

from __future__ import annotations

import json

import pytest
from io_testutil import fixture, run_import, start_import
from lcore_taskflow.io import IOPlugin
from taskflow_labels import LabelsPlugin

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def app(taskflow_app):
    return taskflow_app(plugins=[IOPlugin, LabelsPlugin], auth=True)


@pytest.fixture
def admin(app, taskflow_login):
    return taskflow_login("admin", app=app)


def tasks_of(client, pid):
    rows = client.get(f"/api/projects/{pid}/tasks?limit=100&sort=id").json["tasks"]
    return {t["title"]: t for t in rows}


def test_a_trello_board_becomes_a_project(app, admin):
    job = run_import(admin, "trello", fixture("trello_board.json"),
                     mapping={"QA": "in_progress"})
    assert job["status"] == "done", job
    pid = job["project_id"]
    assert job["counts"] == {"projects": 1, "tasks": 6, "comments": 3, "checklist_items": 5,
                             "labels": 4, "skipped": 1}
    project = admin.get(f"/api/projects/{pid}").json
    assert project["name"] == "Website relaunch"
    assert project["my_role"] == "owner"
    tasks = tasks_of(admin, pid)
    xss = "<img src=x onerror=alert('xss')> Fix the contact form"
    assert set(tasks) == {"Design the landing page", xss, "Migrate the blog",
                          "Old analytics dashboard", "Launch announcement", "Dark mode"}
    # lists -> statuses: the mapping given, then usual names, closed cards and lists -> done
    assert {t: tasks[t]["status"] for t in tasks} == {
        "Design the landing page": "in_progress", xss: "todo", "Migrate the blog": "in_progress",
        "Old analytics dashboard": "done", "Launch announcement": "done", "Dark mode": "done"}
    landing = tasks["Design the landing page"]
    assert landing["due_date"] == "2026-05-04"
    assert landing["description"] == "Hero, pricing, **footer**.\nSecond line."
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100").json["users"]}
    assert landing["assignee_id"] == ids["alice"]  # by username
    assert tasks[xss]["assignee_id"] == ids["bob"]  # by email (case aside), first member wins
    assert tasks["Migrate the blog"]["assignee_id"] is None  # nobody matches zed
    # HTML stays text: stored exactly as it came
    assert tasks[xss]["description"] == "<script>alert(1)</script> and =cmd|' /C calc'!A0"
    # checklists in their order, ticks kept
    items = admin.get(f"/api/projects/{pid}/tasks/{landing['id']}/checklist").json
    assert [(i["title"], i["done"]) for i in items["items"]] == [
        ("Hero image", True), ("Pricing table", False), ("Footer links", False)]
    # comments: by the matched account, else by the importer naming the author
    comments = admin.get(f"/api/projects/{pid}/tasks/{landing['id']}/comments").json["comments"]
    assert [(c["username"], c["body"]) for c in comments] == [
        ("alice", "First draft is in Figma."),
        ("admin", "Zed Unknown wrote:\nLooks <b>great</b>!")]
    # labels through core's hook, implemented by taskflow-labels
    labels = admin.get(f"/api/labels/projects/{pid}").json["labels"]
    assert {(lb["name"], lb["color"], lb["task_count"]) for lb in labels} == {
        ("ready", "#61bd4f", 2), ("bug", "#eb5a46", 1), ("blue", "#0079bf", 1)}
    # the per-row report says what was skipped or changed, and why
    notes = {(e["row"], e["message"]) for e in job["errors"]}
    assert ("card 7", "skipped: the card has no name") in notes
    assert any(r.startswith("card 3") and "a checklist item without a name" in m
               for r, m in notes)
    assert any(r.startswith("card 3") and "'not a date' is not a date" in m for r, m in notes)
    assert any(r.startswith("card 3") and "not assigned" in m and "zed_unknown" in m
               for r, m in notes)


def test_without_a_mapping_an_unknown_list_is_todo_and_said_so(app, admin):
    job = run_import(admin, "trello", fixture("trello_board.json"))
    assert job["status"] == "done"
    tasks = tasks_of(admin, job["project_id"])
    assert tasks["Migrate the blog"]["status"] == "todo"
    assert any(e["row"] == "list 'QA'" and "no status mapping" in e["message"]
               for e in job["errors"])


def test_into_an_existing_project_needs_the_editor_role(app, admin, taskflow_login):
    alice = taskflow_login("alice", app=app)
    pid = admin.post("/api/projects/", json={"name": "Private",
                                             "visibility": "private"}).json["id"]
    reply = start_import(alice, "trello", fixture("trello_board.json"), project_id=pid)
    assert reply.status == 404, reply.text
    admin.put(f"/api/projects/{pid}/members/users/{alice.get('/auth/me').json['id']}",
              json={"role": "viewer"})
    reply = start_import(alice, "trello", fixture("trello_board.json"), project_id=pid)
    assert reply.status == 403 and "editor" in reply.json["error"], reply.text
    # members may not create projects (APP_PROJECT_CREATORS=admins)
    reply = start_import(alice, "trello", fixture("trello_board.json"))
    assert reply.status == 403, reply.text


def test_only_its_creator_and_admins_see_a_job(app, admin, taskflow_login):
    alice, bob = taskflow_login("alice", app=app), taskflow_login("bob", app=app)
    pid = admin.post("/api/projects/", json={"name": "Shared"}).json["id"]
    job = run_import(alice, "csv", b"title\nOne\n", project_id=pid)
    assert job["status"] == "done" and job["counts"]["tasks"] == 1
    assert bob.get(f"/api/imports/{job['id']}").status == 404
    assert admin.get(f"/api/imports/{job['id']}").json["id"] == job["id"]
    assert alice.get("/api/imports/999999").status == 404
    assert alice.with_token(None).get(f"/api/imports/{job['id']}").status == 401


def test_labels_are_reported_when_no_plugin_keeps_them(taskflow_app, taskflow_login):
    app = taskflow_app(plugins=[IOPlugin], auth=True)
    admin = taskflow_login("admin", app=app)
    job = run_import(admin, "trello", fixture("trello_board.json"))
    assert job["status"] == "done" and job["counts"]["labels"] == 0
    assert any(e["row"] == "labels" and "no installed plugin keeps labels" in e["message"]
               for e in job["errors"])


def test_the_job_row_forgets_the_file(app, admin):
    job = run_import(admin, "trello", fixture("trello_board.json"))
    with app.taskflow.database() as db:
        row = db.fetchone("SELECT content, size, options FROM io_imports WHERE id = ?",
                          (job["id"],))
    assert row["content"] is None and row["size"] == len(fixture("trello_board.json"))
    assert json.loads(row["options"])["project_id"] is None
