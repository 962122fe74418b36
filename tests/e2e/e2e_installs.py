"""Clean installs of the built packages, each in a fresh ``--without-pip`` venv.

They are slow (network, sdist builds) and independent of the servers, so the
``dists`` fixture starts them in the background (:func:`start_clean_installs`)
when the packaging tests are selected; the tests collect the results.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from e2e_support import PACKAGES, Dist, clean_env, make_venv, pip, run

ENTRY_POINTS = ("import importlib.metadata as m, json; print(json.dumps({ep.name: ep.value "
                "for ep in m.entry_points(group='lcore_taskflow.plugins')}))")
SMOKE = """
import json, tempfile, os
from lcore_taskflow.core import create_app
tmp = tempfile.mkdtemp()
app = create_app({"secret_key": "packaging-check-secret-0123456789", "password_iterations": 1000,
                  "db_path": os.path.join(tmp, "t.db"), "upload_dir": os.path.join(tmp, "up")},
                 environ={}, dotenv=None)
print(json.dumps(app.taskflow.plugin_list()))
app.taskflow.close()
"""


def installed(python: Path) -> dict[str, str]:
    rows = json.loads(pip(python, "list", "--format", "json"))
    return {r["name"].lower(): r["version"] for r in rows}


def install_wheel(key: str, dists: dict[str, Dist], root: Path) -> dict:
    python = make_venv(root / f"wheel-{key}", with_pip=False)
    wheelhouse = dists["core"].wheel.parent.parent / "wheels"
    pip(python, "install", "-q", "--find-links", wheelhouse, dists[key].wheel)
    return inspect_env(python)


def install_sdists(dists: dict[str, Dist], root: Path) -> dict:
    python = make_venv(root / "sdists", with_pip=False)
    pip(python, "install", "-q", *[d.sdist for d in dists.values()])
    return inspect_env(python)


def inspect_env(python: Path) -> dict:
    return {"python": python, "packages": installed(python), "check": pip(python, "check"),
            "entry_points": json.loads(run([python, "-c", ENTRY_POINTS], env=clean_env())),
            "plugins": json.loads(run([python, "-c", SMOKE], cwd=python.parent,
                                      env=clean_env()))}


def _job(name: str, dists: dict[str, Dist], root: Path) -> dict | Exception:
    try:
        if name == "sdists":
            return install_sdists(dists, root)
        return install_wheel(name, dists, root)
    except Exception as exc:  # reported by the test that reads this result
        return exc


_pending: dict[str, Future] = {}
_pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="clean-install")


def start_clean_installs(dists: dict[str, Dist], root: Path) -> None:
    """Each wheel alone and all four sdists, three venvs at a time, in the background."""
    for name in [*PACKAGES, "sdists"]:
        if name not in _pending:
            _pending[name] = _pool.submit(_job, name, dists, root)


def clean_install_results(dists: dict[str, Dist], root: Path) -> dict[str, dict | Exception]:
    start_clean_installs(dists, root)  # no-op when the dists fixture already did
    return {name: future.result() for name, future in _pending.items()}
