"""Install TaskFlow's packages into a tox env from one shared wheelhouse.

    python scripts/tox_install.py WHEELHOUSE DIR[EXTRAS] ...

Each DIR (a package's source tree, e.g. ``packages/lcore-taskflow-core``,
optionally with ``[extras]``) is built into a wheel once per change of its
source, whichever env asks first (the others wait on a lock and reuse it):
the wheels are pure Python, so every env and every Python shares them.
Before this, each of the suite's ~30 envs built every package it installs
twice per run (about 1 s of CPU per package and build, ~190 builds).

The env then gets that code (``--force-reinstall --no-deps``: the new
metadata too) and afterwards whatever dependency the packages now declare
and the env lacks (a plain install by name: pip adds only what is missing) —
so a second run after ``git pull`` tests the packages as they are now, with a
dependency added since.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SKIP_DIRS = {"__pycache__", "build", "dist", ".tox", ".pytest_cache", "node_modules"}
PIP = [sys.executable, "-I", "-m", "pip", "--disable-pip-version-check", "--quiet"]


def source_digest(directory: Path) -> str:
    """A digest of every file a wheel of ``directory`` could contain (names and contents)."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(root, name)
            if path.suffix in (".pyc", ".pyo"):
                continue
            digest.update(str(path.relative_to(directory)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def distribution_name(directory: Path) -> str:
    text = (directory / "pyproject.toml").read_text("utf-8")
    found = re.search(r'(?m)^name\s*=\s*"([^"]+)"', text)
    if not found:
        raise SystemExit(f"tox_install: no project name in {directory / 'pyproject.toml'}")
    return found.group(1)


def built_wheel(directory: Path, wheelhouse: Path) -> Path:
    """The wheel of ``directory``'s current source, built now unless already there."""
    name = distribution_name(directory)
    key = source_digest(directory)
    target = wheelhouse / name / key
    with open(wheelhouse / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the parallel envs build each package once
        wheels = sorted(target.glob("*.whl"))
        if wheels:
            return wheels[0]
        work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=wheelhouse))
        try:
            subprocess.run([*PIP, "wheel", "--no-deps", "--wheel-dir", str(work), str(directory)],
                           check=True)
            shutil.rmtree(wheelhouse / name, ignore_errors=True)  # older sources' wheels
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return sorted(target.glob("*.whl"))[0]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    wheelhouse = Path(argv[0]).resolve()
    wheelhouse.mkdir(parents=True, exist_ok=True)
    wheels, wanted = [], []
    for spec in argv[1:]:
        directory, _, extras = spec.partition("[")
        wheel = built_wheel(Path(directory).resolve(), wheelhouse)
        wheels.append(str(wheel))
        wanted.append(f"{wheel}[{extras}" if extras else str(wheel))
    subprocess.run([*PIP, "install", "--no-deps", "--force-reinstall", *wheels], check=True)
    subprocess.run([*PIP, "install", *wanted], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
