"""What keeping the search index current costs a write (issue 20): create task and patch
task with the index's triggers in place, against the same requests with them dropped.

The index is written by triggers in the transaction of the change (migration 0008), so
its cost is the difference between the two.  In process (create_app with core, auth,
notify and ui; Lcore's test client), interleaved blocks, CPU time of this process and
wall time per request; on PostgreSQL the server's CPU is not in the CPU column, read the
wall time there.

    python bench/search_writes.py                      # SQLite and PostgreSQL, ~1 min
    python bench/search_writes.py --engines sqlite --blocks 9 --n 300

Prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's secret and the suite's plugins

TRIGGERS = ("search_task_insert", "search_task_update")
PG_FUNCTIONS = {"search_task_insert": "AFTER INSERT ON tasks",
                "search_task_update": "AFTER UPDATE OF title, description, project_id ON tasks"}


def build(workdir: Path, database_url: str):
    os.environ.update({
        "APP_SECRET_KEY": run.SECRET, "APP_DB_PATH": str(workdir / "writes.db"),
        "APP_DATABASE_URL": database_url, "APP_LOG_LEVEL": "WARNING",
        "APP_PLUGINS_ENABLED": run.SUITE_PLUGINS, "APP_SEED_DEMO": "true",
        "APP_RATE_LIMIT_DEFAULT": "100000000", "TASKFLOW_ENV_FILE": str(workdir / "none.env")})
    from lcore_taskflow.core import create_app
    from lcore_taskflow.core.testing import Client, login

    app = create_app(dotenv=None)
    return app, login(app, "admin", "admin123"), Client


def trigger_sql(kernel) -> dict[str, str]:
    """The statements that make the two task triggers again, read from the database."""
    with kernel.database() as db:
        if db.engine == "sqlite":
            return {name: db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                                    " AND name = ?", (name,)) for name in TRIGGERS}
        rows = db.fetchall("SELECT tgname, pg_get_triggerdef(oid) AS sql FROM pg_trigger"
                           " WHERE tgname IN (?, ?)", TRIGGERS)
        return {r["tgname"]: r["sql"] for r in rows}


def set_triggers(kernel, on: bool, sql: dict[str, str]) -> None:
    with kernel.database() as db, db.transaction():
        for name in TRIGGERS:
            if on:
                db.execute(sql[name])
            else:
                db.execute(f"DROP TRIGGER {name}" + ("" if db.engine == "sqlite" else " ON tasks"))


def timed(call, n: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        call(i)
    return ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)


def measure(engine: str, database_url: str, blocks: int, n: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="taskflow-search-writes-") as tmp:
        app, admin, _ = build(Path(tmp), database_url)
        kernel = app.taskflow
        sql = trigger_sql(kernel)
        made: list[int] = []

        def create(i: int) -> None:
            reply = admin.post("/api/projects/1/tasks", json={
                "title": f"Deploy the walrus gateway {i}",
                "description": "Rotate the keys, then tell the on-call team about it."})
            assert reply.status == 201, reply
            made.append(reply.json["id"])

        def patch(i: int) -> None:
            reply = admin.patch(f"/api/projects/1/tasks/{made[i % len(made)]}",
                                json={"title": f"Deploy the walrus gateway, take {i}"})
            assert reply.status == 200, reply

        samples = {(what, on): [] for what in ("create", "patch") for on in (True, False)}
        for block in range(blocks):
            for on in ((True, False) if block % 2 == 0 else (False, True)):
                if not on:
                    set_triggers(kernel, False, sql)
                samples[("create", on)].append(timed(create, n))
                samples[("patch", on)].append(timed(patch, n))
                if not on:
                    set_triggers(kernel, True, sql)
    lines = []
    for what in ("create", "patch"):
        with_, without = samples[(what, True)], samples[(what, False)]
        wall = [statistics.median(v[0] for v in s) for s in (with_, without)]
        cpu = [statistics.median(v[1] for v in s) for s in (with_, without)]
        lines.append(f"| {engine} | {what} task | {wall[1]:,.0f} | {wall[0]:,.0f} | "
                     f"{wall[0] / wall[1]:.2f}x | {cpu[1]:,.0f} | {cpu[0]:,.0f} | "
                     f"{cpu[0] / cpu[1]:.2f}x |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--n", type=int, default=150, help="requests per block and kind")
    args = parser.parse_args(argv)
    print("| engine | request | wall µs, no index | wall µs, index | ratio "
          "| CPU µs, no index | CPU µs, index | ratio |\n|---|---|---:|---:|---:|---:|---:|---:|")
    for engine in args.engines.split(","):
        if engine == "sqlite":
            print("\n".join(measure("SQLite", "", args.blocks, args.n)), flush=True)
            continue
        from lcore_taskflow.core.testing import services

        with services.fresh_database(args.pg_url) as url:
            print("\n".join(measure("PostgreSQL", url, args.blocks, args.n)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
