"""What project-scoped plugins cost per request (issue 23 item 5, SPEC §13).

Assembles the suite in process (``create_app()`` with core, auth, notify and ui on a fresh
SQLite file per app; Lcore's test client through the testing kit, no HTTP) and times the
task list of one project (50 tasks, all on one page) in interleaved blocks, for:

* ``0 plugins``: the suite alone;
* ``10 plain``: ten trivial plugins that each add a field to every task row
  (``taskflow_represent``) and listen to events: the baseline for the next two;
* ``10 scoped, on``: the same ten, declared ``project_scoped = True`` and on in the project;
* ``10 scoped, off``: the same ten, project-scoped and off in the project.

It also counts the SQL statements of one request of each (``QueryCounter``): the scoping
costs at most one query per request (``project_plugins``), and none without scoped plugins.

    python bench/scoped.py                  # ~1 min
    python bench/scoped.py --blocks 9 --n 400

Prints a Markdown table (median of the blocks, wall and CPU time of this process, the CPU
spread); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's secret and plugin list

PASSWORD = "bench-scoped-password-7"
TASKS = 50


def trivial_plugins(count: int, scoped: bool) -> list:
    """``count`` plugins that add ``bench_<i>`` to each task row and hear every event."""
    from lcore_taskflow.core import CORE_API, hookimpl

    made = []
    for i in range(count):
        key = f"bench_{i}"

        def represent(self, kind, rows, kernel, key=key):
            if kind == "task":
                for row in rows:
                    row[key] = True

        def event(self, event, kernel):
            pass

        cls = type(f"Bench{i}", (), {"name": key, "version": "1", "core_api": CORE_API,
                                      "project_scoped": scoped,
                                      "taskflow_represent": hookimpl(represent),
                                      "taskflow_event": hookimpl(event)})
        made.append(cls())
    return made


def build(workdir: Path, name: str, plugins: list, enable: bool):
    """An app with ``plugins``, a project of TASKS tasks; the client and the list's path."""
    os.environ.update({
        "APP_SECRET_KEY": run.SECRET, "APP_DB_PATH": str(workdir / f"{name}.db"),
        "APP_LOG_LEVEL": "WARNING", "APP_PLUGINS_ENABLED": run.SUITE_PLUGINS,
        "APP_LOGIN_RATE_LIMIT": "1000000", "APP_RATE_LIMIT_DEFAULT": "100000000",
        "TASKFLOW_ENV_FILE": str(workdir / "none.env")})
    from lcore_taskflow.core import create_app
    from lcore_taskflow.core.testing import Client

    app = create_app(plugins=plugins, dotenv=None)
    app.taskflow.users.create({"username": "boss", "email": "boss@bench.local",
                               "password": PASSWORD, "role": "admin"})
    client = Client(app)
    token = client.post("/auth/login", json={"username": "boss",
                                             "password": PASSWORD}).json["token"]
    client = client.with_token(token)
    pid = client.post("/api/projects/", json={"name": "Bench"}).json["id"]
    for i in range(TASKS):
        assert client.post(f"/api/projects/{pid}/tasks", json={"title": f"Task {i}"}).status \
            == 201
    for plugin in plugins if enable else ():
        assert client.put(f"/api/projects/{pid}/plugins/{plugin.name}",
                          json={"enabled": True}).status == 200
    return app, client, f"/api/projects/{pid}/tasks?limit={TASKS}"


def timed(call, n: int) -> tuple[float, float]:
    """Wall and CPU (this process) µs per call: CPU time holds on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    return ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="requests per block")
    args = parser.parse_args(argv)
    from lcore_taskflow.core.testing import QueryCounter

    variants = {"0 plugins": ([], False), "10 plain": (trivial_plugins(10, False), False),
                "10 scoped, on": (trivial_plugins(10, True), True),
                "10 scoped, off": (trivial_plugins(10, True), False)}
    with tempfile.TemporaryDirectory(prefix="taskflow-scoped-") as tmp:
        cases, apps, queries = {}, [], {}
        for n, (name, (plugins, enable)) in enumerate(variants.items()):
            app, client, path = build(Path(tmp), f"app{n}", plugins, enable)
            apps.append(app)
            answer = client.get(path)
            assert answer.status == 200 and len(answer.json["tasks"]) == TASKS, answer
            fields = sum(k.startswith("bench_") for k in answer.json["tasks"][0])
            assert fields == (0 if name in ("0 plugins", "10 scoped, off") else 10), name
            counter = QueryCounter()
            with counter:
                client.get(path)
            queries[name] = (counter.count, len(counter.matching("project_plugins")))
            cases[name] = lambda client=client, path=path: client.get(path)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for block in range(args.blocks):
            order = list(cases)[block % len(cases):] + list(cases)[:block % len(cases)]
            for name in order:
                samples[name].append(timed(cases[name], args.n))
        for app in apps:
            app.taskflow.close()
    print(f"task list of {TASKS} tasks, {args.blocks} blocks of {args.n}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| plugins | wall µs (median) | CPU µs (median) | CPU spread µs | SQL statements "
          "(of which project_plugins) |\n|---|---:|---:|---:|---:|")
    for name, values in samples.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        total, scoped = queries[name]
        print(f"| {name} | {statistics.median(wall):,.0f} | {statistics.median(cpu):,.0f} | "
              f"{min(cpu):,.0f} to {max(cpu):,.0f} | {total} ({scoped}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
