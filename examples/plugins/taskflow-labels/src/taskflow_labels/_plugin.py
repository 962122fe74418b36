"""``LabelsPlugin``: the hooks that put labels into TaskFlow."""

from __future__ import annotations

from pathlib import Path

from lcore_taskflow.core import ApiError, Message, TaskFilter, UIModule, events, hookimpl

from . import __version__
from . import _store as store
from ._events import TaskLabelsChanged
from ._routes import COLOR, MAX_LABELS_PER_PROJECT, build_labels_app

HERE = Path(__file__).resolve().parent


class LabelsPlugin:
    """Labels per project, on tasks, in task JSON, in the task list's filters and the UI."""

    name = "labels"
    #: off in every project until an owner turns it on (docs/plugins.md)
    project_scoped = True
    version = __version__
    core_api = "1.1"

    @hookimpl
    def taskflow_migrations(self):
        return ("labels", HERE / "migrations")

    @hookimpl
    def taskflow_translations(self):
        """Its German texts: locale/de/LC_MESSAGES/labels.po, compiled to .mo."""
        return ("labels", HERE / "locale")

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
    def taskflow_task_fields(self, kernel):
        """The task form's picker sends ``{"labels": [ids]}`` with core's task body."""
        return ["labels"]

    @hookimpl
    def taskflow_search_reindex(self, kernel):
        """Label names make their tasks findable; put them back after a rebuild."""
        store.index_labels(kernel, [r["task_id"] for r in kernel.db.fetchall(
            "SELECT DISTINCT task_id FROM task_labels")])

    @hookimpl
    def taskflow_import_labels(self, task, labels, kernel):
        """Labels an import brought (lcore-taskflow-io): found by name in the task's project,
        made when missing (at most ``MAX_LABELS_PER_PROJECT``), attached to the task."""
        return import_labels(kernel, task, labels)

    @hookimpl
    def taskflow_event(self, event, kernel):
        """Keep the plugin's rows consistent with core's: in the change's transaction."""
        if isinstance(event, TaskLabelsChanged):
            store.index_labels(kernel, [event.task_id])
        elif isinstance(event, events.TaskDeleted):
            store.forget_task(kernel.db, event.task_id)
        elif isinstance(event, events.ProjectDeleted):
            store.forget_project(kernel.db, event.project_id)
        elif isinstance(event, (events.TaskCreated, events.TaskUpdated)) \
                and "labels" in event.extra:
            apply_labels(kernel, event)


def apply_labels(kernel, event) -> None:
    """Store the ``labels`` sent with a task's create or update, or refuse the change (422)."""
    wanted = event.extra["labels"]
    if not isinstance(wanted, list) or any(
            isinstance(v, bool) or not isinstance(v, int) for v in wanted):
        raise ApiError(422, "Validation failed", fields={"labels":
            Message("must be a list of label ids")})
    known = store.project_label_ids(kernel.db, event.project_id, wanted)
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ApiError(422, "Validation failed", fields={
            "labels": Message("not labels of project {pid}: {ids}", pid=event.project_id,
                              ids=", ".join(map(str, unknown)))})
    added, removed = store.set_task_labels(kernel.db, event.task_id, known)
    if added or removed:
        kernel.emit(TaskLabelsChanged(actor=event.actor, task=event.task,
                                      added=sorted(added), removed=sorted(removed)))


def import_labels(kernel, task, labels) -> int:
    """Find or make each ``{name, color}`` label in the task's project and put it on the task."""
    db, project_id = kernel.db, task["project_id"]
    if labels:
        # Labels an import brings are wanted where they land: the plugin (project-scoped)
        # turns itself on there, in the import's transaction, as an owner would.
        kernel.scopes.set(project_id, "labels", True, None)
    wanted: set[int] = set()
    for label in labels:
        name = str(label.get("name") or "").strip()[:40]
        if not name:
            continue
        found = db.fetchone("SELECT id FROM labels WHERE project_id = ? AND lower(name) = lower(?)",
                            (project_id, name))
        if found is None:
            if len(store.labels_of_project(db, project_id)) >= MAX_LABELS_PER_PROJECT:
                raise ApiError(422, "Project {project_id} would have more than {max} labels",
                               params={"project_id": project_id, "max": MAX_LABELS_PER_PROJECT})
            color = str(label.get("color") or "")
            found = {"id": db.insert("labels", {
                "project_id": project_id, "name": name,
                "color": color if COLOR.match(color) else "#888888"})}
        wanted.add(found["id"])
    current = {lb["id"] for lb in store.labels_by_task(db, [task["id"]]).get(task["id"], [])}
    added, removed = store.set_task_labels(db, task["id"], current | wanted)
    if added:  # the event's listener (above) makes the task findable by its labels
        kernel.emit(TaskLabelsChanged(actor=kernel.users.get(task["creator_id"]), task=task,
                                      added=sorted(added), removed=sorted(removed)))
    return len(wanted)


__all__ = ["LabelsPlugin"]
