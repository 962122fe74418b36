"""``/api/projects/``: projects, tasks, comments, attachments and the dashboard."""

from __future__ import annotations

from lcore import Lcore, ctx, response

from .._errors import ApiError
from .._validation import Fields, json_body, pagination, query_choice
from . import attachments, dashboard, tasks

PROJECT_STATUSES = ("active", "on_hold", "completed", "archived")
PROJECT_COLUMNS = ("id, name, description, owner_id, status, task_count, todo_count,"
                   " in_progress_count, done_count, created_at, updated_at")


def project_out(row: dict) -> dict:
    """A project row with its maintained counts grouped under ``task_counts``."""
    out = {k: row[k] for k in ("id", "name", "description", "owner_id", "status",
                               "created_at", "updated_at")}
    out["task_counts"] = {"total": row["task_count"], "todo": row["todo_count"],
                          "in_progress": row["in_progress_count"], "done": row["done_count"]}
    return out


def get_project_or_404(db, project_id: int) -> dict:
    row = db.fetchone(f"SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?", (project_id,))
    if row is None:
        raise ApiError(404, f"Project {project_id} not found")
    return row


def _project_fields(data: dict, *, name_required: bool) -> dict:
    f = Fields(data)
    f.text("name", required=name_required, max_len=200)
    f.text("description", max_len=5000, allow_empty=True)
    f.choice("status", PROJECT_STATUSES)
    return f.result()


def build_projects_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/", name="list_projects")
    def list_projects():
        """List projects, optionally by status, a page at a time."""
        kernel.current_user()
        status = query_choice("status", PROJECT_STATUSES)
        page, limit, offset = pagination()
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = ctx.db.fetchall(
            f"SELECT {PROJECT_COLUMNS} FROM projects {where} ORDER BY id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = ctx.db.count("projects", "status = ?" if status else "", params)
        return {"projects": [project_out(r) for r in rows], "total": total,
                "page": page, "limit": limit}

    @app.get("/<id:int>", name="get_project")
    def get_project(id):
        """A project with its task counts by status."""
        kernel.current_user()
        return project_out(get_project_or_404(ctx.db, id))

    @app.post("/", name="create_project")
    def create_project():
        """Create a project (admin)."""
        actor = kernel.require("projects:create")
        values = _project_fields(json_body(), name_required=True)
        values.setdefault("description", "")
        db = ctx.db
        with db.transaction():
            project_id = db.insert("projects", {**values, "owner_id": actor["id"]})
        response.status = 201
        return {"id": project_id, "name": values["name"], "created": True}

    @app.put("/<id:int>", name="update_project")
    def update_project(id):
        """Update a project's name, description and status (admin)."""
        kernel.require("projects:update", id)
        values = _project_fields(json_body(), name_required=True)
        db = ctx.db
        get_project_or_404(db, id)
        with db.transaction():
            db.update("projects", id, values)
        return {"id": id, "updated": True}

    @app.delete("/<id:int>", name="delete_project")
    def delete_project(id):
        """Delete a project with its tasks, comments and attachment files (admin)."""
        kernel.require("projects:delete", id)
        db = ctx.db
        get_project_or_404(db, id)
        with db.transaction():
            files = [r["attachment"] for r in db.fetchall(
                "SELECT attachment FROM tasks WHERE project_id = ? AND attachment IS NOT NULL",
                (id,))]
            db.delete("projects", id)
        attachments.remove_files(kernel, files)
        return {"id": id, "deleted": True}

    tasks.add_task_routes(app, kernel)
    attachments.add_attachment_routes(app, kernel)
    dashboard.add_dashboard_routes(app, kernel)
    return app

