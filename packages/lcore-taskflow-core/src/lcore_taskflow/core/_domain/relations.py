"""Making and removing relations between tasks: their rules (the handlers:
``_api/structure.py``; reading them as seen from one task: ``_relations.py``).

A relation reads "this task <kind> the other": ``blocks`` (the other shows
``blocked_by``), ``parent`` (the other shows ``child``), ``duplicates``
(``duplicated_by``) and ``relates`` (both ways).  The other task may live in
any project the caller can see; a cycle of ``blocks`` or ``parent`` is
refused (409), and a task has one parent at most.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .._errors import ApiError
from .._i18n import Message
from .tasks import get_task_or_404

if TYPE_CHECKING:
    from .. import TaskFlow

ACYCLIC = ("blocks", "parent")


def touch(db, *task_ids: int) -> None:
    """Stamp tasks whose relations changed, so both boards hear of it."""
    db.execute(f"UPDATE tasks SET updated_at = ? WHERE id IN ({', '.join('?' for _ in task_ids)})",
               (time.time(), *task_ids))


def reaches(db, start: int, goal: int, kind: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` along ``kind`` edges (from -> to)."""
    return db.fetchone(
        "WITH RECURSIVE reach(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT r.to_task"
        " FROM task_relations r"
        " JOIN reach ON r.from_task = reach.id WHERE r.kind = ?)"
        " SELECT 1 AS x FROM reach WHERE id = ? LIMIT 1", (start, kind, goal)) is not None


def check_relation(db, kind: str, this: int, other: int) -> None:
    """422 or 409 when task ``this`` may not ``kind`` task ``other``: itself, already
    related that way, a cycle of an acyclic kind, or a second parent."""
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
    if kind in ACYCLIC and reaches(db, other, this, kind):
        raise ApiError(409, "That would make a cycle of {kind}: task {other} already leads "
                            "to task {this}", params={"kind": kind, "other": other, "this": this})
    if kind == "parent" and db.fetchone("SELECT id FROM task_relations WHERE kind = 'parent'"
                                        " AND to_task = ?", (other,)):
        raise ApiError(409, "Task {other} already has a parent; remove that relation first",
                       params={"other": other})


def add_relation(kernel: TaskFlow, actor: Any, pid: int, tid: int, kind: str,
                 other_id: int) -> tuple[int, dict]:
    """Store "task ``tid`` ``kind`` task ``other_id``" (which the caller must see):
    ``(the relation's id, the other task)``."""
    db = kernel.db
    with db.transaction():
        get_task_or_404(db, pid, tid)
        other = kernel.access().task(other_id, "viewer")
        check_relation(db, kind, tid, other["id"])
        rid = db.insert("task_relations", {"kind": kind, "from_task": tid,
                                           "to_task": other["id"],
                                           "created_by": actor["id"],
                                           "created_at": time.time()})
        touch(db, tid, other["id"])
    return rid, other


def delete_relation(kernel: TaskFlow, pid: int, tid: int, rid: int) -> None:
    """Remove relation ``rid`` of task ``tid`` (either end); 404 when it has none such."""
    db = kernel.db
    with db.transaction():
        get_task_or_404(db, pid, tid)
        row = db.fetchone("SELECT from_task, to_task FROM task_relations WHERE id = ?"
                          " AND (from_task = ? OR to_task = ?)", (rid, tid, tid))
        if row is None:
            raise ApiError(404, "Relation {rid} not found on task {tid}",
                           params={"rid": rid, "tid": tid})
        db.delete("task_relations", rid)
        touch(db, row["from_task"], row["to_task"])


__all__ = ["ACYCLIC", "add_relation", "check_relation", "delete_relation", "reaches", "touch"]
