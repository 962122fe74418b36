"""Work structure under a task (SPEC §11): its checklist and its relations to other tasks.

Checklist items are ordered by ``position`` (1..n); the task keeps
``checklist_done``/``checklist_total`` through triggers (migration 0009),
shown as ``"checklist": {"done", "total"}`` on every task.

A relation reads "this task <kind> the other": ``blocks`` (the other shows
``blocked_by``), ``parent`` (the other shows ``child``), ``duplicates``
(``duplicated_by``) and ``relates`` (both ways).  The other task may live in
any project the caller can see; a cycle of ``blocks`` or ``parent`` is
refused (409), and a task has one parent at most.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lcore import HTTPResponse, response

from .._domain.tasks import assignee_problem, get_task_or_404
from .._errors import ApiError
from .._i18n import Message
from .._relations import KINDS, relations_of
from .._schema import Boolean, Choice, Integer, ListOf, Schema, String, Text
from .._validation import json_body
from .replies import RelationOut, ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow

MAX_ITEMS = 200
ACYCLIC = ("blocks", "parent")
ITEM_COLUMNS = "id, task_id, title, done, position, assignee_id, created_at, updated_at"


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


# ------------------------------------------------------------------ checklist
def _item_out(row: dict) -> dict:
    row["done"] = bool(row["done"])
    return row


def _item_or_404(db, tid: int, iid: int) -> dict:
    row = db.fetchone(f"SELECT {ITEM_COLUMNS} FROM checklist_items WHERE id = ? AND task_id = ?",
                      (iid, tid))
    if row is None:
        raise ApiError(404, "Checklist item {iid} not found on task {tid}",
                       params={"iid": iid, "tid": tid})
    return row


def _assignable(kernel: TaskFlow, project_id: int):
    """The checklist's assignee check: the task form's (``assignee_problem``)."""
    return lambda assignee: assignee_problem(kernel, project_id, assignee)


def _touch(db, *task_ids: int) -> None:
    """Stamp tasks whose relations changed, so both boards hear of it."""
    db.execute(f"UPDATE tasks SET updated_at = ? WHERE id IN ({', '.join('?' for _ in task_ids)})",
               (time.time(), *task_ids))


def _reorder(db, tid: int, iid: int, position: int) -> None:
    """Put item ``iid`` at ``position`` (1-based, clamped) and number the rest densely."""
    ids = [r["id"] for r in db.fetchall(
        "SELECT id FROM checklist_items WHERE task_id = ? ORDER BY position, id", (tid,))]
    ids.remove(iid)
    ids.insert(min(position, len(ids) + 1) - 1, iid)
    for number, item in enumerate(ids, start=1):
        db.execute("UPDATE checklist_items SET position = ? WHERE id = ? AND position != ?",
                   (number, item, number))


def checklist_of(db, tid: int) -> dict:
    items = [_item_out(r) for r in db.fetchall(
        f"SELECT {ITEM_COLUMNS} FROM checklist_items WHERE task_id = ? ORDER BY position, id",
        (tid,))]
    return {"items": items, "done": sum(i["done"] for i in items), "total": len(items)}


# ------------------------------------------------------------------ relations
def _reaches(db, start: int, goal: int, kind: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` along ``kind`` edges (from -> to)."""
    return db.fetchone(
        "WITH RECURSIVE reach(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT r.to_task"
        " FROM task_relations r"
        " JOIN reach ON r.from_task = reach.id WHERE r.kind = ?)"
        " SELECT 1 AS x FROM reach WHERE id = ? LIMIT 1", (start, kind, goal)) is not None


def _check_relation(db, kind: str, this: int, other: int) -> None:
    if this == other:
        raise ApiError(422, "Validation failed", fields={"task_id": Message(
            "a task cannot relate to itself")})
    if db.fetchone("SELECT id FROM task_relations WHERE kind = ? AND ((from_task = ? AND"
                   " to_task = ?) OR (from_task = ? AND to_task = ?))",
                   (kind, this, other, other, this)):
        if kind in ACYCLIC and db.fetchone("SELECT id FROM task_relations WHERE kind = ?"
                                           " AND from_task = ? AND to_task = ?",
                                           (kind, other, this)):
            raise ApiError(409, "That would make a cycle of {kind}: task {other} already "
                                "{kind} task {this}",
                           params={"kind": kind, "other": other, "this": this})
        raise ApiError(409, "Task {this} and task {other} are already related that way",
                       params={"this": this, "other": other})
    if kind in ACYCLIC and _reaches(db, other, this, kind):
        raise ApiError(409, "That would make a cycle of {kind}: task {other} already leads "
                            "to task {this}", params={"kind": kind, "other": other, "this": this})
    if kind == "parent" and db.fetchone("SELECT id FROM task_relations WHERE kind = 'parent'"
                                        " AND to_task = ?", (other,)):
        raise ApiError(409, "Task {other} already has a parent; remove that relation first",
                       params={"other": other})


def add_structure_routes(app, kernel: TaskFlow) -> None:
    base = "/<pid:int>/tasks/<tid:int>"

    @app.get(f"{base}/checklist", name="list_checklist", auth=True, role="viewer",
             returns=Checklist)
    def list_checklist(pid, tid):
        """A task's checklist, in order."""
        get_task_or_404(kernel.db, pid, tid)
        return checklist_of(kernel.db, tid)

    @app.post(f"{base}/checklist", name="add_checklist_item", auth=True, role="editor",
              body=ItemCreate, status=201, returns=ItemOut, responses=(422,))
    def add_checklist_item(pid, tid):
        """Add an item at the end of a task's checklist."""
        values = ItemCreate.validate(json_body(), assignee_id=_assignable(kernel, pid))
        db = kernel.db
        with db.transaction():
            task = get_task_or_404(db, pid, tid)
            if task["checklist_total"] >= MAX_ITEMS:
                raise ApiError(422, "A checklist has at most {MAX_ITEMS} items",
                               params={"MAX_ITEMS": MAX_ITEMS})
            position = db.scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM checklist_items"
                                 " WHERE task_id = ?", (tid,))
            iid = db.insert("checklist_items", {**values, "task_id": tid, "position": position})
            item = _item_or_404(db, tid, iid)
        response.status = 201
        return _item_out(item)

    @app.patch(f"{base}/checklist/<iid:int>", name="update_checklist_item", auth=True,
               role="editor", body=ItemUpdate, returns=ItemOut)
    def update_checklist_item(pid, tid, iid):
        """Rename, tick, assign or move a checklist item."""
        data = json_body()
        values = ItemUpdate.validate(data, assignee_id=_assignable(kernel, pid))
        if not values and "assignee_id" not in data:
            raise ApiError(422, "No field to update (allowed: title, done, position, "
                                "assignee_id)", fields={"body": Message("no updatable field")})
        db = kernel.db
        with db.transaction():
            get_task_or_404(db, pid, tid)
            _item_or_404(db, tid, iid)
            position = values.pop("position", None)
            if "done" in values:
                values["done"] = int(values["done"])
            if values:
                db.update("checklist_items", iid, values)
            if position is not None:
                _reorder(db, tid, iid, position)
            item = _item_or_404(db, tid, iid)
        return _item_out(item)

    @app.delete(f"{base}/checklist/<iid:int>", name="delete_checklist_item", auth=True,
                role="editor", status=204)
    def delete_checklist_item(pid, tid, iid):
        """Remove a checklist item (the others close the gap)."""
        db = kernel.db
        with db.transaction():
            get_task_or_404(db, pid, tid)
            item = _item_or_404(db, tid, iid)
            db.delete("checklist_items", iid)
            db.execute("UPDATE checklist_items SET position = position - 1 WHERE task_id = ?"
                       " AND position > ?", (tid, item["position"]))
        return HTTPResponse(status=204)

    @app.get(f"{base}/relations", name="list_relations", auth=True, role="viewer",
             returns=Relations)
    def list_relations(pid, tid):
        """A task's relations to tasks you can see, as seen from this task."""
        get_task_or_404(kernel.db, pid, tid)
        return {"relations": relations_of(kernel, tid)}

    @app.post(f"{base}/relations", name="add_relation", auth=True, role="editor",
              body=RelationCreate, status=201, returns=RelationOut, responses=(409,))
    def add_relation(pid, tid):
        """Relate this task to another one (blocks, relates, duplicates, parent)."""
        values = RelationCreate.validate(json_body())
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            get_task_or_404(db, pid, tid)
            other = kernel.access().task(values["task_id"], "viewer")
            _check_relation(db, values["kind"], tid, other["id"])
            rid = db.insert("task_relations", {"kind": values["kind"], "from_task": tid,
                                               "to_task": other["id"],
                                               "created_by": actor["id"],
                                               "created_at": time.time()})
            _touch(db, tid, other["id"])
        response.status = 201
        return {"id": rid, "kind": values["kind"], "task_id": other["id"],
                "project_id": other["project_id"], "title": other["title"]}

    @app.delete(f"{base}/relations/<rid:int>", name="delete_relation", auth=True,
                role="editor", status=204)
    def delete_relation(pid, tid, rid):
        """Remove one of this task's relations."""
        db = kernel.db
        with db.transaction():
            get_task_or_404(db, pid, tid)
            row = db.fetchone("SELECT from_task, to_task FROM task_relations WHERE id = ?"
                              " AND (from_task = ? OR to_task = ?)", (rid, tid, tid))
            if row is None:
                raise ApiError(404, "Relation {rid} not found on task {tid}",
                               params={"rid": rid, "tid": tid})
            db.delete("task_relations", rid)
            _touch(db, row["from_task"], row["to_task"])
        return HTTPResponse(status=204)


__all__ = ["add_structure_routes", "checklist_of"]
