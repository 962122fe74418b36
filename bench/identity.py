"""What identity costs per request (issue 19): signing in with and without two-factor, and
checking each kind of credential on an ordinary request.

Assembles the real suite in process (``create_app()`` with core, auth, notify and ui on a
fresh SQLite file; Lcore's test client, no HTTP) and times, in interleaved blocks:

* ``POST /auth/login`` with a password (the password hash dominates: it is meant to be slow);
* the same for an account with two-factor sign-in, answered with a recovery code (a TOTP
  code works once per 30 s, so a loop cannot replay it; a recovery code costs the same
  lookups plus one SHA-256), and the TOTP code check on its own (``pyotp`` over the stored
  secret, in a transaction that is rolled back so the code stays fresh);
* ``GET /auth/me`` with a session token, a personal access token (``tfp_``), the session
  cookie, and ``GET /health`` with no credentials as the floor.

    python bench/identity.py                 # ~1 min
    python bench/identity.py --blocks 9 --n 400

Prints a Markdown table (median of the blocks, wall and CPU time of this process, the CPU
spread); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402 - the harness's secret and machine description

PASSWORD = "bench-identity-password-7"


def build(workdir: Path):
    os.environ.update({
        "APP_SECRET_KEY": run.SECRET, "APP_DB_PATH": str(workdir / "identity.db"),
        "APP_LOG_LEVEL": "WARNING", "APP_PLUGINS_ENABLED": run.SUITE_PLUGINS,
        "APP_LOGIN_RATE_LIMIT": "1000000", "APP_LOGIN_ACCOUNT_FREE_FAILURES": "1000000",
        "APP_RATE_LIMIT_DEFAULT": "100000000", "TASKFLOW_ENV_FILE": str(workdir / "none.env")})
    from lcore_taskflow.core import create_app
    from lcore_taskflow.core.testing import Client

    app = create_app(dotenv=None)
    kernel = app.taskflow
    for name in ("plain", "twofactor"):
        kernel.users.create({"username": name, "email": f"{name}@bench.local",
                             "password": PASSWORD, "role": "member"})
    return app, kernel, Client(app)


def login(client, username: str, **extra) -> dict:
    reply = client.post("/auth/login", json={"username": username, "password": PASSWORD,
                                             **extra})
    assert reply.status == 200, reply
    return reply


def enable_totp(client, token: str) -> tuple[str, list[str]]:
    import pyotp

    auth = {"Authorization": f"Bearer {token}"}
    secret = client.post("/auth/totp", headers=auth).json["secret"]
    codes = client.post("/auth/totp/confirm", headers=auth,
                        json={"code": pyotp.TOTP(secret).now()}).json["recovery_codes"]
    return secret, codes


def timed(call, n: int) -> tuple[float, float]:
    """Wall and CPU (this process) µs per call: CPU time holds on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    return ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="requests per block (checks)")
    parser.add_argument("--logins", type=int, default=10,
                        help="sign-ins per block (at most 10: the recovery codes of one setup)")
    args = parser.parse_args(argv)
    args.logins = min(args.logins, 10)
    with tempfile.TemporaryDirectory(prefix="taskflow-identity-") as tmp:
        _app, kernel, client = build(Path(tmp))
        session = login(client, "plain")
        token = session.json["token"]
        cookie = session.headers["set-cookie"].split(";", 1)[0]
        pat = client.post("/auth/tokens", headers={"Authorization": f"Bearer {token}"}, json={
            "name": "bench", "scopes": ["read"], "expires_in_days": 30}).json["token"]
        second = login(client, "twofactor").json["token"]
        secret, recovery = enable_totp(client, second)
        import pyotp
        from lcore_taskflow.auth import _totp as totp  # the check itself, for its own line

        with kernel.database() as db:
            admin_id = db.scalar("SELECT id FROM users WHERE username = 'twofactor'")

        def refill() -> None:  # ten more recovery codes: turn two-factor off and on again
            nonlocal secret, recovery
            with kernel.database() as db, db.transaction():
                totp.disable(db, admin_id)
            secret, recovery = enable_totp(client, login(client, "twofactor").json["token"])

        def with_recovery_code() -> None:
            login(client, "twofactor", totp=recovery.pop())

        def totp_check() -> None:
            with kernel.database() as db, db.transaction():
                # the next step's code: the current one was spent when the setup was confirmed
                assert totp.verify(db, admin_id, pyotp.TOTP(secret).at(time.time() + 30))
                raise _Rollback

        def rolled_back() -> None:
            try:
                totp_check()
            except _Rollback:
                pass

        cases = {
            "POST /auth/login (password)": (lambda: login(client, "plain"), args.logins),
            "POST /auth/login (password + recovery code)": (with_recovery_code, args.logins),
            "TOTP code check alone (pyotp + row)": (rolled_back, args.n),
            "GET /auth/me, session token": (lambda: client.get(
                "/auth/me", headers={"Authorization": f"Bearer {token}"}), args.n),
            "GET /auth/me, personal access token": (lambda: client.get(
                "/auth/me", headers={"Authorization": f"Bearer {pat}"}), args.n),
            "GET /auth/me, session cookie": (lambda: client.get(
                "/auth/me", headers={"Cookie": cookie}), args.n),
            "GET /health, no credentials": (lambda: client.get("/health"), args.n),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for block in range(args.blocks):
            order = list(cases)[block % len(cases):] + list(cases)[:block % len(cases)]
            for name in order:
                call, n = cases[name]
                if call is with_recovery_code and len(recovery) < n:
                    refill()  # outside the timing
                samples[name].append(timed(call, n))
    import platform

    print(f"identity costs: {args.blocks} blocks, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs\n")
    print("| request | wall µs (median) | CPU µs (median) | CPU spread µs |\n|---|---:|---:|---:|")
    for name, values in samples.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        print(f"| {name} | {statistics.median(wall):,.0f} | {statistics.median(cpu):,.0f} | "
              f"{min(cpu):,.0f} to {max(cpu):,.0f} |")
    return 0


class _Rollback(Exception):
    """Leaves the TOTP check's transaction without a trace (the code stays unused)."""


if __name__ == "__main__":
    raise SystemExit(main())
