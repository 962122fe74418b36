"""What translated error messages cost per request (issue 23 item 6, SPEC §13).

Assembles core with the testing kit's header identity in process (a fresh SQLite file;
Lcore's test client, no HTTP) and times, in interleaved blocks:

* ``422, English``: ``PATCH /api/users/me`` with a too-long time zone, no ``Accept-Language``
  (the error is rendered, and looked up in no catalog);
* ``422, Accept-Language: de``: the same, negotiated to German (catalog lookups for the
  message and each field's message, parameters filled in);
* ``422, profile de``: the same for a caller whose profile says German;
* ``200 GET /api/users/me``: an answer without translated text, for scale.

    python bench/i18n.py                 # ~20 s
    python bench/i18n.py --blocks 9 --n 2000

Prints a Markdown table (median CPU µs per request of the blocks, and the spread); nothing
is asserted.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time

BAD = {"timezone": "x" * 65}


def make_clients(workdir: str) -> dict:
    from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

    app = make_app(workdir, plugins=[HeaderIdentity()], seed_demo=True)
    alice, bob = Client(app).as_user("alice"), Client(app).as_user("bob")
    assert bob.patch("/api/users/me", json={"language": "de"}).status == 200
    return {
        "422, English": lambda: alice.patch("/api/users/me", json=BAD),
        "422, Accept-Language: de": lambda: alice.patch(
            "/api/users/me", json=BAD, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}),
        "422, profile de": lambda: bob.patch("/api/users/me", json=BAD),
        "200 GET /api/users/me": lambda: alice.get("/api/users/me"),
    }


def per_request_us(call, n: int) -> float:
    """CPU time of this process per call (the machine is shared: wall time is noise)."""
    started = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - started) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        calls = make_clients(workdir)
        german = calls["422, profile de"]()
        assert german.json["error"] == "Validierung fehlgeschlagen", german.json
        for call in calls.values():  # warm up: templates, caches, catalogs
            per_request_us(call, 50)
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.blocks):
            for name, call in calls.items():
                samples[name].append(per_request_us(call, args.n))
    print(f"Python {platform.python_version()}, {args.blocks} blocks x {args.n} requests\n")
    print("| answer | CPU µs per request (median) | spread (min-max) |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.0f} | "
              f"{min(values):.0f}-{max(values):.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
