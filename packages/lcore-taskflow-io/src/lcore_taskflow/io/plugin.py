"""The io plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point).

Two engineers' parts meet here, each behind one registration call in
:func:`build_io_app`: part A (imports, project exports, the instance
export/import CLI: ``imports.py``, ``exports.py``, ``instance.py``) and part B
(the calendar feed and personal data: ``calendar.py``, ``personal.py``,
``static/``).  Migrations live in ``migrations/`` under the namespace ``io``:
part A's files are ``0001_imports.*``; part B numbers its files from ``0050``
(``0050_calendar_feeds.sql``).
"""

from __future__ import annotations

from pathlib import Path

from lcore import Lcore
from lcore_taskflow.core import UIModule, events, hookimpl

from . import __version__, calendar, exports, imports, instance, personal
from .config import IOConfig

MIGRATIONS = Path(__file__).parent / "migrations"
STATIC = Path(__file__).parent / "static"


class IOPlugin:
    """Imports as jobs, streamed exports, instance moves, calendar feeds, personal data.

    One instance belongs to one kernel; it owns the import worker thread.
    """

    name = "io"
    version = __version__
    core_api = "1.1"

    def __init__(self) -> None:
        self.worker: imports.ImportWorker | None = None

    # ---------------------------------------------------------- assembly
    @hookimpl
    def taskflow_config_schema(self):
        return IOConfig

    @hookimpl
    def taskflow_migrations(self):
        return ("io", MIGRATIONS)

    @hookimpl
    def taskflow_translations(self):
        return ("io", MIGRATIONS.parent / "locale")

    @hookimpl
    def taskflow_mounts(self, kernel):
        return [("/", build_io_app(kernel, self))]

    # part B: the frontend module, and the calendar feeds of deleted users and projects
    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("io", STATIC, scripts=("io.js",), styles=("io.css",))]

    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, events.UserDeleted):
            calendar.forget(kernel, user_id=event.user["id"])
        elif isinstance(event, events.ProjectDeleted):
            calendar.forget(kernel, project_id=event.project_id)

    @hookimpl
    def taskflow_startup(self, kernel):
        self.worker = imports.start_worker(kernel)

    # part A: `taskflow export FILE` / `taskflow import FILE` (the whole instance)
    @hookimpl
    def taskflow_cli_commands(self, subparsers):
        instance.add_commands(subparsers)

    @hookimpl
    def taskflow_shutdown(self, kernel):
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def build_io_app(kernel, plugin: IOPlugin) -> Lcore:
    """Every HTTP route of the package, registered part by part."""
    app = Lcore()
    # part A: imports, project exports
    imports.add_routes(app, kernel, plugin)
    exports.add_routes(app, kernel)
    # part B: calendar feed, personal data
    calendar.add_routes(app, kernel)
    personal.add_routes(app, kernel)
    return app
