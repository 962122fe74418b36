"""The documents that are generated (docs/hooks.md, docs/api.md) must not drift, every
public function has a docstring, and the tutorial (docs/plugins.md) works as written."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import ENGINES
from lcore_taskflow.core.testing._engines import services_required

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "gen_hook_docs.py"
API_SCRIPT = REPO / "scripts" / "gen_api_docs.py"


def generator(script=SCRIPT):
    if not script.is_file():
        reason = f"{script} not found: docs are checked in a repository checkout only"
        print(reason)
        pytest.skip(reason)
    return runpy.run_path(str(script))


def test_api_reference_matches_the_docstrings():
    gen = generator(API_SCRIPT)
    committed = gen["OUTPUT"].read_text("utf-8")
    assert committed == gen["render"](), (
        "docs/api.md is stale: run `python scripts/gen_api_docs.py` and commit it")


def test_every_public_function_of_core_has_a_docstring():
    gen = generator(API_SCRIPT)
    assert gen["undocumented"]() == []
    text = gen["render"]()
    import lcore_taskflow.core as core

    for name in core.__all__:
        if name not in ("__version__", "events"):
            assert f"`{name}" in text, name
    for shown in ("kernel.users.many(", "kernel.tasks.get(", "kernel.access().where(",
                  "db.after_commit(", "kernel.emit(", "kernel.represent("):
        assert f"`{shown}" in text, shown


def test_hook_reference_matches_hookspecs_and_events():
    gen = generator()
    committed = gen["OUTPUT"].read_text("utf-8")
    assert committed == gen["render"](), (
        "docs/hooks.md is stale: run `python scripts/gen_hook_docs.py` and commit it")


def test_the_phases_of_the_hooks_do_not_contradict_each_other():
    gen = generator()
    assert gen["contradictions"]() == []
    phases = {gen["phase_of"](fn, gen["sections"]()) for _, fn, _ in gen["hooks"]()}
    assert phases == {"assembly", "request", "maintenance"}
    text = gen["render"]()
    assert "| [`taskflow_shutdown`](#taskflow_shutdown) | maintenance |" in text
    assert "| [`taskflow_task_fields`](#taskflow_task_fields) | assembly |" in text


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
    "json": ["src/taskflow_estimates/static/i18n/de.json"],
}


@pytest.fixture
def tutorial(tmp_path):
    """docs/plugins.md's code blocks written out as the package they describe."""
    doc = REPO / "docs" / "plugins.md"
    if not doc.is_file():
        generator()  # skips with the reason
    found = {lang: [] for lang in TUTORIAL_FILES}
    for lang, code in re.findall(r"```(\w+)\n(.*?)```", doc.read_text("utf-8"), re.S):
        if lang in found:
            found[lang].append(code)
    root = tmp_path / "taskflow-estimates"
    for lang, paths in TUTORIAL_FILES.items():
        assert len(found[lang]) == len(paths), f"docs/plugins.md has {len(found[lang])} {lang} " \
            f"blocks, the test expects {len(paths)}: update TUTORIAL_FILES"
        for path, code in zip(paths, found[lang]):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, "utf-8")
    return root


@pytest.fixture
def estimates(tutorial):
    """The tutorial's package, imported from where the test wrote it; forgotten afterwards."""
    sys.path.insert(0, str(tutorial / "src"))
    try:
        import taskflow_estimates

        yield taskflow_estimates
    finally:
        sys.path.remove(str(tutorial / "src"))
        for name in [m for m in sys.modules if m.split(".")[0] == "taskflow_estimates"]:
            del sys.modules[name]


def test_the_tutorials_plugin_passes_its_own_tests(tutorial):
    """docs/plugins.md builds taskflow-estimates: its files, put together, pass its tests."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-rs", str(tutorial / "tests")], cwd=tutorial, capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(tutorial / "src")})
    assert done.returncode == 0, done.stdout + done.stderr
    runs = 7 * len(ENGINES) + 1  # seven tests on every engine, the catalog check once
    assert re.search(rf"\b{runs} passed\b", done.stdout) or (
        "skipped" in done.stdout and not services_required()), done.stdout


def test_the_tutorials_plugin_installs_and_answers(estimates, tutorial, tmp_path, database_url):
    """The same code as a real plugin: found by its entry point, installed into an app built
    with the kit, its routes, field, representation, filter and migration at work."""
    from lcore_taskflow.core import CORE_API
    from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

    entry = re.search(r"^estimates = \"([\w.]+):(\w+)\"$",
                      (tutorial / "pyproject.toml").read_text(), re.M)
    assert entry and (entry.group(1), entry.group(2)) == ("taskflow_estimates", "EstimatesPlugin")
    plugin = getattr(estimates, entry.group(2))()
    assert plugin.core_api == CORE_API, "the tutorial should be written for today's core API"
    app = make_app(tmp_path / "app", plugins=[HeaderIdentity(), plugin],
                   database_url=database_url)
    try:
        kernel = app.taskflow
        assert "estimates" in [p["name"] for p in kernel.plugin_list()]
        with kernel.database() as db:
            assert db.fetchall("SELECT version FROM taskflow_migrations WHERE namespace = ?",
                               ("estimates",)) == [{"version": 1}]
        alice, admin = Client(app, "alice"), Client(app, "admin")
        made = alice.post("/api/projects/1/tasks", json={"title": "Docs", "estimate": 2})
        assert made.status == 201, made
        tid = made.json["id"]
        got = alice.get(f"/api/estimates/tasks/{tid}").json
        assert (got["task_id"], got["points"]) == (tid, 2)
        assert alice.put(f"/api/estimates/tasks/{tid}", json={"points": 5}).json["points"] == 5
        listed = alice.get("/api/projects/1/tasks", query={"estimate_max": 5}).json
        assert [(t["id"], t["estimate"]) for t in listed["tasks"]] == [(tid, 5)]
        assert alice.get("/api/estimates/projects/1").json["points"] == 5
        assert alice.delete(f"/api/estimates/tasks/{tid}").status == 403
        cleared = admin.delete(f"/api/estimates/tasks/{tid}")
        assert (cleared.status, cleared.body) == (204, b"")
        assert Client(app).get(f"/api/estimates/tasks/{tid}").status == 401
        spec = Client(app).get("/openapi.json").json["paths"]
        assert {"/api/estimates/tasks/{tid}", "/api/estimates/projects/{pid}"} <= set(spec)
        assert [m.name for m in kernel.ui_modules] in ([], ["estimates"])  # with ui: served
    finally:
        app.taskflow.close()
