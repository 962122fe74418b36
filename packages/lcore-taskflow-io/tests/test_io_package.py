"""The package as a package: its boundary, its configuration, its place in an app."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import lcore_taskflow.io
import pytest
from lcore_taskflow.core import ConfigError
from lcore_taskflow.core.testing import installed_plugin, private_imports
from lcore_taskflow.io import IOPlugin

SOURCE = Path(lcore_taskflow.io.__file__).parent
pytestmark = pytest.mark.timeout(120)


def test_it_imports_only_core_s_public_api():
    assert private_imports(SOURCE) == []
    text = "\n".join(p.read_text() for p in SOURCE.rglob("*.py"))
    for other in ("lcore_taskflow.auth", "lcore_taskflow.ui", "lcore_taskflow.notify",
                  "lcore_taskflow.oidc", "taskflow_labels", "taskflow_webhooks"):
        assert other not in text, other


def test_importing_it_does_nothing():
    """No thread until a kernel assembles the plugin."""
    code = ("import threading, lcore_taskflow.io as o; "
            "print(o.__version__, threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == [lcore_taskflow.io.__version__, "1"]


def test_it_is_discovered_and_typed():
    found = {ep.name: ep.value for ep in metadata.entry_points(group="lcore_taskflow.plugins")}
    assert found["io"] == "lcore_taskflow.io:IOPlugin"
    assert isinstance(installed_plugin("io"), IOPlugin)
    assert (SOURCE / "py.typed").is_file()
    for name in lcore_taskflow.io.__all__:
        assert hasattr(lcore_taskflow.io, name), name


@pytest.mark.parametrize(("settings", "key"), [
    ({"import_max_bytes": 10}, "import_max_bytes"),
    ({"import_lease": 1}, "import_lease"),
    ({"import_poll": 0}, "import_poll"),
])
def test_bad_settings_stop_start_up_naming_the_key(taskflow_app, settings, key):
    with pytest.raises(ConfigError, match=key):
        taskflow_app(**settings)


def test_it_assembles_and_migrates_on_every_engine(taskflow_app):
    app = taskflow_app()
    with app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM io_imports") == 0
