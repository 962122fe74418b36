"""Work structure under a task (SPEC §11): its checklist and its relations to other
tasks: the declared bodies and replies, and the handlers, registered from :data:`ROUTES`.

Checklist items are ordered by ``position`` (1..n); a relation reads "this
task <kind> the other" (``blocks``, ``parent``, ``duplicates``, ``relates``),
its other task in any project the caller can see.  The queries, order and
rules (no cycle of ``blocks`` or ``parent``, one parent at most) are in
``_domain/checklist.py`` and ``_domain/relations.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, response

from .._domain import checklist, relations
from .._domain.checklist import ITEM_COLUMNS, MAX_ITEMS, checklist_of
from .._domain.relations import ACYCLIC
from .._domain.tasks import get_task_or_404
from .._errors import ApiError
from .._i18n import Message
from .._relations import KINDS, relations_of
from .._routetable import Route, add_routes
from .._schema import Boolean, Choice, Integer, ListOf, Schema, String, Text
from .._validation import json_body
from .replies import RelationOut, ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow


class ItemCreate(Schema):
    """A checklist item, added at the end."""

    title = Text(required=True, max_len=500, example="Write the tests")
    assignee_id = Integer(minimum=1, nullable=True)


class ItemUpdate(Schema):
    """Some of an item's fields; ``position`` moves it (1 = first)."""

    title = Text(max_len=500)
    done = Boolean()
    position = Integer(minimum=1)
    assignee_id = Integer(minimum=1, nullable=True)


class ItemOut(Schema):
    id = ident()
    task_id = ident()
    title = String(required=True)
    done = Boolean(required=True)
    position = Integer(required=True, minimum=1)
    assignee_id = Integer(required=True, nullable=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True, nullable=True)


class Checklist(Schema):
    """A task's checklist in order, and how much of it is done."""

    items = ListOf(ItemOut, required=True)
    done = Integer(required=True, minimum=0)
    total = Integer(required=True, minimum=0)


class RelationCreate(Schema):
    """This task ``kind`` the other (``task_id``, in any project you can see)."""

    kind = Choice(KINDS, required=True, example="blocks")
    task_id = Integer(required=True, minimum=1)


class Relations(Schema):
    relations = ListOf(RelationOut, required=True)


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by add_structure_routes), then the URL's values.
def list_checklist(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """A task's checklist, in order."""
    get_task_or_404(kernel.db, pid, tid)
    return checklist_of(kernel.db, tid)


def add_checklist_item(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Add an item at the end of a task's checklist."""
    values = ItemCreate.validate(json_body(), assignee_id=checklist.assignable(kernel, pid))
    item = checklist.add_item(kernel, pid, tid, values)
    response.status = 201
    return item


def update_checklist_item(kernel: TaskFlow, pid: int, tid: int, iid: int) -> dict:
    """Rename, tick, assign or move a checklist item."""
    data = json_body()
    values = ItemUpdate.validate(data, assignee_id=checklist.assignable(kernel, pid))
    if not values and "assignee_id" not in data:
        raise ApiError(422, "No field to update (allowed: title, done, position, "
                            "assignee_id)", fields={"body": Message("no updatable field")})
    return checklist.update_item(kernel, pid, tid, iid, values)


def delete_checklist_item(kernel: TaskFlow, pid: int, tid: int, iid: int) -> HTTPResponse:
    """Remove a checklist item (the others close the gap)."""
    checklist.delete_item(kernel, pid, tid, iid)
    return HTTPResponse(status=204)


def list_relations(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """A task's relations to tasks you can see, as seen from this task."""
    get_task_or_404(kernel.db, pid, tid)
    return {"relations": relations_of(kernel, tid)}


def add_relation(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Relate this task to another one (blocks, relates, duplicates, parent)."""
    values = RelationCreate.validate(json_body())
    actor = kernel.current_user()
    rid, other = relations.add_relation(kernel, actor, pid, tid, values["kind"],
                                        values["task_id"])
    response.status = 201
    return {"id": rid, "kind": values["kind"], "task_id": other["id"],
            "project_id": other["project_id"], "title": other["title"]}


def delete_relation(kernel: TaskFlow, pid: int, tid: int, rid: int) -> HTTPResponse:
    """Remove one of this task's relations."""
    relations.delete_relation(kernel, pid, tid, rid)
    return HTTPResponse(status=204)


# ---------------------------------------------------------------- routes
BASE = "/<pid:int>/tasks/<tid:int>"
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", f"{BASE}/checklist", list_checklist, dict(
        name="list_checklist", auth=True, role="viewer", returns=Checklist)),
    ("POST", f"{BASE}/checklist", add_checklist_item, dict(
        name="add_checklist_item", auth=True, role="editor", body=ItemCreate, status=201,
        returns=ItemOut, responses=(422,))),
    ("PATCH", f"{BASE}/checklist/<iid:int>", update_checklist_item, dict(
        name="update_checklist_item", auth=True, role="editor", body=ItemUpdate,
        returns=ItemOut)),
    ("DELETE", f"{BASE}/checklist/<iid:int>", delete_checklist_item, dict(
        name="delete_checklist_item", auth=True, role="editor", status=204)),
    ("GET", f"{BASE}/relations", list_relations, dict(
        name="list_relations", auth=True, role="viewer", returns=Relations)),
    ("POST", f"{BASE}/relations", add_relation, dict(
        name="add_relation", auth=True, role="editor", body=RelationCreate, status=201,
        returns=RelationOut, responses=(409,))),
    ("DELETE", f"{BASE}/relations/<rid:int>", delete_relation, dict(
        name="delete_relation", auth=True, role="editor", status=204)),
)


def add_structure_routes(app: Any, kernel: TaskFlow) -> None:
    """Register :data:`ROUTES` on ``app`` (the projects sub-app)."""
    add_routes(app, ROUTES, kernel)


__all__ = ["ACYCLIC", "ITEM_COLUMNS", "MAX_ITEMS", "ROUTES", "add_structure_routes",
           "checklist_of"]
