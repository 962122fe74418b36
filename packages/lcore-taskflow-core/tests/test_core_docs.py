"""docs/hooks.md is generated from hookspecs.py and events.py: it must not drift."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "gen_hook_docs.py"


def generator():
    if not SCRIPT.is_file():
        reason = f"{SCRIPT} not found: docs are checked in a repository checkout only"
        print(reason)
        pytest.skip(reason)
    return runpy.run_path(str(SCRIPT))


def test_hook_reference_matches_hookspecs_and_events():
    gen = generator()
    committed = gen["OUTPUT"].read_text("utf-8")
    assert committed == gen["render"](), (
        "docs/hooks.md is stale: run `python scripts/gen_hook_docs.py` and commit it")


def test_every_hook_and_event_is_in_the_reference():
    from lcore_taskflow.core import events

    gen = generator()
    text = gen["render"]()
    for name, _, _ in gen["hooks"]():
        assert f"### `{name}(" in text
    for cls in events.CORE_EVENTS:
        assert f"### `{cls.type}` — `events.{cls.__name__}`" in text


TUTORIAL_FILES = {  # the code blocks of docs/plugins.md, in order, and where they go
    "toml": ["pyproject.toml"],
    "sql": ["src/taskflow_estimates/migrations/0001_estimates.sql"],
    "python": ["src/taskflow_estimates/__init__.py", "src/taskflow_estimates/routes.py",
               "tests/conftest.py", "tests/test_estimates.py"],
    "js": ["src/taskflow_estimates/static/estimates.js"],
}


def test_the_tutorials_plugin_passes_its_tests(tmp_path):
    """docs/plugins.md builds taskflow-estimates: its files, put together, pass its tests."""
    doc = REPO / "docs" / "plugins.md"
    if not doc.is_file():
        generator()  # skips with the reason
    places = {lang: iter(paths) for lang, paths in TUTORIAL_FILES.items()}
    for lang, code in re.findall(r"```(\w+)\n(.*?)```", doc.read_text("utf-8"), re.S):
        if lang in places:
            target = tmp_path / next(places[lang])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, "utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path / "tests")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(tmp_path / "src")})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout
