"""``/api/labels/``: label CRUD per project, and the labels of a task.

Who may do what, in project roles (``docs/access.md``): a route under a
project declares ``role=`` and core enforces it; a route that names a label
or a task asks ``kernel.access()`` about its project:

* any viewer of the project lists its labels and a task's labels;
* an editor sets the labels of a task (like editing the task itself);
* creating, renaming, recolouring and deleting labels needs the owner role.

A project the caller cannot see answers 404, whatever the route.
"""

from __future__ import annotations

import re
from typing import Any

from lcore import Lcore, response
from lcore_taskflow.core import ApiError, Fields, Message, json_body

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
        raise ApiError(422, "Validation failed", fields={
            key: Message("{name} must be a list of ids", name=key)})
    return set(value)


def task_or_404(kernel, task_id: int, role: str = "viewer") -> dict[str, Any]:
    """The task, if the caller has ``role`` in its project (404 when they cannot see it)."""
    return kernel.access().task(task_id, role)


def label_for_owner(kernel, label_id: int) -> dict[str, Any]:
    """The label, if the caller owns its project (404 when they cannot see it)."""
    label = store.label_or_404(kernel.db, label_id)
    access = kernel.access()
    if access.role(label["project_id"]) is None:
        raise ApiError(404, "Label {label_id} not found", params={"label_id": label_id})
    access.project(label["project_id"], "owner")
    return label


def apply_labels(kernel, task: dict[str, Any], wanted: set[int]) -> dict[str, Any]:
    """Set a task's labels (ids of its project only) and tell the listeners."""
    db = kernel.db
    unknown = wanted - store.project_label_ids(db, task["project_id"], wanted)
    if unknown:
        raise ApiError(422, "Validation failed", fields={
            "label_ids": Message("not labels of project {pid}: {ids}", pid=task["project_id"],
                                 ids=", ".join(map(str, sorted(unknown))))})
    with db.transaction():
        added, removed = store.set_task_labels(db, task["id"], wanted)
        if added or removed:
            kernel.emit(TaskLabelsChanged(actor=kernel.current_user(), task=task,
                                          added=sorted(added), removed=sorted(removed)))
    return {"task_id": task["id"], "labels": store.labels_by_task(db, [task["id"]]).get(
        task["id"], [])}


def build_labels_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/projects/<pid:int>", name="labels_list", auth=True, role="viewer")
    def list_labels(pid):
        """A project's labels, by name, with the number of tasks carrying each."""
        return {"labels": store.labels_of_project(kernel.db, pid)}

    @app.post("/projects/<pid:int>", name="labels_create", auth=True, role="owner")
    def create_label(pid):
        """Create a label ``{name, color}`` in a project (its owners)."""
        values = label_fields(json_body(), required=True)
        db = kernel.db
        with db.transaction():
            if store.name_taken(db, pid, values["name"]):
                raise ApiError(409, "Project {pid} already has a label named {name}",
                               params={"pid": pid, "name": repr(values["name"])},
                               fields={"name": Message("already exists")})
            if len(store.labels_of_project(db, pid)) >= MAX_LABELS_PER_PROJECT:
                raise ApiError(422, "A project has at most {MAX_LABELS_PER_PROJECT} labels",
                               params={"MAX_LABELS_PER_PROJECT": MAX_LABELS_PER_PROJECT})
            label_id = db.insert("labels", {**values, "project_id": pid})
        response.status = 201
        return store.label_or_404(db, label_id)

    @app.patch("/<lid:int>", name="labels_update", auth=True)
    def update_label(lid):
        """Rename or recolour a label (the project's owners)."""
        values = label_fields(json_body(), required=False)
        db = kernel.db
        with db.transaction():
            label = label_for_owner(kernel, lid)
            if "name" in values and store.name_taken(db, label["project_id"], values["name"],
                                                     exclude=lid):
                raise ApiError(409, "Project {pid} already has a label named {name}",
                               params={"pid": label["project_id"], "name": repr(values["name"])},
                               fields={"name": Message("already exists")})
            if values:
                db.update("labels", lid, values)
                store.index_labels(kernel, store.tasks_with_label(db, lid))
        return store.label_or_404(db, lid)

    @app.delete("/<lid:int>", name="labels_delete", auth=True)
    def delete_label(lid):
        """Delete a label; it leaves every task that carried it (the project's owners)."""
        db = kernel.db
        with db.transaction():
            label_for_owner(kernel, lid)
            carrying = store.tasks_with_label(db, lid)
            db.delete("labels", lid)
            store.index_labels(kernel, carrying)
        return {"id": lid, "deleted": True}

    @app.get("/tasks/<tid:int>", name="labels_of_task", auth=True)
    def task_labels(tid):
        """The labels of a task."""
        task_or_404(kernel, tid)
        return {"task_id": tid, "labels": store.labels_by_task(kernel.db, [tid]).get(tid, [])}

    @app.put("/tasks/<tid:int>", name="labels_set", auth=True)
    def set_labels(tid):
        """Set the labels of a task: ``{"label_ids": [...]}`` (ids of its project; editors)."""
        return apply_labels(kernel, task_or_404(kernel, tid, "editor"),
                            label_ids_of(json_body()))

    @app.post("/tasks/<tid:int>/<lid:int>", name="labels_attach", auth=True)
    def attach(tid, lid):
        """Put one label on a task (editors)."""
        task = task_or_404(kernel, tid, "editor")
        current = {label["id"] for label in store.labels_by_task(kernel.db, [tid]).get(tid, [])}
        return apply_labels(kernel, task, current | {lid})

    @app.delete("/tasks/<tid:int>/<lid:int>", name="labels_detach", auth=True)
    def detach(tid, lid):
        """Take one label off a task (editors)."""
        task = task_or_404(kernel, tid, "editor")
        current = {label["id"] for label in store.labels_by_task(kernel.db, [tid]).get(tid, [])}
        return apply_labels(kernel, task, current - {lid})

    return app
