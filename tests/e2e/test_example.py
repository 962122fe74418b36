"""The example server's configuration: `.env.example` is complete and valid, bad
settings stop start-up with a message that names the key (SPEC §3), and the API
document and its page are served (SPEC §7)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from e2e_support import SECRET_KEY, SERVER_SCRIPT, Server, clean_env, expect, free_port

ENV_EXAMPLE = SERVER_SCRIPT.parent / ".env.example"
KEY_LINE = re.compile(r"^(APP_[A-Z0-9_]+)=(.*)$")


def documented() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text("utf-8").splitlines()
    return dict(m.groups() for m in map(KEY_LINE.match, lines) if m)


def start_once(python: Path, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """Run app.py with ``settings``; it must stop on its own (bad configuration)."""
    env = clean_env(**{"TASKFLOW_ENV_FILE": str(tmp_path / "none.env"),
                       "APP_PORT": str(free_port()), "APP_DB_PATH": str(tmp_path / "t.db"),
                       "APP_UPLOAD_DIR": str(tmp_path / "up"), "APP_PASSWORD_ITERATIONS": "1000",
                       **settings})
    return subprocess.run([str(python), str(SERVER_SCRIPT)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30)


def test_env_example_documents_every_key(main: Server) -> None:
    config = expect(main.get("/debug/config", token=main.token("admin")), 200, "config")
    keys = {f"APP_{k.upper()}" for k in config["config"]}
    listed = set(documented())
    assert not keys - listed, f".env.example lacks {sorted(keys - listed)}"
    assert not listed - keys, f".env.example documents unknown keys {sorted(listed - keys)}"


def test_env_example_is_a_valid_env_file(server_python: Path, tmp_path: Path) -> None:
    """The documented defaults, used as a `.env` (with a secret), start the server."""
    text = ENV_EXAMPLE.read_text("utf-8").replace("APP_SECRET_KEY=\n",
                                                  f"APP_SECRET_KEY={SECRET_KEY}\n")
    (tmp_path / "example.env").write_text(text, "utf-8")
    server = Server("env-example", server_python, tmp_path / "srv")
    server.env["TASKFLOW_ENV_FILE"] = str(tmp_path / "example.env")
    for key in ("APP_SECRET_KEY", "APP_PASSWORD_ITERATIONS", "APP_DEBUG", "APP_THREADS"):
        server.env.pop(key)  # these now come from the file
    try:
        server.start().wait_ready()
        body = expect(server.get("/health"), 200, "health")
        assert [p["name"] for p in body["plugins"]] == ["core", "auth", "notify", "ui"], body
    finally:
        server.stop()


def test_default_secret_is_refused(server_python: Path, tmp_path: Path) -> None:
    proc = start_once(server_python, tmp_path, APP_DEBUG="false")
    assert proc.returncode != 0, proc.stdout
    assert "secret_key" in proc.stderr and "APP_SECRET_KEY" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_bad_value_names_the_key(server_python: Path, tmp_path: Path) -> None:
    proc = start_once(server_python, tmp_path, APP_SECRET_KEY=SECRET_KEY, APP_PORT="abc")
    assert proc.returncode != 0, proc.stdout
    assert "port" in proc.stderr and "int" in proc.stderr and "'abc'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_held_write_lock_stops_start_up_with_one_line(server_python: Path,
                                                          tmp_path: Path) -> None:
    """Another process writing to the SQLite file for longer than the busy timeout: the
    server does not start, and says which file is locked, without a traceback."""
    holder = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        proc = start_once(server_python, tmp_path, APP_SECRET_KEY=SECRET_KEY,
                          APP_DB_BUSY_TIMEOUT="0.3")
    finally:
        holder.close()
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"taskflow: the database sqlite:///{tmp_path / 't.db'} cannot serve the start-up: "
        "database is locked (another process held its write lock for more than 0.3 s, "
        "APP_DB_BUSY_TIMEOUT: another server or `taskflow` command writing to the same "
        "file?)"), proc.stderr


@pytest.mark.parametrize("path", ["/docs", "/docs/docs.js", "/openapi.json"])
def test_api_docs(path: str, main: Server) -> None:
    # Short timeout: a hang here is a bug to report, not something to wait for.
    reply = main.get(path, headers={"Accept": "*/*"}, timeout=5)
    assert reply.status == 200 and reply.body, reply
    if path.endswith("json"):
        assert "/health" in reply.json["paths"] and "/auth/login" in reply.json["paths"], reply
