"""Per-project access at scale: a member's lists against an admin's, on SQLite and PostgreSQL.

Builds one database per engine with many projects, most of them private,
their members (directly and through teams), tasks and an activity feed, all
in bulk through the kernel's ``Database`` (``bulk_insert``: ``executemany``
on SQLite, ``COPY`` on PostgreSQL; the task triggers are switched off for the
load and the counts they maintain are written directly), then ``ANALYZE``
(PostgreSQL: ``VACUUM ANALYZE``).  It assembles the real suite on each
database (``suite_app.load_app()``, plugins ``run.SUITE_PLUGINS``), signs in
an admin, a member of 20 private projects (14 directly, 6 through a team)
and a guest with the same 20 projects, and times each benchmarked endpoint
in process (Lcore's ``TestClient``, no HTTP) for each of them: interleaved
blocks, rotating which user goes first, wall and CPU time per request; the
median of the blocks and their spread.  Finally it runs ``EXPLAIN QUERY
PLAN`` (SQLite) or ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL) on every
SELECT that one request of each user sent, with its real parameters.

    python bench/access.py                                  # 1M tasks, both engines
    python bench/access.py --tasks 1000 --projects 100     # a quick run, ~15 s
    python bench/access.py --engines sqlite --keep --workdir /tmp/acc   # keep the database
    python bench/access.py --reuse --workdir /tmp/acc \\
        --try-sql "CREATE INDEX idx_x ON activity (project_id, id)"     # measure a proposal

``--try-sql`` statements (``sqlite:`` or ``postgresql:`` in front targets one
engine) run after the first measurement, then ``ANALYZE`` and a second
measurement with plans: a proposed index measured on the benchmark's own copy.
Results go to ``bench/results/access.md``, ``access.json`` and
``access-plans.md`` (``--out`` elsewhere).

Nothing here asserts a timing: it measures and reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's secret, plugin list, machine info and load

ENGINES = ("sqlite", "postgresql")
PASSWORD = "bench-access-password"
PG_DB = "taskflow_access_bench"
ROLE_MIX = ("viewer",) * 2 + ("commenter",) * 2 + ("editor",) * 6
SUBJECT_DIRECT_ROLES = ("owner",) * 2 + ("editor",) * 8 + ("commenter",) * 2 + ("viewer",) * 2
SUBJECT_TEAM_PROJECTS = 6
USERS = ("admin", "member", "guest")           # who is measured
NAMES = {"admin": "admin", "member": "bench_member", "guest": "bench_guest"}
STATUSES = ("todo", "in_progress", "done")
EXECUTOR_THREADS = "taskflow-q"                # kernel.executor's thread names
PRIORITIES = ("low", "medium", "high")


# ------------------------------------------------------------------ the data
@dataclass
class Model:
    """Everything the load writes, as rows in insertion order (ids are 1, 2, ...)."""

    users: list[tuple] = field(default_factory=list)
    teams: list[tuple] = field(default_factory=list)
    projects: list[tuple] = field(default_factory=list)
    project_members: list[tuple] = field(default_factory=list)
    team_members: list[tuple] = field(default_factory=list)
    project_teams: list[tuple] = field(default_factory=list)
    share_links: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    due_counts: list[tuple] = field(default_factory=list)
    activity: list[tuple] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def build_model(args) -> Model:
    """The dataset, deterministic for ``--random-seed``."""
    rng = random.Random(args.random_seed)
    now = time.time()
    m = Model()
    n_users, n_projects, n_teams = args.users, args.projects, args.teams
    from lcore import hash_password

    pw = hash_password(PASSWORD, iterations=1000)
    # users: 1 admin, 2 the measured member, 3 the measured guest, then members (3 % guests)
    roles = {1: "admin", 2: "member", 3: "guest"}
    for uid in range(4, n_users + 1):
        roles[uid] = "guest" if rng.random() < 0.03 else "member"
    for uid in range(1, n_users + 1):
        name = {1: "admin", 2: NAMES["member"], 3: NAMES["guest"]}.get(uid, f"user{uid}")
        m.users.append((name, f"{name}@example.test", pw, roles[uid], now - 86400 * 400))
    subjects = {2, 3}
    others = [u for u in range(4, n_users + 1)]
    creators = [u for u in others if roles[u] == "member"]

    # projects: most private; a few archived; creators are members
    subject_pids = rng.sample(range(1, n_projects + 1), 20)
    direct_pids, team_pids = (subject_pids[:20 - SUBJECT_TEAM_PROJECTS],
                              subject_pids[20 - SUBJECT_TEAM_PROJECTS:])
    owner, visibility, status, ws_role = {}, {}, {}, {}
    for pid in range(1, n_projects + 1):
        owner[pid] = rng.choice(creators)
        private = pid in subject_pids or rng.random() >= args.workspace
        visibility[pid] = "private" if private else "workspace"
        status[pid] = "archived" if pid not in subject_pids and rng.random() < 0.03 else "active"
        ws_role[pid] = "viewer" if rng.random() < 0.2 else "editor"

    # memberships: 88 % direct (owners included), 4 % team members, 8 % project teams
    target = args.memberships
    direct: dict[tuple[int, int], str] = {(pid, owner[pid]): "owner"
                                          for pid in range(1, n_projects + 1)}
    for pid, role in zip(direct_pids, SUBJECT_DIRECT_ROLES):
        for uid in subjects:
            direct[pid, uid] = role
    want = max(len(direct), round(target * 0.88))
    tries = 0
    while len(direct) < want and tries < want * 20:
        tries += 1
        key = (rng.randrange(1, n_projects + 1), rng.choice(others))
        direct.setdefault(key, rng.choice(ROLE_MIX))
    team_ids = range(1, n_teams + 1)
    bench_team = 1
    team_users: dict[int, set[int]] = {t: set() for t in team_ids}
    team_users[bench_team] |= subjects | set(rng.sample(others, min(6, len(others))))
    want = max(sum(map(len, team_users.values())), round(target * 0.04))
    tries = 0
    while sum(map(len, team_users.values())) < want and tries < want * 20 and n_teams > 1:
        tries += 1
        team_users[rng.randrange(2, n_teams + 1)].add(rng.choice(others))
    pteams: dict[tuple[int, int], str] = {(pid, bench_team): "editor" for pid in team_pids}
    want = max(len(pteams), round(target * 0.08))
    tries = 0
    while len(pteams) < want and tries < want * 20 and n_teams > 1:
        tries += 1
        key = (rng.randrange(1, n_projects + 1), rng.randrange(2, n_teams + 1))
        pteams.setdefault(key, rng.choice(ROLE_MIX))
    for tid in team_ids:
        m.teams.append(("Bench team" if tid == bench_team else f"Team {tid}", now))
        m.team_members += [(tid, uid, now) for uid in sorted(team_users[tid])]
    m.project_members = [(pid, uid, role, now) for (pid, uid), role in sorted(direct.items())]
    m.project_teams = [(pid, tid, role, now) for (pid, tid), role in sorted(pteams.items())]

    # who may be assigned a project's tasks: its direct members and its teams' members
    people: dict[int, list[int]] = {pid: [] for pid in range(1, n_projects + 1)}
    for pid, uid in direct:
        people[pid].append(uid)
    for pid, tid in pteams:
        people[pid] += team_users[tid]

    # tasks: uniform over projects; positions per (project, status); change_seq per project
    counts = {pid: [0, 0, 0] for pid in range(1, n_projects + 1)}
    admin_share = args.admin_tasks / max(args.tasks, 1)
    due_counts: dict[str, int] = {}
    today = dt.date.today()
    days = {d: (today + dt.timedelta(days=d)).isoformat() for d in range(-30, 120)}
    rand, randrange, choice = rng.random, rng.randrange, rng.choice
    start = now - args.tasks  # one task a second, oldest first
    for i in range(args.tasks):
        pid = randrange(n_projects) + 1
        s = randrange(3)
        c = counts[pid]
        c[s] += 1
        seq = c[0] + c[1] + c[2]
        r = rand()
        if r < 0.10:
            assignee = None
        elif r < 0.10 + admin_share:
            assignee = 1
        elif r < 0.15:
            assignee = randrange(1, n_users + 1)   # someone who may have left the project
        else:
            assignee = choice(people[pid])
        r = rand()
        due = None if r < 0.2 else days[randrange(-30, -1) if r < 0.22 else randrange(1, 120)]
        if due is not None and s != 2:
            due_counts[due] = due_counts.get(due, 0) + 1
        m.tasks.append((f"Task {i + 1}", pid, assignee, owner[pid], STATUSES[s],
                        PRIORITIES[randrange(3)], due, c[s], seq, start + i))
    m.due_counts = sorted(due_counts.items())
    for pid in range(1, n_projects + 1):
        t, ip, d = counts[pid]
        m.projects.append((f"Project {pid}", "", owner[pid], status[pid], t + ip + d, t, ip, d,
                           t + ip + d, visibility[pid], ws_role[pid], now - 86400 * 300))
    for k in range(max(1, n_projects // 100)):
        pid = rng.randrange(1, n_projects + 1)
        token = hashlib.sha256(f"share-{k}".encode()).hexdigest()
        m.share_links.append((pid, token, "viewer", f"link {k}", None, owner[pid], now))

    # the activity feed: mostly task events, 1 % workspace-wide (no project), oldest first
    start = now - args.activity
    for i in range(args.activity):
        if rand() < 0.01:
            actor = randrange(1, n_users + 1)
            m.activity.append(("user.created", 1, "admin", None, None,
                               f"admin added user{actor} to the team", start + i))
            continue
        task = randrange(args.tasks) if args.tasks else None
        pid = m.tasks[task][1] if task is not None else randrange(1, n_projects + 1)
        actor = owner[pid]
        kind = "task.created" if rand() < 0.5 else "task.updated"
        m.activity.append((kind, actor, f"user{actor}", pid,
                           None if task is None else task + 1,
                           f"user{actor} {kind.split('.')[1]} task 'Task {task}'", start + i))

    # what each measured user should see (for the sanity check)
    active = {pid for pid in range(1, n_projects + 1) if status[pid] == "active"}
    workspace = {pid for pid in range(1, n_projects + 1) if visibility[pid] == "workspace"}
    mine = set(subject_pids)
    list_pid = max(direct_pids, key=lambda pid: sum(counts[pid]))
    m.meta = {
        "list_project": list_pid,
        "subject_projects": sorted(subject_pids),
        "expected_list_total": {"admin": len(active), "member": len((workspace | mine) & active),
                                "guest": len(mine & active)},
        "tasks_in_list_project": sum(counts[list_pid]),
        "assigned": {who: sum(1 for t in m.tasks if t[2] == uid)
                     for who, uid in (("admin", 1), ("member", 2), ("guest", 3))},
        "workspace_projects": len(workspace), "private_projects": n_projects - len(workspace),
        "memberships": {"project_members": len(m.project_members),
                        "team_members": len(m.team_members),
                        "project_teams": len(m.project_teams)},
    }
    return m


TABLES = (
    ("users", ("username", "email", "password_hash", "role", "created_at")),
    ("teams", ("name", "created_at")),
    ("projects", ("name", "description", "owner_id", "status", "task_count", "todo_count",
                  "in_progress_count", "done_count", "change_seq", "visibility",
                  "workspace_role", "created_at")),
    ("project_members", ("project_id", "user_id", "role", "created_at")),
    ("team_members", ("team_id", "user_id", "created_at")),
    ("project_teams", ("project_id", "team_id", "role", "created_at")),
    ("share_links", ("project_id", "token_hash", "role", "label", "expires_at", "created_by",
                     "created_at")),
    ("tasks", ("title", "project_id", "assignee_id", "creator_id", "status", "priority",
               "due_date", "position", "change_seq", "created_at")),
    ("task_due_counts", ("due_date", "open_count")),
    ("activity", ("type", "actor_id", "actor", "project_id", "task_id", "summary",
                  "created_at")),
)
ATTR = {"task_due_counts": "due_counts"}


BIG_TABLES = ("tasks", "activity")


def secondary_indexes(db, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on ``tables`` that no constraint owns."""
    marks = ", ".join("?" for _ in tables)
    if db.engine == "sqlite":
        rows = db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                           f" AND tbl_name IN ({marks}) AND sql IS NOT NULL ORDER BY name",
                           tables)
    else:
        rows = db.fetchall(
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes"
            f" WHERE schemaname = current_schema() AND tablename IN ({marks})"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            " ORDER BY indexname", tables)
    return [(r["name"], r["sql"]) for r in rows]


def load(db, model: Model) -> dict[str, float]:
    """Write the model in one transaction; the tasks' triggers are off meanwhile.

    They maintain ``projects`` counts and ``change_seq``, ``task_due_counts``
    and each task's ``change_seq``: the model writes those values itself.
    """
    seconds = {}
    if db.engine == "sqlite":
        # a page cache that holds the tasks' eleven indexes: random inserts stay in memory
        cache = db.scalar("PRAGMA cache_size")
        db.execute("PRAGMA cache_size = -1048576")
    with db.transaction():
        if db.engine == "sqlite":
            triggers = db.fetchall("SELECT name, sql FROM sqlite_master"
                                   " WHERE type = 'trigger' AND tbl_name = 'tasks'")
            for trig in triggers:
                db.execute(f'DROP TRIGGER "{trig["name"]}"')
        else:
            db.execute("ALTER TABLE tasks DISABLE TRIGGER USER")
            if db.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
                # no per-row foreign-key checks either (the model's references hold)
                db.execute("SET LOCAL session_replication_role = replica")
        # the big tables' secondary indexes are built after their rows (one sort each)
        indexes = secondary_indexes(db, BIG_TABLES)
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for table, columns in TABLES:
            start = time.monotonic()
            db.bulk_insert(table, columns, getattr(model, ATTR.get(table, table)))
            seconds[table] = time.monotonic() - start
        start = time.monotonic()
        for _name, sql in indexes:
            db.execute(sql)
        seconds["indexes"] = time.monotonic() - start
        if db.engine == "sqlite":
            for trig in triggers:
                db.execute(trig["sql"])
        else:
            db.execute("ALTER TABLE tasks ENABLE TRIGGER USER")
        # the tasks' search documents, which their (switched off) trigger writes: the
        # board's q= looks titles up there (core's _search.REBUILD, tasks only)
        start = time.monotonic()
        key = "rowid" if db.engine == "sqlite" else "doc_id"
        db.execute(f"INSERT INTO search_index ({key}, kind, ref_id, project_id, task_id,"
                   " title, body) SELECT id * 4 + 1, 'task', id, project_id, id, title,"
                   " description FROM tasks")
        seconds["search"] = time.monotonic() - start
        # ids are 1..n in insertion order: the model's references rely on it
        for table, attr in (("users", "users"), ("projects", "projects"), ("teams", "teams")):
            got = db.fetchone(f"SELECT COUNT(*) AS n, MAX(id) AS top FROM {table}")
            if got["n"] != len(getattr(model, attr)) or got["top"] != got["n"]:
                raise SystemExit(f"{table}: ids are not 1..n ({got}); start from an empty "
                                 "database")
    if db.engine == "sqlite":
        db.execute(f"PRAGMA cache_size = {int(cache)}")
    return seconds


def analyze(db) -> float:
    start = time.monotonic()
    if db.engine == "sqlite":
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        db.execute("VACUUM ANALYZE")
    return time.monotonic() - start


# ------------------------------------------------------------------ the apps
def pg_url(admin_url: str, dbname: str) -> str:
    return urlsplit(admin_url)._replace(path="/" + dbname).geturl()


def pg_admin(admin_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def pg_exists(admin_url: str, dbname: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (dbname,)).fetchone() is not None


def make_app(engine: str, target: str, workdir: Path):
    """The assembled suite (``suite_app.load_app()``) on ``target``."""
    os.environ.update(APP_SECRET_KEY=run.SECRET, APP_LOG_LEVEL="WARNING",
                      APP_UPLOAD_DIR=str(workdir / "uploads"),
                      APP_PLUGINS_ENABLED=run.SUITE_PLUGINS, APP_SEED_DEMO="false",
                      TASKFLOW_ENV_FILE=str(workdir / "no.env"))
    os.environ.pop("APP_DATABASE_URL", None)
    os.environ.pop("APP_DB_PATH", None)
    if engine == "sqlite":
        os.environ["APP_DB_PATH"] = target
    else:
        os.environ["APP_DATABASE_URL"] = target
    import suite_app

    app, _source = suite_app.load_app()
    return app


@dataclass
class Endpoint:
    key: str
    path: str


def endpoints(list_project: int) -> list[Endpoint]:
    return [
        Endpoint("project list", "/api/projects/"),
        Endpoint("task list", f"/api/projects/{list_project}/tasks"),
        # Filters the maintained counts do not answer (issue 25): a bounded count.
        Endpoint("task list, priority", f"/api/projects/{list_project}/tasks?priority=high"),
        # q=: a word in every title (the walk of the project), and with a number that
        # is in one title at most (the full-text index finds it)
        Endpoint("task list, q", f"/api/projects/{list_project}/tasks?q=task"),
        Endpoint("task list, q rare", f"/api/projects/{list_project}/tasks?q=task+777"),
        Endpoint("my tasks", "/api/users/me/tasks"),
        Endpoint("overview", "/api/projects/dashboard/overview"),
        Endpoint("activity", "/api/projects/dashboard/activity"),
    ]


def tokens(app) -> dict[str, str]:
    from lcore_taskflow.core.testing import login

    return {who: login(app, NAMES[who], PASSWORD).token for who in USERS}


def caller(client, token: str, ep: Endpoint):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    path, _, query = ep.path.partition("?")

    def call():
        r = client.request("GET", path, headers=headers, query_string=query)
        if r.status_code != 200:
            raise SystemExit(f"GET {ep.path}: {r.status} {r.body[:300]!r}")
        return r
    return call


class ServerCPU:
    """CPU time of the PostgreSQL server processes that serve the benchmark database.

    The server runs on this machine: ``/proc/<pid>/schedstat`` of each backend
    connected to the database (found through ``pg_stat_activity`` on a side
    connection, itself left out) gives its CPU time in nanoseconds.  With the
    app's own CPU time this is the work a request costs, which other load on a
    shared machine hardly moves (wall time does).
    """

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.available = all(self.ns(pid) is not None for pid in self.pids())

    def pids(self) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid != pg_backend_pid()")]

    @staticmethod
    def ns(pid: int) -> int | None:
        try:
            return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def snapshot(self) -> dict[int, int]:
        return {pid: self.ns(pid) or 0 for pid in self.pids()}

    def seconds_since(self, before: dict[int, int]) -> float:
        after = self.snapshot()
        return sum(ns - before.get(pid, 0) for pid, ns in after.items()) / 1e9

    def close(self) -> None:
        self.conn.close()


def block(call, n: int, server: ServerCPU | None = None) -> tuple[float, float]:
    """Wall and CPU µs per request over ``n`` calls.

    CPU: every thread of this process, plus the PostgreSQL backends when
    ``server`` is given.
    """
    before = server.snapshot() if server else None
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if server:
        cpu += server.seconds_since(before)
    return wall / n * 1e6, cpu / n * 1e6


def measure(app, toks: dict[str, str], eps: list[Endpoint], rounds: int,
            block_seconds: float, server: ServerCPU | None = None) -> list[dict]:
    """Interleaved blocks per endpoint: each round times every user, rotating who goes first."""
    from lcore import TestClient

    client = TestClient(app)
    rows = []
    for ep in eps:
        calls = {who: caller(client, toks[who], ep) for who in USERS}
        n = {}
        for who, call in calls.items():
            for _ in range(3):
                call()                                  # warm caches and the pool
            single = statistics.median(block(call, 1)[0] for _ in range(5))
            n[who] = max(3, min(200, round(block_seconds * 1e6 / max(single, 1))))
        n_all = min(n.values())                        # the same count for every user
        times = {who: {"wall": [], "cpu": []} for who in USERS}
        for r in range(rounds):
            order = USERS[r % 3:] + USERS[:r % 3]
            for who in order:
                wall, cpu = block(calls[who], n_all, server)
                times[who]["wall"].append(wall)
                times[who]["cpu"].append(cpu)
        row = {"endpoint": ep.key, "path": ep.path, "requests_per_block": n_all,
               "rounds": rounds}
        for who in USERS:
            for kind in ("wall", "cpu"):
                values = times[who][kind]
                row[f"{who}_{kind}"] = statistics.median(values)
                row[f"{who}_{kind}_min"] = min(values)
                row[f"{who}_{kind}_max"] = max(values)
        rows.append(row)
    return rows


def answers(app, toks: dict[str, str], eps: list[Endpoint]) -> dict:
    """What each user's call answers: totals and counts (the sanity check)."""
    from lcore import TestClient

    client = TestClient(app)
    out = {}
    for who in USERS:
        seen = {}
        for ep in eps:
            body = caller(client, toks[who], ep)().json
            if "total" in body:
                seen[ep.key] = body["total"]
            elif "totals" in body:
                seen[ep.key] = {**body["totals"], "overdue_listed": len(body["overdue_tasks"]),
                                "projects_listed": len(body["projects"])}
            elif "activity" in body:
                seen[ep.key] = len(body["activity"])
        out[who] = seen
    return out


# ------------------------------------------------------------------ plans
class Capture:
    """Records (sql, params) of the statements the app's ``Database`` runs for a request.

    The request's own thread and the kernel's query executor (the dashboard's
    concurrent queries); not the background workers (notify's outbox).
    """

    def __init__(self):
        self.statements: list[tuple[str, tuple]] = []
        self._lock = threading.Lock()
        self._thread = threading.current_thread()

    def __enter__(self):
        from lcore_taskflow.core._db import Database

        self._original = original = Database._engine
        capture = self

        def recording(db, method, *args):
            thread = threading.current_thread()
            if getattr(method, "__name__", "") == "execute" and args and (
                    thread is capture._thread or thread.name.startswith(EXECUTOR_THREADS)):
                with capture._lock:
                    capture.statements.append((args[0], tuple(args[1]) if args[1:] else ()))
            return original(db, method, *args)
        Database._engine = recording
        return self

    def __exit__(self, *exc):
        from lcore_taskflow.core._db import Database

        Database._engine = self._original


def explain(kernel, sql: str, params: tuple) -> list[str]:
    with kernel.database() as db:
        if db.engine == "sqlite":
            rows = db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
            depth = {0: -1}
            lines = []
            for r in rows:
                depth[r["id"]] = depth.get(r["parent"], -1) + 1
                lines.append("  " * depth[r["id"]] + r["detail"])
            return lines
        rows = db.fetchall("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [next(iter(r.values())) for r in rows]


def plans(app, toks: dict[str, str], eps: list[Endpoint], who_list=USERS) -> list[dict]:
    """One request per user and endpoint; each SELECT it sent, explained."""
    from lcore import TestClient

    client = TestClient(app)
    kernel = app.taskflow
    out = []
    for ep in eps:
        for who in who_list:
            with Capture() as cap:
                caller(client, toks[who], ep)()
            for sql, params in cap.statements:
                head = sql.lstrip().split(None, 1)[0].upper()
                if head not in ("SELECT", "WITH"):
                    continue
                out.append({"endpoint": ep.key, "user": who, "sql": " ".join(sql.split()),
                            "params": [p if isinstance(p, (int, float, str)) or p is None
                                       else str(p) for p in params],
                            "plan": explain(kernel, sql, params)})
    return out


# ------------------------------------------------------------------ one engine
def run_engine(engine: str, args, workdir: Path) -> dict:
    print(f"\n== {engine}", flush=True)
    result: dict = {"engine": engine}
    if engine == "sqlite":
        target = str(workdir / "access.db")
        exists = Path(target).exists()
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
            exists = False
    else:
        target = pg_url(args.pg_url, PG_DB)
        exists = pg_exists(args.pg_url, PG_DB)
        if not args.reuse:
            pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            exists = False
        if not exists:
            pg_admin(args.pg_url, f'CREATE DATABASE "{PG_DB}"')
    meta_file = workdir / f"meta-{engine}.json"
    try:
        start = time.monotonic()
        quiet = logging.getLogger("lcore_taskflow")   # "the database has no users yet"
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            app = make_app(engine, target, workdir)
        finally:
            quiet.setLevel(level)
        kernel = app.taskflow
        result["assemble_seconds"] = round(time.monotonic() - start, 1)
        if exists and args.reuse and meta_file.exists():
            meta = json.loads(meta_file.read_text())
            print(f"   reusing {target}", flush=True)
        else:
            start = time.monotonic()
            model = build_model(args)
            result["model_seconds"] = round(time.monotonic() - start, 1)
            print(f"   model built in {result['model_seconds']}s: {len(model.tasks):,} tasks, "
                  f"{len(model.projects):,} projects, {len(model.users):,} users, "
                  f"{len(model.teams):,} teams, memberships {model.meta['memberships']}, "
                  f"{len(model.activity):,} activity rows", flush=True)
            with kernel.database() as db:
                result["load_seconds"] = {k: round(v, 1) for k, v in load(db, model).items()}
                result["analyze_seconds"] = round(analyze(db), 1)
            meta = model.meta
            del model
            meta_file.write_text(json.dumps(meta, indent=2))
            print(f"   loaded in {sum(result['load_seconds'].values()):.1f}s "
                  f"({result['load_seconds']}), analyzed in {result['analyze_seconds']}s",
                  flush=True)
            # Measure a server started on the loaded database, as in production:
            # SQLite connections read the statistics of ANALYZE when they open.
            kernel.close()
            app = make_app(engine, target, workdir)
            kernel = app.taskflow
        result["meta"] = meta
        toks = tokens(app)
        eps = endpoints(meta["list_project"])
        result["answers"] = answers(app, toks, eps)
        check(result["answers"], meta)
        print(f"   answers: {json.dumps(result['answers'])}", flush=True)
        server = None
        if engine == "postgresql":
            server = ServerCPU(target)
            if not server.available:      # a server on another machine: wall time only
                server.close()
                server = None
        result["cpu_includes_server"] = server is not None
        result["rows"] = in_worker_thread(measure, app, toks, eps, args.rounds, args.block,
                                          server)
        print_rows(engine, metric(result), result["rows"])
        if not args.no_plans:
            result["plans"] = in_worker_thread(plans, app, toks, eps)
        tries = try_statements(args.try_sql, engine)
        if tries:
            print(f"   trying: {tries}", flush=True)
            with kernel.database() as db:
                start = time.monotonic()
                for sql in tries:
                    db.execute(sql)
                result["try_seconds"] = round(time.monotonic() - start, 1)
                analyze(db)
            kernel.close()                  # fresh connections: they see the new statistics
            app = make_app(engine, target, workdir)
            kernel = app.taskflow
            result["tried"] = tries
            result["rows_after"] = in_worker_thread(measure, app, toks, eps, args.rounds,
                                                    args.block, server)
            print_rows(engine + " + --try-sql", metric(result), result["rows_after"])
            if not args.no_plans:
                result["plans_after"] = in_worker_thread(plans, app, toks, eps)
            if args.keep:
                print("   note: the kept database now has the --try-sql changes", flush=True)
        kernel.close()
        if server:
            server.close()
    finally:
        if not args.keep:
            if engine == "postgresql":
                pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(target + suffix).unlink(missing_ok=True)
    return result


def try_statements(statements: list[str], engine: str) -> list[str]:
    """The ``--try-sql`` statements for ``engine`` (``sqlite:``/``postgresql:`` prefixes)."""
    out = []
    for sql in statements:
        prefix, _, rest = sql.partition(":")
        if prefix.strip() in ENGINES:
            if prefix.strip() == engine:
                out.append(rest.strip())
        else:
            out.append(sql)
    return out


def check(seen: dict, meta: dict) -> None:
    for who, want in meta["expected_list_total"].items():
        got = seen[who]["project list"]
        if got != want:
            print(f"   WARNING: {who} lists {got} projects, the model says {want}", flush=True)


def in_worker_thread(fn, *args):
    """On another thread, as a server thread runs requests (see inprocess.py)."""
    box: dict = {}

    def target():
        try:
            box["out"] = fn(*args)
        except BaseException as exc:  # re-raised on the caller's thread
            box["error"] = exc
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["out"]


# ------------------------------------------------------------------ reports
def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def spread(row: dict, who: str, kind: str) -> str:
    med = row[f"{who}_{kind}"]
    lo, hi = row[f"{who}_{kind}_min"], row[f"{who}_{kind}_max"]
    return f"{(lo - med) / med * 100:+.0f}/{(hi - med) / med * 100:+.0f}%"


# The main measure is CPU time: SQLite works in this process, PostgreSQL in this process
# and its server backends (ServerCPU), and other load on a shared machine hardly moves
# either.  Wall time is reported beside it (and is the measure when the PostgreSQL server
# runs elsewhere).
OTHER = {"cpu": "wall", "wall": "cpu"}


def metric(result: dict) -> str:
    return "cpu" if result["engine"] == "sqlite" or result.get("cpu_includes_server") else "wall"


def ratio(r: dict, who: str, kind: str) -> float:
    return r[f"{who}_{kind}"] / r[f"admin_{kind}"]


def print_rows(label: str, kind: str, rows: list[dict]) -> None:
    print(f"   {label}: median ms per request ({kind} time; block spread min/max in the "
          "report)")
    print(f"   {'endpoint':<13} {'admin':>8} {'member':>8} {'m/a':>6} {'guest':>8} {'g/a':>6}"
          f"  {OTHER[kind] + ' m/a':>8}  n")
    for r in rows:
        print(f"   {r['endpoint']:<13} {ms(r[f'admin_{kind}']):>8} {ms(r[f'member_{kind}']):>8} "
              f"{ratio(r, 'member', kind):>6.2f} {ms(r[f'guest_{kind}']):>8} "
              f"{ratio(r, 'guest', kind):>6.2f}  {ratio(r, 'member', OTHER[kind]):>8.2f}  "
              f"{r['requests_per_block']}", flush=True)


def table(results: list[dict], key: str = "rows") -> str:
    out = ["| engine (time) | endpoint | admin ms | member ms | **member/admin** | guest ms "
           "| guest/admin | member/admin, other time | blocks x requests |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        kind = metric(res)
        label = "cpu + server cpu" if res.get("cpu_includes_server") else kind
        for r in res.get(key, []):
            out.append(
                f"| {res['engine']} ({label}) | {r['endpoint']} | {ms(r[f'admin_{kind}'])} "
                f"({spread(r, 'admin', kind)}) | {ms(r[f'member_{kind}'])} "
                f"({spread(r, 'member', kind)}) | **{ratio(r, 'member', kind):.2f}** "
                f"| {ms(r[f'guest_{kind}'])} ({spread(r, 'guest', kind)}) "
                f"| {ratio(r, 'guest', kind):.2f} "
                f"| {ratio(r, 'member', OTHER[kind]):.2f} ({OTHER[kind]}) "
                f"| {r['rounds']} x {r['requests_per_block']} |")
    return "\n".join(out)


def plans_md(results: list[dict]) -> str:
    out = []
    for res in results:
        for key, title in (("plans", ""), ("plans_after", " after --try-sql")):
            if not res.get(key):
                continue
            out.append(f"\n## {res['engine']}{title}\n")
            if key == "plans_after":
                out.append("Tried: " + "; ".join(f"`{s}`" for s in res["tried"]) + "\n")
            current = None
            for p in res[key]:
                if (p["endpoint"], p["user"]) != current:
                    current = (p["endpoint"], p["user"])
                    out.append(f"\n### {p['endpoint']}: {p['user']}\n")
                out += ["```sql", p["sql"], f"-- params: {p['params']}", "```", "```",
                        *p["plan"], "```"]
    return "\n".join(out) + "\n"


def machine() -> dict[str, str]:
    import platform
    import sqlite3
    from importlib.metadata import version

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    import lcore_taskflow.core as core

    try:
        commit = subprocess.run(["git", "-C", str(Path(core.__file__).parent), "describe",
                                 "--always", "--dirty"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "python": platform.python_version(), "lcore": version("lcore"),
            "sqlite": sqlite3.sqlite_version, "suite_app": run.suite_source(),
            "core": str(Path(core.__file__).parent), "commit": commit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks (1000000)")
    parser.add_argument("--projects", type=int, default=10_000, help="projects (10000)")
    parser.add_argument("--users", type=int, default=None,
                        help="users (1000; at most projects/10+50 when --projects is small)")
    parser.add_argument("--teams", type=int, default=None,
                        help="teams (200; projects/50 when --projects is small, at least 2)")
    parser.add_argument("--memberships", type=int, default=None,
                        help="project_members + team_members + project_teams rows, 88/4/8 %% "
                             "(default 5 per project: 50000)")
    parser.add_argument("--workspace", type=float, default=0.05,
                        help="share of projects visible to the workspace (0.05)")
    parser.add_argument("--activity", type=int, default=None,
                        help="activity feed rows (default: as many as tasks)")
    parser.add_argument("--admin-tasks", type=int, default=None,
                        help="tasks assigned to the admin (default tasks/5000, at least 20)")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="comma-separated engines (default sqlite,postgresql)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL allowed to CREATE and DROP DATABASE; the "
                             f"benchmark database {PG_DB} is made beside its database")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (7)")
    parser.add_argument("--block", type=float, default=0.25,
                        help="seconds per timed block, roughly (0.25)")
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAINs")
    parser.add_argument("--try-sql", action="append", default=[], metavar="SQL",
                        help="after measuring, run SQL (e.g. CREATE INDEX; prefix sqlite: or "
                             "postgresql: for one engine), ANALYZE, measure again; repeatable")
    parser.add_argument("--workdir", help="where the SQLite database and meta files go "
                                          "(default: a temporary directory)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases (needs --workdir to find them again)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure kept databases instead of building them")
    parser.add_argument("--random-seed", type=int, default=42)
    parser.add_argument("--note", default="", help="a note for the report (what was measured)")
    parser.add_argument("--out", default=str(HERE / "results"),
                        help="where access.md, access.json and access-plans.md go")
    args = parser.parse_args(argv)
    small = args.projects < 10_000
    if args.users is None:
        args.users = min(1000, args.projects // 10 + 50) if small else 1000
    if args.teams is None:
        args.teams = max(2, min(200, args.projects // 50))
    if args.memberships is None:
        args.memberships = 5 * args.projects
    if args.activity is None:
        args.activity = args.tasks
    if args.admin_tasks is None:
        args.admin_tasks = max(20, args.tasks // 5000)
    if args.projects < 40 or args.users < 20:
        parser.error("needs at least 40 projects and 20 users")
    if (args.keep or args.reuse) and not args.workdir:
        parser.error("--keep and --reuse need --workdir")
    engines = [e for e in ENGINES if e in args.engines.split(",")]
    info = machine()
    started, load_before, t0 = (dt.datetime.now().isoformat(timespec="seconds"), run.load(),
                                time.monotonic())
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="taskflow-access-")
        workdir = Path(tmp)
    try:
        results = [run_engine(engine, args, workdir) for engine in engines]
    finally:
        shutil.rmtree(workdir / "uploads", ignore_errors=True)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    minutes = (time.monotonic() - t0) / 60
    command = "python bench/access.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if "postgresql" in engines:
        import psycopg

        with psycopg.connect(args.pg_url) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    sizes = (f"{args.tasks:,} tasks, {args.projects:,} projects ({args.workspace:.0%} "
             f"workspace-visible), {args.users:,} users, {args.teams:,} teams, "
             f"{args.memberships:,} memberships, {args.activity:,} activity rows")
    if args.note:
        info["note"] = args.note
    header = (f"Run {started}, {minutes:.1f} min; command: `{command.strip()}`\n"
              f"Data: {sizes}\nMachine: {info}\n"
              f"Load average (1/5/15 min) before {load_before}, after {run.load()}\n")
    md = table(results)
    if any(r.get("rows_after") for r in results):
        md += "\n\nAfter --try-sql:\n\n" + table(results, "rows_after")
    print("\n" + header + "\n" + md)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "access.md").write_text(header + "\n" + md + "\n")
    (out / "access.json").write_text(json.dumps({
        "started": started, "minutes": round(minutes, 2), "command": command.strip(),
        "sizes": sizes, "machine": info, "load_before": load_before,
        "results": [{k: v for k, v in r.items() if not k.startswith("plans")}
                    for r in results]}, indent=2) + "\n")
    if not args.no_plans:
        (out / "access-plans.md").write_text(
            f"# Plans of `{command.strip()}`\n\n{sizes}; {started}\n" + plans_md(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
