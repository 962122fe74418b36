"""Test-only launcher: the full TaskFlow server plus a test plugin with frontend modules.

* ``TASKFLOW_TEST_PLUGIN=1``: a plugin contributes the modules of
  ``plugin_fixture/`` through core's ``taskflow_ui_modules`` hook (the real
  extension point), served by the ui at ``{prefix}/static/plugins/testplug/``.
* ``TASKFLOW_TEST_SCOPED=1``: the working module only, from a project-scoped plugin
  named ``testplug`` (off in every project until an owner turns it on).
* ``TASKFLOW_TEST_FUTURE=1``: a module declaring ``ui_api=99`` (``future.js``).
* the prefix is the real ``APP_MOUNT_PREFIX``.

Host, port, database and the rest come from the ``APP_*`` variables, like
``taskflow serve``.  Never imported by the package.
"""

from __future__ import annotations

import os
from pathlib import Path

import waitress
from lcore_taskflow.core import UIModule, create_app, hookimpl

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin_fixture"


class TestModules:
    """Frontend modules of a test plugin: one that works and one that throws."""

    name = "testmodules"
    version = "0"

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("testplug", PLUGIN_DIR, scripts=("testplug.js", "broken.js"),
                         styles=("testplug.css",))]


class ScopedModules:
    """The working module of ``plugin_fixture/`` from a project-scoped plugin."""

    name = "testplug"
    version = "0"
    project_scoped = True

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("testplug", PLUGIN_DIR, scripts=("testplug.js",),
                         styles=("testplug.css",))]


class FutureModules:
    """A module that needs UI API 99: shown as a notice, never run (``TASKFLOW_TEST_FUTURE=1``)."""

    name = "future"
    version = "0"

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("future", PLUGIN_DIR, scripts=("future.js",), ui_api=99)]


def main() -> None:
    plugins = [TestModules()] if os.environ.get("TASKFLOW_TEST_PLUGIN") else []
    if os.environ.get("TASKFLOW_TEST_SCOPED"):
        plugins.append(ScopedModules())
    if os.environ.get("TASKFLOW_TEST_FUTURE"):
        plugins.append(FutureModules())
    app = create_app(plugins=plugins, dotenv=None)
    cfg = app.taskflow.config
    try:
        waitress.serve(app, host=cfg.host, port=cfg.port, threads=cfg.threads, ident="TaskFlow")
    finally:
        app.taskflow.close()


if __name__ == "__main__":
    main()
