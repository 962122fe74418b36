"""Relations between tasks, as seen from one of them (SPEC §11).

A row reads "from_task <kind> to_task"; seen from ``to_task`` the kind is its
inverse (``blocked_by``, ``child``, ``duplicated_by``; ``relates`` both
ways).  Only relations whose other task the caller can see are shown.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import TaskFlow

KINDS = ("blocks", "relates", "duplicates", "parent")
INVERSE = {"blocks": "blocked_by", "parent": "child", "duplicates": "duplicated_by",
           "relates": "relates"}
SEEN_KINDS = tuple(sorted(set(KINDS) | set(INVERSE.values())))


def relations_of(kernel: TaskFlow, tid: int) -> list[dict[str, Any]]:
    """The task's relations whose other task the caller can see, as seen from this task."""
    conditions, params = ["(r.from_task = ? OR r.to_task = ?)"], [tid, tid]
    kernel.access().and_where(conditions, params, "t.project_id")
    rows = kernel.db.fetchall(
        "SELECT r.id, r.kind, r.from_task, t.id AS task_id, t.project_id, t.title"
        " FROM task_relations r JOIN tasks t ON t.id = CASE WHEN r.from_task = ?"
        f" THEN r.to_task ELSE r.from_task END WHERE {' AND '.join(conditions)}"
        " ORDER BY r.id", (tid, *params))
    for row in rows:
        mine = row.pop("from_task") == tid
        row["kind"] = row["kind"] if mine else INVERSE[row["kind"]]
    return rows


def open_blockers(kernel: TaskFlow, ids: list[int]) -> dict[int, int]:
    """How many open tasks (not done, visible to the caller) block each of ``ids``: one query."""
    if not ids:
        return {}
    marks = ", ".join(["?"] * len(ids))
    conditions = [f"r.to_task IN ({marks})", "r.kind = 'blocks'", "b.status != 'done'"]
    params: list = [*ids]
    kernel.access().and_where(conditions, params, "b.project_id")
    rows = kernel.db.fetchall(
        "SELECT r.to_task AS task_id, COUNT(*) AS n FROM task_relations r"
        f" JOIN tasks b ON b.id = r.from_task WHERE {' AND '.join(conditions)}"
        " GROUP BY r.to_task", params)
    return {row["task_id"]: row["n"] for row in rows}


def stamp_blocked(db, task: dict[str, Any]) -> None:
    """Stamp the tasks of ``task``'s project that it blocks (their ``blocked_by_open`` changed)."""
    db.execute("UPDATE tasks SET updated_at = ? WHERE project_id = ? AND id IN"
               " (SELECT to_task FROM task_relations WHERE from_task = ? AND kind = 'blocks')",
               (time.time(), task["project_id"], task["id"]))
