"""Seed data: the seed's demo users, projects and tasks, and bulk data for benchmarks."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable
from typing import Any

from lcore import hash_password

from ._db import Database
from ._roles import add_owner

DEMO_USERS = [
    ("admin", "admin@taskflow.local", "admin123", "admin"),
    ("alice", "alice@taskflow.local", "alice123", "member"),
    ("bob", "bob@taskflow.local", "bob123", "member"),
]
STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
CHUNK = 10_000
DEMO_KEY = "demo_accounts"


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def seed_demo(db: Database, iterations: int) -> None:
    """3 users, 2 projects, 3 tasks (SPEC §4); remembers the demo accounts it made."""
    ids, accounts = {}, []
    for username, email, password, role in DEMO_USERS:
        hashed = hash_password(password, iterations=iterations)
        ids[username] = db.insert("users", {
            "username": username, "email": email, "role": role, "password_hash": hashed})
        accounts.append({"username": username, "password": password, "role": role,
                         "hash": hashed})
    db.upsert("taskflow_state", {"key": DEMO_KEY, "value": json.dumps(accounts)},
              conflict=("key",), update=("value",))
    web = db.insert("projects", {"name": "Website Redesign", "owner_id": ids["admin"],
                                 "description": "Refresh the public website"})
    app = db.insert("projects", {"name": "Mobile App", "owner_id": ids["admin"],
                                 "description": "First release of the companion app"})
    for project in (web, app):
        add_owner(db, project, ids["admin"])
    for title, project, assignee, status, priority, due in (
        ("Design mockups", web, "alice", "in_progress", "high", _day(7)),
        ("Set up CI pipeline", web, "bob", "todo", "medium", _day(14)),
        ("Write API documentation", app, "alice", "done", "low", _day(-3)),
    ):
        db.insert("tasks", {"title": title, "project_id": project, "assignee_id": ids[assignee],
                            "creator_id": ids["admin"], "status": status,
                            "priority": priority, "due_date": due, "position": 1})


def demo_accounts(db: Database) -> list[dict[str, str]]:
    """The seeded demo accounts still usable as seeded (same password, active)."""
    row = db.fetchone("SELECT value FROM taskflow_state WHERE key = ?", (DEMO_KEY,))
    if row is None:
        return []
    accounts = json.loads(row["value"])
    names = [a["username"] for a in accounts]
    live = {r["username"]: r["password_hash"] for r in db.fetchall(
        f"SELECT username, password_hash FROM users WHERE is_active = 1 AND username IN "
        f"({', '.join('?' for _ in names)})", names)} if names else {}
    return [{k: a[k] for k in ("username", "password", "role")}
            for a in accounts if live.get(a["username"]) == a["hash"]]


def seed_bulk(db: Database, options: dict[str, Any], progress: Callable[[int, int], None]) -> None:
    """Many rows fast: ``users``, ``projects``, ``tasks``, ``comments`` per options."""
    rng = random.Random(options.get("random_seed", 42))
    now = time.time()
    n_users = int(options.get("users") or 0)
    pw = hash_password("bulk-user-password", iterations=1000)
    start = (db.scalar("SELECT COALESCE(MAX(id), 0) FROM users") or 0) + 1
    db.executemany(
        "INSERT INTO users (username, email, password_hash, role, created_at) VALUES (?,?,?,?,?)",
        [(f"user{start + i}", f"user{start + i}@example.test", pw, "member", now)
         for i in range(n_users)])
    user_ids = [r["id"] for r in db.fetchall("SELECT id FROM users ORDER BY id")]
    owner = user_ids[0]
    project_ids = []
    for i in range(int(options.get("projects") or 0)):
        project_ids.append(db.insert("projects", {"name": f"Project {i + 1}", "owner_id": owner}))
        add_owner(db, project_ids[-1], owner)
    if not project_ids:
        project_ids = [r["id"] for r in db.fetchall("SELECT id FROM projects")]
    total = int(options.get("tasks") or 0)
    ends = {(r["project_id"], r["status"]): r["n"] for r in db.fetchall(
        "SELECT project_id, status, MAX(position) AS n FROM tasks GROUP BY project_id, status")}
    done = 0
    while done < total:
        batch = min(CHUNK, total - done)
        rows = []
        for i in range(batch):
            status = STATUSES[rng.randrange(3)]
            project = project_ids[(done + i) % len(project_ids)]
            position = ends[project, status] = ends.get((project, status), 0) + 1
            # Mostly future due dates; ~2% overdue, as in a healthy team.
            due = _day(rng.randrange(-30, -1) if rng.random() < 0.02 else rng.randrange(1, 120))
            rows.append((f"Task {done + i + 1}", project, rng.choice(user_ids), owner, status,
                         PRIORITIES[rng.randrange(3)], due, position, now))
        db.bulk_insert("tasks", ("title", "project_id", "assignee_id", "creator_id", "status",
                                 "priority", "due_date", "position", "created_at"), rows)
        done += batch
        progress(done, total)
    n_comments = int(options.get("comments") or 0)
    if n_comments:
        max_task = db.scalar("SELECT MAX(id) FROM tasks") or 0
        db.bulk_insert(
            "comments", ("task_id", "user_id", "body", "created_at"),
            [(rng.randrange(1, max_task + 1), rng.choice(user_ids), f"Comment {i}", now)
             for i in range(n_comments)])
