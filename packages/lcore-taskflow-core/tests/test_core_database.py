"""The database layer: concurrency, transactions, maintained counts, query plans."""

from __future__ import annotations

import re
import threading

import pytest
from lcore_taskflow.core._db import Database, IntegrityError, open_pool
from lcore_taskflow.core._seed import seed_bulk
from lcore_taskflow.core.testing import Client

THREADS, PER_THREAD = 8, 50


def run_threads(target, n=THREADS):
    errors: list[BaseException] = []

    def guarded(i):
        try:
            target(i)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]


def test_concurrent_writers_through_the_app(taskflow_app):
    # 8 writers share the pool: on a loaded 2-core machine one of them can wait longer than
    # the production pool wait (0.5 s, then 503 and the breaker, test_core_outage.py's
    # subject); this test is about the writes, so its waits are roomy.
    app = taskflow_app(db_pool_timeout=30.0)
    kernel = app.taskflow
    statuses: list[int] = []
    lock = threading.Lock()

    def writer(i):
        client = Client(app).as_user("alice")
        for j in range(PER_THREAD):
            resp = client.post("/api/projects/1/tasks", json={"title": f"t{i}-{j}",
                                                              "status": "todo"})
            with lock:
                statuses.append(resp.status)
            assert resp.status == 201, resp

    run_threads(writer)
    assert statuses.count(201) == THREADS * PER_THREAD
    with kernel.database() as db:
        assert db.count("tasks", "title LIKE 't%-%'") == THREADS * PER_THREAD
        assert db.scalar("SELECT task_count FROM projects WHERE id = 1") == \
            2 + THREADS * PER_THREAD
        assert db.count("activity", "type = 'task.created'") == THREADS * PER_THREAD


def test_concurrent_writers_through_database(database_url):
    pool = open_pool(database_url, busy_timeout=10.0)
    with _db(pool) as db:
        db.execute("CREATE TABLE t (who INTEGER, n INTEGER)")

    def writer(i):
        db = Database(pool)
        try:
            for _ in range(PER_THREAD):
                with db.transaction():
                    current = db.scalar("SELECT COUNT(*) FROM t WHERE who = ?", (i,))
                    db.execute("INSERT INTO t (who, n) VALUES (?, ?)", (i, current))
        finally:
            db.close()

    run_threads(writer)
    with _db(pool) as db:
        assert db.count("t") == THREADS * PER_THREAD
        # read-then-write inside a transaction never loses an update
        for i in range(THREADS):
            ns = [r["n"] for r in db.fetchall("SELECT n FROM t WHERE who = ? ORDER BY n", (i,))]
            assert ns == list(range(PER_THREAD))
    pool.close()


class _db:
    def __init__(self, pool):
        self.db = Database(pool)

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        self.db.close()


def test_transaction_rollback_leaves_nothing(kernel):
    with kernel.database() as db:
        before = db.count("tasks")
        with pytest.raises(RuntimeError), db.transaction():
            db.insert("tasks", {"title": "ghost", "project_id": 1, "creator_id": 1})
            db.update("projects", 1, {"name": "renamed"})
            raise RuntimeError("abort")
        assert db.count("tasks") == before
        assert db.scalar("SELECT name FROM projects WHERE id = 1") == "Website Redesign"
        assert db.scalar("SELECT task_count FROM projects WHERE id = 1") == 2
        assert not db.in_transaction


def test_nested_transaction_is_a_savepoint(kernel):
    with kernel.database() as db:
        with db.transaction():
            db.insert("tasks", {"title": "outer", "project_id": 1, "creator_id": 1})
            with pytest.raises(ValueError), db.transaction():
                db.insert("tasks", {"title": "inner", "project_id": 1, "creator_id": 1})
                raise ValueError
        assert db.count("tasks", "title = 'outer'") == 1
        assert db.count("tasks", "title = 'inner'") == 0


def test_a_savepoint_is_sent_only_when_its_block_runs_sql(kernel):
    """Empty nested blocks (event listeners with nothing to write) cost no statement."""
    with kernel.database() as db:
        sent: list[str] = []
        real_execute = db._pool.execute
        db._pool.execute = lambda conn, sql, params: sent.append(sql) or real_execute(
            conn, sql, params)
        try:
            with db.transaction():
                with db.transaction(), db.transaction():
                    pass  # nothing: neither SAVEPOINT nor RELEASE
                with pytest.raises(ValueError), db.transaction():
                    raise ValueError  # nothing to roll back either
                with db.transaction():
                    with db.transaction():
                        db.insert("tasks", {"title": "deep", "project_id": 1, "creator_id": 1})
                    with pytest.raises(ValueError), db.transaction():
                        db.insert("tasks", {"title": "undone", "project_id": 1,
                                            "creator_id": 1})
                        raise ValueError
        finally:
            db._pool.execute = real_execute
        words = [sql.split()[0] + (" " + sql.split()[-1] if sql.split()[0] in
                                   ("SAVEPOINT", "RELEASE", "ROLLBACK") else "")
                 for sql in sent]
        assert [w for w in words if w.split()[0] != "INSERT"] == [
            words[0], "SAVEPOINT sp1", "SAVEPOINT sp2", "RELEASE sp2", "SAVEPOINT sp2",
            "ROLLBACK sp2", "RELEASE sp2", "RELEASE sp1", "COMMIT"], sent
        assert db.count("tasks", "title = 'deep'") == 1
        assert db.count("tasks", "title = 'undone'") == 0


def test_constraint_failure_in_transaction_rolls_back(kernel):
    with kernel.database() as db:
        with pytest.raises(IntegrityError), db.transaction():
            db.insert("comments", {"task_id": 1, "user_id": 1, "body": "ok"})
            db.insert("comments", {"task_id": 999, "user_id": 1, "body": "bad fk"})
        assert db.count("comments") == 0


def test_identifiers_are_checked(kernel):
    with kernel.database() as db:
        with pytest.raises(ValueError):
            db.count("tasks; DROP TABLE users")
        with pytest.raises(ValueError):
            db.update("tasks", 1, {"title = 'x', status": "done"})


def real_counts(db):
    projects = {}
    for p in db.fetchall("SELECT id, task_count, todo_count, in_progress_count, done_count,"
                         " low_count, medium_count, high_count FROM projects"):
        real = db.fetchone(
            "SELECT COUNT(*) AS task_count,"
            " COUNT(CASE WHEN status = 'todo' THEN 1 END) AS todo_count,"
            " COUNT(CASE WHEN status = 'in_progress' THEN 1 END) AS in_progress_count,"
            " COUNT(CASE WHEN status = 'done' THEN 1 END) AS done_count,"
            " COUNT(CASE WHEN priority = 'low' THEN 1 END) AS low_count,"
            " COUNT(CASE WHEN priority = 'medium' THEN 1 END) AS medium_count,"
            " COUNT(CASE WHEN priority = 'high' THEN 1 END) AS high_count"
            " FROM tasks WHERE project_id = ?", (p["id"],))
        projects[p["id"]] = (p, {"id": p["id"], **real})
    tasks = db.fetchall("SELECT t.id, t.comment_count,"
                        " (SELECT COUNT(*) FROM comments c WHERE c.task_id = t.id) AS real"
                        " FROM tasks t")
    return projects, tasks


def assert_counts_consistent(kernel):
    with kernel.database() as db:
        projects, tasks = real_counts(db)
    for maintained, real in projects.values():
        assert maintained == real
    for t in tasks:
        assert t["comment_count"] == t["real"], t
    with kernel.database() as db:
        maintained = {r["due_date"]: r["open_count"] for r in db.fetchall(
            "SELECT due_date, open_count FROM task_due_counts WHERE open_count != 0")}
        real = {r["due_date"]: r["n"] for r in db.fetchall(
            "SELECT due_date, COUNT(*) AS n FROM tasks WHERE status != 'done'"
            " AND due_date IS NOT NULL GROUP BY due_date")}
    assert maintained == real


def test_maintained_counts_follow_every_change(admin, alice, kernel):
    pid = admin.post("/api/projects/", json={"name": "Counted"}).json["id"]
    ids = [alice.post(f"/api/projects/{pid}/tasks", json={"title": f"c{i}", "status": s,
                                                          "due_date": f"2020-01-0{i % 2 + 1}"}
                      ).json["id"]
           for i, s in enumerate(["todo", "todo", "in_progress", "done", "done"])]
    assert_counts_consistent(kernel)
    alice.patch(f"/api/projects/{pid}/tasks/{ids[1]}", json={"due_date": "2020-02-01"})
    alice.patch(f"/api/projects/{pid}/tasks/{ids[2]}", json={"due_date": None})
    assert_counts_consistent(kernel)
    alice.patch(f"/api/projects/{pid}/tasks/{ids[0]}", json={"status": "done"})
    alice.put(f"/api/projects/{pid}/tasks/{ids[3]}", json={"status": "in_progress"})
    alice.patch(f"/api/projects/{pid}/tasks/{ids[1]}", json={"title": "renamed only"})
    alice.patch(f"/api/projects/{pid}/tasks/{ids[1]}", json={"priority": "high"})
    alice.patch(f"/api/projects/{pid}/tasks/{ids[3]}", json={"priority": "low"})
    for _ in range(3):
        alice.post(f"/api/projects/{pid}/tasks/{ids[2]}/comments", json={"body": "c"})
    assert_counts_consistent(kernel)
    with kernel.database() as db, db.transaction():  # a move between projects
        db.update("tasks", ids[4], {"project_id": 1, "status": "todo", "priority": "low"})
    with kernel.database() as db, db.transaction():  # one statement, many tasks
        db.execute("UPDATE tasks SET priority = CASE priority WHEN 'high' THEN 'low'"
                   " ELSE 'high' END WHERE project_id = ?", (pid,))
    admin.delete(f"/api/projects/{pid}/tasks/{ids[2]}")
    assert_counts_consistent(kernel)
    counts = admin.get(f"/api/projects/{pid}").json["task_counts"]
    assert counts == {"total": 3, "todo": 1, "in_progress": 1, "done": 1}
    admin.delete(f"/api/projects/{pid}")
    assert_counts_consistent(kernel)
    assert admin.get("/api/projects/1").json["task_counts"]["total"] == 3


# A plan line that reads the whole tasks table (SQLite, PostgreSQL).
FULL_SCAN = {"sqlite": re.compile(r"\bSCAN (tasks|t)\b(?! USING)"),
             "postgresql": re.compile(r"\bSeq Scan on tasks\b")}
EXPLAIN = {"sqlite": ("EXPLAIN QUERY PLAN ", "detail"), "postgresql": ("EXPLAIN ", "QUERY PLAN")}


@pytest.fixture
def big_app(app, kernel):
    with kernel.database() as db:
        with db.transaction():
            seed_bulk(db, {"projects": 3, "tasks": 20_000}, lambda done, total: None)
        # fresh statistics, and PostgreSQL's visibility map for index-only scans
        # (autovacuum's job in production)
        db.execute("VACUUM ANALYZE" if db.engine == "postgresql" else "ANALYZE")
    return app


def traced_selects(kernel, calls, monkeypatch):
    """Run ``calls`` while recording every task SELECT (with its parameters) the app runs."""
    seen: list[tuple[str, tuple]] = []
    execute = kernel.pool.execute

    def traced(conn, sql, params):
        seen.append((sql, tuple(params)))
        return execute(conn, sql, params)

    monkeypatch.setattr(kernel.pool, "execute", traced)
    calls()
    monkeypatch.undo()
    return [(sql, params) for sql, params in seen
            if sql.lstrip().upper().startswith("SELECT") and "tasks" in sql]


def plan(db, sql, params=()):
    prefix, column = EXPLAIN[db.engine]
    return [r[column] for r in db.fetchall(prefix + sql, params)]


def test_task_list_and_dashboard_use_indexes(big_app, kernel, ids, monkeypatch):
    client = Client(big_app).as_user("alice")

    def calls():
        for query in ({}, {"status": "todo"}, {"priority": "high"},
                      {"assignee_id": ids["bob"]}, {"status": "done", "priority": "low"},
                      {"page": 50, "limit": 100}):
            resp = client.get("/api/projects/3/tasks", query=query)
            assert resp.status == 200 and resp.json["total"] > 0, resp
        assert client.get("/api/projects/dashboard/overview").status == 200
        assert client.get("/api/projects/3/tasks/4000").status in (200, 404)

    statements = traced_selects(kernel, calls, monkeypatch)
    assert len(statements) >= 8, statements
    with kernel.database() as db:
        full_scan = FULL_SCAN[db.engine]
        for sql, params in statements:
            lines = plan(db, sql, params)
            assert not any(full_scan.search(line) for line in lines), (sql, lines)
        # the check itself can fail: an unindexed filter is a full scan
        assert any(full_scan.search(line) for line in
                   plan(db, "SELECT id FROM tasks t WHERE t.title = 'x'"))
    totals = client.get("/api/projects/dashboard/overview").json["totals"]
    assert totals["tasks"] == 20_003 and totals["projects"] == 5
