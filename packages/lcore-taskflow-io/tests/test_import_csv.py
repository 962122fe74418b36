"""CSV and TaskFlow imports, and the files that must leave nothing behind (both engines)."""

from __future__ import annotations

import json
import time

import pytest
from io_testutil import finished, fixture, form, run_import, start_import
from lcore_taskflow.core import hookimpl
from lcore_taskflow.core.testing import assert_error
from lcore_taskflow.io import IOPlugin
from lcore_taskflow.io.imports import ImportWorker
from taskflow_labels import LabelsPlugin

pytestmark = pytest.mark.timeout(120)

# Semicolons, a BOM, quotes around separators, new lines and doubled quotes inside fields,
# a German date, an unknown status and priority, an empty title, CRLF line ends.
SEMICOLON_CSV = (
    "\ufeffName;Notes;State;Priority;Due;Assignee\r\n"
    "\"Order; the \"\"big\"\" screen\";\"First line\r\nsecond line; still notes\";"
    "Doing;high;2026-06-01;alice@taskflow.local\r\n"
    "Plain task;;done;low;31.12.2026;bob\r\n"
    ";orphan notes;todo;;;\r\n"
    "<b>Bold</b> & =SUM(A1:A9);;someday;urgent;tomorrow;nobody\r\n"
).encode("utf-8")


@pytest.fixture
def app(taskflow_app):
    return taskflow_app(plugins=[IOPlugin, LabelsPlugin], auth=True)


@pytest.fixture
def admin(app, taskflow_login):
    return taskflow_login("admin", app=app)


@pytest.fixture
def pid(admin):
    return admin.post("/api/projects/", json={"name": "Spreadsheet"}).json["id"]


def tasks_of(client, pid):
    return {t["title"]: t for t in
            client.get(f"/api/projects/{pid}/tasks?limit=100&sort=id").json["tasks"]}


def counts(app):
    """Rows of the tables an import writes (core's and, when installed, the labels plugin's)."""
    with app.taskflow.database() as db:
        return {t: db.scalar(f"SELECT COUNT(*) FROM {t}") for t in (
            "projects", "tasks", "comments", "checklist_items", "labels", "task_labels",
            "activity", "search_index") if db.table_exists(t)}


def test_a_semicolon_csv_with_bom_quotes_and_new_lines(app, admin, pid):
    job = run_import(admin, "csv", SEMICOLON_CSV, project_id=pid)
    assert job["status"] == "done", job
    assert job["project_id"] == pid
    assert job["counts"]["tasks"] == 3 and job["counts"]["skipped"] == 1
    tasks = tasks_of(admin, pid)
    first = tasks['Order; the "big" screen']
    assert first["description"] == "First line\r\nsecond line; still notes"
    assert (first["status"], first["priority"], first["due_date"]) == (
        "in_progress", "high", "2026-06-01")
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100").json["users"]}
    assert first["assignee_id"] == ids["alice"]  # by email
    plain = tasks["Plain task"]
    assert (plain["status"], plain["due_date"], plain["assignee_id"]) == (
        "done", "2026-12-31", ids["bob"])  # by username
    odd = tasks["<b>Bold</b> & =SUM(A1:A9)"]  # kept as text, never evaluated
    assert (odd["status"], odd["priority"], odd["due_date"], odd["assignee_id"]) == (
        "todo", "medium", None, None)
    notes = {(e["row"], e["message"]) for e in job["errors"]}
    assert ("line 4", "skipped: the title is empty") in notes
    messages = [m for r, m in notes if r == "line 5"]
    assert any("'someday' is not one of todo, in_progress, done" in m for m in messages)
    assert any("'urgent' is not one of low, medium, high" in m for m in messages)
    assert any("'tomorrow' is not a date" in m for m in messages)
    assert any("not assigned" in m and "nobody" in m for m in messages)


def test_a_comma_csv_with_a_column_mapping(app, admin, pid):
    content = b"Ticket,Body,Column\nA,\"x, y\",Review\nB,z,Backlog\n"
    job = run_import(admin, "csv", content, project_id=pid,
                     columns={"title": "Ticket", "description": "Body", "status": "Column"},
                     mapping={"Review": "done"})
    assert job["status"] == "done", job
    tasks = tasks_of(admin, pid)
    assert (tasks["A"]["description"], tasks["A"]["status"]) == ("x, y", "done")
    assert tasks["B"]["status"] == "todo"


def test_the_own_json_of_a_project_export_comes_back(app, admin, pid):
    data = {"format": "taskflow.project", "version": 1,
            "project": {"name": "Round trip", "description": "d"},
            "tasks": [{"title": "T1", "status": "done", "priority": "high",
                       "due_date": "2026-01-02", "assignee": {"username": "alice"},
                       "labels": [{"name": "x", "color": "#112233"}],
                       "checklist": [{"title": "c1", "done": True}],
                       "comments": [{"username": "bob", "body": "hi"}]}]}
    job = run_import(admin, "taskflow", json.dumps(data).encode())
    assert job["status"] == "done", job
    assert job["counts"] == {"projects": 1, "tasks": 1, "comments": 1, "checklist_items": 1,
                             "labels": 1, "skipped": 0}
    task = next(iter(tasks_of(admin, job["project_id"]).values()))
    assert (task["title"], task["status"], task["priority"], task["due_date"]) == (
        "T1", "done", "high", "2026-01-02")
    assert [lb["name"] for lb in task["labels"]] == ["x"]


@pytest.mark.parametrize(("source", "content", "message"), [
    ("trello", b"{not json", "not valid JSON"),
    ("trello", b'{"name": "x"}', "expected a board export"),
    ("trello", b"\xff\xfe\x00garbage", "not UTF-8"),
    ("trello", b'{"lists": [], "cards": {"a": 1}}', "expected a board export"),
    ("trello", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("csv", b"", "the file is empty"),
    ("csv", b"\xff\xfe binary \x00", "not UTF-8"),
    ("csv", b"Foo,Bar\n1,2\n", "no title column"),
    ("taskflow", b'{"format": "taskflow.project", "version": 99, "project": {}, "tasks": []}',
     "version 99 is not supported"),
])
def test_a_malformed_file_fails_the_job_and_writes_nothing(app, admin, pid, source, content,
                                                           message):
    before = counts(app)
    job = run_import(admin, source, content, project_id=pid)
    assert job["status"] == "failed"
    assert message in job["error"], job
    assert job["counts"] == {}
    assert counts(app) == before


class BrokenLabels:
    """A label plugin with a bug: its third call raises."""

    name, version, core_api = "broken_labels", "1.0", "1.1"

    def __init__(self):
        self.calls = 0

    @hookimpl
    def taskflow_import_labels(self, task, labels, kernel):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("a bug in a plugin")
        return len(labels)


def test_a_failure_half_way_rolls_back_everything(taskflow_app, taskflow_login):
    """Two tasks (with checklists, comments and labels) are written, then a plugin fails."""
    broken = BrokenLabels()
    app = taskflow_app(plugins=[IOPlugin, broken], auth=True)
    admin = taskflow_login("admin", app=app)
    before = counts(app)
    job = run_import(admin, "trello", fixture("trello_board.json"))
    assert broken.calls == 3
    assert job["status"] == "failed"
    assert "unexpected error" in job["error"] and "nothing was written" in job["error"]
    assert counts(app) == before


def test_a_refused_task_is_left_out_and_said_why(app, admin):
    """taskflow-labels refuses a project's 201st label: those cards only are skipped."""
    cards = [{"id": f"c{i}", "name": f"Card {i}", "idList": "l", "pos": i,
              "labels": [{"name": f"label {i}", "color": "green"}]} for i in range(203)]
    board = {"name": "Many labels", "lists": [{"id": "l", "name": "Doing"}], "cards": cards}
    job = run_import(admin, "trello", json.dumps(board).encode())
    assert job["status"] == "done", job["error"]
    assert job["counts"]["tasks"] == 200 and job["counts"]["skipped"] == 3
    assert job["counts"]["labels"] == 200
    skipped = [e for e in job["errors"] if e["message"].startswith("skipped")]
    assert [e["row"] for e in skipped] == ["card 201 'Card 200'", "card 202 'Card 201'",
                                           "card 203 'Card 202'"]
    assert "would have more than 200 labels" in skipped[0]["message"]
    assert admin.get(f"/api/projects/{job['project_id']}").json["task_counts"]["total"] == 200


def test_an_oversized_file_is_refused_with_413_and_nothing_stored(taskflow_app,
                                                                   taskflow_login):
    app = taskflow_app(plugins=[IOPlugin], auth=True, import_max_bytes=4096)
    admin = taskflow_login("admin", app=app)
    big = b"title\n" + b"x" * 5000 + b"\n"
    reply = start_import(admin, "csv", big, project_id=1)
    assert_error(reply, 413)
    assert "APP_IMPORT_MAX_BYTES (4096 bytes)" in reply.json["error"]
    with app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM io_imports") == 0


@pytest.mark.parametrize(("fields", "file", "field"), [
    ({"source": "excel", "project_id": 1}, ("a.csv", b"title\nx\n"), "source"),
    ({"source": "csv"}, ("a.csv", b"title\nx\n"), "project_id"),
    ({"source": "csv", "project_id": "one"}, ("a.csv", b"title\nx\n"), "project_id"),
    ({"source": "csv", "project_id": 1}, None, "file"),
    ({"source": "trello", "mapping": "[1, 2"}, ("b.json", b"{}"), "mapping"),
    ({"source": "trello", "mapping": {"Doing": "later"}}, ("b.json", b"{}"), "mapping"),
    ({"source": "csv", "project_id": 1, "columns": {"colour": "C"}}, ("a.csv", b"C\nx\n"),
     "columns"),
    ({"source": "trello", "mapping": "x" * 10_001}, ("b.json", b"{}"), "mapping"),
])
def test_bad_requests_name_the_field(app, admin, fields, file, field):
    body, ctype = form(fields, file)
    reply = admin.post("/api/imports", body=body, content_type=ctype)
    assert_error(reply, 422, fields=(field,))
    with app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM io_imports") == 0


def test_odd_values_in_a_trello_board_are_only_data(app, admin):
    """Wrong types where lists and objects belong are ignored, never a failure."""
    board = {"name": 12, "lists": [{"id": "l", "name": None}, "junk"], "cards": [
        {"id": "a", "name": "Odd card", "idList": "l", "idMembers": "alice",
         "idLabels": {"x": 1}, "labels": None, "due": 5, "desc": ["not", "text"]},
        "not a card"],
        "actions": [{"type": "commentCard", "memberCreator": "alice",
                     "data": {"text": "hi", "card": {"id": "a"}}}, None],
        "checklists": [{"idCard": "a", "checkItems": "nope"}]}
    job = run_import(admin, "trello", json.dumps(board).encode())
    assert job["status"] == "done", job
    task = next(iter(tasks_of(admin, job["project_id"]).values()))
    assert (task["title"], task["assignee_id"], task["due_date"]) == ("Odd card", None, None)
    assert admin.get(f"/api/projects/{job['project_id']}").json["name"] == "12"


def test_a_broken_multipart_body_is_a_400(app, admin):
    reply = admin.post("/api/imports", body=b"--x\r\nnonsense",
                       content_type="multipart/form-data; boundary=x")
    assert reply.status in (400, 422), reply.text
    assert reply.status != 500


def test_a_job_whose_worker_died_is_taken_again_after_its_lease(taskflow_app,
                                                                taskflow_login):
    """A job left 'running' by a worker that stopped (a crash, a restart) runs again."""
    app = taskflow_app(plugins=[IOPlugin], auth=True, import_worker=False, import_lease=5)
    admin = taskflow_login("admin", app=app)
    pid = admin.post("/api/projects/", json={"name": "Restart"}).json["id"]
    job_id = start_import(admin, "csv", b"title\nSurvivor\n", project_id=pid).json["id"]
    kernel = app.taskflow
    dead = ImportWorker(kernel, type("S", (), {"import_lease": 5, "import_poll": 1})())
    claimed = dead.claim()  # a worker claims it, then dies before writing anything
    assert claimed["id"] == job_id and claimed["attempts"] == 1
    assert admin.get(f"/api/imports/{job_id}").json["status"] == "running"
    fresh = ImportWorker(kernel, type("S", (), {"import_lease": 5, "import_poll": 1})())
    assert fresh.claim() is None  # the lease still holds
    with kernel.database() as db, db.transaction():  # the lease runs out
        db.execute("UPDATE io_imports SET lease_until = ? WHERE id = ?", (time.time() - 1,
                                                                           job_id))
    assert fresh.run_once() == "done"
    job = finished(admin, job_id)
    assert job["status"] == "done" and job["attempts"] == 2
    assert [t["title"] for t in admin.get(f"/api/projects/{pid}/tasks").json["tasks"]] == [
        "Survivor"]
    # the dead worker's late outcome cannot be recorded over the new one
    from lcore_taskflow.io.imports import _finish
    with kernel.database() as db, db.transaction():
        assert _finish(db, claimed, "failed") is False
    assert admin.get(f"/api/imports/{job_id}").json["status"] == "done"
