"""A database from before project access (core migrations 0001-0005) upgrades in place.

SPEC §9: existing projects become workspace-visible with ``editor`` for
members, and each project's ``owner_id`` its owner member, so nobody sees or
may do anything else than before until someone makes a project private.  The
SQLite migration rebuilds ``users`` and ``comments`` (with foreign keys off):
their rows, ids, triggers, foreign keys and AUTOINCREMENT high-water marks must
come through.  On both engines.
"""

from __future__ import annotations

import shutil
import time

import pytest
from lcore import hash_password
from lcore_taskflow.core import IntegrityError
from lcore_taskflow.core._db import connect
from lcore_taskflow.core._migrate import DIRECTORY, FILE_RE, upgrade
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

BEFORE = 5  # the last core migration before project access (0006_project_access)
USER_COLUMNS = ("id, username, email, role, password_hash, avatar, is_active, created_at,"
                " updated_at, token_generation")
TASK_COLUMNS = ("id, title, project_id, assignee_id, creator_id, status, priority, due_date,"
                " position, comment_count")


def old_migrations(directory):
    """Copies of core's migration files 0001-0005 (both engines): the schema of before."""
    directory.mkdir()
    for path in DIRECTORY.iterdir():
        match = FILE_RE.match(path.name)
        if match and int(match.group(1)) <= BEFORE:
            shutil.copy(path, directory)
    return directory


def fill_old_database(db) -> dict:
    """Users, projects, tasks and comments as a round-2 server wrote them.

    The highest user and the highest comment are deleted afterwards: their
    ids must not be handed out again.
    """
    pw = hash_password("old-password-1", iterations=1000)
    users = {name: db.insert("users", {"username": name, "email": f"{name}@old.example",
                                       "role": role, "password_hash": pw})
             for name, role in (("admin", "admin"), ("alice", "member"), ("bob", "member"),
                                ("carol", "member"), ("dave", "member"))}
    web = db.insert("projects", {"name": "Website", "owner_id": users["admin"]})
    app = db.insert("projects", {"name": "App", "owner_id": users["alice"],
                                 "status": "on_hold"})
    tasks = {}
    for title, project, assignee, status, position in (
            ("Design", web, "alice", "todo", 1), ("CI", web, "bob", "todo", 2),
            ("Launch", web, None, "done", 1), ("Docs", app, "carol", "in_progress", 1)):
        tasks[title] = db.insert("tasks", {
            "title": title, "project_id": project, "status": status, "position": position,
            "assignee_id": users[assignee] if assignee else None,
            "creator_id": users["admin"], "due_date": "2030-01-01"})
    comments = [db.insert("comments", {"task_id": tasks[task], "user_id": users[author],
                                       "body": f"{author} on {task}"})
                for task, author in (("Design", "alice"), ("Design", "bob"),
                                     ("Docs", "carol"), ("CI", "dave"))]
    db.execute("DELETE FROM comments WHERE id = ?", (comments[-1],))
    db.execute("DELETE FROM users WHERE id = ?", (users["dave"],))
    return {"users": users, "projects": {"Website": web, "App": app}, "tasks": tasks,
            "deleted_user": users["dave"], "deleted_comment": comments[-1]}


def snapshot(db) -> dict:
    return {
        "users": db.fetchall(f"SELECT {USER_COLUMNS} FROM users ORDER BY id"),
        "comments": db.fetchall("SELECT id, task_id, user_id, body, created_at FROM comments"
                                " ORDER BY id"),
        "tasks": db.fetchall(f"SELECT {TASK_COLUMNS} FROM tasks ORDER BY id"),
        "projects": db.fetchall("SELECT id, name, owner_id, status, task_count, todo_count,"
                                " in_progress_count, done_count FROM projects ORDER BY id"),
    }


@pytest.fixture
def upgraded(tmp_path, database_url):
    """The old database, then the app started on it (which applies 0006 and later)."""
    with connect(database_url) as db:
        applied = upgrade(db, [("core", old_migrations(tmp_path / "old-migrations"))])
        assert [m.version for m in applied] == list(range(1, BEFORE + 1))
        with db.transaction():
            data = fill_old_database(db)
        before = snapshot(db)
    app = make_app(tmp_path / "app", plugins=[HeaderIdentity()], database_url=database_url)
    try:
        yield app, data, before
    finally:
        app.taskflow.close()


def test_rows_and_ids_come_through(upgraded, database_url):
    app, data, before = upgraded
    with app.taskflow.database() as db:
        versions = {r["version"] for r in db.fetchall(
            "SELECT version FROM taskflow_migrations WHERE namespace = 'core'")}
        assert set(range(1, BEFORE + 2)) <= versions, versions
        assert snapshot(db) == before
        assert db.fetchall("SELECT author FROM comments") == [{"author": None}] * 3
        projects = db.fetchall("SELECT id, visibility, workspace_role FROM projects ORDER BY id")
        assert projects == [{"id": pid, "visibility": "workspace", "workspace_role": "editor"}
                            for pid in sorted(data["projects"].values())]
        members = db.fetchall("SELECT project_id, user_id, role FROM project_members"
                              " ORDER BY project_id")
        owners = sorted((r["id"], r["owner_id"]) for r in before["projects"])
        assert members == [{"project_id": p, "user_id": u, "role": "owner"} for p, u in owners]
        for table in ("project_teams", "teams", "team_members", "share_links"):
            assert db.count(table) == 0, table


def test_deleted_ids_are_not_handed_out_again(upgraded):
    app, data, _ = upgraded
    admin = Client(app, "admin")
    made = admin.post("/api/users/", json={"username": "erin", "email": "erin@new.example",
                                           "password": "correct-horse-9"})
    assert made.status == 201, made
    assert made.json["id"] > data["deleted_user"], (made.json, data["users"])
    task = data["tasks"]["Design"]
    comment = admin.post(f"/api/projects/{data['projects']['Website']}/tasks/{task}/comments",
                         json={"body": "after the upgrade"})
    assert comment.status == 201, comment
    assert comment.json["id"] > data["deleted_comment"], comment.json


def test_foreign_keys_are_intact(upgraded, database_url):
    app, data, _ = upgraded
    kernel = app.taskflow
    if database_url.startswith("sqlite"):
        with kernel.database() as db:
            assert db.fetchall("PRAGMA foreign_key_check") == []
    refused = (
        # a comment on a task that does not exist, by a user who does not exist
        ("INSERT INTO comments (task_id, user_id, body, created_at) VALUES (?, ?, 'x', ?)",
         (999_999, data["users"]["alice"], time.time())),
        ("INSERT INTO comments (task_id, user_id, body, created_at) VALUES (?, ?, 'x', ?)",
         (data["tasks"]["Design"], 999_999, time.time())),
        # alice owns a project, is assigned tasks and wrote comments: still referenced
        ("DELETE FROM users WHERE id = ?", (data["users"]["alice"],)),
        ("DELETE FROM users WHERE id = ?", (data["users"]["carol"],)),
        # a member of a project that does not exist
        ("INSERT INTO project_members (project_id, user_id, role, created_at)"
         " VALUES (?, ?, 'viewer', ?)", (999_999, data["users"]["bob"], time.time())),
    )
    for sql, params in refused:
        with pytest.raises(IntegrityError), kernel.database() as db, db.transaction():
            db.execute(sql, params)
    with kernel.database() as db, db.transaction():  # deleting a project cascades
        db.execute("DELETE FROM projects WHERE id = ?", (data["projects"]["App"],))
        assert db.count("tasks", "project_id = ?", (data["projects"]["App"],)) == 0
        assert db.count("comments", "task_id = ?", (data["tasks"]["Docs"],)) == 0
        assert db.count("project_members", "project_id = ?", (data["projects"]["App"],)) == 0


def test_members_see_and_edit_tasks_as_before(upgraded):
    """Before 0006 every member saw every project and edited its tasks: still so."""
    app, data, before = upgraded
    web, app_id = data["projects"]["Website"], data["projects"]["App"]
    titles = {pid: [t["title"] for t in before["tasks"] if t["project_id"] == pid]
              for pid in (web, app_id)}
    owner_of = {web: "admin", app_id: "alice"}
    for name in ("admin", "alice", "bob", "carol"):
        client = Client(app, name)
        listed = client.get("/api/projects/")
        assert listed.status == 200, listed
        assert ([p["id"] for p in listed.json["projects"]], listed.json["total"]) == \
            (sorted(titles), 2), (name, listed.json)
        for pid, expected in titles.items():
            role = "owner" if name in ("admin", owner_of[pid]) else "editor"
            project = client.get(f"/api/projects/{pid}").json
            assert (project["visibility"], project["my_role"]) == ("workspace", role), name
            tasks = client.get(f"/api/projects/{pid}/tasks").json
            assert [t["title"] for t in tasks["tasks"]] == expected, (name, tasks)
            assert tasks["total"] == len(expected)
            task = tasks["tasks"][0]["id"]
            path = f"/api/projects/{pid}/tasks/{task}"
            assert client.patch(path, json={"priority": "high"}).status == 200, name
            assert client.post(f"/api/projects/{pid}/tasks",
                               json={"title": f"by {name}"}).status == 201, name
            expected.append(f"by {name}")  # the next member sees it too
            count = client.get(path).json["comment_count"]
            said = client.post(f"{path}/comments", json={"body": f"{name} was here"})
            assert said.status == 201, said
            assert client.get(path).json["comment_count"] == count + 1  # the rebuilt trigger
            assert client.delete(f"{path}/comments/{said.json['id']}").status == 200
            assert client.get(path).json["comment_count"] == count
    mine = Client(app, "carol").get("/api/users/me/tasks").json
    assert [t["title"] for t in mine["tasks"]] == ["Docs"], mine


def test_the_new_guest_role_fits_the_upgraded_table(upgraded):
    app, data, _ = upgraded
    bob = data["users"]["bob"]
    demoted = Client(app, "admin").patch(f"/api/users/{bob}", json={"role": "guest"})
    assert demoted.status == 200, demoted
    assert Client(app, "bob").get(f"/api/projects/{data['projects']['Website']}").status == 404
    assert Client(app, "bob").get("/api/projects/").json["total"] == 0
