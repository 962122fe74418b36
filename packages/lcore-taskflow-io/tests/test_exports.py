"""Project exports over HTTP (JSON and CSV, streamed in batches), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from io_testutil import fixture, run_import
from lcore_taskflow.core.testing import assert_error
from lcore_taskflow.io import IOPlugin, exports
from taskflow_labels import LabelsPlugin

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def app(taskflow_app):
    return taskflow_app(plugins=[IOPlugin, LabelsPlugin], auth=True)


@pytest.fixture
def admin(app, taskflow_login):
    return taskflow_login("admin", app=app)


@pytest.fixture
def board(admin):
    """The Trello fixture, imported: tasks with checklists, comments, labels and HTML."""
    job = run_import(admin, "trello", fixture("trello_board.json"),
                     mapping={"QA": "in_progress"})
    assert job["status"] == "done", job
    return job["project_id"]


def test_the_json_export_holds_every_task_and_imports_back(admin, board):
    reply = admin.get(f"/api/projects/{board}/export")
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    assert f'filename="project-{board}.json"' in reply.headers["content-disposition"]
    data = json.loads(reply.body)
    assert (data["format"], data["version"], data["project"]["name"]) == (
        "taskflow.project", 1, "Website relaunch")
    tasks = {t["title"]: t for t in data["tasks"]}
    assert len(tasks) == 6
    assert [t["id"] for t in data["tasks"]] == sorted(t["id"] for t in data["tasks"])
    landing = tasks["Design the landing page"]
    assert landing["assignee"] == {"username": "alice"}
    assert landing["checklist"] == [{"title": "Hero image", "done": True},
                                    {"title": "Pricing table", "done": False},
                                    {"title": "Footer links", "done": False}]
    assert [c["username"] for c in landing["comments"]] == ["alice", "admin"]
    assert landing["labels"] == [{"name": "ready", "color": "#61bd4f"}]
    assert "email" not in json.dumps(data)  # people by username only
    # and TaskFlow imports its own export into a new project, equal task for task
    job = run_import(admin, "taskflow", reply.body)
    assert job["status"] == "done", job
    again = json.loads(admin.get(f"/api/projects/{job['project_id']}/export").body)
    keys = ("title", "description", "status", "priority", "due_date", "assignee",
            "checklist", "labels")
    assert [{k: t[k] for k in keys} for t in again["tasks"]] == \
        [{k: t[k] for k in keys} for t in data["tasks"]]
    assert [[c["body"] for c in t["comments"]] for t in again["tasks"]] == \
        [[c["body"] for c in t["comments"]] for t in data["tasks"]]


def test_the_csv_export_reads_back_and_never_runs_formulas(admin, board):
    reply = admin.get(f"/api/projects/{board}/export?format=csv")
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"), newline="")))
    by_title = {r["title"]: r for r in rows}
    assert len(rows) == 6
    landing = by_title["Design the landing page"]
    assert landing["description"] == "Hero, pricing, **footer**.\nSecond line."
    assert (landing["status"], landing["assignee"], landing["labels"]) == (
        "in_progress", "alice", "ready")
    assert (landing["checklist_done"], landing["checklist_total"]) == ("1", "3")
    xss = by_title["<img src=x onerror=alert('xss')> Fix the contact form"]
    assert xss["description"] == "<script>alert(1)</script> and =cmd|' /C calc'!A0"
    assert xss["labels"] == "blue, bug"


def test_a_formula_cell_is_exported_as_text(admin):
    pid = admin.post("/api/projects/", json={"name": "Formulas"}).json["id"]
    admin.post(f"/api/projects/{pid}/tasks", json={"title": "=HYPERLINK(\"http://x\")",
                                                   "description": "@SUM(1)"})
    rows = list(csv.DictReader(io.StringIO(
        admin.get(f"/api/projects/{pid}/export?format=csv").body.decode("utf-8-sig"))))
    assert (rows[0]["title"], rows[0]["description"]) == ("'=HYPERLINK(\"http://x\")",
                                                          "'@SUM(1)")


def test_batches_page_by_id_without_losing_a_task(admin, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 3)
    pid = admin.post("/api/projects/", json={"name": "Batches"}).json["id"]
    made = [admin.post(f"/api/projects/{pid}/tasks", json={"title": f"T{i}"}).json["id"]
            for i in range(10)]
    data = json.loads(admin.get(f"/api/projects/{pid}/export").body)
    assert [t["id"] for t in data["tasks"]] == made
    rows = list(csv.DictReader(io.StringIO(
        admin.get(f"/api/projects/{pid}/export?format=csv").body.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == made


def test_an_empty_project_exports_valid_json(admin):
    pid = admin.post("/api/projects/", json={"name": "Empty"}).json["id"]
    assert json.loads(admin.get(f"/api/projects/{pid}/export").body)["tasks"] == []


def test_only_viewers_of_the_project_export_it(app, admin, taskflow_login):
    bob = taskflow_login("bob", app=app)
    pid = admin.post("/api/projects/", json={"name": "Secret",
                                             "visibility": "private"}).json["id"]
    admin.post(f"/api/projects/{pid}/tasks", json={"title": "hidden plans"})
    reply = bob.get(f"/api/projects/{pid}/export")
    assert_error(reply, 404)
    assert "hidden plans" not in reply.text
    bob_id = bob.get("/auth/me").json["id"]
    admin.put(f"/api/projects/{pid}/members/users/{bob_id}", json={"role": "viewer"})
    assert json.loads(bob.get(f"/api/projects/{pid}/export").body)["tasks"][0]["title"] == \
        "hidden plans"
    assert bob.with_token(None).get(f"/api/projects/{pid}/export").status == 401


def test_an_unknown_format_is_a_400(admin, board):
    assert_error(admin.get(f"/api/projects/{board}/export?format=xml"), 400)


def test_my_tasks_export_is_my_view_streamed(app, admin, board, taskflow_login, monkeypatch):
    """``GET /api/users/me/tasks/export``: the tasks assigned to the caller, each naming its
    project, read in batches (JSON and CSV); another user's tasks stay out."""
    monkeypatch.setattr(exports, "BATCH", 2)  # several batches even for a small board
    alice = taskflow_login("alice", app=app)
    mine = alice.get("/api/users/me/tasks", query={"limit": 100}).json
    assert mine["total"] >= 1
    reply = alice.get("/api/users/me/tasks/export")
    assert reply.status == 200, reply.text
    assert 'filename="my-tasks.json"' in reply.headers["content-disposition"]
    data = json.loads(reply.body)
    assert (data["format"], data["view"], data["user"]["username"]) == (
        "taskflow.tasks", "my_tasks", "alice")
    assert sorted(t["id"] for t in data["tasks"]) == sorted(t["id"] for t in mine["tasks"])
    assert {t["assignee"]["username"] for t in data["tasks"]} == {"alice"}
    assert {t["project"] for t in data["tasks"]} >= {"Website relaunch"}
    landing = next(t for t in data["tasks"] if t["title"] == "Design the landing page")
    assert landing["project_id"] == board and len(landing["checklist"]) == 3
    reply = alice.get("/api/users/me/tasks/export", query={"format": "csv"})
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [t["id"] for t in data["tasks"]]
    assert list(rows[0])[:3] == ["project_id", "project", "id"]
    done = alice.get("/api/users/me/tasks/export", query={"status": "done"})
    assert all(t["status"] == "done" for t in json.loads(done.body)["tasks"])
    assert_error(alice.get("/api/users/me/tasks/export", query={"format": "xml"}), 400,
                 fields=("format",))
    theirs = json.loads(admin.get("/api/users/me/tasks/export").body)["tasks"]
    assert not {t["id"] for t in theirs} & {t["id"] for t in data["tasks"]}
