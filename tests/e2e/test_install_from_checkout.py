"""The README's "Install from a checkout", done as written (issue 24 item 5).

``bash scripts/build-wheels.sh`` puts the wheel of every package into a
directory; the README's ``pip install --find-links dist ...`` line installs
them into a fresh virtualenv (lcore, pluggy and waitress from the configured
index); the packaged app factory ``lcore_taskflow.core:create_app`` then serves
every installed plugin under ``waitress-serve --call``, from a directory that
is not the checkout, configured by the environment and a ``TASKFLOW_ENV_FILE``.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_support import REPO, clean_env, free_port, http, make_venv, pip, run

README = REPO / "README.md"
FACTORY = "waitress-serve --listen 127.0.0.1:8080 --call lcore_taskflow.core:create_app"


def documented_install() -> list[str]:
    """The README's ``pip install --find-links dist ...`` command, as arguments."""
    text = README.read_text()
    match = re.search(r"^pip install --find-links dist (?:.*\\\n)*.*$", text, re.MULTILINE)
    assert match, "README.md has no `pip install --find-links dist ...` line"
    return shlex.split(match.group(0).replace("\\\n", " "))


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # this test's Python builds (it has pip); the script's fallback is .venv-tools
    printed = run(["bash", REPO / "scripts" / "build-wheels.sh", out], timeout=600,
                  env=clean_env(PYTHON=sys.executable))
    packages = sorted(p.name for p in (REPO / "packages").iterdir()
                      if (p / "pyproject.toml").exists())
    wheels = sorted(p.name for p in out.glob("*.whl"))
    assert len(wheels) == len(packages), f"{packages} -> {wheels}"
    for package in packages:
        assert any(w.startswith(package.replace("-", "_") + "-") for w in wheels), (package, wheels)
        assert package.replace("-", "_") in printed
    return out


def test_readme_documents_build_install_and_the_factory() -> None:
    text = README.read_text()
    assert "bash scripts/build-wheels.sh" in text and FACTORY in text
    assert "examples.taskflow_server" not in (REPO / "docs" / "deploy.md").read_text()


def test_documented_wheels_install_and_the_factory_serves_them(wheel_dir, tmp_path) -> None:
    python = make_venv(tmp_path / "venv", with_pip=False)
    args = documented_install()
    assert args[:4] == ["pip", "install", "--find-links", "dist"], args
    pip(python, "install", "-q", "--find-links", wheel_dir, *args[4:], timeout=600)
    installed = pip(python, "list", "--format", "freeze").lower()
    for name in ("lcore-taskflow-core", "lcore-taskflow-auth", "lcore-taskflow-notify",
                 "lcore-taskflow-ui", "waitress"):
        assert f"{name}==" in installed, installed

    home = tmp_path / "home"  # not the checkout: nothing of it is importable here
    home.mkdir()
    env_file = home / "taskflow.env"
    env_file.write_text("APP_SEED_DEMO=true\nAPP_PASSWORD_ITERATIONS=1000\n")
    port = free_port()
    argv = shlex.split(FACTORY.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
    log = home / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(python.parent / argv[0]), *argv[1:]], cwd=home, stdout=out,
            stderr=subprocess.STDOUT,
            env=clean_env(APP_SECRET_KEY="install-test-secret-0123456789abcdef-xyz",
                          APP_LOG_LEVEL="WARNING", TASKFLOW_ENV_FILE=str(env_file)))
    try:
        health = wait_healthy(port, proc, log)
        assert sorted(p["name"] for p in health["plugins"]) == ["auth", "core", "notify", "ui"]
        # the .env file named by TASKFLOW_ENV_FILE was read: the demo users are there
        login = http(port, "POST", "/auth/login",
                     json={"username": "admin", "password": "admin123"})
        assert login.status == 200, login
        assert http(port, "GET", "/frontend", headers={"Accept": "text/html"}).status == 200
        assert (home / "taskflow.db").exists()
    finally:
        proc.terminate()
        proc.wait(20)


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            reply = http(port, "GET", "/health", timeout=5)
            if reply.status == 200:
                return reply.json
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not serving after {timeout} s:\n{log.read_text()}")
