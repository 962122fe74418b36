"""Load benchmark: the assembled TaskFlow suite beside a hand-wired Lcore app.

For each database size it seeds a template database with ``taskflow db seed``,
gives each app its own copy, starts both under gunicorn (``-w 2 -k gthread
--threads 4``) on free loopback ports, and drives every endpoint with wrk
(``-t2 -c16 --latency``): ``--duration`` seconds per endpoint and app, split
into ``--rounds`` interleaved measurements (alternating which app goes first,
so drifting machine load favours neither).  It prints a
table (req/s, p50, p99, suite/handwired ratio) and writes it, with the raw
numbers, to ``bench/results/latest.md`` and ``latest.json``.

    python bench/run.py                    # 1k and 1M tasks, 10 s per endpoint and app
    python bench/run.py --duration 2 --sizes 1000 --warmup 0   # a quick smoke run

Nothing here asserts a timing: it measures and reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
SECRET = "bench-secret-key-0123456789abcdef-not-for-production"
LIST_PROJECT = 3            # the first bulk project: holds 1/10 of the tasks
DETAIL_COMMENTS = 30        # comments added to the detail target task
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4"]
APPS = ("handwired", "suite")
POST_BODY = {"title": "Benchmark task", "description": "created under load",
             "priority": "high", "status": "todo", "due_date": "2031-01-15"}


@dataclass
class Endpoint:
    key: str
    method: str
    path: str
    expect: int
    auth: bool = True
    body: dict | None = None


@dataclass
class Measure:
    size: int
    endpoint: str
    app: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str
    round: int = 0
    load1: float = 0.0
    raw: str = field(repr=False, default="")


def endpoints(detail_task: int) -> list[Endpoint]:
    base = f"/api/projects/{LIST_PROJECT}/tasks"
    return [
        Endpoint("health", "GET", "/health", 200, auth=False),
        Endpoint("task list", "GET", f"{base}?page=1&limit=20", 200),
        Endpoint("task detail", "GET", f"{base}/{detail_task}", 200),
        Endpoint("dashboard", "GET", "/api/projects/dashboard/overview", 200),
        # Last: it grows the database the other endpoints read.
        Endpoint("create task", "POST", base, 201, body=POST_BODY),
    ]


# ------------------------------------------------------------------ helpers
def sh(cmd: list[str], env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, check=True, text=True, capture_output=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The suite is its four packages: other plugins installed beside them (the
# example plugins in a development venv) would add their own queries.
SUITE_PLUGINS = "auth,notify,ui"


def base_env(db_path: Path, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(APP_SECRET_KEY=SECRET, APP_DB_PATH=str(db_path), APP_LOG_LEVEL="WARNING",
               APP_UPLOAD_DIR=str(workdir / "uploads"), APP_PLUGINS_ENABLED=SUITE_PLUGINS,
               TASKFLOW_ENV_FILE=str(workdir / "no.env"))
    return env


def seed(size: int, workdir: Path) -> tuple[Path, int, float]:
    """A seeded template database; returns (path, detail task id, seconds)."""
    db = workdir / f"template-{size}.db"
    start = time.monotonic()
    sh(["taskflow", "--env-file", str(workdir / "no.env"), "db", "seed",
        "--users", "100", "--projects", "10", "--tasks", str(size)], env=base_env(db, workdir))
    seconds = time.monotonic() - start
    conn = sqlite3.connect(db)
    task = conn.execute("SELECT MIN(id) FROM tasks WHERE project_id = ?",
                        (LIST_PROJECT,)).fetchone()[0]
    now = time.time()
    with conn:
        conn.executemany("INSERT INTO comments (task_id, user_id, body, created_at)"
                         " VALUES (?, ?, ?, ?)",
                         [(task, 1 + i % 3, f"Benchmark comment {i}", now)
                          for i in range(DETAIL_COMMENTS)])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db, task, seconds


def copy_db(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, target)


class Server:
    """One gunicorn process serving ``module:app`` on a free loopback port."""

    def __init__(self, name: str, module: str, db: Path, workdir: Path):
        self.name, self.port = name, free_port()
        self.log = workdir / f"{name}.log"
        cmd = [sys.executable, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{self.port}",
               "--chdir", str(HERE), "--error-logfile", str(self.log),
               "--log-level", "warning", module]
        self.proc = subprocess.Popen(cmd, env=base_env(db, workdir), cwd=HERE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}:\n"
                                   + self.log.read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def call(url: str, method: str = "GET", body: dict | None = None,
         token: str | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def suite_token(server: Server) -> str:
    status, body = call(server.url + "/auth/login", "POST",
                        {"username": "admin", "password": "admin123"})
    if status != 200:
        raise RuntimeError(f"suite login failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def handwired_token() -> str:
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("APP_SECRET_KEY", SECRET)
    from handwired_app import mint_token

    return mint_token(1, "admin", "admin", secret=SECRET)


def lua_script(ep: Endpoint, token: str, workdir: Path, app: str) -> Path:
    # As a browser does: every app compresses a JSON answer of 256 bytes or more.
    lines = [f'wrk.method = "{ep.method}"', 'wrk.headers["Accept-Encoding"] = "gzip"']
    if ep.auth:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if ep.body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(json.dumps(ep.body))}")
    slug = re.sub(r"\W+", "_", ep.key)
    path = workdir / f"{app}-{slug}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _latency_ms(text: str, pct: str) -> float:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def run_wrk(url: str, script: Path, duration: float) -> str:
    cmd = [WRK, "-t2", "-c16", f"-d{duration:g}s", "--latency", "-s", str(script), url]
    return sh(cmd, timeout=duration + 60).stdout


def parse(raw: str, size: int, ep: Endpoint, app: str) -> Measure:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", raw)
    total = re.search(r"(\d+) requests in", raw)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", raw)
    errors = re.search(r"Socket errors:(.*)", raw)
    return Measure(size, ep.key, app, float(rps.group(1)) if rps else 0.0,
                   _latency_ms(raw, "50"), _latency_ms(raw, "99"),
                   int(total.group(1)) if total else 0,
                   int(non2xx.group(1)) if non2xx else 0,
                   errors.group(1).strip() if errors else "", raw)


# ------------------------------------------------------------------ the run
VOLATILE = ("_request_number", "plugins", "version")


def check_endpoints(servers: dict, tokens: dict, eps: list[Endpoint]) -> None:
    """Each endpoint answers its expected status on every app before any load,
    and both apps answer the same JSON (apart from counters, ids and versions)."""
    for ep in eps:
        bodies = {}
        for app in servers:
            status, body = call(servers[app].url + ep.path, ep.method, ep.body,
                                tokens[app] if ep.auth else None)
            if status != ep.expect:
                raise RuntimeError(f"{app} {ep.method} {ep.path}: {status} (expected "
                                   f"{ep.expect}): {body[:300]!r}")
            data = json.loads(body)
            for key in VOLATILE + (("id",) if ep.method == "POST" else ()):
                data.pop(key, None)
            bodies[app] = data
        if len(bodies) == 2 and bodies["handwired"] != bodies["suite"]:
            print(f"WARNING: {ep.key}: the two apps answer different JSON", file=sys.stderr)


def measure(url: str, script: Path, args, size: int, ep: Endpoint, app: str,
            rnd: int) -> Measure:
    if args.warmup and rnd == 0:
        run_wrk(url, script, args.warmup)
    load1 = float(load().split()[0])
    m = parse(run_wrk(url, script, args.duration / args.rounds), size, ep, app)
    m.round, m.load1 = rnd, load1
    print(f"   {ep.key:<12} {app:<9} r{rnd} {m.rps:>9.1f} req/s  p50 {m.p50_ms:7.2f} ms"
          f"  p99 {m.p99_ms:7.2f} ms  non-2xx {m.non_2xx}  load {load1:.2f}", flush=True)
    return m


def run_size(size: int, args, workdir: Path) -> list[Measure]:
    print(f"\n== {size:,} tasks: seeding ...", flush=True)
    template, detail_task, seconds = seed(size, workdir)
    print(f"   seeded in {seconds:.1f}s (detail task {detail_task})", flush=True)
    servers: dict[str, Server] = {}
    try:
        for app, module in (("handwired", "handwired_app:app"), ("suite", "suite_app:app")):
            if app not in args.apps:
                continue
            db = workdir / f"{app}-{size}.db"
            copy_db(template, db)
            servers[app] = Server(app, module, db, workdir)
        for server in servers.values():
            server.wait_ready()
        tokens = {app: suite_token(servers[app]) if app == "suite" else handwired_token()
                  for app in servers}
        eps = endpoints(detail_task)
        check_endpoints(servers, tokens, eps)
        results = []
        for i, ep in enumerate(eps):
            for rnd in range(args.rounds):
                # Alternate who goes first, so drifting machine load favours neither.
                first = APPS if (i + rnd) % 2 == 0 else APPS[::-1]
                for app in (a for a in first if a in servers):
                    results.append(measure(servers[app].url + ep.path,
                                           lua_script(ep, tokens[app], workdir, app),
                                           args, size, ep, app, rnd))
        return results
    finally:
        for server in servers.values():
            server.stop()
        for path in workdir.glob(f"*-{size}.db*"):
            path.unlink(missing_ok=True)


def machine() -> dict[str, str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    versions = {}
    for mod in ("lcore", "gunicorn"):
        try:
            versions[mod] = sh([sys.executable, "-m", "pip", "show", mod]).stdout.split(
                "Version: ", 1)[1].split()[0]
        except (subprocess.CalledProcessError, IndexError):
            versions[mod] = "?"
    wrk = subprocess.run([WRK, "--version"], capture_output=True, text=True)
    return {"cpu": cpu, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "python": platform.python_version(), **versions,
            "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr)
            else "?", "suite_app": suite_source()}


def suite_source() -> str:
    example = ROOT / "examples" / "taskflow_server" / "app.py"
    return str(example.relative_to(ROOT)) if example.is_file() else "create_app() (bench)"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sql_drift() -> list[str]:
    """Names of copied SQL constants that no longer match core's (a stale baseline)."""
    try:
        from lcore_taskflow.core._api import dashboard
        from lcore_taskflow.core._domain import tasks
    except ImportError:
        return ["lcore_taskflow.core not importable: drift not checked"]
    sys.path.insert(0, str(HERE))
    import handwired_app as hw

    pairs = {"TASK_SELECT": tasks.TASK_SELECT, "COMMENT_SELECT": tasks.COMMENT_SELECT,
             "COMMENTS_IN_DETAIL": tasks.COMMENTS_IN_DETAIL,
             "OPEN_AND_DUE": dashboard.OPEN_AND_DUE,
             "DASHBOARD_PROJECTS": dashboard.DASHBOARD_PROJECTS,
             "OVERDUE_LISTED": dashboard.OVERDUE_LISTED}
    return [name for name, value in pairs.items() if getattr(hw, name) != value]


@dataclass
class Agg:
    rps: float
    p50_ms: float
    p99_ms: float
    rounds: list[float]


def aggregate(results: list[Measure]) -> dict[tuple, Agg]:
    """Mean req/s, p50 and p99 over the rounds of each (size, endpoint, app)."""
    groups: dict[tuple, list[Measure]] = {}
    for m in results:
        groups.setdefault((m.size, m.endpoint, m.app), []).append(m)

    def mean(xs):
        return sum(xs) / len(xs)

    return {k: Agg(mean([m.rps for m in ms]), mean([m.p50_ms for m in ms]),
                   mean([m.p99_ms for m in ms]), [m.rps for m in ms])
            for k, ms in groups.items()}


def table(results: list[Measure], sizes: list[int]) -> str:
    by = aggregate(results)
    keys = list(dict.fromkeys(m.endpoint for m in results))
    out = ["| tasks | endpoint | hand-wired req/s | suite req/s | ratio suite/hw "
           "| per-round ratios | best-round ratio | hw p50 ms | suite p50 ms | hw p99 ms "
           "| suite p99 ms |",
           "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for size in sizes:
        for key in keys:
            hw, su = by.get((size, key, "handwired")), by.get((size, key, "suite"))
            if not hw or not su:
                continue
            ratio = su.rps / hw.rps if hw.rps else float("nan")
            rounds = " ".join(f"{s / h:.2f}" for h, s in zip(hw.rounds, su.rounds) if h)
            out.append(f"| {size:,} | {key} | {hw.rps:,.0f} | {su.rps:,.0f} | "
                       f"**{ratio:.2f}** | {rounds} | {max(su.rounds) / max(hw.rounds):.2f} | "
                       f"{hw.p50_ms:.2f} | {su.p50_ms:.2f} | "
                       f"{hw.p99_ms:.2f} | {su.p99_ms:.2f} |")
    if len(sizes) == 2:
        small, large = sizes
        out += ["", f"| endpoint | app | req/s at {small:,} | req/s at {large:,} "
                "| large/small |", "|---|---|---:|---:|---:|"]
        for key in keys:
            for app in APPS:
                a, b = by.get((small, key, app)), by.get((large, key, app))
                if a and b and a.rps:
                    out.append(f"| {key} | {app} | {a.rps:,.0f} | {b.rps:,.0f} | "
                               f"{b.rps / a.rps:.2f} |")
    bad = [m for m in results if m.non_2xx or m.socket_errors]
    if bad:
        out += ["", "Errors during load: " + "; ".join(
            f"{m.size} {m.endpoint} {m.app}: non-2xx {m.non_2xx} {m.socket_errors}"
            for m in bad)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10,
                        help="measured seconds per endpoint and app, split over the rounds (10)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="warm-up seconds before the first round (2; 0 = none)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved measurements per endpoint and app (2), each "
                             "duration/rounds long; the table shows their mean")
    parser.add_argument("--sizes", default="1000,1000000",
                        help="comma-separated task counts (default 1000,1000000)")
    parser.add_argument("--apps", default="handwired,suite",
                        help="which apps to run (default both; one only for smoke tests)")
    parser.add_argument("--out", default=str(HERE / "results"), help="where latest.md goes")
    parser.add_argument("--table", metavar="JSON",
                        help="only print the tables of a saved latest.json, no run")
    args = parser.parse_args(argv)
    if args.table:
        saved = json.loads(Path(args.table).read_text())
        results = [Measure(**r) for r in saved["results"]]
        print(table(results, list(dict.fromkeys(m.size for m in results))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    args.apps = [a for a in args.apps.split(",") if a in APPS]
    drift = sql_drift()
    if drift:
        print(f"WARNING: handwired_app.py SQL differs from core's: {drift}", file=sys.stderr)
    info = machine()
    started, load_before = dt.datetime.now().isoformat(timespec="seconds"), load()
    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="taskflow-bench-") as tmp:
        for size in sizes:
            results += run_size(size, args, Path(tmp))
    load_after = load()
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = table(results, sizes)
    per_round = args.duration / args.rounds
    header = (f"Run {started}; command: `{command.strip()}`; wrk -t2 -c16 -d{per_round:g}s "
              f"x {args.rounds} rounds (+{args.warmup:g}s warm-up); gunicorn {' '.join(GUNICORN)}\n"
              f"Machine: {info}\nLoad average (1/5/15 min) before {load_before}, "
              f"after {load_after}\n" + (f"SQL drift: {drift}\n" if drift else ""))
    print("\n" + header + "\n" + md)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(header + "\n" + md + "\n")
    (out / "latest.json").write_text(json.dumps({
        "started": started, "command": command.strip(), "machine": info,
        "load_before": load_before, "load_after": load_after, "drift": drift,
        "results": [{k: v for k, v in asdict(m).items() if k != "raw"} for m in results],
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
