"""Bulk actions in one request: ``POST /api/projects/<pid>/tasks/bulk`` on 500 tasks, both engines.

For each engine (a throwaway database of the testing kit's ``engine_database``)
it assembles core with the test identity, fills one project with ``--tasks``
tasks in its To Do column (through core's own API, so every trigger and
count is real), then times, in process through the kit's client, each action
on ``--ids`` tasks spread over the column: move to Done, move back, assign,
priority, due date, and delete.  Each is one request and one transaction;
it reports wall time, this process's CPU time and the SQL statements sent
(the kit's ``QueryCounter``), and checks the columns are numbered 1..n after.

    python bench/bulk.py                       # 2,000 tasks, 500 per request, both engines
    python bench/bulk.py --engines sqlite --tasks 1000 --ids 100

Nothing here asserts a timing: it measures and reports.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ACTIONS = (("move to done", "move", "done"), ("move back", "move", "todo"),
           ("assign", "assign", "alice"), ("priority", "priority", "high"),
           ("due date", "due_date", "2031-01-31"), ("delete", "delete", None))


def fill(app, client, tasks: int) -> tuple[int, list[int]]:
    """A new project with ``tasks`` tasks, bulk-inserted through the kernel's transaction."""
    pid = client.post("/api/projects/", json={"name": "Bulk bench"}).json["id"]
    ids = [client.post(f"/api/projects/{pid}/tasks", json={"title": f"Bulk {i}"}).json["id"]
           for i in range(tasks)]
    return pid, ids


def dense(client, pid: int) -> bool:
    for status in ("todo", "in_progress", "done"):
        seen, page = [], 1
        while True:
            rows = client.get(f"/api/projects/{pid}/tasks", query={
                "status": status, "sort": "position", "limit": 100, "page": page}).json["tasks"]
            seen += [t["position"] for t in rows]
            if len(rows) < 100:
                break
            page += 1
        if seen != list(range(1, len(seen) + 1)):
            return False
    return True


def run_engine(engine: str, args) -> list[dict]:
    from lcore_taskflow.core.testing import (
        Client,
        HeaderIdentity,
        QueryCounter,
        engine_database,
        make_app,
        user_ids,
    )

    rows = []
    with tempfile.TemporaryDirectory() as tmp, engine_database(engine, Path(tmp)) as url:
        app = make_app(tmp, plugins=[HeaderIdentity()], database_url=url)
        try:
            admin = Client(app, "admin")
            start = time.monotonic()
            pid, ids = fill(app, admin, args.tasks)
            print(f"   {engine}: {args.tasks:,} tasks made in {time.monotonic() - start:.1f}s",
                  flush=True)
            people = user_ids(app)
            step = max(1, len(ids) // args.ids)
            chosen = ids[::step][:args.ids]
            for label, action, value in ACTIONS:
                value = people.get(value, value) if action == "assign" else value
                body = {"ids": chosen, "action": action}
                if value is not None:
                    body["value"] = value
                with QueryCounter() as queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    reply = admin.post(f"/api/projects/{pid}/tasks/bulk", json=body)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if reply.status != 200:
                    raise SystemExit(f"{label}: {reply.status} {reply.text[:300]}")
                rows.append({"engine": engine, "action": label, "ids": len(chosen),
                             "changed": len(reply.json["changed"]), "wall_ms": wall * 1000,
                             "cpu_ms": cpu * 1000, "statements": queries.count,
                             "dense": dense(admin, pid)})
                print(f"   {label:<13} {len(chosen)} ids: {wall * 1000:8.1f} ms wall, "
                      f"{cpu * 1000:8.1f} ms CPU, {queries.count} statements", flush=True)
        finally:
            app.taskflow.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks in the project (2000)")
    parser.add_argument("--ids", type=int, default=500, help="tasks per request (500)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    rows = [row for engine in args.engines.split(",") for row in run_engine(engine, args)]
    print("\n| engine | action | ids | changed | wall ms | CPU ms | SQL statements "
          "| columns 1..n |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['action']} | {r['ids']} | {r['changed']} | "
              f"{r['wall_ms']:.0f} | {r['cpu_ms']:.0f} | {r['statements']} | "
              f"{'yes' if r['dense'] else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
