"""In-process comparison and profile: where the suite spends time per request.

Builds both apps in this process (Lcore's ``TestClient``, no HTTP, no
server), each on its own copy of a database seeded by ``taskflow db seed``,
and times every benchmarked endpoint in interleaved blocks: the median
per-request time of each app and their ratio.  Single-threaded CPU time is
much less sensitive to a busy machine than a load run, so it says what the
plugin layer itself costs.  ``--profile ENDPOINT`` adds a cProfile of the
suite on that endpoint (``--app handwired`` profiles the baseline instead).

Three apps: the suite, the hand-wired Lcore app and a minimal Flask app
(``flask_app.py``, the same SQL; needs Flask, which only the benchmark
installs).  Every request carries ``Accept-Encoding: gzip`` as a browser's
does, so each app pays for compressing what it answers.

    python bench/inprocess.py --tasks 1000
    python bench/inprocess.py --tasks 1000 --profile "task list"
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import importlib.util
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's seeding and endpoint list

#: The apps compared and their modules.
APPS = {"handwired": "handwired_app", "suite": "suite_app", "flask": "flask_app"}
#: What a browser sends; every app compresses a JSON answer of 256 bytes or more.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate"}


def _fresh(module: str, alias: str):
    """A second, independent copy of ``bench/<module>.py`` (reads ``APP_DB_PATH`` anew)."""
    spec = importlib.util.spec_from_file_location(alias, HERE / f"{module}.py")
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh


def build(workdir: Path, template: Path, names: list[str]) -> dict:
    """The apps in this process, each on its own copy of the template database."""
    os.environ.update(APP_SECRET_KEY=run.SECRET, APP_LOG_LEVEL="WARNING",
                      APP_UPLOAD_DIR=str(workdir / "uploads"),
                      APP_PLUGINS_ENABLED=run.SUITE_PLUGINS,
                      TASKFLOW_ENV_FILE=str(workdir / "no.env"))
    from lcore import TestClient

    apps = {}
    for name in names:
        db = workdir / f"{name}.db"
        run.copy_db(template, db)
        os.environ["APP_DB_PATH"] = str(db)
        module = importlib.import_module(APPS[name])
        if name == "flask":  # its own handwired_app: its own database copy and connections
            module.hw = _fresh("handwired_app", "handwired_for_flask")
        apps[name] = TestClient(module.app)
    tokens = {name: run.handwired_token() for name in names}
    if "suite" in apps:
        login = apps["suite"].post("/auth/login",
                                   json={"username": "admin", "password": "admin123"})
        if login.status_code != 200:
            raise SystemExit(f"suite login failed: {login.status} {login.text[:300]}")
        tokens["suite"] = login.json["token"]
    return {name: (client, tokens[name]) for name, client in apps.items()}


def caller(client, token: str, ep: run.Endpoint):
    headers = dict(BROWSER_HEADERS)
    if ep.auth:
        headers["Authorization"] = f"Bearer {token}"
    path, _, query = ep.path.partition("?")

    def call():
        r = client.request(ep.method, path, headers=headers, query_string=query,
                           json=ep.body)
        if r.status_code != ep.expect:
            raise SystemExit(f"{ep.method} {ep.path}: {r.status} {r.text[:300]}")
    return call


def same_answers(apps: dict, eps: list[run.Endpoint]) -> None:
    """Every app answers each read endpoint with the suite's JSON (apart from counters
    and versions): otherwise the comparison would time different work."""
    for ep in eps:
        if ep.method != "GET":
            continue
        bodies = {}
        for name, (client, token) in apps.items():
            path, _, query = ep.path.partition("?")
            reply = client.request("GET", path, query_string=query,
                                   headers={"Authorization": f"Bearer {token}"})
            bodies[name] = {k: v for k, v in reply.json.items()  # "_...": the seed's plugins
                           if k not in run.VOLATILE and not k.startswith("_")}
        first, *others = bodies
        for name in others:
            if bodies[name] != bodies[first]:
                raise SystemExit(f"{ep.key}: {name} answers other JSON than {first}:\n"
                                 f"{bodies[name]}\n{bodies[first]}")


def per_request_us(call, n: int) -> float:
    """CPU time of this process (every thread) per request: other load hardly counts."""
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n * 1e6


def compare(apps: dict, eps: list[run.Endpoint], blocks: int, n: int) -> list[tuple]:
    """Per endpoint: ``(key, {app: (median us, min us, max us)})``.

    Blocks are interleaved and the order of the apps rotates from block to
    block, so a burst of load on the shared machine falls on each app alike.
    """
    rows = []
    names = list(apps)
    for ep in eps:
        calls = {name: caller(client, token, ep) for name, (client, token) in apps.items()}
        for call in calls.values():
            per_request_us(call, max(10, n // 5))  # warm caches and the connection pool
        times: dict[str, list[float]] = {name: [] for name in calls}
        for b in range(blocks):
            order = names[b % len(names):] + names[:b % len(names)]
            for name in (order if b % 2 == 0 else order[::-1]):
                times[name].append(per_request_us(calls[name], n))
        rows.append((ep.key, {name: (statistics.median(t), min(t), max(t))
                              for name, t in times.items()}))
    return rows


def table(rows: list[tuple], names: list[str]) -> str:
    """Median CPU us per request (spread of the blocks), and the suite's throughput ratios."""
    peers = [n for n in names if n != "suite"]
    head = ["endpoint", *(f"{n} us (min-max)" for n in names),
            *(f"suite/{n}" for n in peers if "suite" in names)]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for key, cells in rows:
        line = [key, *(f"{cells[n][0]:,.0f} ({cells[n][1]:,.0f}-{cells[n][2]:,.0f})"
                       for n in names)]
        if "suite" in names:
            line += [f"**{cells[n][0] / cells['suite'][0]:.2f}**" for n in peers]
        lines.append("| " + " | ".join(line) + " |")
    return "\n".join(lines)


def _profiled(apps: dict, ep: run.Endpoint, app: str, n: int) -> cProfile.Profile:
    client, token = apps[app]
    call = caller(client, token, ep)
    per_request_us(call, 20)
    prof = cProfile.Profile(time.process_time)  # CPU time: other load hardly counts
    prof.enable()
    for _ in range(n):
        call()
    prof.disable()
    return prof


def area(filename: str, funcname: str) -> str:
    """A coarse owner for a profiled function: package/module, or the C builtin's kind."""
    if funcname in ("_dict_row", "<dictcomp>") and ("db.py" in filename
                                                    or "handwired_app" in filename):
        return "row dicts (_dict_row, both)"
    if "lcore_taskflow" in filename:
        parts = filename.split("lcore_taskflow/", 1)[1].split("/")
        return "taskflow." + ".".join(p.removesuffix(".py") for p in parts)
    for marker in ("lcore.py", "pluggy", "handwired_app", "asyncio", "json", "sqlite3",
                   "threading", "concurrent", "logging", "uuid", "hmac", "base64", "re/",
                   "inspect", "contextlib", "datetime"):
        if marker in filename or marker in funcname:
            return marker.strip("/")
    if filename == "~":
        return "builtins: " + funcname.split(" of ")[0].strip("<>{}").split("'")[0].strip()
    return "other: " + Path(filename).name


def by_area(apps: dict, ep: run.Endpoint, n: int, top: int) -> str:
    """Profiled time per request (us, cProfile-inflated) by owner, for both apps."""
    totals: dict[str, dict[str, float]] = {}
    for app in apps:
        stats = pstats.Stats(_profiled(apps, ep, app, n)).stats
        for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.items():
            key = area(filename, func)
            if key in ("other: inprocess.py",):
                continue
            totals.setdefault(key, {a: 0.0 for a in apps})[app] += tottime / n * 1e6
    rows = sorted(totals.items(), key=lambda kv: -abs(kv[1]["suite"] - kv[1]["handwired"]))
    lines = [f"{ep.key}: profiled self time per request by owner (us; cProfile inflates "
             "call-heavy code), largest difference first",
             f"{'owner':<34} {'hand-wired':>10} {'suite':>8} {'diff':>8}"]
    for key, t in rows[:top]:
        lines.append(f"{key:<34} {t['handwired']:>10.1f} {t['suite']:>8.1f} "
                     f"{t['suite'] - t['handwired']:>+8.1f}")
    total = {a: sum(t[a] for t in totals.values()) for a in apps}
    lines.append(f"{'total':<34} {total['handwired']:>10.1f} {total['suite']:>8.1f} "
                 f"{total['suite'] - total['handwired']:>+8.1f}")
    return "\n".join(lines)


def profile(apps: dict, ep: run.Endpoint, app: str, n: int, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(_profiled(apps, ep, app, n), stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def in_worker_thread(fn, *args):
    """``fn(*args)`` on another thread, as a gunicorn gthread worker runs requests.

    On the main thread ``asyncio.run`` (the async dashboard) installs and
    restores a SIGINT handler, and on Python 3.11 restoring it formats
    ``repr()`` of the handler, i.e. of the task and its whole result: about
    a millisecond per request that no server thread pays.
    """
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("out", fn(*args)))
    thread.start()
    thread.join()
    return box["out"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000, help="seeded tasks (1000)")
    parser.add_argument("--blocks", type=int, default=10, help="interleaved blocks (10)")
    parser.add_argument("-n", type=int, default=200, help="requests per block (200)")
    parser.add_argument("--profile", metavar="ENDPOINT", help='e.g. "task list"')
    parser.add_argument("--app", default="suite", choices=list(APPS))
    parser.add_argument("--apps", default=",".join(APPS),
                        help="apps to compare (handwired,suite,flask; flask needs Flask)")
    parser.add_argument("--by-area", action="store_true",
                        help="profile every endpoint on both apps; time by owner")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="taskflow-profile-") as tmp:
        workdir = Path(tmp)
        template, detail_task, _ = run.seed(args.tasks, workdir)
        names = [a for a in args.apps.split(",") if a in APPS]
        apps = build(workdir, template, names)
        eps = run.endpoints(detail_task)
        same_answers(apps, eps)
        print(f"{args.tasks:,} tasks; median of {args.blocks} interleaved blocks x {args.n}"
              f" requests, one thread, in process, CPU time (process_time, every thread);"
              f" Accept-Encoding: gzip; load {run.load()}")
        print(table(in_worker_thread(compare, apps, eps, args.blocks, args.n), names))
        if args.by_area:
            for ep in eps:
                print("\n" + in_worker_thread(by_area, apps, ep, args.n * 3, args.top))
        if args.profile:
            ep = next(e for e in eps if e.key == args.profile)
            print(in_worker_thread(profile, apps, ep, args.app, args.n * 3, args.top))
        shutil.rmtree(workdir / "uploads", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
