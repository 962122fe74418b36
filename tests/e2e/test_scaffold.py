"""`taskflow new-plugin` as a stranger uses it: scaffold → installed → its tests pass.

In a fresh venv with the built core wheel: generate a package, `pip install` it from its
directory, run its own tests, and see it in `taskflow plugins`.  Each step is timed (printed
and kept in the e2e summary); the time is reported, never asserted.
"""

from __future__ import annotations

import time

from e2e_support import clean_env, make_venv, pip, run


def test_scaffold_installs_and_its_tests_pass(dists, tmp_path, record_property):
    started = time.monotonic()
    python = make_venv(tmp_path / "venv", with_pip=False)
    pip(python, "install", "-q", dists["core"].wheel, "pytest")
    bindir = python.parent
    steps: dict[str, float] = {"venv with core": time.monotonic() - started}

    mark = time.monotonic()
    out = run([bindir / "taskflow", "new-plugin", "taskflow-hello", "--directory", tmp_path],
              cwd=tmp_path, env=clean_env())
    assert "plugin 'hello'" in out
    assert not list(tmp_path.glob("*.db")), "new-plugin must not create a database"
    # its tox.ini installs core from the wheel core came from, not from an index (issue 24)
    tox_ini = (tmp_path / "taskflow-hello" / "tox.ini").read_text()
    assert f"deps = {{env:TASKFLOW_CORE:{dists['core'].wheel}}}" in tox_ini, tox_ini
    steps["scaffold"] = time.monotonic() - mark

    mark = time.monotonic()
    pip(python, "install", "-q", f"{tmp_path / 'taskflow-hello'}[test]")
    steps["pip install ./taskflow-hello"] = time.monotonic() - mark

    mark = time.monotonic()
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  tmp_path / "taskflow-hello" / "tests"], cwd=tmp_path, env=clean_env())
    assert "5 passed" in result, result
    steps["its tests"] = time.monotonic() - mark

    listing = run([bindir / "taskflow", "plugins"], cwd=tmp_path, env=clean_env())
    assert any(line.startswith("hello ") for line in listing.splitlines()), listing
    total = steps["scaffold"] + steps["pip install ./taskflow-hello"] + steps["its tests"]
    summary = ", ".join(f"{k} {v:.1f}s" for k, v in steps.items())
    print(f"\nscaffold → installed → tests passing: {total:.1f}s ({summary})")
    record_property("scaffold_to_passing_seconds", round(total, 1))
    try:
        from conftest import TIMINGS  # the e2e summary line
        TIMINGS["scaffold → installed → passing"] = total
    except ImportError:
        pass
