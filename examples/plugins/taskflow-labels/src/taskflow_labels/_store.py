"""The labels tables: every SQL statement of the plugin.

Core's tables are only *read*, and only their ids: does a project exist, and
(in the task filter, written as core's ``TaskFilter`` asks) which tasks carry
a label.  Tasks are looked up through ``kernel.tasks``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from lcore_taskflow.core import ApiError, Database

LABEL_COLUMNS = "id, project_id, name, color"


def labels_of_project(db: Database, project_id: int) -> list[dict[str, Any]]:
    """The project's labels by name, each with how many tasks carry it."""
    return db.fetchall(
        "SELECT l.id, l.project_id, l.name, l.color, COUNT(tl.task_id) AS task_count"
        " FROM labels l LEFT JOIN task_labels tl ON tl.label_id = l.id"
        " WHERE l.project_id = ? GROUP BY l.id ORDER BY lower(l.name), l.id", (project_id,))


def label_or_404(db: Database, label_id: int) -> dict[str, Any]:
    row = db.fetchone(f"SELECT {LABEL_COLUMNS} FROM labels WHERE id = ?", (label_id,))
    if row is None:
        raise ApiError(404, "Label {label_id} not found", params={"label_id": label_id})
    return row


def name_taken(db: Database, project_id: int, name: str, exclude: int = 0) -> bool:
    return db.fetchone("SELECT id FROM labels WHERE project_id = ? AND lower(name) = lower(?)"
                       " AND id != ?",
                       (project_id, name, exclude)) is not None


def labels_by_task(db: Database, task_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """``{task_id: [label, ...]}`` for many tasks in ONE query (the representation hook)."""
    if not task_ids:
        return {}
    marks = ", ".join("?" for _ in task_ids)
    rows = db.fetchall(
        f"SELECT tl.task_id, l.id, l.name, l.color FROM task_labels tl"
        f" JOIN labels l ON l.id = tl.label_id WHERE tl.task_id IN ({marks})"
        f" ORDER BY lower(l.name), l.id", tuple(task_ids))
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.pop("task_id"), []).append(row)
    return found


def project_label_ids(db: Database, project_id: int, label_ids: Iterable[int]) -> set[int]:
    """Which of ``label_ids`` belong to the project."""
    ids = list(label_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    return {r["id"] for r in db.fetchall(
        f"SELECT id FROM labels WHERE project_id = ? AND id IN ({marks})", (project_id, *ids))}


def set_task_labels(db: Database, task_id: int, label_ids: set[int]) -> tuple[set[int], set[int]]:
    """Make the task carry exactly ``label_ids``; returns ``(added, removed)``."""
    current = {r["label_id"] for r in db.fetchall(
        "SELECT label_id FROM task_labels WHERE task_id = ?", (task_id,))}
    added, removed = label_ids - current, current - label_ids
    for label_id in sorted(added):  # execute, not insert(): the table has no id column
        db.execute("INSERT INTO task_labels (task_id, label_id, created_at) VALUES (?, ?, ?)",
                   (task_id, label_id, time.time()))
    for label_id in sorted(removed):
        db.execute("DELETE FROM task_labels WHERE task_id = ? AND label_id = ?",
                   (task_id, label_id))
    return added, removed


def forget_task(db: Database, task_id: int) -> None:
    db.execute("DELETE FROM task_labels WHERE task_id = ?", (task_id,))


def forget_project(db: Database, project_id: int) -> None:
    # task_labels rows go with their labels (ON DELETE CASCADE on the plugin's own table).
    db.execute("DELETE FROM labels WHERE project_id = ?", (project_id,))


def index_labels(kernel, task_ids: Iterable[int]) -> None:
    """Make the tasks findable by their label names (core's full-text search)."""
    ids = list(task_ids)
    if not ids:
        return
    db = kernel.db
    marks = ", ".join("?" for _ in ids)
    names: dict[int, list[str]] = {i: [] for i in ids}
    for row in db.fetchall(f"SELECT tl.task_id, l.name FROM task_labels tl JOIN labels l"
                           f" ON l.id = tl.label_id WHERE tl.task_id IN ({marks})", ids):
        names[row["task_id"]].append(row["name"])
    projects = {r["id"]: r["project_id"] for r in db.fetchall(
        f"SELECT id, project_id FROM tasks WHERE id IN ({marks})", ids)}
    for task_id, labels in names.items():
        if task_id in projects:
            kernel.search.index("labels", "task", task_id, " ".join(labels),
                                project_id=projects[task_id], task_id=task_id)


def tasks_with_label(db: Database, label_id: int) -> list[int]:
    return [r["task_id"] for r in db.fetchall(
        "SELECT task_id FROM task_labels WHERE label_id = ?", (label_id,))]
