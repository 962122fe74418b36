"""``/api/projects/``: projects, tasks, comments, attachments and the dashboard."""

from __future__ import annotations

from lcore import Lcore, response

from .. import events
from .._errors import ApiError
from .._schema import Boolean, Choice, ListOf, Schema, String, Text
from .._validation import Page, json_body
from . import attachments, dashboard, tasks
from .replies import PROJECT_STATUSES, Deleted, Paged, ProjectOut, Updated, ident

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


class ProjectListQuery(Page):
    status = Choice(PROJECT_STATUSES)
    include_archived = Boolean(description="Also list archived projects (1, true or yes)")


class ProjectWrite(Schema):
    """A project's name, description and status (``archived`` archives it)."""

    name = Text(required=True, max_len=200, example="Website relaunch")
    description = Text(max_len=5000, allow_empty=True, example="")
    status = Choice(PROJECT_STATUSES)


class ProjectPage(Paged):
    """A page of projects."""

    projects = ListOf(ProjectOut, required=True)


class ProjectCreated(Schema):
    id = ident()
    name = String(required=True)
    created = Boolean(required=True)


def build_projects_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/", name="list_projects", auth=True, query=ProjectListQuery, returns=ProjectPage)
    def list_projects():
        """List projects (archived ones only with ``include_archived=1`` or ``status``)."""
        args = ProjectListQuery.validate()
        status, everything = args.get("status"), args.get("include_archived", False)
        page, limit = args["page"], args["limit"]
        offset = (page - 1) * limit
        if status:
            where, params = "WHERE status = ?", [status]
        elif everything:
            where, params = "", []
        else:
            where, params = "WHERE status != ?", ["archived"]
        db = kernel.db
        rows = db.fetchall(
            f"SELECT {PROJECT_COLUMNS} FROM projects {where} ORDER BY id LIMIT ? OFFSET ?",
            (*params, limit, offset))
        total = db.count("projects", where.removeprefix("WHERE "), params)
        return {"projects": kernel.represent("project", [project_out(r) for r in rows]),
                "total": total, "page": page, "limit": limit}

    @app.get("/<id:int>", name="get_project", auth=True, returns=ProjectOut)
    def get_project(id):
        """A project with its task counts by status."""
        return kernel.represent("project", [project_out(get_project_or_404(kernel.db, id))])[0]

    @app.post("/", name="create_project", auth="projects:create", body=ProjectWrite,
              status=201, returns=ProjectCreated)
    def create_project():
        """Create a project (admin)."""
        actor = kernel.current_user()
        values = ProjectWrite.validate(json_body())
        values.setdefault("description", "")
        db = kernel.db
        with db.transaction():
            project_id = db.insert("projects", {**values, "owner_id": actor["id"]})
            project = project_out(get_project_or_404(db, project_id))
            kernel.emit(events.ProjectCreated(actor=actor, project=project))
        response.status = 201
        return {"id": project_id, "name": values["name"], "created": True}

    @app.put("/<id:int>", name="update_project", auth="projects:update", body=ProjectWrite,
             returns=Updated)
    def update_project(id):
        """Update a project's name, description and status (admin; status archived archives)."""
        actor = kernel.current_user()
        values = ProjectWrite.validate(json_body())
        db = kernel.db
        with db.transaction():
            before = project_out(get_project_or_404(db, id))
            changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
            if changes:
                db.update("projects", id, {k: new for k, (_, new) in changes.items()})
                project = project_out(get_project_or_404(db, id))
                kernel.emit(events.ProjectUpdated(actor=actor, project=project, changes=changes))
        return {"id": id, "updated": True}

    @app.delete("/<id:int>", name="delete_project", auth="projects:delete", returns=Deleted)
    def delete_project(id):
        """Delete a project with its tasks, comments and attachment files (admin)."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            project = project_out(get_project_or_404(db, id))
            files = [r["attachment"] for r in db.fetchall(
                "SELECT attachment FROM tasks WHERE project_id = ? AND attachment IS NOT NULL",
                (id,))]
            db.delete("projects", id)
            db.execute("DELETE FROM task_tombstones WHERE project_id = ?", (id,))
            kernel.emit(events.ProjectDeleted(actor=actor, project=project))
        attachments.remove_files(kernel, files)
        return {"id": id, "deleted": True}

    tasks.add_task_routes(app, kernel)
    attachments.add_attachment_routes(app, kernel)
    dashboard.add_dashboard_routes(app, kernel)
    return app
