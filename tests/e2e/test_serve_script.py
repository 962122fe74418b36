"""The README's first command, ``bash scripts/serve.sh``, in a fresh copy of the checkout.

First start: it says what it does (virtualenv, install, demo data) instead of
staying silent, and the server answers with the demo users.  Second start:
nothing changed, so nothing is reinstalled and the server is up in seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
from e2e_support import REPO, clean_env, free_port, http


def copy_checkout(target: Path) -> None:
    """The files git knows (as they are in the working tree), nothing else."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: cannot tell which files belong to it")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def serve(checkout: Path, port: int, timeout: float) -> tuple[str, float]:
    """Run serve.sh until /health answers; its output and the seconds it took."""
    started = time.monotonic()
    log = checkout / f"serve-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=checkout, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env=clean_env(APP_PORT=str(port), APP_LOG_LEVEL="WARNING",
                                              APP_PASSWORD_ITERATIONS="1000"))
    try:
        while time.monotonic() - started < timeout:
            assert proc.poll() is None, log.read_text()
            try:
                if http(port, "GET", "/health", timeout=2).status == 200:
                    login = http(port, "POST", "/auth/login",
                                 json={"username": "admin", "password": "admin123"})
                    assert login.status == 200, login
                    return log.read_text(), time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not serving after {timeout} s:\n{log.read_text()}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the script's own process group
        proc.wait(20)


def test_serve_sh_shows_progress_then_skips_the_install(tmp_path):
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    first, took_first = serve(checkout, free_port(), timeout=300)
    for step in ("creating the virtualenv", "installing the four TaskFlow packages",
                 "Successfully installed", "demo data", "serving on"):
        assert step in first, f"{step!r} missing from the first start:\n{first}"
    second, took_second = serve(checkout, free_port(), timeout=60)
    assert "already installed" in second and "Collecting" not in second, second
    print(f"serve.sh: first start {took_first:.1f} s, second {took_second:.1f} s")
    backup_of_the_served_database(checkout)


def backup_of_the_served_database(checkout: Path) -> None:
    """The README's backup line on the database serve.sh made, from the checkout (issue 24):
    no secret key in the environment (serve.sh keeps its own in .taskflow-secret)."""
    done = subprocess.run([checkout / ".venv" / "bin" / "taskflow", "db", "backup",
                           "backups/taskflow.db"], cwd=checkout, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    copy = checkout / "backups" / "taskflow.db"
    with closing(sqlite3.connect(copy)) as db:
        users = {name for (name,) in db.execute("SELECT username FROM users")}
    assert {"admin", "alice", "bob"} <= users, users
