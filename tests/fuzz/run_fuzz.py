"""Fuzz the assembled TaskFlow server with Schemathesis against its own ``/openapi.json``.

For each engine (SQLite, then PostgreSQL) starts the example server (every
plugin, demo data, debug routes) as its own process under waitress, checks
that the document validates, signs in as the demo admin and runs ``st run``
with that token: examples, coverage, fuzzing and stateful phases (the
stateful one follows the links Schemathesis infers from the document:
``Location`` headers and ids that one operation returns and another takes).
The run fails on any 5xx, on any answer the document does not describe
(status code, content type, headers, body shape), on a method the document
does not list that is not a 405 with ``Allow``, and on any error in the
server's log — on either engine.

    python tests/fuzz/run_fuzz.py                      # CI: 120 s per engine
    TASKFLOW_FUZZ_MAX_TIME=0 TASKFLOW_FUZZ_EXAMPLES=200 tox -e fuzz    # the long run

Environment (so that ``tox -e fuzz`` takes them too):
``TASKFLOW_FUZZ_ENGINES`` (``sqlite,postgresql``), ``TASKFLOW_FUZZ_MAX_TIME``
(seconds per engine, 0 = no limit), ``TASKFLOW_FUZZ_EXAMPLES`` (cases per
operation and phase).  PostgreSQL is the one the test suites use
(``TASKFLOW_TEST_POSTGRES_URL``, 127.0.0.1:5432, or a private server), in a
database made for the run and dropped after it; without one the PostgreSQL
half is skipped, saying so (under ``CI`` it fails).

Extra arguments after ``--`` go to ``st run``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLE = REPO / "examples" / "taskflow_server"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,"
          "unsupported_method,allow_header_conformance")
# Logging out would revoke the token the run signs every request with.
EXCLUDED = ("logout",)
# Single sign-on without a provider answers 503 "not configured" by design (when the
# oidc package is installed at all); its flow is tested against a real provider in its
# own package.
EXCLUDED_PATHS = r"^/auth/oidc/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as reply:
        return json.loads(reply.read())


def start_server(workdir: Path, port: int, database_url: str | None = None
                 ) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TASKFLOW_"))}
    env.update(
        TASKFLOW_ENV_FILE=str(workdir / "none.env"), APP_DEBUG="true", APP_SEED_DEMO="true",
        APP_SECRET_KEY="fuzz-secret-key-0123456789abcdef", APP_PASSWORD_ITERATIONS="1000",
        APP_DB_PATH=str(workdir / "taskflow.db"), APP_UPLOAD_DIR=str(workdir / "uploads"),
        APP_LOG_LEVEL="WARNING", APP_PORT=str(port))
    if database_url:
        env["APP_DATABASE_URL"] = database_url
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 - open while the server runs
    return subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8",
         "--trusted-proxy=127.0.0.1", "--trusted-proxy-headers=x-forwarded-for", "app:app"],
        cwd=EXAMPLE, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(server: subprocess.Popen, base: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            call(f"{base}/health")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not answer /health within {timeout} s")


def check_document(base: str) -> None:
    from openapi_spec_validator import validate

    document = call(f"{base}/openapi.json")
    validate(document)
    count = sum(len(methods) for methods in document["paths"].values())
    print(f"/openapi.json is a valid OpenAPI {document['openapi']} document: {count} operations",
          flush=True)


def tracebacks(log: Path) -> list[str]:
    """Errors the server logged: handler failures and listener failures alike."""
    lines = log.read_text("utf-8", "replace").splitlines()
    return [line for line in lines if re.search(r"\bERROR\b", line)]


def env_int(name: str, default: int | None) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@contextlib.contextmanager
def engine_database(engine: str):
    """``None`` for SQLite (a file in the work directory); a fresh PostgreSQL database."""
    if engine == "sqlite":
        yield None
        return
    from lcore_taskflow.core.testing import services

    found = services.find_postgres()
    if found.url is None:
        if os.environ.get("CI") or os.environ.get("TASKFLOW_REQUIRE_SERVICES"):
            sys.exit(f"PostgreSQL is required for the fuzz run: {found.note}")
        print(f"skipping PostgreSQL: {found.note}", flush=True)
        yield False
        return
    with services.fresh_database(found.url) as url:
        print(f"PostgreSQL: {found.note}", flush=True)
        yield url


def fuzz_engine(engine: str, args, extra: list[str]) -> int:
    """One server on ``engine`` and one ``st run`` against it; the exit status."""
    workdir = Path(tempfile.mkdtemp(prefix=f"taskflow-fuzz-{engine}-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    with engine_database(engine) as url:
        if url is False:
            return 0
        print(f"== {engine} ==", flush=True)
        server = start_server(workdir, port, url)
        try:
            wait_ready(server, base, log)
            check_document(base)
            token = call(f"{base}/auth/login",
                         {"username": "admin", "password": "admin123"})["token"]
            # --request-timeout: a request the server never answers is a failure with
            # its case, not a run that waits for it until CI's limit
            cmd = [str(Path(sys.executable).with_name("st")), "run", f"{base}/openapi.json",
                   "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json",
                   "--checks", CHECKS, "--workers", args.workers, "--no-shrink",
                   "--request-timeout", "30"]
            for operation in EXCLUDED:
                cmd += ["--exclude-operation-id", operation]
            cmd += ["--exclude-path-regex", EXCLUDED_PATHS]
            if args.max_time:
                cmd += ["--max-time", str(args.max_time)]
            if args.max_examples:
                cmd += ["--max-examples", str(args.max_examples)]
            if args.seed is not None:
                cmd += ["--seed", str(args.seed)]
            if args.junit:
                junit = args.junit.with_name(f"{args.junit.stem}-{engine}{args.junit.suffix}")
                cmd += ["--report", "junit", "--report-junit-path", str(junit.resolve())]
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                   "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
            print("$", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***"
                                for c in [*cmd, *extra]), flush=True)
            status = run_fuzzer([*cmd, *extra], env, workdir, args.max_time)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    errors = tracebacks(log)
    if errors:
        print(f"[{engine}] the server logged {len(errors)} errors (log: {log}):",
              *errors[:20], sep="\n  ")
        return status or 1
    shutil.rmtree(workdir, ignore_errors=True)
    return status


def run_fuzzer(cmd: list[str], env: dict, workdir: Path, max_time: int | None) -> int:
    """``st run``'s exit status; one that outlives its time budget by 10 minutes is ended
    (its budget covers the phases it repeats, not the examples and coverage before them)."""
    try:
        return subprocess.run(cmd, env=env, cwd=workdir,
                              timeout=max_time + 600 if max_time else None).returncode
    except subprocess.TimeoutExpired:
        print(f"st run did not end within {max_time + 600} s; ended", flush=True)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=env_int("TASKFLOW_FUZZ_MAX_TIME", 120),
                        help="time budget per engine in seconds; 0: none (default 120, or "
                             "TASKFLOW_FUZZ_MAX_TIME)")
    parser.add_argument("--max-examples", type=int,
                        default=env_int("TASKFLOW_FUZZ_EXAMPLES", None),
                        help="test cases per operation and phase (TASKFLOW_FUZZ_EXAMPLES)")
    parser.add_argument("--engines",
                        default=os.environ.get("TASKFLOW_FUZZ_ENGINES", "sqlite,postgresql"),
                        help="comma-separated: sqlite, postgresql (TASKFLOW_FUZZ_ENGINES)")
    # One worker: Hypothesis describing lambdas from two threads trips a CPython 3.11 ast bug
    # (python/cpython#106905, "AST constructor recursion depth mismatch").
    parser.add_argument("--workers", default="1", help="concurrent workers (default 1)")
    parser.add_argument("--seed", type=int, help="reproduce an earlier run")
    parser.add_argument("--junit", type=Path,
                        help="write JUnit reports (one per engine, the engine in the name)")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    results = {engine: fuzz_engine(engine, args, extra) for engine in engines}
    print("fuzz results: " + ", ".join(f"{e} {'ok' if r == 0 else f'failed ({r})'}"
                                       for e, r in results.items()), flush=True)
    return next((r for r in results.values() if r), 0)


if __name__ == "__main__":
    sys.exit(main())
