"""``taskflow new-plugin``: the package it writes, without configuration or database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lcore_taskflow.core._cli import main

EXPECTED = {
    "README.md", "pyproject.toml", "tox.ini",
    "src/taskflow_due_soon/__init__.py", "src/taskflow_due_soon/routes.py",
    "src/taskflow_due_soon/py.typed",
    "src/taskflow_due_soon/migrations/0001_initial.sql",
    "src/taskflow_due_soon/static/due-soon.js", "src/taskflow_due_soon/static/i18n/de.json",
    "tests/conftest.py", "tests/test_taskflow_due_soon.py",
}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    return subprocess.run([sys.executable, "-m", "lcore_taskflow.core._cli", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_new_plugin_writes_a_package_and_touches_nothing_else(tmp_path):
    done = run_cli("new-plugin", "taskflow-due-soon", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "plugin 'due-soon', package taskflow_due_soon" in done.stdout
    root = tmp_path / "taskflow-due-soon"
    assert {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} == EXPECTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taskflow-due-soon"]  # no database
    pyproject = (root / "pyproject.toml").read_text()
    assert 'due-soon = "taskflow_due_soon:DueSoonPlugin"' in pyproject
    assert "{{" not in "".join(p.read_text() for p in root.rglob("*") if p.is_file())


def test_generated_tox_ini_installs_core_from_where_it_came_from(tmp_path):
    """Not from a package index, which has no lcore-taskflow-core (issue 24)."""
    assert main(["new-plugin", "taskflow-due-soon", "--directory", str(tmp_path)]) == 0
    tox_ini = (tmp_path / "taskflow-due-soon" / "tox.ini").read_text()
    match = re.search(r"^deps = \{env:TASKFLOW_CORE:(.+)\}$", tox_ini, re.MULTILINE)
    assert match, tox_ini
    source = Path(match.group(1))
    # core came from its source tree (editable or not) or from a wheel (tox's wheelhouse)
    if source.suffix == ".whl":
        assert source.is_file() and source.name.startswith("lcore_taskflow_core-"), source
    else:
        assert source.is_dir(), source
        assert 'name = "lcore-taskflow-core"' in (source / "pyproject.toml").read_text()
    assert "PIP_FIND_LINKS" in tox_ini


def test_the_generated_tests_pass(tmp_path):
    assert main(["new-plugin", "taskflow-due-soon", "--directory", str(tmp_path)]) == 0
    root = tmp_path / "taskflow-due-soon"
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(root / "tests")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_bad_names_and_existing_directories_are_refused(tmp_path, capsys):
    assert main(["new-plugin", "Bad_Name", "--directory", str(tmp_path)]) == 2
    assert "is not a distribution name" in capsys.readouterr().err
    (tmp_path / "taskflow-x").mkdir()
    assert main(["new-plugin", "taskflow-x", "--directory", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
