"""Test-only launcher: the full TaskFlow server, plus what the browser tests need that
production does not have yet.  Never imported by the package.

* ``TASKFLOW_TEST_PLUGIN=1``: the frontend page lists the modules of
  ``plugin_fixture/`` (as core's ``taskflow_ui_modules`` hook will, CONTRACT.md)
  and a test plugin serves them at ``{prefix}/test-plugins/<file>``.
* ``TASKFLOW_TEST_PREFIX=/pm``: everything is served under ``/pm`` and pages get
  ``base="/pm"`` (a WSGI wrapper standing in for ``APP_MOUNT_PREFIX``).

Host, port, database and the rest come from the ``APP_*`` variables, like ``taskflow serve``.
"""

from __future__ import annotations

import os
from pathlib import Path

import waitress
from lcore import Lcore, response
from lcore_taskflow.core import ApiError, create_app, hookimpl
from lcore_taskflow.ui import pages

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin_fixture"
PREFIX = os.environ.get("TASKFLOW_TEST_PREFIX", "").rstrip("/")
MODULES = ["testplug.js", "broken.js"]
TYPES = {".js": "text/javascript", ".css": "text/css"}


class TestModules:
    """Serves the files of plugin_fixture/ (and nothing else)."""

    name = "testmodules"
    version = "0"

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.get("/<name>")
        def module_file(name):
            if name not in os.listdir(PLUGIN_DIR):
                raise ApiError(404, f"no test plugin file {name}")
            response.content_type = TYPES[Path(name).suffix]
            return (PLUGIN_DIR / name).read_bytes()

        return [("/test-plugins/", sub)]


def under_prefix(app, prefix: str):
    def serve(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != prefix and not path.startswith(prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"outside the prefix"]
        environ["PATH_INFO"] = path[len(prefix):] or "/"
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        return app(environ, start_response)
    return serve


def main() -> None:
    plugins = []
    if os.environ.get("TASKFLOW_TEST_PLUGIN"):
        plugins.append(TestModules())
        pages.plugin_assets = lambda kernel: {
            "plugin_scripts": [f"{PREFIX}/test-plugins/{m}" for m in MODULES],
            "plugin_styles": [f"{PREFIX}/test-plugins/testplug.css"],
        }
    if PREFIX:
        pages.page_base = lambda kernel: PREFIX
    app = create_app(plugins=plugins, dotenv=None)
    wsgi = under_prefix(app, PREFIX) if PREFIX else app
    cfg = app.taskflow.config
    try:
        waitress.serve(wsgi, host=cfg.host, port=cfg.port, threads=cfg.threads, ident="TaskFlow")
    finally:
        app.taskflow.close()


if __name__ == "__main__":
    main()
