"""``/api/projects/``: projects, tasks, comments, attachments and the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import Lcore, response

from .. import events
from .._roles import PROJECT_ROW, VISIBILITIES, WORKSPACE_ROLES, add_owner
from .._schema import Boolean, Choice, ListOf, Schema, String, Text
from .._validation import Page, json_body
from . import attachments, bulk, dashboard, members, project_plugins, structure, tasks
from .replies import PROJECT_STATUSES, Deleted, Paged, ProjectOut, Updated, ident

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


class ProjectListQuery(Page):
    status = Choice(PROJECT_STATUSES)
    include_archived = Boolean(description="Also list archived projects (1, true or yes)")


class ProjectWrite(Schema):
    """A project's name, description and status (``archived`` archives it)."""

    name = Text(required=True, max_len=200, example="Website relaunch")
    description = Text(max_len=5000, allow_empty=True, example="")
    status = Choice(PROJECT_STATUSES)
    visibility = Choice(VISIBILITIES, description="workspace (default) or private")
    workspace_role = Choice(WORKSPACE_ROLES,
                            description="The role of every member in a workspace project")


class ProjectPage(Paged):
    """A page of projects."""

    projects = ListOf(ProjectOut, required=True)


class ProjectCreated(Schema):
    id = ident()
    name = String(required=True)
    created = Boolean(required=True)


def build_projects_app(kernel: TaskFlow) -> Lcore:
    app = Lcore()

    @app.get("/", name="list_projects", auth=True, share=True, query=ProjectListQuery,
             returns=ProjectPage)
    def list_projects():
        """The projects you can see (archived ones only with include_archived=1 or status)."""
        args = ProjectListQuery.validate()
        status, everything = args.get("status"), args.get("include_archived", False)
        page, limit = args["page"], args["limit"]
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
                           " LIMIT ? OFFSET ?", (*role_params, *params, limit, (page - 1) * limit))
        total = db.scalar(f"SELECT COUNT(*) FROM projects p {clause}", params)
        projects = kernel.scopes.annotate([project_out(r) for r in access.annotate(rows)])
        return {"projects": kernel.represent("project", projects),
                "total": total, "page": page, "limit": limit}

    @app.get("/<id:int>", name="get_project", auth=True, role="viewer", project_arg="id",
             returns=ProjectOut)
    def get_project(id):
        """A project with its task counts by status, and your role in it."""
        project = kernel.scopes.annotate([project_out(kernel.access().project(id))])
        return kernel.represent("project", project)[0]

    @app.post("/", name="create_project", auth="projects:create", body=ProjectWrite,
              status=201, returns=ProjectCreated)
    def create_project():
        """Create a project (admins; members too with APP_PROJECT_CREATORS=members).

        You become its owner.
        """
        actor = kernel.current_user()
        values = ProjectWrite.validate(json_body())
        values.setdefault("description", "")
        db = kernel.db
        with db.transaction():
            project_id = db.insert("projects", {**values, "owner_id": actor["id"]})
            add_owner(db, project_id, actor["id"])
            project = project_out(kernel.access().project(project_id))
            kernel.emit(events.ProjectCreated(actor=actor, project=project))
        response.status = 201
        return {"id": project_id, "name": values["name"], "created": True}

    @app.put("/<id:int>", name="update_project", auth=True, role="owner", project_arg="id",
             body=ProjectWrite, returns=Updated)
    def update_project(id):
        """Update a project's name, description, status, visibility (owners; archived archives)."""
        actor = kernel.current_user()
        values = ProjectWrite.validate(json_body())
        db, access = kernel.db, kernel.access()
        with db.transaction():
            before = project_out(access.project(id, "owner"))
            changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
            if changes:
                db.update("projects", id, {k: new for k, (_, new) in changes.items()})
                access.forget(id)
                project = project_out(access.project(id))
                kernel.emit(events.ProjectUpdated(actor=actor, project=project, changes=changes))
        return {"id": id, "updated": True}

    @app.delete("/<id:int>", name="delete_project", auth=True, role="owner", project_arg="id",
                returns=Deleted)
    def delete_project(id):
        """Delete a project with its tasks, comments and attachment files (owners)."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            project = project_out(kernel.access().project(id, "owner"))
            files = [r["attachment"] for r in db.fetchall(
                "SELECT attachment FROM tasks WHERE project_id = ? AND attachment IS NOT NULL",
                (id,))]
            db.delete("projects", id)
            db.execute("DELETE FROM task_tombstones WHERE project_id = ?", (id,))
            kernel.emit(events.ProjectDeleted(actor=actor, project=project))
        attachments.remove_files(kernel, files)
        return {"id": id, "deleted": True}

    tasks.add_task_routes(app, kernel)
    bulk.add_bulk_routes(app, kernel)
    attachments.add_attachment_routes(app, kernel)
    dashboard.add_dashboard_routes(app, kernel)
    members.add_member_routes(app, kernel)
    structure.add_structure_routes(app, kernel)
    project_plugins.add_project_plugin_routes(app, kernel)
    return app
