"""What each middleware and route plugin of the suite costs, one by one (issue 25).

Builds the suite in this process (as ``inprocess.py`` does), then for each
item of TaskFlow's pipeline measures the task list and the task detail with
the full pipeline and with that one item taken out (``Pipeline.remove``,
then ``app.reset()`` so Lcore rebuilds the routes' callbacks).  The item's
cost is the difference of the medians.  Blocks are interleaved (full,
without A, full, without B, ...), CPU time of this process, so other load on
a shared machine hardly counts; the spread column is the blocks' min-max of
the difference.  Every request sends ``Accept-Encoding: gzip``.

    python bench/middleware.py --tasks 1000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import inprocess  # noqa: E402 - the in-process harness
import run  # noqa: E402 - seeding and endpoints


def _name(item) -> str:
    return getattr(item, "name", None) or type(item).__name__


def measure(app, client, token: str, eps: list, blocks: int, n: int) -> list[tuple]:
    """``(item, endpoint, median us saved, min, max)`` per pipeline item and endpoint."""
    pipeline = app.taskflow.pipeline
    items = [("middleware", m) for m in pipeline.middleware] + [
        ("route plugin", p) for p in pipeline.route_plugins]
    calls = {ep.key: inprocess.caller(client, token, ep) for ep in eps}
    for call in calls.values():
        inprocess.per_request_us(call, 30)
    saved: dict[tuple[str, str], list[float]] = {}
    for _ in range(blocks):
        for kind, item in items:
            full = {k: inprocess.per_request_us(c, n) for k, c in calls.items()}
            pipeline.remove(**{("middleware" if kind == "middleware" else "route_plugins"):
                               [item]})
            app.reset()
            try:
                without = {k: inprocess.per_request_us(c, n) for k, c in calls.items()}
            finally:
                pipeline.add(**{("middleware" if kind == "middleware" else "route_plugins"):
                                [item]})
                app.reset()
            for key in calls:
                saved.setdefault((f"{kind}: {_name(item)}", key), []).append(
                    full[key] - without[key])
    return [(item, key, statistics.median(v), min(v), max(v))
            for (item, key), v in saved.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("-n", type=int, default=100, help="requests per block (100)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="taskflow-mw-") as tmp:
        workdir = Path(tmp)
        template, detail_task, _ = run.seed(args.tasks, workdir)
        apps = inprocess.build(workdir, template, ["suite"])
        client, token = apps["suite"]
        eps = [e for e in run.endpoints(detail_task) if e.key in ("task list", "task detail")]
        rows = inprocess.in_worker_thread(measure, client.app, client, token, eps,
                                          args.blocks, args.n)
        print(f"{args.tasks:,} tasks; median of {args.blocks} interleaved blocks x {args.n}"
              f" requests, CPU time per request; load {run.load()}")
        print("| item | endpoint | cost us (median) | spread us |\n|---|---|---:|---|")
        for item, key, med, lo, hi in rows:
            print(f"| {item} | {key} | {med:,.1f} | {lo:,.1f} to {hi:,.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
