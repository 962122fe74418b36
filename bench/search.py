"""Search latency at scale: ``GET /api/search`` and the board's ``q=`` filter, both engines.

Builds, per engine, the dataset of ``access.py`` (projects, most of them
private, users, teams, memberships; its loader: ``bulk_insert`` with the
tasks' triggers off) with searchable text: every task gets a title of 3-6
words and a description of 8-20 words, and ``--comments`` comments (default
two per task) of 6-16 words, drawn from a vocabulary of 20,000 made-up words
with Zipf-like frequencies, so a query can be common, middling or rare.  The
comments go in with their triggers off too, then ``kernel.search.reindex()``
builds the index (on PostgreSQL with its GIN index dropped meanwhile and built
after, one sort), then ``ANALYZE``.

It assembles the real suite on the loaded database (``access.make_app``) and
times each query in process through Lcore's ``TestClient`` on a worker thread
(as ``inprocess.py`` and ``access.py`` do), as the admin (no access
condition) and as ``bench_member`` (a member of 20 private projects who also
sees the workspace-visible ones): ``--repeat`` requests per query after a
warm-up, interleaved across queries, and reports p50 and p99 of the wall time
per request, and the median CPU time of this process (on PostgreSQL the
server's own CPU is not in it; wall time is the measure there).

    python bench/search.py                                   # 1M tasks, 2M comments, both engines
    python bench/search.py --tasks 1000 --projects 100      # a smoke run, ~20 s
    python bench/search.py --tasks 100000 --engines sqlite --keep --workdir /tmp/s

Results: ``bench/results/search.md`` and ``search.json`` (``--out`` elsewhere).
Nothing here asserts a timing: it measures and reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import access
import run

HERE = Path(__file__).resolve().parent
PG_DB = f"taskflow_search_bench_{os.getpid()}"   # two runs side by side do not collide
VOCABULARY = 20_000
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "do", "ga", "hi",
             "ba", "fe", "jo", "xu", "wy", "qi", "cy")


# ----------------------------------------------------------------- the text
def vocabulary(rng: random.Random) -> list[str]:
    """20,000 distinct made-up words of 2-4 syllables, rank 1 the most frequent."""
    words: set[str] = set()
    ordered = []
    while len(ordered) < VOCABULARY:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in words:
            words.add(word)
            ordered.append(word)
    return ordered


class Text:
    """Sentences of words drawn by rank with weight 1/rank (Zipf, s=1).

    The words come from a bag holding word ``r`` about 100,000/r times, drawn
    for all sentences at once: unweighted draws are the fast ones in pure Python.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary(rng)
        self.bag = [w for r, w in enumerate(self.words, 1) for _ in range(round(100_000 / r))]

    def sentences(self, n: int, low: int, high: int) -> list[str]:
        lengths = self.rng.choices(range(low, high + 1), k=n)
        words = self.rng.choices(self.bag, k=sum(lengths))
        ends = list(itertools.accumulate(lengths))
        return [" ".join(words[end - length:end]) for end, length in zip(ends, lengths)]


def queries(words: list[str], list_project: int) -> list[tuple[str, str]]:
    """(name, path) of every measured request."""
    # rank 10: in about 15 % of the tasks and 10 % of the comments; rank 1,000 in about
    # 0.15 %; rank 15,000 in a handful of documents per 100,000
    common, middling, rare = words[9], words[999], words[14_999]
    return [
        ("common word", f"/api/search?q={common}"),
        ("middling word", f"/api/search?q={middling}"),
        ("rare word", f"/api/search?q={rare}"),
        ("prefix (3 letters)", f"/api/search?q={words[49][:3]}"),
        ("two words", f"/api/search?q={words[19]}+{words[299]}"),
        ("common, one project", f"/api/search?q={common}&project_id={list_project}"),
        ("board q= (common)", f"/api/projects/{list_project}/tasks?q={common}&sort=position"),
        ("board q= (rare)", f"/api/projects/{list_project}/tasks?q={rare}&sort=position"),
    ]


# ------------------------------------------------------------------- loading
def add_text(model: access.Model, text: Text, comments_per_task: float, rng) -> list[tuple]:
    """Titles and descriptions on the model's tasks; the comments rows."""
    n = len(model.tasks)
    titles, descriptions = text.sentences(n, 3, 6), text.sentences(n, 8, 20)
    model.tasks = [(title, *row[1:], description)
                   for row, title, description in zip(model.tasks, titles, descriptions)]
    del titles, descriptions
    n_users, total = len(model.users), int(n * comments_per_task)
    bodies = text.sentences(total, 6, 16)
    return [(task_id, rng.randrange(1, n_users + 1), body, model.tasks[task_id - 1][-2] + i)
            for i, (task_id, body) in enumerate(zip(rng.choices(range(1, n + 1), k=total),
                                                    bodies))]


def load_comments(db, comments: list[tuple]) -> float:
    """The comments in bulk, their triggers off; each task's comment_count from them."""
    start = time.monotonic()
    with db.transaction():
        if db.engine == "sqlite":
            triggers = db.fetchall("SELECT name, sql FROM sqlite_master"
                                   " WHERE type = 'trigger' AND tbl_name = 'comments'")
            for trig in triggers:
                db.execute(f'DROP TRIGGER "{trig["name"]}"')
        else:
            db.execute("ALTER TABLE comments DISABLE TRIGGER USER")
        indexes = access.secondary_indexes(db, ("comments",))
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
        db.bulk_insert("comments", ("task_id", "user_id", "body", "created_at"), comments)
        for _name, sql in indexes:
            db.execute(sql)
        if db.engine == "sqlite":
            for trig in triggers:
                db.execute(trig["sql"])
        else:
            db.execute("ALTER TABLE comments ENABLE TRIGGER USER")
    return time.monotonic() - start


def reindex(kernel) -> tuple[int, float]:
    """``kernel.search.reindex()``; on PostgreSQL the GIN index is built after the rows."""
    start = time.monotonic()
    gin = None
    with kernel.database() as db:
        engine = db.engine
    if engine == "postgresql":
        with kernel.database() as db:
            gin = db.scalar("SELECT indexdef FROM pg_indexes WHERE indexname ="
                            " 'idx_search_index_tsv'")
            db.execute("DROP INDEX idx_search_index_tsv")
    documents = kernel.search.reindex()
    if gin:
        with kernel.database() as db:
            db.execute("SET maintenance_work_mem = '512MB'")
            db.execute(gin)
    return documents, time.monotonic() - start


# ---------------------------------------------------------------- measuring
def measure(app, tokens: dict[str, str], asked: list[tuple[str, str]], repeat: int,
            server: access.ServerCPU | None = None) -> list[dict]:
    """``repeat`` timed requests per (query, user), interleaved; p50/p99 wall, median CPU
    (of this process, plus the PostgreSQL backends' when ``server`` is given)."""
    from lcore import TestClient

    client = TestClient(app)
    times = {(name, who): ([], []) for name, _ in asked for who in tokens}
    answers = {}
    def get(path: str, headers: dict):
        route, query = path.split("?", 1)
        return client.request("GET", route, headers=headers, query_string=query)

    for name, path in asked:
        for who, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            for _ in range(3):   # warm caches and the pool
                reply = get(path, headers)
            if reply.status_code != 200:
                raise SystemExit(f"GET {path} as {who}: {reply.status} {reply.body[:300]!r}")
            answers[(name, who)] = reply.json.get("total")
    for _ in range(repeat):
        for name, path in asked:
            for who, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
                before = server.snapshot() if server else None
                wall, cpu = time.perf_counter(), time.process_time()
                get(path, headers)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if server:
                    cpu += server.seconds_since(before)
                times[(name, who)][0].append(wall * 1000)
                times[(name, who)][1].append(cpu * 1000)
    rows = []
    for name, path in asked:
        for who in tokens:
            wall, cpu = times[(name, who)]
            wall.sort()
            rows.append({"query": name, "path": path, "user": who, "total": answers[(name, who)],
                         "p50_ms": statistics.median(wall),
                         "p99_ms": wall[min(len(wall) - 1, round(0.99 * (len(wall) - 1)))],
                         "cpu_p50_ms": statistics.median(cpu), "requests": len(wall)})
    return rows


class Dataset:
    """The rows every engine gets (built once: the text is most of the time)."""

    def __init__(self, args):
        rng = random.Random(args.random_seed)
        start = time.monotonic()
        self.model = access.build_model(args)
        self.text = Text(rng)
        self.comments = add_text(self.model, self.text, args.comments, rng)
        self.seconds = round(time.monotonic() - start, 1)
        print(f"model in {self.seconds}s: {len(self.model.tasks):,} tasks, "
              f"{len(self.comments):,} comments, {len(self.model.projects):,} projects",
              flush=True)


def run_engine(engine: str, args, workdir: Path, data: Dataset) -> dict:
    print(f"\n== {engine}", flush=True)
    result: dict = {"engine": engine, "model_seconds": data.seconds}
    if engine == "sqlite":
        target = str(workdir / "search.db")
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
    else:
        target = access.pg_url(args.pg_url, PG_DB)
        access.pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)',
                        f'CREATE DATABASE "{PG_DB}"')
    try:
        quiet = logging.getLogger("lcore_taskflow")   # "the database has no users yet"
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            app = access.make_app(engine, target, workdir)
        finally:
            quiet.setLevel(level)
        kernel = app.taskflow
        tables = access.TABLES
        access.TABLES = tuple(
            (t, (*cols, "description") if t == "tasks" else cols) for t, cols in tables)
        try:
            with kernel.database() as db:
                result["load_seconds"] = round(sum(access.load(db, data.model).values()), 1)
                result["comments_seconds"] = round(load_comments(db, data.comments), 1)
        finally:
            access.TABLES = tables
        meta = data.model.meta
        documents, seconds = reindex(kernel)
        result["documents"], result["reindex_seconds"] = documents, round(seconds, 1)
        with kernel.database() as db:
            result["analyze_seconds"] = round(access.analyze(db), 1)
        print(f"   loaded in {result['load_seconds']}s + comments {result['comments_seconds']}s,"
              f" indexed {documents:,} documents in {result['reindex_seconds']}s", flush=True)
        kernel.close()
        app = access.make_app(engine, target, workdir)   # fresh connections, fresh statistics
        from lcore_taskflow.core.testing import login

        tokens = {"admin": login(app, "admin", access.PASSWORD).token,
                  "member": login(app, access.NAMES["member"], access.PASSWORD).token}
        asked = queries(data.text.words, meta["list_project"])
        server = None
        if engine == "postgresql":
            server = access.ServerCPU(target)
            if not server.available:        # a server on another machine: wall time only
                server.close()
                server = None
        result["cpu_includes_server"] = server is not None
        result["rows"] = access.in_worker_thread(measure, app, tokens, asked, args.repeat,
                                                 server)
        if server:
            server.close()
        for row in result["rows"]:
            print(f"   {row['query']:<20} {row['user']:<7} p50 {row['p50_ms']:7.2f} ms"
                  f"  p99 {row['p99_ms']:7.2f} ms  cpu {row['cpu_p50_ms']:6.2f} ms"
                  f"  total {row['total']}", flush=True)
        app.taskflow.close()
    finally:
        if engine == "postgresql":
            access.pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
    return result


# ------------------------------------------------------------------ reports
def table(results: list[dict]) -> str:
    lines = ["| engine | query | user | total | p50 ms (wall) | p99 ms (wall) | CPU p50 ms |",
             "|---|---|---|---:|---:|---:|---:|"]
    for result in results:
        for r in result["rows"]:
            total = "—" if r["total"] is None else f"{r['total']:,}"
            lines.append(f"| {result['engine']} | {r['query']} | {r['user']} | {total} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_p50_ms']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks (1000000)")
    parser.add_argument("--comments", type=float, default=2.0, help="comments per task (2)")
    parser.add_argument("--projects", type=int, default=None,
                        help="projects (default tasks/100, at least 40)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=100,
                        help="timed requests per query and user (100)")
    parser.add_argument("--workdir", help="where the SQLite database goes (default: a temp dir)")
    parser.add_argument("--random-seed", type=int, default=42)
    parser.add_argument("--out", default=str(HERE / "results"),
                        help="where search.md and search.json go")
    args = parser.parse_args(argv)
    args.projects = args.projects or max(40, args.tasks // 100)
    args.users = min(1000, args.projects // 10 + 50)
    args.teams = max(2, min(200, args.projects // 50))
    args.memberships = 5 * args.projects
    args.workspace = 0.05
    args.activity = 1000                 # the feed is not what this measures
    args.admin_tasks = max(20, args.tasks // 5000)
    engines = [e for e in access.ENGINES if e in args.engines.split(",")]
    started, t0 = dt.datetime.now().isoformat(timespec="seconds"), time.monotonic()
    load_before = run.load()
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="taskflow-search-")
        workdir = Path(tmp)
    try:
        data = Dataset(args)
        results = [run_engine(engine, args, workdir, data) for engine in engines]
    finally:
        shutil.rmtree(workdir / "uploads", ignore_errors=True)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    command = "python bench/search.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = {"command": command, "started": started, "machine": access.machine(),
              "load_before": load_before, "load_after": run.load(),
              "minutes": round((time.monotonic() - t0) / 60, 1),
              "tasks": args.tasks, "comments_per_task": args.comments,
              "projects": args.projects, "results": results}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "search.json").write_text(json.dumps(report, indent=2))
    (out / "search.md").write_text(
        f"# `{command}`\n\n{started}, {report['minutes']} min, load {load_before} → "
        f"{report['load_after']}\n\n{table(results)}\n")
    print("\n" + table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
