"""Projects: their queries and writes (the handlers: ``_api/projects.py``).

A project is shown through :func:`project_out` (its maintained counts grouped
under ``task_counts``, the caller's role as ``my_role``); each write emits its
``project.*`` event inside the transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events
from .._roles import PROJECT_ROW, add_owner

if TYPE_CHECKING:
    from .. import TaskFlow

OUT_FIELDS = ("id", "name", "description", "owner_id", "status", "visibility", "workspace_role",
              "created_at", "updated_at")


def project_out(row: dict) -> dict:
    """A project row with its maintained counts grouped under ``task_counts``."""
    out = {k: row[k] for k in OUT_FIELDS}
    out["task_counts"] = {"total": row["task_count"], "todo": row["todo_count"],
                          "in_progress": row["in_progress_count"], "done": row["done_count"]}
    out["my_role"] = row["role"]
    return out


def list_projects(kernel: TaskFlow, status: str | None, everything: bool, limit: int,
                  offset: int) -> tuple[list[dict], int]:
    """A page of the projects the caller can see, by id, annotated with the plugins on in
    each, and their total: of ``status``, else all (``everything``) or the unarchived."""
    where: list[str]
    params: list[Any]
    if status:
        where, params = ["p.status = ?"], [status]
    elif everything:
        where, params = [], []
    else:
        where, params = ["p.status != ?"], ["archived"]
    access = kernel.access()
    access.and_where(where, params, "p.id", visibility="p.visibility")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    extra, role_params = access.columns()
    db = kernel.db
    rows = db.fetchall(f"{PROJECT_ROW}{extra} FROM projects p {clause} ORDER BY p.id"
                       " LIMIT ? OFFSET ?", (*role_params, *params, limit, offset))
    total = db.scalar(f"SELECT COUNT(*) FROM projects p {clause}", params)
    return kernel.scopes.annotate([project_out(r) for r in access.annotate(rows)]), total


def get_project(kernel: TaskFlow, project_id: int) -> dict:
    """The project (the caller can see it), annotated with the plugins on in it."""
    return kernel.scopes.annotate([project_out(kernel.access().project(project_id))])[0]


def create_project(kernel: TaskFlow, actor: dict, values: dict) -> int:
    """Insert a project (validated ``values``) owned by ``actor``; emits
    ``project.created``.  Returns its id."""
    values.setdefault("description", "")
    db = kernel.db
    with db.transaction():
        project_id = db.insert("projects", {**values, "owner_id": actor["id"]})
        add_owner(db, project_id, actor["id"])
        project = project_out(kernel.access().project(project_id))
        kernel.emit(events.ProjectCreated(actor=actor, project=project))
    return project_id


def update_project(kernel: TaskFlow, actor: dict, project_id: int, values: dict) -> None:
    """Store the fields of ``values`` that change (the caller owns the project); emits
    ``project.updated`` with the changes, if any."""
    db, access = kernel.db, kernel.access()
    with db.transaction():
        before = project_out(access.project(project_id, "owner"))
        changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
        if changes:
            db.update("projects", project_id, {k: new for k, (_, new) in changes.items()})
            access.forget(project_id)
            project = project_out(access.project(project_id))
            kernel.emit(events.ProjectUpdated(actor=actor, project=project, changes=changes))


def delete_project(kernel: TaskFlow, actor: dict, project_id: int) -> list[str]:
    """Delete the project (the caller owns it) with its tasks' rows and tombstones; emits
    ``project.deleted``.  Returns its tasks' attachment files, for the caller to remove."""
    db = kernel.db
    with db.transaction():
        project = project_out(kernel.access().project(project_id, "owner"))
        files = [r["attachment"] for r in db.fetchall(
            "SELECT attachment FROM tasks WHERE project_id = ? AND attachment IS NOT NULL",
            (project_id,))]
        db.delete("projects", project_id)
        db.execute("DELETE FROM task_tombstones WHERE project_id = ?", (project_id,))
        kernel.emit(events.ProjectDeleted(actor=actor, project=project))
    return files
