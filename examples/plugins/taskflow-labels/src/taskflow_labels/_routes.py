"""``/api/labels/``: label CRUD per project, and the labels of a task.

Who may do what (the plugin's rules, enforced by core through ``auth=``):

* any signed-in user lists a project's labels and sets the labels of a task
  (like editing the task itself, which core allows every signed-in user);
* creating, renaming, recolouring and deleting labels needs the action
  ``labels:manage``: with the standard policy (``role_policy``), admins only.
"""

from __future__ import annotations

import re
from typing import Any

from lcore import Lcore, response
from lcore_taskflow.core import ApiError, Fields, json_body

from . import _store as store
from ._events import TaskLabelsChanged

COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MAX_LABELS_PER_PROJECT = 200


def label_fields(data: dict[str, Any], *, required: bool) -> dict[str, Any]:
    fields = Fields(data)
    fields.text("name", required=required, max_len=40)
    fields.text("color", required=required, max_len=7, pattern=COLOR,
                pattern_msg="must be a colour like #3366cc")
    return fields.result()


def label_ids_of(data: dict[str, Any], key: str = "label_ids") -> set[int]:
    """A list of label ids from the body; 422 naming ``key`` otherwise."""
    value = data.get(key)
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ApiError(422, "Validation failed", fields={key: f"{key} must be a list of ids"})
    return set(value)


def task_or_404(kernel, task_id: int) -> dict[str, Any]:
    task = kernel.tasks.get(task_id)
    if task is None:
        raise ApiError(404, f"Task {task_id} not found")
    return task


def apply_labels(kernel, task: dict[str, Any], wanted: set[int]) -> dict[str, Any]:
    """Set a task's labels (ids of its project only) and tell the listeners."""
    db = kernel.db
    unknown = wanted - store.project_label_ids(db, task["project_id"], wanted)
    if unknown:
        raise ApiError(422, "Validation failed", fields={
            "label_ids": f"not labels of project {task['project_id']}: "
                         + ", ".join(map(str, sorted(unknown)))})
    with db.transaction():
        added, removed = store.set_task_labels(db, task["id"], wanted)
        if added or removed:
            kernel.emit(TaskLabelsChanged(actor=kernel.current_user(), task=task,
                                          added=sorted(added), removed=sorted(removed)))
    return {"task_id": task["id"], "labels": store.labels_by_task(db, [task["id"]]).get(
        task["id"], [])}


def build_labels_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/projects/<pid:int>", name="labels_list", auth=True)
    def list_labels(pid):
        """A project's labels, by name, with the number of tasks carrying each."""
        if not store.project_exists(kernel.db, pid):
            raise ApiError(404, f"Project {pid} not found")
        return {"labels": store.labels_of_project(kernel.db, pid)}

    @app.post("/projects/<pid:int>", name="labels_create", auth="labels:manage")
    def create_label(pid):
        """Create a label ``{name, color}`` in a project (``labels:manage``)."""
        values = label_fields(json_body(), required=True)
        db = kernel.db
        with db.transaction():
            if not store.project_exists(db, pid):
                raise ApiError(404, f"Project {pid} not found")
            if store.name_taken(db, pid, values["name"]):
                raise ApiError(409, f"Project {pid} already has a label named "
                                    f"{values['name']!r}", fields={"name": "already exists"})
            if len(store.labels_of_project(db, pid)) >= MAX_LABELS_PER_PROJECT:
                raise ApiError(422, f"A project has at most {MAX_LABELS_PER_PROJECT} labels")
            label_id = db.insert("labels", {**values, "project_id": pid})
        response.status = 201
        return store.label_or_404(db, label_id)

    @app.patch("/<lid:int>", name="labels_update", auth="labels:manage")
    def update_label(lid):
        """Rename or recolour a label (``labels:manage``)."""
        values = label_fields(json_body(), required=False)
        db = kernel.db
        with db.transaction():
            label = store.label_or_404(db, lid)
            if "name" in values and store.name_taken(db, label["project_id"], values["name"],
                                                     exclude=lid):
                raise ApiError(409, f"Project {label['project_id']} already has a label "
                                    f"named {values['name']!r}", fields={"name": "already exists"})
            if values:
                db.update("labels", lid, values)
        return store.label_or_404(db, lid)

    @app.delete("/<lid:int>", name="labels_delete", auth="labels:manage")
    def delete_label(lid):
        """Delete a label; it leaves every task that carried it (``labels:manage``)."""
        db = kernel.db
        with db.transaction():
            store.label_or_404(db, lid)
            db.delete("labels", lid)
        return {"id": lid, "deleted": True}

    @app.get("/tasks/<tid:int>", name="labels_of_task", auth=True)
    def task_labels(tid):
        """The labels of a task."""
        task_or_404(kernel, tid)
        return {"task_id": tid, "labels": store.labels_by_task(kernel.db, [tid]).get(tid, [])}

    @app.put("/tasks/<tid:int>", name="labels_set", auth=True)
    def set_labels(tid):
        """Set the labels of a task: ``{"label_ids": [...]}`` (ids of its project)."""
        return apply_labels(kernel, task_or_404(kernel, tid), label_ids_of(json_body()))

    @app.post("/tasks/<tid:int>/<lid:int>", name="labels_attach", auth=True)
    def attach(tid, lid):
        """Put one label on a task."""
        task = task_or_404(kernel, tid)
        current = {label["id"] for label in store.labels_by_task(kernel.db, [tid]).get(tid, [])}
        return apply_labels(kernel, task, current | {lid})

    @app.delete("/tasks/<tid:int>/<lid:int>", name="labels_detach", auth=True)
    def detach(tid, lid):
        """Take one label off a task."""
        task = task_or_404(kernel, tid)
        current = {label["id"] for label in store.labels_by_task(kernel.db, [tid]).get(tid, [])}
        return apply_labels(kernel, task, current - {lid})

    return app
