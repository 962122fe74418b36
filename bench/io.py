"""Data in and out (lcore-taskflow-io): importing a big Trello board, exporting a big project.

* **Import**: a synthetic Trello board of ``--cards`` cards (each with two checklist items,
  a comment and a label, a third of them closed) is queued with ``POST /api/imports`` and
  run by the import worker's own code (``ImportWorker.run_once``), timed, then run again in
  a fresh database under ``tracemalloc`` for its peak Python memory.
* **Export**: a project of N tasks (``--export-sizes``, bulk-inserted) is exported with
  ``GET /api/projects/<pid>/export`` (JSON and CSV) through the WSGI app, every chunk read
  and thrown away as a client would; timed, then measured again under ``tracemalloc``.
  Flat memory means the peak does not grow with N.

The apps are the testing kit's (``make_app``: core + io + taskflow-labels, a header
identity), on SQLite files in a temporary directory, or on PostgreSQL with ``--engine
postgresql`` (a throwaway database on the kit's server).  Nothing asserts a timing.

    python bench/io.py                                        # 10k cards, 10k/50k/100k tasks
    python bench/io.py --cards 500 --export-sizes 1000 2000   # smoke
    python bench/io.py --engine postgresql --cards 1000 --import-only --no-memory
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

from lcore_taskflow.core.testing import Client, HeaderIdentity, QueryCounter, make_app
from lcore_taskflow.io import IOPlugin
from lcore_taskflow.io.imports import ImportWorker
from taskflow_labels import LabelsPlugin

BOUNDARY = "benchioboundary"


def trello_board(cards: int) -> bytes:
    lists = [{"id": f"l{i}", "name": name} for i, name in
             enumerate(("Backlog", "Doing", "Review", "Done"))]
    board: dict[str, Any] = {"name": f"Bench board ({cards} cards)", "lists": lists,
                             "cards": [], "checklists": [], "actions": [],
                             "labels": [{"id": f"lb{i}", "name": f"label {i}", "color": c}
                                        for i, c in enumerate(("green", "red", "blue"))]}
    for i in range(cards):
        board["cards"].append({
            "id": f"c{i}", "name": f"Card {i}: <b>bold</b> & text", "pos": i,
            "desc": "A description with a few words in it. " * 4,
            "idList": f"l{i % 4}", "closed": i % 3 == 0, "due": "2026-05-01T10:00:00.000Z",
            "idLabels": [f"lb{i % 3}"], "idMembers": []})
        board["checklists"].append({"id": f"cl{i}", "idCard": f"c{i}", "pos": 1, "checkItems": [
            {"name": "first", "state": "complete", "pos": 1},
            {"name": "second", "state": "incomplete", "pos": 2}]})
        board["actions"].append({"type": "commentCard", "date": "2026-03-01T00:00:00Z",
                                 "data": {"text": f"Comment on card {i}", "card": {"id": f"c{i}"}},
                                 "memberCreator": {"username": "nobody", "fullName": "Nobody"}})
    return json.dumps(board).encode()


def form(content: bytes) -> tuple[bytes, str]:
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\ntrello\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="b.json"\r\n'
            f"Content-Type: application/json\r\n\r\n").encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode(), \
        f"multipart/form-data; boundary={BOUNDARY}"


@contextlib.contextmanager
def database(engine: str, directory: Path) -> Iterator[dict[str, Any]]:
    """Settings for a new, empty database of ``engine``."""
    if engine == "sqlite":
        yield {"db_path": str(directory / "bench.db")}
        return
    from lcore_taskflow.core.testing import require_postgres
    from lcore_taskflow.core.testing.services import fresh_database
    with fresh_database(require_postgres()) as url:
        yield {"database_url": url}


def app_on(directory: Path, settings: dict[str, Any]):
    return make_app(directory, plugins=[HeaderIdentity(), IOPlugin(), LabelsPlugin()],
                    seed_demo=True,
                    import_worker=False, import_max_bytes=256 * 1024 * 1024,
                    max_upload_size=256 * 1024 * 1024, **settings)


def measured(run: Callable[[], Any], memory: bool) -> tuple[float, int, Any]:
    """``(seconds, peak bytes allocated during run or 0, result)``."""
    gc.collect()
    if memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = 0
    if memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, peak, result


def bench_import(engine: str, cards: int, memory: bool) -> dict[str, Any]:
    content = trello_board(cards)
    with tempfile.TemporaryDirectory(prefix="bench-io-") as tmp, \
            database(engine, Path(tmp)) as settings:
        app = app_on(Path(tmp), settings)
        try:
            body, ctype = form(content)
            queued = Client(app).as_user("admin").post("/api/imports", body=body,
                                                       content_type=ctype)
            assert queued.status == 202, queued.text
            worker = ImportWorker(app.taskflow, type("S", (), {"import_lease": 3600,
                                                               "import_poll": 1})())
            cpu = time.process_time()
            with QueryCounter() as queries:
                seconds, peak, outcome = measured(worker.run_once, memory)
            cpu = time.process_time() - cpu
            assert outcome == "done", outcome
            with app.taskflow.database() as db:
                tasks = db.scalar("SELECT COUNT(*) FROM tasks WHERE project_id ="
                                  " (SELECT MAX(id) FROM projects)")
            assert tasks == cards, tasks
        finally:
            app.taskflow.close()
    return {"cards": cards, "file_bytes": len(content), "seconds": round(seconds, 2),
            "cards_per_s": round(cards / seconds), "peak_mib": round(peak / 2**20, 1),
            "cpu_seconds": round(cpu, 2),  # this process only (not PostgreSQL's server)
            "statements_per_card": round(queries.count / cards, 1)}


def seed_tasks(app, count: int) -> int:
    """A project of ``count`` tasks (bulk, as ``taskflow db seed`` does), its id."""
    kernel = app.taskflow
    with kernel.database() as db:
        admin = kernel.users.get(1)
        with db.transaction():
            pid = kernel.content.create_project({"name": f"Export {count}"}, actor=admin)["id"]
        now = time.time()
        for start in range(0, count, 5000):
            with db.transaction():
                db.bulk_insert("tasks", ("title", "description", "project_id", "creator_id",
                                         "status", "priority", "position", "created_at"),
                               ((f"Task {i}", "Some words about the task. " * 3, pid, 1,
                                 ("todo", "in_progress", "done")[i % 3], "medium", i + 1, now)
                                for i in range(start, min(count, start + 5000))))
    return pid


def drain(app, path: str) -> int:
    """Run one GET through the WSGI app and read every chunk; the bytes read."""
    environ: dict[str, Any] = {"PATH_INFO": path.split("?")[0],
                               "QUERY_STRING": path.partition("?")[2],
                               "HTTP_X_TEST_USER": "admin", "HTTP_ACCEPT": "*/*"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = app(environ, lambda s, h, exc=None: status.append(s))
    size = 0
    try:
        for chunk in body:
            size += len(chunk)
    finally:
        getattr(body, "close", lambda: None)()
    assert status and status[0].startswith("200"), status
    return size


def bench_export(engine: str, sizes: list[int], memory: bool) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-io-") as tmp, \
            database(engine, Path(tmp)) as settings:
        app = app_on(Path(tmp), settings)
        try:
            for size in sizes:
                pid = seed_tasks(app, size)
                for fmt in ("json", "csv"):
                    path = f"/api/projects/{pid}/export?format={fmt}"
                    seconds, _, nbytes = measured(lambda p=path: drain(app, p), False)
                    _, peak, _ = measured(lambda p=path: drain(app, p), True) if memory \
                        else (0, 0, 0)
                    results.append({"tasks": size, "format": fmt, "bytes": nbytes,
                                    "seconds": round(seconds, 2),
                                    "tasks_per_s": round(size / seconds),
                                    "peak_mib": round(peak / 2**20, 1)})
                    print(json.dumps(results[-1]), file=sys.stderr)
        finally:
            app.taskflow.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--export-sizes", type=int, nargs="+",
                        default=[10_000, 50_000, 100_000])
    parser.add_argument("--import-only", action="store_true", help="skip the exports")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the tracemalloc passes (they run 2-3x slower)")
    args = parser.parse_args(argv)
    memory = not args.no_memory
    imported = bench_import(args.engine, args.cards, False)
    if memory:
        imported["peak_mib"] = bench_import(args.engine, args.cards, True)["peak_mib"]
    print(json.dumps({"import": imported}), file=sys.stderr)
    exported = [] if args.import_only else bench_export(args.engine, args.export_sizes, memory)
    print(f"\n## {args.engine}: import of a Trello board, export of a project\n")
    print("| import | file | time | cards/s | CPU (this process) | statements/card |"
          " peak Python memory |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {imported['cards']:,} cards | {imported['file_bytes'] / 2**20:.1f} MiB | "
          f"{imported['seconds']} s | {imported['cards_per_s']:,} | "
          f"{imported['cpu_seconds']} s | {imported['statements_per_card']} | "
          f"{imported['peak_mib']} MiB |")
    print("\n| export | format | bytes | time | tasks/s | peak Python memory |")
    print("|---|---|---:|---:|---:|---:|")
    for row in exported:
        print(f"| {row['tasks']:,} tasks | {row['format']} | {row['bytes'] / 2**20:.1f} MiB | "
              f"{row['seconds']} s | {row['tasks_per_s']:,} | {row['peak_mib']} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
