"""SQLite against PostgreSQL, one against two server processes, per endpoint.

For each database size it seeds one SQLite template (``run.seed``) and one
PostgreSQL template database (``taskflow_bench_<size>``: the same ``taskflow db
seed``, the same 30 comments on the detail task, then ``ANALYZE``, the state
autovacuum reaches on its own a minute later).  For each worker count every
engine gets a fresh copy (a file copy; ``CREATE DATABASE ... TEMPLATE``), so the
rows ``create task`` adds never reach the next measurement.  The suite alone
(``suite_app.py``, plugins ``run.SUITE_PLUGINS``) runs under ``gunicorn -w W -k
gthread --threads 4``, one server per engine side by side; every endpoint must
answer its status, then wrk (``-t2 -c16 --latency``) drives each endpoint for
``--duration`` seconds per engine after a short warm-up, alternating which engine
goes first.  Halfway through each measurement it counts wrk's connections per
worker process (``ss``): a ``*`` in the table marks cells where one worker held
them all, i.e. where two workers measured one.  It prints a table (req/s and p99
per engine and worker count) and writes it with the raw numbers (and the CPU left
idle) to ``bench/results/engines.md`` and ``engines.json``.  Every database it
made is dropped at the end.

    python bench/engines.py                      # 1k and 1M tasks, about 10 minutes
    python bench/engines.py --sizes 1000 --duration 1 --warmup 0 --workers 1   # smoke

Nothing here asserts a timing: it measures and reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's seeding, server, wrk and parsing

ENGINES = ("sqlite", "postgresql")
SHORT = {"sqlite": "sqlite", "postgresql": "pg"}


def pg_url(admin_url: str, dbname: str) -> str:
    return urlsplit(admin_url)._replace(path="/" + dbname).geturl()


def pg_admin(admin_url: str, *statements: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def drop_pg(admin_url: str, dbname: str) -> None:
    pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def engine_env(engine: str, target: str, workdir: Path) -> dict[str, str]:
    """run.py's environment, on a SQLite file or a PostgreSQL URL."""
    if engine == "sqlite":
        return run.base_env(Path(target), workdir)
    env = run.base_env(workdir / "unused.db", workdir)
    env["APP_DATABASE_URL"] = target
    return env


def seed_pg(size: int, admin_url: str, workdir: Path) -> tuple[str, int, float]:
    """A seeded template database; returns (name, detail task id, seconds)."""
    name = f"taskflow_bench_{size}"
    drop_pg(admin_url, name)
    pg_admin(admin_url, f'CREATE DATABASE "{name}"')
    url = pg_url(admin_url, name)
    start = time.monotonic()
    run.sh(["taskflow", "--env-file", str(workdir / "no.env"), "db", "seed",
            "--users", "100", "--projects", "10", "--tasks", str(size)],
           env=engine_env("postgresql", url, workdir))
    seconds = time.monotonic() - start
    with psycopg.connect(url, autocommit=True) as conn:
        task = conn.execute("SELECT MIN(id) FROM tasks WHERE project_id = %s",
                            (run.LIST_PROJECT,)).fetchone()[0]
        now = time.time()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO comments (task_id, user_id, body, created_at)"
                            " VALUES (%s, %s, %s, %s)",
                            [(task, 1 + i % 3, f"Benchmark comment {i}", now)
                             for i in range(run.DETAIL_COMMENTS)])
        conn.execute("ANALYZE")
    return name, task, seconds


class Suite(run.Server):
    """The suite alone under ``gunicorn -w W -k gthread --threads 4``."""

    def __init__(self, name: str, env: dict[str, str], workers: int, workdir: Path):
        self.name, self.port = name, run.free_port()
        self.log = workdir / f"{name}.log"
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread",
               "--threads", "4", "-b", f"127.0.0.1:{self.port}", "--chdir", str(HERE),
               "--error-logfile", str(self.log), "--log-level", "warning", "suite_app:app"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=HERE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"


def conn_split(server: Suite) -> list[int]:
    """Established client connections held by each worker process, most first."""
    pids = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True,
                          text=True).stdout.split()
    try:
        ss = subprocess.run(["ss", "-tnpH", "state", "established", f"sport = :{server.port}"],
                            capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted((ss.count(f"pid={pid},") for pid in pids), reverse=True)


def record_split(server: Suite, into: list) -> None:
    into.append(conn_split(server))


def cpu_times() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def idle_percent(before: list[int], after: list[int]) -> float:
    """Share of the machine's CPU time left idle between two cpu_times()."""
    delta = [b - a for a, b in zip(before, after)]
    return 100 * delta[3] / sum(delta) if sum(delta) else float("nan")


def check(server: Suite, token: str, eps: list[run.Endpoint]) -> None:
    for ep in eps:
        status, body = run.call(server.url + ep.path, ep.method, ep.body,
                                token if ep.auth else None)
        if status != ep.expect:
            raise RuntimeError(f"{server.name} {ep.method} {ep.path}: {status} "
                               f"(expected {ep.expect}): {body[:300]!r}")


def run_size(size: int, args, workdir: Path) -> list[dict]:
    print(f"\n== {size:,} tasks: seeding ...", flush=True)
    templates, detail = {}, {}
    if "sqlite" in args.engines:
        templates["sqlite"], detail["sqlite"], secs = run.seed(size, workdir)
        print(f"   sqlite seeded in {secs:.1f}s (detail task {detail['sqlite']})", flush=True)
    if "postgresql" in args.engines:
        templates["postgresql"], detail["postgresql"], secs = seed_pg(size, args.pg_url,
                                                                      workdir)
        print(f"   postgresql seeded in {secs:.1f}s (detail task {detail['postgresql']})",
              flush=True)
    results = []
    try:
        for workers in args.workers:
            results += run_workers(size, workers, templates, detail, args, workdir)
    finally:
        if "postgresql" in templates:
            drop_pg(args.pg_url, templates["postgresql"])
        for path in workdir.glob(f"*{size}*.db*"):
            path.unlink(missing_ok=True)
    return results


def run_workers(size: int, workers: int, templates: dict, detail: dict, args,
                workdir: Path) -> list[dict]:
    """Fresh copies, one server per engine, every endpoint measured on each."""
    servers: dict[str, Suite] = {}
    copies: list[str] = []
    try:
        start = time.monotonic()
        for engine, template in templates.items():
            if engine == "sqlite":
                target = str(workdir / f"copy-{size}-{workers}w.db")
                run.copy_db(template, Path(target))
            else:
                name = f"{template}_{workers}w"
                drop_pg(args.pg_url, name)
                pg_admin(args.pg_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                copies.append(name)
                target = pg_url(args.pg_url, name)
            servers[engine] = Suite(f"{engine}-{size}-{workers}w",
                                    engine_env(engine, target, workdir), workers, workdir)
        for server in servers.values():
            server.wait_ready()
        print(f"   {workers} worker(s): copies made and servers up in "
              f"{time.monotonic() - start:.1f}s", flush=True)
        tokens = {engine: run.suite_token(s) for engine, s in servers.items()}
        eps = {engine: run.endpoints(detail[engine]) for engine in servers}
        for engine, server in servers.items():
            check(server, tokens[engine], eps[engine])
        results = []
        order = list(servers)
        for i in range(len(eps[order[0]])):
            for engine in order if i % 2 == 0 else order[::-1]:
                ep = eps[engine][i]
                script = run.lua_script(ep, tokens[engine], workdir, f"{engine}-{workers}w")
                url = servers[engine].url + ep.path
                if args.warmup:
                    run.run_wrk(url, script, args.warmup)
                load1 = float(run.load().split()[0])
                split: list[list[int]] = []
                # Half-way through, count wrk's connections per worker process.
                timer = threading.Timer(args.duration / 2, record_split,
                                        (servers[engine], split))
                cpu_before = cpu_times()
                timer.start()
                m = run.parse(run.run_wrk(url, script, args.duration), size, ep, engine)
                timer.join()
                idle = idle_percent(cpu_before, cpu_times())
                m.load1 = load1
                conns = "/".join(map(str, split[0])) if split and split[0] else "?"
                print(f"   {ep.key:<12} {engine:<10} {workers}w {m.rps:>9.1f} req/s  "
                      f"p50 {m.p50_ms:7.2f} ms  p99 {m.p99_ms:7.2f} ms  non-2xx {m.non_2xx}"
                      f"  conns {conns:<5}  cpu idle {idle:4.1f}%  load {load1:.2f}",
                      flush=True)
                row = {k: v for k, v in asdict(m).items() if k not in ("raw", "app", "round")}
                results.append({**row, "engine": engine, "workers": workers,
                                "conns": conns, "cpu_idle": round(idle, 1)})
        return results
    finally:
        for server in servers.values():
            server.stop()
        for name in copies:
            drop_pg(args.pg_url, name)


def lopsided(r: dict) -> bool:
    counts = [int(c) for c in r.get("conns", "?").split("/") if c.isdigit()]
    return len(counts) > 1 and counts[0] > 0 and not any(counts[1:])


def table(results: list[dict]) -> str:
    by = {(r["size"], r["endpoint"], r["engine"], r["workers"]): r for r in results}
    sizes = list(dict.fromkeys(r["size"] for r in results))
    keys = list(dict.fromkeys(r["endpoint"] for r in results))
    cols = list(dict.fromkeys((r["engine"], r["workers"]) for r in results))
    cols.sort(key=lambda c: (ENGINES.index(c[0]), c[1]))
    names = [f"{SHORT[e]} {w}w" for e, w in cols]
    out = ["| tasks | endpoint | " + " | ".join(f"{n} req/s · p99 ms" for n in names) + " |",
           "|---:|---|" + "---:|" * len(cols)]
    for size in sizes:
        for key in keys:
            cells = [by.get((size, key, *c)) for c in cols]
            out.append(f"| {size:,} | {key} | " + " | ".join(
                f"{r['rps']:,.0f} · {r['p99_ms']:.1f}{'*' if lopsided(r) else ''}" if r
                else "-" for r in cells) + " |")
    if len(sizes) == 2:
        small, large = sizes
        out += ["", f"req/s at {large:,} tasks / req/s at {small:,}:", "",
                "| endpoint | " + " | ".join(names) + " |", "|---|" + "---:|" * len(cols)]
        for key in keys:
            ratios = []
            for c in cols:
                a, b = by.get((small, key, *c)), by.get((large, key, *c))
                mark = "*" if a and b and (lopsided(a) or lopsided(b)) else ""
                ratios.append(f"{b['rps'] / a['rps']:.2f}{mark}" if a and b and a["rps"] else "-")
            out.append(f"| {key} | " + " | ".join(ratios) + " |")
    if any(lopsided(r) for r in results):
        out += ["", "\\* one worker held all of wrk's 16 connections (the others served "
                "nothing), so this cell measured one process (in the ratios: at either size)."]
    bad = [r for r in results if r["non_2xx"] or r["socket_errors"]]
    if bad:
        out += ["", "Errors during load: " + "; ".join(
            f"{r['size']} {r['endpoint']} {r['engine']} {r['workers']}w: non-2xx "
            f"{r['non_2xx']} {r['socket_errors']}" for r in bad)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,1000000",
                        help="comma-separated task counts (default 1000,1000000)")
    parser.add_argument("--duration", type=float, default=5,
                        help="measured seconds per endpoint, engine and worker count (5)")
    parser.add_argument("--warmup", type=float, default=1,
                        help="warm-up seconds before each measurement (1; 0 = none)")
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated gunicorn worker counts (default 1,2)")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="comma-separated engines (default sqlite,postgresql)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL allowed to CREATE and DROP DATABASE; the "
                             "benchmark databases are made beside its database")
    parser.add_argument("--out", default=str(HERE / "results"),
                        help="where engines.md and engines.json go")
    parser.add_argument("--table", metavar="JSON",
                        help="only print the table of a saved engines.json, no run")
    args = parser.parse_args(argv)
    if args.table:
        print(table(json.loads(Path(args.table).read_text())["results"]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    args.workers = [int(w) for w in args.workers.split(",")]
    args.engines = [e for e in ENGINES if e in args.engines.split(",")]
    if not shutil.which("taskflow"):
        parser.error("the taskflow command is not on PATH (activate the venv)")
    info = run.machine()
    started, load_before, t0 = (dt.datetime.now().isoformat(timespec="seconds"), run.load(),
                                time.monotonic())
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="taskflow-engines-") as tmp:
        for size in sizes:
            results += run_size(size, args, Path(tmp))
    minutes = (time.monotonic() - t0) / 60
    command = "python bench/engines.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if "postgresql" in args.engines:
        with psycopg.connect(args.pg_url) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    header = (f"Run {started}, {minutes:.1f} min; command: `{command.strip()}`; "
              f"wrk -t2 -c16 -d{args.duration:g}s (+{args.warmup:g}s warm-up) per cell; "
              f"suite only, gunicorn -w W -k gthread --threads 4\n"
              f"Machine: {info}\nLoad average (1/5/15 min) before {load_before}, "
              f"after {run.load()}\n")
    md = table(results)
    print("\n" + header + "\n" + md)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "engines.md").write_text(header + "\n" + md + "\n")
    (out / "engines.json").write_text(json.dumps({
        "started": started, "minutes": round(minutes, 2), "command": command.strip(),
        "machine": info, "load_before": load_before, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
