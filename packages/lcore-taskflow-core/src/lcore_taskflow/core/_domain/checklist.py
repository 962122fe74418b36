"""A task's checklist: its queries and order (the handlers: ``_api/structure.py``).

Checklist items are ordered by ``position`` (1..n); the task keeps
``checklist_done``/``checklist_total`` through triggers (migration 0009),
shown as ``"checklist": {"done", "total"}`` on every task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import ApiError
from .tasks import assignee_problem, get_task_or_404

if TYPE_CHECKING:
    from .. import TaskFlow

MAX_ITEMS = 200
ITEM_COLUMNS = "id, task_id, title, done, position, assignee_id, created_at, updated_at"


def item_out(row: dict) -> dict:
    """The stored item as the API shows it (``done`` a boolean)."""
    row["done"] = bool(row["done"])
    return row


def item_or_404(db, tid: int, iid: int) -> dict:
    """Item ``iid`` of task ``tid``, or 404."""
    row = db.fetchone(f"SELECT {ITEM_COLUMNS} FROM checklist_items WHERE id = ? AND task_id = ?",
                      (iid, tid))
    if row is None:
        raise ApiError(404, "Checklist item {iid} not found on task {tid}",
                       params={"iid": iid, "tid": tid})
    return row


def assignable(kernel: TaskFlow, project_id: int) -> Callable[[int], str | None]:
    """The checklist's assignee check: the task form's (``assignee_problem``)."""
    return lambda assignee: assignee_problem(kernel, project_id, assignee)


def reorder(db, tid: int, iid: int, position: int) -> None:
    """Put item ``iid`` at ``position`` (1-based, clamped) and number the rest densely."""
    ids = [r["id"] for r in db.fetchall(
        "SELECT id FROM checklist_items WHERE task_id = ? ORDER BY position, id", (tid,))]
    ids.remove(iid)
    ids.insert(min(position, len(ids) + 1) - 1, iid)
    for number, item in enumerate(ids, start=1):
        db.execute("UPDATE checklist_items SET position = ? WHERE id = ? AND position != ?",
                   (number, item, number))


def checklist_of(db, tid: int) -> dict:
    """Task ``tid``'s items in order, with how many are done and in all."""
    items = [item_out(r) for r in db.fetchall(
        f"SELECT {ITEM_COLUMNS} FROM checklist_items WHERE task_id = ? ORDER BY position, id",
        (tid,))]
    return {"items": items, "done": sum(i["done"] for i in items), "total": len(items)}


def add_item(kernel: TaskFlow, pid: int, tid: int, values: dict[str, Any]) -> dict:
    """Store validated ``values`` as the last item of the task's checklist; the item
    (422 when the checklist already has :data:`MAX_ITEMS`)."""
    db = kernel.db
    with db.transaction():
        task = get_task_or_404(db, pid, tid)
        if task["checklist_total"] >= MAX_ITEMS:
            raise ApiError(422, "A checklist has at most {MAX_ITEMS} items",
                           params={"MAX_ITEMS": MAX_ITEMS})
        position = db.scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM checklist_items"
                             " WHERE task_id = ?", (tid,))
        iid = db.insert("checklist_items", {**values, "task_id": tid, "position": position})
        item = item_or_404(db, tid, iid)
    return item_out(item)


def update_item(kernel: TaskFlow, pid: int, tid: int, iid: int,
                values: dict[str, Any]) -> dict:
    """Change the item's fields from validated ``values``; ``position`` moves it. The item."""
    db = kernel.db
    with db.transaction():
        get_task_or_404(db, pid, tid)
        item_or_404(db, tid, iid)
        position = values.pop("position", None)
        if "done" in values:
            values["done"] = int(values["done"])
        if values:
            db.update("checklist_items", iid, values)
        if position is not None:
            reorder(db, tid, iid, position)
        item = item_or_404(db, tid, iid)
    return item_out(item)


def delete_item(kernel: TaskFlow, pid: int, tid: int, iid: int) -> None:
    """Remove the item; the ones after it move up to close the gap."""
    db = kernel.db
    with db.transaction():
        get_task_or_404(db, pid, tid)
        item = item_or_404(db, tid, iid)
        db.delete("checklist_items", iid)
        db.execute("UPDATE checklist_items SET position = position - 1 WHERE task_id = ?"
                   " AND position > ?", (tid, item["position"]))


__all__ = ["ITEM_COLUMNS", "MAX_ITEMS", "add_item", "assignable", "checklist_of",
           "delete_item", "item_or_404", "item_out", "reorder", "update_item"]
