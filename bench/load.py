"""A load test you can run against your own TaskFlow deployment.

Several virtual users sign in and work on one project at once, each on its
own keep-alive connection, with the mix of an open board: listing and
polling the board, opening tasks, the dashboard, search, creating tasks,
moving them and commenting.  At the end it prints, per endpoint, requests,
errors, answers refused by a rate limit (429), throughput and latency
percentiles (p50, p90, p99, max), and removes the tasks it created.

    python bench/load.py --url http://127.0.0.1:8080 --users 8 --duration 30
    python bench/load.py --url https://taskflow.example.com --login me:secret \\
        --login alice:... --project 3 --duration 60 --json results.json

Only the standard library: copy this one file to any machine with Python 3.10+.
Accounts: ``--login user:password`` (repeatable; default the demo users
admin, alice and bob).  The virtual users take the accounts in turn; the
first account should be able to delete tasks in the project (its owner, or
an admin) for the clean-up, else ``--keep`` leaves them.

What it does to your data: creates tasks titled ``load-test …`` in the
project, moves them and comments on them, then deletes them (``--keep``
keeps them).  Sign-ins count against the login limit (5 per client and 5
minutes by default), so run it at most a few times in a row from one address.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import quote, urlsplit

DEMO = ("admin:admin123", "alice:alice123", "bob:bob123")
#: endpoint name -> weight (per 100 requests); reads dominate, as on a real board.
MIX = {
    "board: list tasks": 25,
    "board: poll changes": 20,
    "task detail": 15,
    "dashboard": 8,
    "project": 5,
    "search": 2,
    "create task": 12,
    "move task": 9,
    "comment": 4,
}
WORDS = ("deploy", "review", "design", "invoice", "backup", "release", "meeting", "bug")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    limited: int = 0
    samples: dict[int | str, int] = field(default_factory=lambda: defaultdict(int))


class Target:
    """Where to send requests: scheme, host, port and path prefix of ``--url``."""

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SystemExit(f"--url: expected http(s)://host[:port][/prefix], got {url!r}")
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout

    def connect(self) -> HTTPConnection:
        cls = HTTPSConnection if self.https else HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)


class Session:
    """One virtual user: an account, a keep-alive connection, a bearer token."""

    def __init__(self, target: Target, token: str, user_id: int):
        self.target, self.token, self.user_id = target, token, user_id
        self.conn = target.connect()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            try:
                self.conn.request(method, self.target.prefix + path, body=data, headers=headers)
                reply = self.conn.getresponse()
                raw = reply.read()
                break
            except (OSError, HTTPException):
                self.conn.close()
                self.conn = self.target.connect()
                if attempt == 2:
                    raise
        took = time.perf_counter() - started
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return reply.status, payload, took


def sign_in(target: Target, account: str) -> tuple[str, int]:
    username, _, password = account.partition(":")
    conn = target.connect()
    try:
        conn.request("POST", target.prefix + "/auth/login",
                     body=json.dumps({"username": username, "password": password}),
                     headers={"Content-Type": "application/json", "Accept": "application/json"})
        reply = conn.getresponse()
        data = json.loads(reply.read() or b"{}")
    finally:
        conn.close()
    if reply.status != 200:
        raise SystemExit(f"signing in as {username} failed: {reply.status} {data}")
    return data["token"], data["user"]["id"]


class Worker(threading.Thread):
    """Sends the mix until ``stop`` is set; records every answer in ``stats``."""

    def __init__(self, session: Session, project: int, stats: dict[str, Stats],
                 lock: threading.Lock, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.s, self.project, self.stats, self.lock, self.stop = (
            session, project, stats, lock, stop)
        self.rng = random.Random(seed)
        self.names, self.weights = list(MIX), list(MIX.values())
        self.task_ids: list[int] = []
        self.created: list[int] = []
        self.cursor = 0

    def record(self, name: str, status: int | str, took: float) -> None:
        with self.lock:
            entry = self.stats[name]
            entry.latencies.append(took)
            entry.samples[status] += 1
            if status == 429:
                entry.limited += 1
            elif not isinstance(status, int) or status >= 500 or status in (400, 401, 403,
                                                                             404, 409, 422):
                entry.errors += 1

    def run(self) -> None:
        while not self.stop.is_set():
            name = self.rng.choices(self.names, self.weights)[0]
            started = time.perf_counter()
            try:
                status, took = self.step(name)
            except (OSError, HTTPException) as exc:
                status, took = type(exc).__name__, time.perf_counter() - started
            self.record(name, status, took)

    def step(self, name: str) -> tuple[int, float]:
        pid, rng = self.project, self.rng
        base = f"/api/projects/{pid}"
        if name == "board: list tasks":
            status, body, took = self.s.call("GET", f"{base}/tasks?limit=50")
            if status == 200:
                self.task_ids = [t["id"] for t in body["tasks"]] or self.task_ids
                self.cursor = body.get("cursor", self.cursor)
            return status, took
        if name == "board: poll changes":
            status, body, took = self.s.call("GET", f"{base}/tasks/changes?since={self.cursor}")
            if status == 200 and body:
                self.cursor = body.get("cursor", self.cursor)
            return (200 if status == 304 else status), took
        if name == "task detail":
            tid = rng.choice(self.task_ids or self.created or [1])
            return self.s.call("GET", f"{base}/tasks/{tid}")[::2]
        if name == "dashboard":
            return self.s.call("GET", "/api/projects/dashboard/overview")[::2]
        if name == "project":
            return self.s.call("GET", base)[::2]
        if name == "search":
            return self.s.call("GET", f"/api/search?q={quote(rng.choice(WORDS))}&limit=20")[::2]
        if name == "create task":
            body = {"title": f"load-test {rng.choice(WORDS)} {rng.randrange(10**6)}",
                    "priority": rng.choice(("low", "medium", "high")),
                    "description": "created by bench/load.py"}
            status, reply, took = self.s.call("POST", f"{base}/tasks", body)
            if status == 201:
                self.created.append(reply["id"])
            return status, took
        if name == "move task":
            if not self.created:
                return self.step("create task")
            tid = rng.choice(self.created)
            status = rng.choice(("todo", "in_progress", "done"))
            return self.s.call("PATCH", f"{base}/tasks/{tid}", {"status": status})[::2]
        if name == "comment":
            if not self.created:
                return self.step("create task")
            tid = rng.choice(self.created)
            return self.s.call("POST", f"{base}/tasks/{tid}/comments",
                               {"body": f"load-test comment {rng.randrange(10**6)}"})[::2]
        raise ValueError(name)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def report(stats: dict[str, Stats], seconds: float) -> list[dict[str, Any]]:
    rows = []
    every = Stats()
    for name in MIX:
        entry = stats.get(name)
        if not entry or not entry.latencies:
            continue
        every.latencies += entry.latencies
        every.errors += entry.errors
        every.limited += entry.limited
        rows.append(row(name, entry, seconds))
    if every.latencies:
        rows.append(row("all", every, seconds))
    return rows


def row(name: str, entry: Stats, seconds: float) -> dict[str, Any]:
    ms = [t * 1000 for t in entry.latencies]
    return {"endpoint": name, "requests": len(ms), "errors": entry.errors,
            "limited": entry.limited, "rps": round(len(ms) / seconds, 1),
            "p50_ms": round(statistics.median(ms), 1), "p90_ms": round(percentile(ms, .9), 1),
            "p99_ms": round(percentile(ms, .99), 1), "max_ms": round(max(ms), 1),
            "statuses": {str(k): v for k, v in sorted(entry.samples.items(), key=str)}}


def print_table(rows: list[dict[str, Any]]) -> None:
    head = ("endpoint", "requests", "errors", "429", "req/s", "p50 ms", "p90 ms", "p99 ms",
            "max ms")
    keys = ("endpoint", "requests", "errors", "limited", "rps", "p50_ms", "p90_ms", "p99_ms",
            "max_ms")
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for r in rows:
        cells = [f"**{r['endpoint']}**" if r["endpoint"] == "all" else r["endpoint"],
                 *(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in keys[1:])]
        print("| " + " | ".join(cells) + " |")
    odd = {r["endpoint"]: {s: n for s, n in r["statuses"].items()
                           if s not in ("200", "201", "304")}
           for r in rows if r["endpoint"] != "all"}
    odd = {k: v for k, v in odd.items() if v}
    if odd:
        print(f"\nanswers other than 200/201: {odd}")


def first_project(session: Session) -> int:
    status, body, _ = session.call("GET", "/api/projects/?limit=100")
    if status != 200 or not body["projects"]:
        raise SystemExit(f"no project to work in ({status}); pass --project")
    active = [p for p in body["projects"] if p.get("status") != "archived"]
    return (active or body["projects"])[0]["id"]


def clean_up(session: Session, project: int, workers: list[Worker]) -> int:
    removed = 0
    for worker in workers:
        for tid in worker.created:
            status, _, _ = session.call("DELETE", f"/api/projects/{project}/tasks/{tid}")
            removed += status == 200
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080",
                        help="the deployment's base URL (default http://127.0.0.1:8080)")
    parser.add_argument("--users", type=int, default=8, help="virtual users (default 8)")
    parser.add_argument("--duration", type=float, default=30, help="seconds (default 30)")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of load before measuring (default 3)")
    parser.add_argument("--login", action="append", metavar="USER:PASSWORD",
                        help="an account to sign in with (repeatable; default the demo users)")
    parser.add_argument("--project", type=int, help="project id (default: the first visible)")
    parser.add_argument("--timeout", type=float, default=30, help="per request (default 30 s)")
    parser.add_argument("--keep", action="store_true", help="keep the tasks it created")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the mix")
    args = parser.parse_args(argv)

    target = Target(args.url, args.timeout)
    accounts = args.login or list(DEMO)
    signed = [sign_in(target, account) for account in accounts]
    sessions = [Session(target, *signed[i % len(signed)]) for i in range(args.users)]
    project = args.project or first_project(sessions[0])
    stats: dict[str, Stats] = defaultdict(Stats)
    lock, stop = threading.Lock(), threading.Event()
    workers = [Worker(s, project, stats, lock, stop, args.seed * 1000 + i)
               for i, s in enumerate(sessions)]
    print(f"{args.users} users ({', '.join(a.split(':')[0] for a in accounts)}) on project "
          f"{project} of {args.url}: {args.warmup:g} s warm-up, then {args.duration:g} s",
          file=sys.stderr, flush=True)
    for worker in workers:
        worker.start()
    time.sleep(args.warmup)
    with lock:
        stats.clear()
    started = time.monotonic()
    time.sleep(args.duration)
    with lock:
        measured = {k: Stats(list(v.latencies), v.errors, v.limited, dict(v.samples))
                    for k, v in stats.items()}
    elapsed = time.monotonic() - started
    stop.set()
    for worker in workers:
        worker.join(args.timeout + 5)
    rows = report(measured, elapsed)
    print_table(rows)
    if not args.keep:
        cleaner = Session(target, *signed[0])
        removed = clean_up(cleaner, project, workers)
        print(f"\nremoved {removed} of {sum(len(w.created) for w in workers)} tasks created",
              file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"url": args.url, "users": args.users, "duration": elapsed,
                       "project": project, "endpoints": rows}, out, indent=2)
    errors = next((r["errors"] for r in rows if r["endpoint"] == "all"), 0)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
