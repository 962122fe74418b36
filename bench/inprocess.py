"""In-process comparison and profile: where the suite spends time per request.

Builds both apps in this process (Lcore's ``TestClient``, no HTTP, no
server), each on its own copy of a database seeded by ``taskflow db seed``,
and times every benchmarked endpoint in interleaved blocks: the median
per-request time of each app and their ratio.  Single-threaded CPU time is
much less sensitive to a busy machine than a load run, so it says what the
plugin layer itself costs.  ``--profile ENDPOINT`` adds a cProfile of the
suite on that endpoint (``--app handwired`` profiles the baseline instead).

    python bench/inprocess.py --tasks 1000
    python bench/inprocess.py --tasks 1000 --profile "task list"
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
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


def build(workdir: Path, template: Path) -> dict:
    """Both apps in this process, each on its own copy of the template database."""
    os.environ.update(APP_SECRET_KEY=run.SECRET, APP_LOG_LEVEL="WARNING",
                      APP_UPLOAD_DIR=str(workdir / "uploads"),
                      APP_PLUGINS_ENABLED=run.SUITE_PLUGINS,
                      TASKFLOW_ENV_FILE=str(workdir / "no.env"))
    from lcore import TestClient

    apps = {}
    for name, module in (("handwired", "handwired_app"), ("suite", "suite_app")):
        db = workdir / f"{name}.db"
        run.copy_db(template, db)
        os.environ["APP_DB_PATH"] = str(db)
        apps[name] = TestClient(importlib.import_module(module).app)
    login = apps["suite"].post("/auth/login", json={"username": "admin", "password": "admin123"})
    if login.status_code != 200:
        raise SystemExit(f"suite login failed: {login.status} {login.text[:300]}")
    tokens = {"suite": login.json["token"], "handwired": run.handwired_token()}
    return {name: (client, tokens[name]) for name, client in apps.items()}


def caller(client, token: str, ep: run.Endpoint):
    headers = {"Authorization": f"Bearer {token}"} if ep.auth else None
    path, _, query = ep.path.partition("?")

    def call():
        r = client.request(ep.method, path, headers=headers, query_string=query,
                           json=ep.body)
        if r.status_code != ep.expect:
            raise SystemExit(f"{ep.method} {ep.path}: {r.status} {r.text[:300]}")
    return call


def per_request_us(call, n: int) -> float:
    """CPU time of this process (every thread) per request: other load hardly counts."""
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n * 1e6


def compare(apps: dict, eps: list[run.Endpoint], blocks: int, n: int) -> list[tuple]:
    rows = []
    for ep in eps:
        calls = {name: caller(client, token, ep) for name, (client, token) in apps.items()}
        for call in calls.values():
            per_request_us(call, max(10, n // 5))  # warm caches and the connection pool
        times = {name: [] for name in calls}
        for b in range(blocks):
            for name in (("handwired", "suite") if b % 2 == 0 else ("suite", "handwired")):
                times[name].append(per_request_us(calls[name], n))
        hw, su = (statistics.median(times[k]) for k in ("handwired", "suite"))
        rows.append((ep.key, hw, su, hw / su))
    return rows


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
    for app in run.APPS:
        stats = pstats.Stats(_profiled(apps, ep, app, n)).stats
        for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.items():
            key = area(filename, func)
            if key in ("other: inprocess.py",):
                continue
            totals.setdefault(key, {a: 0.0 for a in run.APPS})[app] += tottime / n * 1e6
    rows = sorted(totals.items(), key=lambda kv: -abs(kv[1]["suite"] - kv[1]["handwired"]))
    lines = [f"{ep.key}: profiled self time per request by owner (us; cProfile inflates "
             "call-heavy code), largest difference first",
             f"{'owner':<34} {'hand-wired':>10} {'suite':>8} {'diff':>8}"]
    for key, t in rows[:top]:
        lines.append(f"{key:<34} {t['handwired']:>10.1f} {t['suite']:>8.1f} "
                     f"{t['suite'] - t['handwired']:>+8.1f}")
    total = {a: sum(t[a] for t in totals.values()) for a in run.APPS}
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
    parser.add_argument("--app", default="suite", choices=run.APPS)
    parser.add_argument("--by-area", action="store_true",
                        help="profile every endpoint on both apps; time by owner")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="taskflow-profile-") as tmp:
        workdir = Path(tmp)
        template, detail_task, _ = run.seed(args.tasks, workdir)
        apps = build(workdir, template)
        eps = run.endpoints(detail_task)
        print(f"{args.tasks:,} tasks; median of {args.blocks} blocks x {args.n} requests, "
              f"one thread, in process, CPU time; load {run.load()}")
        print(f"{'endpoint':<12} {'hand-wired us':>14} {'suite us':>10} "
              f"{'suite/hw throughput':>20}")
        for key, hw, su, ratio in in_worker_thread(compare, apps, eps, args.blocks, args.n):
            print(f"{key:<12} {hw:>14.0f} {su:>10.0f} {ratio:>20.2f}")
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
