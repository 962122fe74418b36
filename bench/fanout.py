"""Fan-out of one comment (issue 21): a task with 200 watchers against a task with none.

In process (Lcore's ``TestClient``, no HTTP), on SQLite and, when a server is
found, PostgreSQL: ``POST .../comments`` on a task nobody else watches and on
a task 200 people watch, in interleaved blocks; the median wall time and CPU
time (of this process: on PostgreSQL the server's share is not in it) per
request of each and their ratios (target: at most 2x).  Two cases for the watchers:
the default settings (``commented`` goes to the inbox only: 200 inbox rows)
and everyone wanting email too (200 inbox rows and 200 outbox rows).  It
also counts, for one comment, the SQL statements and the top-level
transactions the request ran: the inbox and outbox rows must join the
comment's one transaction.  Delivery is left to workers (``notify_delivery=
worker``): the request only writes rows.

    python bench/fanout.py                      # 200 watchers, 60 requests per case
    python bench/fanout.py --watchers 1000 --requests 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lcore_taskflow.core import Database
from lcore_taskflow.core.testing import (
    ENGINES,
    Client,
    HeaderIdentity,
    QueryCounter,
    engine_database,
    make_app,
)
from lcore_taskflow.notify import NotifyPlugin


class TransactionCounter:
    """Counts the outermost transactions begun on any ``Database`` while active."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> TransactionCounter:
        self.original = Database.transaction
        counter = self

        def counting(db, *args, **kwargs):
            if not db.in_transaction:
                counter.count += 1
            return counter.original(db, *args, **kwargs)
        Database.transaction = counting
        return self

    def __exit__(self, *exc) -> None:
        Database.transaction = self.original


def build(workdir: Path, url: str, watchers: int, email: bool):
    app = make_app(workdir, plugins=[HeaderIdentity(), NotifyPlugin()], database_url=url,
                   notify_delivery="worker", public_url="https://tasks.example.test")
    admin = Client(app).as_user("admin")
    quiet = admin.post("/api/projects/1/tasks", json={"title": "Nobody watches"}).json["id"]
    busy = admin.post("/api/projects/1/tasks", json={"title": "Everyone watches"}).json["id"]
    with app.taskflow.database() as db, db.transaction():
        db.execute("DELETE FROM task_watchers WHERE task_id IN (?, ?)", (quiet, busy))
        db.bulk_insert("users", ("username", "email", "password_hash", "role", "created_at"),
                       ((f"watcher{i}", f"watcher{i}@example.test", "x", "member", time.time())
                        for i in range(watchers)))
        ids = [r["id"] for r in db.fetchall("SELECT id FROM users WHERE username LIKE 'watcher%'")]
        db.bulk_insert("task_watchers", ("task_id", "user_id", "created_at"),
                       ((busy, uid, time.time()) for uid in ids))
        if email:
            db.bulk_insert("notification_prefs", ("user_id", "kind", "channel", "enabled"),
                           ((uid, "commented", "email", 1) for uid in ids))
    return app, quiet, busy


def timed(client: Client, path: str) -> tuple[float, float]:
    """Wall time and this process's CPU time of one request (seconds)."""
    start, cpu = time.perf_counter(), time.process_time()
    r = client.post(path, json={"body": "A remark for everyone who watches"})
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    if r.status != 201:
        raise SystemExit(f"POST {path}: {r.status} {r.text[:200]}")
    return elapsed


def measure(app, quiet: int, busy: int, requests: int) -> dict:
    bob = Client(app).as_user("bob")
    paths = {"none": f"/api/projects/1/tasks/{quiet}/comments",
             "watched": f"/api/projects/1/tasks/{busy}/comments"}
    for path in paths.values():  # warm up caches and compiled templates
        for _ in range(3):
            timed(bob, path)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in paths}
    for _ in range(max(1, requests // 10)):
        for name, path in paths.items():  # interleaved blocks of 10
            times[name] += [timed(bob, path) for _ in range(10)]
    with QueryCounter() as q, TransactionCounter() as t:
        timed(bob, paths["watched"])
    with app.taskflow.database() as db:
        last = db.scalar("SELECT MAX(created_at) FROM inbox_items")
        inbox = db.scalar("SELECT COUNT(*) FROM inbox_items WHERE created_at = ?", (last,))
        outbox = db.scalar("SELECT COUNT(*) FROM notifications WHERE created_at = ?", (last,))
    wall = {k: statistics.median(w for w, _ in v) * 1000 for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) * 1000 for k, v in times.items()}
    return {"none_ms": wall["none"], "watched_ms": wall["watched"],
            "ratio": wall["watched"] / wall["none"], "none_cpu": cpu["none"],
            "watched_cpu": cpu["watched"], "cpu_ratio": cpu["watched"] / cpu["none"],
            "statements": q.count,
            "transactions": t.count, "inbox_rows": inbox, "outbox_rows": outbox}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=60, help="per case (in blocks of 10)")
    args = parser.parse_args()
    print(f"| engine | watchers want | no watchers: wall / CPU ms | {args.watchers} watchers:"
          " wall / CPU ms | ratio wall | ratio CPU | statements | transactions | inbox rows |"
          " outbox rows |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for engine in ENGINES:
        for email in (False, True):
            with tempfile.TemporaryDirectory() as tmp, engine_database(engine, tmp) as url:
                app, quiet, busy = build(Path(tmp), url, args.watchers, email)
                try:
                    m = measure(app, quiet, busy, args.requests)
                finally:
                    app.taskflow.close()
            want = "inbox + email" if email else "inbox (default)"
            print(f"| {engine} | {want} | {m['none_ms']:.2f} / {m['none_cpu']:.2f} |"
                  f" {m['watched_ms']:.2f} / {m['watched_cpu']:.2f} | {m['ratio']:.2f}x |"
                  f" {m['cpu_ratio']:.2f}x | {m['statements']} | {m['transactions']} |"
                  f" {m['inbox_rows']} | {m['outbox_rows']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
