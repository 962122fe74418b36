"""Session fixtures of the end-to-end suite and its seed-style summary.

Once per session: the four packages are built (sdist, then wheel from the
sdist), one fresh virtualenv gets the four wheels and waitress, and every
server the suite needs is started from it in parallel: ``main`` (all plugins,
``APP_DEBUG=true`` for the seed's debug checks; ``python app.py``), ``rbac``
(the same, run by ``taskflow serve``) and one server per subset of {auth,
notify, ui} disabled (the composability matrix; ``python app.py``, except the
one without notify, which ``waitress-serve app:app`` imports).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_installs import start_clean_installs
from e2e_support import (
    COMBINATIONS,
    FOREIGN_SCRIPT,
    Dist,
    Server,
    build_all,
    combo_name,
    make_venv,
    pip,
    start_all,
)


@pytest.fixture(scope="session")
def dists(tmp_path_factory) -> dict[str, Dist]:
    """The wheel and sdist of every package, built once."""
    started = time.monotonic()
    built = build_all(tmp_path_factory.mktemp("dist"))
    TIMINGS["build wheels + sdists"] = time.monotonic() - started
    if WANT_CLEAN_INSTALLS:  # overlap the slow, network-bound installs with the HTTP tests
        start_clean_installs(built, tmp_path_factory.mktemp("clean"))
    return built


@pytest.fixture(scope="session")
def server_python(dists, tmp_path_factory) -> Path:
    """A fresh venv with the four wheels and waitress (lcore, pluggy from the index)."""
    started = time.monotonic()
    python = make_venv(tmp_path_factory.mktemp("venv") / "server", with_pip=False)
    pip(python, "install", "-q", *[d.wheel for d in dists.values()], "waitress")
    TIMINGS["server venv"] = time.monotonic() - started
    return python


@pytest.fixture(scope="session")
def servers(server_python, tmp_path_factory) -> Iterator[dict[str, Server]]:
    """Every server of the suite, started together; stopped at the end of the session."""
    root = tmp_path_factory.mktemp("servers")
    pool = {"main": Server("main", server_python, root / "main", debug=True),
            "rbac": Server("rbac", server_python, root / "rbac", debug=True, launcher="cli"),
            "foreign": Server("foreign", server_python, root / "foreign", script=FOREIGN_SCRIPT)}
    for disabled in COMBINATIONS:
        name = combo_name(disabled)
        pool[name] = Server(name, server_python, root / name.replace(",", "_").replace("=", "-"),
                            disabled=disabled,
                            launcher="waitress-serve" if disabled == ("notify",) else "script")
    started = time.monotonic()
    try:
        start_all(list(pool.values()))
        TIMINGS[f"start {len(pool)} servers"] = time.monotonic() - started
        yield pool
    finally:
        for server in pool.values():
            server.stop()


@pytest.fixture(scope="session")
def main(servers) -> Server:
    """The full server (every plugin, debug routes on) of the seed's checks."""
    return servers["main"]


@pytest.fixture(scope="session")
def foreign(servers) -> Server:
    """examples/foreign_app/app.py: an ordinary Lcore app with core and auth installed."""
    return servers["foreign"]


@pytest.fixture(scope="session")
def rbac_server(servers) -> Server:
    """Another full server with debug routes for the RBAC table (own data; `taskflow serve`)."""
    return servers["rbac"]


WANT_CLEAN_INSTALLS = False


def pytest_collection_modifyitems(items) -> None:
    global WANT_CLEAN_INSTALLS
    WANT_CLEAN_INSTALLS = any("clean_installs" in getattr(i, "fixturenames", ()) for i in items)


# ---------------------------------------------------------------- summary
TIMINGS: dict[str, float] = {}
OUTCOMES: dict[str, tuple[str, str]] = {}
SECTIONS = {
    "test_seed_checks.py": "Seed checks (the seed's 30 'Test Results')",
    "test_rbac.py": "RBAC (SPEC §4: anonymous, member, admin)",
    "test_matrix.py": "Composability matrix (8 plugin subsets)",
    "test_packaging.py": "Packaging",
    "test_example.py": "Example server: configuration, API docs",
    "test_foreign_app.py": "Foreign Lcore app (core + auth installed the Lcore way)",
    "test_smtp.py": "Real SMTP server (aiosmtpd): every notify endpoint, task assignment",
    "test_plugins.py": "Example plugins (taskflow-labels, taskflow-webhooks) installed from "
                       "their directories: HTTP, webhooks, Chromium",
    "test_scaffold.py": "taskflow new-plugin: scaffold, install, its own tests",
    "test_hardening.py": "Hardening (issue 13: each finding over real HTTP)",
    "test_deployment.py": "docs/deploy.md from scratch: nginx, 2 gunicorn servers, 2 mail "
                          "workers, PostgreSQL, Redis, SMTP",
}


def _label(nodeid: str) -> tuple[str, str]:
    path, _, name = nodeid.partition("::")
    section = SECTIONS.get(Path(path).name, Path(path).name)
    if section.startswith("Seed") and "[" in name and name.endswith("]"):
        name = name[name.index("[") + 1:-1]
    elif "[" in name and name.endswith("]"):
        name = name.removeprefix("test_")
    return section, name


def pytest_runtest_logreport(report) -> None:
    if "e2e" not in report.nodeid.split("::")[0]:
        return
    if report.when == "call" or report.outcome != "passed":
        previous = OUTCOMES.get(report.nodeid, ("passed", ""))[0]
        outcome = "failed" if "failed" in (previous, report.outcome) else report.outcome
        OUTCOMES[report.nodeid] = (outcome, report.when)


def pytest_terminal_summary(terminalreporter) -> None:
    """PASS/FAIL lines in the seed's style, then exactly ``N passed, M failed``."""
    if not OUTCOMES:
        return
    write = terminalreporter.write_line
    by_section: dict[str, list[tuple[str, str]]] = {}
    for nodeid, (outcome, _) in OUTCOMES.items():
        section, name = _label(nodeid)
        by_section.setdefault(section, []).append((name, outcome))
    write("")
    for section, rows in by_section.items():
        ok = sum(outcome == "passed" for _, outcome in rows)
        write(f"{section}: {ok}/{len(rows)}")
        for name, outcome in rows:
            if outcome != "passed" or section.startswith("Seed"):
                tag = {"passed": "PASS", "skipped": "SKIP"}.get(outcome, "FAIL")
                write(f"{tag}: {name}")
    if TIMINGS:
        write("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items()))
    passed = sum(outcome == "passed" for outcome, _ in OUTCOMES.values())
    skipped = sum(outcome == "skipped" for outcome, _ in OUTCOMES.values())
    if skipped:
        write(f"({skipped} skipped, counted as failed: every check must run)")
    write(f"{passed} passed, {len(OUTCOMES) - passed} failed")
