"""``LabelsPlugin``: the hooks that put labels into TaskFlow."""

from __future__ import annotations

from pathlib import Path

from lcore import request
from lcore_taskflow.core import ApiError, TaskFilter, UIModule, events, hookimpl, json_body

from . import __version__
from . import _store as store
from ._events import TaskLabelsChanged
from ._routes import build_labels_app

HERE = Path(__file__).resolve().parent


class LabelsPlugin:
    """Labels per project, on tasks, in task JSON, in the task list's filters and the UI."""

    name = "labels"
    version = __version__
    core_api = "1.0"

    @hookimpl
    def taskflow_migrations(self):
        return ("labels", HERE / "migrations")

    @hookimpl
    def taskflow_event_types(self):
        return [TaskLabelsChanged]

    @hookimpl
    def taskflow_mounts(self, kernel):
        return [("/api/labels/", build_labels_app(kernel))]

    @hookimpl
    def taskflow_task_filters(self, kernel):
        return [TaskFilter("label", "t.id IN (SELECT task_id FROM task_labels WHERE label_id = ?)",
                           convert=int, description="only tasks carrying this label id")]

    @hookimpl
    def taskflow_represent(self, kind, rows, kernel):
        """``labels: [{id, name, color}]`` on every task row: one query per response."""
        if kind != "task":
            return
        found = store.labels_by_task(kernel.db, [row["id"] for row in rows])
        for row in rows:
            row["labels"] = found.get(row["id"], [])

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("labels", HERE / "static", scripts=("labels.js",),
                         styles=("labels.css",))]

    @hookimpl
    def taskflow_event(self, event, kernel):
        """Keep the plugin's rows consistent with core's: in the change's transaction."""
        if isinstance(event, events.TaskDeleted):
            store.forget_task(kernel.db, event.task_id)
        elif isinstance(event, events.ProjectDeleted):
            store.forget_project(kernel.db, event.project_id)
        elif isinstance(event, events.TaskCreated):
            wanted = labels_sent_with_new_task()
            if wanted:
                known = store.project_label_ids(kernel.db, event.project_id, wanted)
                store.set_task_labels(kernel.db, event.task_id, known)


def labels_sent_with_new_task() -> set[int]:
    """The ``labels`` the task form's picker sent along with ``POST .../tasks``.

    The frontend sends a plugin field inside core's own request body
    (``{"title": ..., "labels": [3, 5]}``); core ignores keys it does not
    know, and the body can be read again with ``json_body()``.  Ids that are
    not labels of the task's project are left out.
    """
    if request.method != "POST" or "json" not in (request.content_type or ""):
        return set()
    try:
        value = json_body().get("labels")
    except ApiError:
        return set()
    if not isinstance(value, list):
        return set()
    return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}


__all__ = ["LabelsPlugin"]
