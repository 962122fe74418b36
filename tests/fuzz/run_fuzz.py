"""Fuzz the assembled TaskFlow server with Schemathesis against its own ``/openapi.json``.

Starts the example server (every plugin, demo data, debug routes) as its own
process under waitress, checks that the document validates, signs in as the
demo admin and runs ``st run`` with that token.  The run fails on any 5xx, on
any answer the document does not describe (status code, content type,
headers, body shape), on a method the document does not list that is not a
405 with ``Allow``, and on any error in the server's log.

    python tests/fuzz/run_fuzz.py                     # CI: bounded by --max-time
    python tests/fuzz/run_fuzz.py --max-time 0 --max-examples 400   # a long run

Extra arguments after ``--`` go to ``st run``.
"""

from __future__ import annotations

import argparse
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


def start_server(workdir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TASKFLOW_"))}
    env.update(
        TASKFLOW_ENV_FILE=str(workdir / "none.env"), APP_DEBUG="true", APP_SEED_DEMO="true",
        APP_SECRET_KEY="fuzz-secret-key-0123456789abcdef", APP_PASSWORD_ITERATIONS="1000",
        APP_DB_PATH=str(workdir / "taskflow.db"), APP_UPLOAD_DIR=str(workdir / "uploads"),
        APP_LOG_LEVEL="WARNING", APP_PORT=str(port))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=120,
                        help="time budget of the whole run in seconds; 0: none (default 120)")
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase")
    # One worker: Hypothesis describing lambdas from two threads trips a CPython 3.11 ast bug
    # (python/cpython#106905, "AST constructor recursion depth mismatch").
    parser.add_argument("--workers", default="1", help="concurrent workers (default 1)")
    parser.add_argument("--seed", type=int, help="reproduce an earlier run")
    parser.add_argument("--junit", type=Path, help="write a JUnit report (one case per operation)")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]

    workdir = Path(tempfile.mkdtemp(prefix="taskflow-fuzz-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    server = start_server(workdir, port)
    try:
        wait_ready(server, base, log)
        check_document(base)
        token = call(f"{base}/auth/login", {"username": "admin", "password": "admin123"})["token"]
        cmd = [str(Path(sys.executable).with_name("st")), "run", f"{base}/openapi.json",
               "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json",
               "--checks", CHECKS, "--workers", args.workers, "--no-shrink"]
        for operation in EXCLUDED:
            cmd += ["--exclude-operation-id", operation]
        if args.max_time:
            cmd += ["--max-time", str(args.max_time)]
        if args.max_examples:
            cmd += ["--max-examples", str(args.max_examples)]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        if args.junit:
            cmd += ["--report", "junit", "--report-junit-path", str(args.junit.resolve())]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks",
               "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        print("$", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***"
                            for c in cmd), flush=True)
        status = subprocess.run(cmd, env=env, cwd=workdir).returncode  # its cache stays there
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    errors = tracebacks(log)
    if errors:
        print(f"the server logged {len(errors)} errors (log: {log}):", *errors[:20], sep="\n  ")
        return status or 1
    shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
