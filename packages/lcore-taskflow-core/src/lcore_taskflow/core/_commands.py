"""The maintenance commands of ``taskflow``: ``plugins``, ``routes``, ``db upgrade``,
``db seed``, ``db backup``, ``attachments sweep`` and ``create-admin``.

Each takes the assembled kernel (``plugins`` the inventory) and the parsed
arguments, prints what it did, and returns the exit code.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from typing import Any

from ._errors import ApiError
from ._kernel import TaskFlow
from ._progress import progress_bar
from ._validation import EMAIL_RE, USERNAME_RE


def text_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """``rows`` under ``headers`` in aligned columns, for a terminal."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    return "\n".join(lines + [fmt.format(*map(str, row)) for row in rows]).rstrip()



def cmd_plugins(args, rows, pm) -> int:
    table = [(i.name, i.version, i.source, "yes" if getattr(i, "enabled", True) else "no",
              ", ".join(h.removeprefix("taskflow_") for h in i.hooks(pm))) for i in rows]
    print(text_table(table, ("name", "version", "source", "enabled", "hooks")))
    return 0


def cmd_routes(kernel: TaskFlow, args) -> int:
    assert kernel.app is not None  # an assembled kernel
    rows = sorted((r.rule, r.method, r.name or "") for r in kernel.app.routes)
    print(text_table([(m, rule, name) for rule, m, name in rows], ("method", "rule", "name")))
    return 0


def cmd_db_upgrade(kernel: TaskFlow, args) -> int:
    # The kernel applied everything while assembling; report the state.
    with kernel.database() as db:
        rows = db.fetchall("SELECT namespace, version, name FROM taskflow_migrations"
                           " ORDER BY namespace, version")
    print(text_table([(r["namespace"], f"{r['version']:04d}", r["name"]) for r in rows],
                 ("namespace", "version", "name")))
    assert kernel.pool is not None  # opened by the assembly
    print(f"database {kernel.pool.describe()} is up to date")
    return 0


def cmd_db_seed(kernel: TaskFlow, args) -> int:
    sizes = {"users": args.users, "projects": args.projects, "tasks": args.tasks,
             "comments": args.comments}
    with kernel.database() as db:
        with db.transaction():
            kernel.hook.taskflow_seed(db=db, kernel=kernel,
                                      options={**sizes, "progress": progress_bar("tasks")})
        if db.engine == "postgresql":
            # Seeding updates the maintained counters once per row, leaving about a
            # million dead row versions; until autovacuum comes by, every query read
            # them (3-28x slower).  Connections are in autocommit mode, as VACUUM needs.
            print("vacuuming and analysing the database ...", flush=True)
            db.execute("VACUUM ANALYZE")
        counts = {t: db.count(t) for t in ("users", "projects", "tasks", "comments")}
    print("seeded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_db_backup(kernel: TaskFlow, args) -> int:
    """Copy the live SQLite database with SQLite's online backup API.

    Consistent while servers write (a plain ``cp`` of a WAL database is not);
    PostgreSQL has its own tool.
    """
    with kernel.database() as db:
        if db.engine != "sqlite":
            print("taskflow db backup copies SQLite databases; for PostgreSQL use "
                  "pg_dump --format=custom (docs/deploy.md, Backups)", file=sys.stderr)
            return 2
        target = os.path.abspath(args.path)
        if os.path.exists(target) and not args.force:
            print(f"error: {target} exists (--force replaces it)", file=sys.stderr)
            return 1
        partial = f"{target}.part"
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with closing(sqlite3.connect(partial)) as out:
                db.conn.backup(out)
            os.replace(partial, target)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            print(f"error: backup to {target} failed: {exc}", file=sys.stderr)
            return 1
    assert kernel.pool is not None
    print(f"backed up {kernel.pool.describe()} to {target} ({os.path.getsize(target)} bytes)")
    return 0


def cmd_attachments_sweep(kernel: TaskFlow, args) -> int:
    """Remove upload files no task refers to, and ``.part`` files a crash left."""
    with kernel.database() as db:
        referenced = {r["attachment"] for r in db.fetchall(
            "SELECT attachment FROM tasks WHERE attachment IS NOT NULL")}
    storage = kernel.storage
    assert storage is not None  # opened by the assembly
    removed = storage.sweep(referenced, older_than=args.min_age, dry_run=args.dry_run)
    for name in removed:
        print(name)
    verb = "would be removed" if args.dry_run else "removed"
    print(f"{len(removed)} file(s) {verb} from {storage.root}")
    return 0


def cmd_create_admin(kernel: TaskFlow, args) -> int:
    password = args.password or os.environ.get("TASKFLOW_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password for the new admin: ")
    problems = []
    if not USERNAME_RE.match(args.username):
        problems.append("username: 3-32 letters, digits, '.', '_' or '-'")
    if not EMAIL_RE.match(args.email):
        problems.append("email: not a valid address")
    weak = kernel.users.password_problem(password, username=args.username, email=args.email)
    if weak:
        problems.append(weak)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 2
    values = {"username": args.username, "email": args.email, "password": password,
              "role": "admin"}
    try:
        user = kernel.users.create(values)
    except ApiError as exc:  # 409: the name or address is taken
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"created admin {user['username']} (id {user['id']})")
    return 0
