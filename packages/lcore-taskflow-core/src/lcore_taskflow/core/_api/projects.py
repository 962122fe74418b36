"""``/api/projects/``: projects, tasks, comments, attachments and the dashboard.

This module holds the projects' own declared queries, bodies and replies and
their handlers, registered from :data:`ROUTES`; the queries and writes they
call are in ``_domain/projects.py``.  :func:`build_projects_app` then adds the
routes of the project's parts (tasks, bulk edits, attachments, dashboard,
members, structure, project plugins), in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import Lcore, response

from .._domain import projects
from .._roles import VISIBILITIES, WORKSPACE_ROLES
from .._routetable import Route, add_routes
from .._schema import Boolean, Choice, ListOf, Schema, String, Text
from .._validation import Page, json_body
from . import attachments, bulk, dashboard, members, project_plugins, structure, tasks
from .replies import PROJECT_STATUSES, Deleted, Paged, ProjectOut, Updated, ident

if TYPE_CHECKING:
    from .. import TaskFlow


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


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_projects_app), then the URL's values.
def list_projects(kernel: TaskFlow) -> dict:
    """The projects you can see (archived ones only with include_archived=1 or status)."""
    args = ProjectListQuery.validate()
    status, everything = args.get("status"), args.get("include_archived", False)
    page, limit = args["page"], args["limit"]
    shown, total = projects.list_projects(kernel, status, everything, limit,
                                          (page - 1) * limit)
    return {"projects": kernel.represent("project", shown),
            "total": total, "page": page, "limit": limit}


def get_project(kernel: TaskFlow, id: int) -> dict:
    """A project with its task counts by status, and your role in it."""
    return kernel.represent("project", [projects.get_project(kernel, id)])[0]


def create_project(kernel: TaskFlow) -> dict:
    """Create a project (admins; members too with APP_PROJECT_CREATORS=members).

    You become its owner.
    """
    actor = kernel.current_user()
    values = ProjectWrite.validate(json_body())
    project_id = projects.create_project(kernel, actor, values)
    response.status = 201
    return {"id": project_id, "name": values["name"], "created": True}


def update_project(kernel: TaskFlow, id: int) -> dict:
    """Update a project's name, description, status, visibility (owners; archived archives)."""
    actor = kernel.current_user()
    values = ProjectWrite.validate(json_body())
    projects.update_project(kernel, actor, id, values)
    return {"id": id, "updated": True}


def delete_project(kernel: TaskFlow, id: int) -> dict:
    """Delete a project with its tasks, comments and attachment files (owners)."""
    files = projects.delete_project(kernel, kernel.current_user(), id)
    attachments.remove_files(kernel, files)
    return {"id": id, "deleted": True}


# ---------------------------------------------------------------- routes
PROJECT = "/<id:int>"
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/", list_projects, dict(
        name="list_projects", auth=True, share=True, query=ProjectListQuery,
        returns=ProjectPage)),
    ("GET", PROJECT, get_project, dict(
        name="get_project", auth=True, role="viewer", project_arg="id", returns=ProjectOut)),
    ("POST", "/", create_project, dict(
        name="create_project", auth="projects:create", body=ProjectWrite, status=201,
        returns=ProjectCreated)),
    ("PUT", PROJECT, update_project, dict(
        name="update_project", auth=True, role="owner", project_arg="id", body=ProjectWrite,
        returns=Updated)),
    ("DELETE", PROJECT, delete_project, dict(
        name="delete_project", auth=True, role="owner", project_arg="id", returns=Deleted)),
)


def build_projects_app(kernel: TaskFlow) -> Lcore:
    """The ``/api/projects/`` sub-app: :data:`ROUTES`, then the routes of the project's parts."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    tasks.add_task_routes(app, kernel)
    bulk.add_bulk_routes(app, kernel)
    attachments.add_attachment_routes(app, kernel)
    dashboard.add_dashboard_routes(app, kernel)
    members.add_member_routes(app, kernel)
    structure.add_structure_routes(app, kernel)
    project_plugins.add_project_plugin_routes(app, kernel)
    return app


__all__ = ["ROUTES", "ProjectWrite", "build_projects_app"]
