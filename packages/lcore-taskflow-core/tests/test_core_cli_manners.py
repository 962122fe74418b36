"""The CLI's manners: read-only commands touch nothing, every option explains itself.

Each command runs as a real subprocess in an empty directory with no secret
key and no ``.env``; afterwards the directory must still be empty.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys

import pytest
from lcore_taskflow.core import _plugins as plugins
from lcore_taskflow.core._cli import HelpFormatter, build_parser
from lcore_taskflow.core._plugin import CorePlugin

READ_ONLY = [
    ["--help"], ["--version"], ["plugins"], ["routes"],
    ["serve", "--help"], ["routes", "--help"], ["plugins", "--help"],
    ["db", "--help"], ["db", "upgrade", "--help"], ["db", "seed", "--help"],
    ["create-admin", "--help"],
]


@pytest.fixture
def bare(tmp_path):
    """``run(*args)``: the CLI in an empty directory, no APP_* at all."""
    cwd = tmp_path / "empty"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}

    def run(*args: str, prelude: str = "", extra_env: dict | None = None):
        code = (f"{prelude}\nimport sys\nfrom lcore_taskflow.core._cli import main\n"
                f"sys.exit(main({list(args)!r}))")
        return subprocess.run([sys.executable, "-c", code], cwd=cwd,
                              env={**env, **(extra_env or {})}, capture_output=True,
                              text=True, timeout=60)

    run.cwd = cwd
    return run


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_need_no_secret_and_create_nothing(bare, args):
    proc = bare(*args)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(bare.cwd)) == [], "created files in the working directory"
    assert "secret" not in proc.stderr.lower(), proc.stderr


def test_routes_never_opens_the_configured_database(bare, tmp_path):
    db = tmp_path / "mine.db"
    sqlite3.connect(db).close()  # an empty file that is not TaskFlow's
    before = db.read_bytes()
    proc = bare("routes", extra_env={"APP_DB_PATH": str(db), "APP_DEBUG": "true",
                                     "APP_UPLOAD_DIR": str(tmp_path / "up")})
    assert proc.returncode == 0, proc.stderr
    assert "/health" in proc.stdout and "/debug/routes" in proc.stdout  # debug kept
    assert db.read_bytes() == before
    assert not (tmp_path / "up").exists()
    assert sorted(os.listdir(bare.cwd)) == []


def test_serve_without_waitress_says_so_before_touching_the_database(bare, tmp_path):
    db = tmp_path / "serve.db"
    proc = bare("serve", prelude="import sys; sys.modules['waitress'] = None",
                extra_env={"APP_DB_PATH": str(db), "APP_SECRET_KEY": "x" * 32})
    assert proc.returncode == 2
    assert "needs waitress" in proc.stderr and "lcore-taskflow-core[server]" in proc.stderr
    assert not db.exists(), "the database was created before waitress was found missing"
    assert sorted(os.listdir(bare.cwd)) == []


def core_parser() -> argparse.ArgumentParser:
    pm = plugins.new_manager()
    pm.register(CorePlugin(), name="core")
    return build_parser(pm)


def options(parser: argparse.ArgumentParser, path: str = "taskflow"):
    """``(command path, action)`` of every option of ``parser`` and its sub-commands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from options(sub, f"{path} {name}")
        elif action.option_strings and not isinstance(
                action, (argparse._HelpAction, argparse._VersionAction)):
            yield path, action


def test_every_option_has_help_and_shows_its_default():
    formatter = HelpFormatter("taskflow")
    found = list(options(core_parser()))
    assert len(found) >= 13, found  # env-file, 5 of serve, 4 of db seed, 3 of create-admin
    for path, action in found:
        where = f"{path} {'/'.join(action.option_strings)}"
        assert action.help, f"{where} has no help"
        shown = formatter._get_help_string(action) % {"default": action.default}
        assert action.required or "default" in shown, f"{where}: no default in {shown!r}"
