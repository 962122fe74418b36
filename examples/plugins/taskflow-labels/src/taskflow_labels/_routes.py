"""``/api/labels/``: label CRUD per project, and the labels of a task.

Who may do what, in project roles (``docs/access.md``): a route under a
project declares ``role=`` and core enforces it; a route that names a label
or a task asks ``kernel.access()`` about its project:

* any viewer of the project lists its labels and a task's labels;
* an editor sets the labels of a task (like editing the task itself);
* creating, renaming, recolouring and deleting labels needs the owner role.

A project the caller cannot see answers 404, whatever the route.

The bodies are declared once as schemas: the handlers validate with them and
``/openapi.json`` describes them.  The handlers are named functions, each
taking the kernel and then the URL's values, registered from :data:`ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lcore import Lcore
from lcore_taskflow.core import (
    ApiError,
    Field,
    Invalid,
    Message,
    Route,
    Schema,
    Text,
    add_routes,
    json_body,
)

from . import _store as store
from ._events import TaskLabelsChanged

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MAX_LABELS_PER_PROJECT = 200


# ------------------------------------------------------------- schemas
def label_name(*, required: bool = False) -> Text:
    return Text(required=required, max_len=40, example="bug")


def label_color(*, required: bool = False) -> Text:
    return Text(required=required, max_len=7, pattern=COLOR,
                pattern_msg="must be a colour like #3366cc", example="#d33")


class LabelCreate(Schema):
    """A new label of a project: its name (unique in the project) and colour."""

    name = label_name(required=True)
    color = label_color(required=True)


class LabelUpdate(Schema):
    """A label's new name or colour (what is left out stays)."""

    name = label_name()
    color = label_color()


class IdList(Field):
    """A list of integer ids, required: anything else is one message naming the key."""

    def read(self, name: str, data: Mapping[str, Any], check: Any = None) -> set[int]:
        value = data.get(name)
        if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise Invalid(Message("{name} must be a list of ids", name=name), full=True)
        return set(value)

    def _json(self, ref: Any) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "integer"}}


class TaskLabels(Schema):
    """The labels a task carries from now on (ids of labels of its project)."""

    label_ids = IdList(required=True)


# ------------------------------------------------------------- helpers
def task_or_404(kernel: TaskFlow, task_id: int, role: str = "viewer") -> dict[str, Any]:
    """The task, if the caller has ``role`` in its project (404 when they cannot see it)."""
    return kernel.access().task(task_id, role)


def label_for_owner(kernel: TaskFlow, label_id: int) -> dict[str, Any]:
    """The label, if the caller owns its project (404 when they cannot see it)."""
    label = store.label_or_404(kernel.db, label_id)
    access = kernel.access()
    if access.role(label["project_id"]) is None:
        raise ApiError(404, "Label {label_id} not found", params={"label_id": label_id})
    access.project(label["project_id"], "owner")
    return label


def refuse_taken_name(kernel: TaskFlow, pid: int, name: str, exclude: int = 0) -> None:
    """409 when project ``pid`` already has a label ``name`` (other than ``exclude``)."""
    if store.name_taken(kernel.db, pid, name, exclude=exclude):
        raise ApiError(409, "Project {pid} already has a label named {name}",
                       params={"pid": pid, "name": repr(name)},
                       fields={"name": Message("already exists")})


def current_label_ids(kernel: TaskFlow, tid: int) -> set[int]:
    return {label["id"] for label in store.labels_by_task(kernel.db, [tid]).get(tid, [])}


def apply_labels(kernel: TaskFlow, task: dict[str, Any], wanted: set[int]) -> dict[str, Any]:
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


# ------------------------------------------------------------- handlers
def list_labels(kernel: TaskFlow, pid: int) -> dict[str, Any]:
    """A project's labels, by name, with the number of tasks carrying each."""
    return {"labels": store.labels_of_project(kernel.db, pid)}


def create_label(kernel: TaskFlow, pid: int) -> dict[str, Any]:
    """Create a label ``{name, color}`` in a project (its owners)."""
    values = LabelCreate.validate(json_body())
    db = kernel.db
    with db.transaction():
        refuse_taken_name(kernel, pid, values["name"])
        if len(store.labels_of_project(db, pid)) >= MAX_LABELS_PER_PROJECT:
            raise ApiError(422, "A project has at most {MAX_LABELS_PER_PROJECT} labels",
                           params={"MAX_LABELS_PER_PROJECT": MAX_LABELS_PER_PROJECT})
        label_id = db.insert("labels", {**values, "project_id": pid})
    return store.label_or_404(db, label_id)


def update_label(kernel: TaskFlow, lid: int) -> dict[str, Any]:
    """Rename or recolour a label (the project's owners)."""
    values = LabelUpdate.validate(json_body())
    db = kernel.db
    with db.transaction():
        label = label_for_owner(kernel, lid)
        if "name" in values:
            refuse_taken_name(kernel, label["project_id"], values["name"], exclude=lid)
        if values:
            db.update("labels", lid, values)
            store.index_labels(kernel, store.tasks_with_label(db, lid))
    return store.label_or_404(db, lid)


def delete_label(kernel: TaskFlow, lid: int) -> dict[str, Any]:
    """Delete a label; it leaves every task that carried it (the project's owners)."""
    db = kernel.db
    with db.transaction():
        label_for_owner(kernel, lid)
        carrying = store.tasks_with_label(db, lid)
        db.delete("labels", lid)
        store.index_labels(kernel, carrying)
    return {"id": lid, "deleted": True}


def task_labels(kernel: TaskFlow, tid: int) -> dict[str, Any]:
    """The labels of a task."""
    task_or_404(kernel, tid)
    return {"task_id": tid, "labels": store.labels_by_task(kernel.db, [tid]).get(tid, [])}


def set_labels(kernel: TaskFlow, tid: int) -> dict[str, Any]:
    """Set the labels of a task: ``{"label_ids": [...]}`` (ids of its project; editors)."""
    task = task_or_404(kernel, tid, "editor")
    return apply_labels(kernel, task, TaskLabels.validate(json_body())["label_ids"])


def attach(kernel: TaskFlow, tid: int, lid: int) -> dict[str, Any]:
    """Put one label on a task (editors)."""
    task = task_or_404(kernel, tid, "editor")
    return apply_labels(kernel, task, current_label_ids(kernel, tid) | {lid})


def detach(kernel: TaskFlow, tid: int, lid: int) -> dict[str, Any]:
    """Take one label off a task (editors)."""
    task = task_or_404(kernel, tid, "editor")
    return apply_labels(kernel, task, current_label_ids(kernel, tid) - {lid})


ROUTES: tuple[Route, ...] = (
    ("GET", "/projects/<pid:int>", list_labels, dict(
        name="labels_list", auth=True, role="viewer")),
    ("POST", "/projects/<pid:int>", create_label, dict(
        name="labels_create", auth=True, role="owner", body=LabelCreate, status=201)),
    ("PATCH", "/<lid:int>", update_label, dict(
        name="labels_update", auth=True, body=LabelUpdate)),
    ("DELETE", "/<lid:int>", delete_label, dict(name="labels_delete", auth=True)),
    ("GET", "/tasks/<tid:int>", task_labels, dict(name="labels_of_task", auth=True)),
    ("PUT", "/tasks/<tid:int>", set_labels, dict(
        name="labels_set", auth=True, body=TaskLabels)),
    ("POST", "/tasks/<tid:int>/<lid:int>", attach, dict(name="labels_attach", auth=True)),
    ("DELETE", "/tasks/<tid:int>/<lid:int>", detach, dict(name="labels_detach", auth=True)),
)


def build_labels_app(kernel: TaskFlow) -> Lcore:
    """The ``/api/labels/`` sub-app: :data:`ROUTES`, each handler given ``kernel``."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    return app
