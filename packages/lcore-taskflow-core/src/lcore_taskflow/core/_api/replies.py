"""Response bodies of core's routes (the ``returns=`` of their declarations).

They describe what the handlers answer; plugins may add fields to users,
projects and tasks (``taskflow_represent``), so no schema forbids extra keys.
"""

from __future__ import annotations

from typing import Any

from .._relations import SEEN_KINDS
from .._roles import ROLES as PROJECT_ROLES
from .._roles import VISIBILITIES, WORKSPACE_ROLES
from .._schema import Boolean, Choice, Integer, ListOf, Number, Object, Schema, String

ROLES = ("admin", "member", "guest")
TASK_STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
PROJECT_STATUSES = ("active", "on_hold", "completed", "archived")


def timestamp(**options: Any) -> Number:
    return Number(description="Seconds since the Unix epoch", **options)


def ident(**options: Any) -> Integer:
    return Integer(required=True, minimum=1, **options)


class Deleted(Schema):
    """The resource is gone."""

    id = ident()
    deleted = Boolean(required=True)


class Updated(Schema):
    """The resource was updated."""

    id = ident()
    updated = Boolean(required=True)


class UserOut(Schema):
    """A user (never a password hash)."""

    id = ident()
    username = String(required=True)
    email = String(required=True, nullable=True,
                   description="Shown to admins and to the user themself, null to others")
    role = Choice(ROLES, required=True)
    is_active = Boolean(required=True)
    avatar = String(required=True, nullable=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True, nullable=True)
    language = String(nullable=True, description=(
        "Only in the caller's own user: the profile's language (de, en), null for none"))


class TaskCounts(Schema):
    """How many tasks a project has, by status."""

    total = Integer(required=True, minimum=0)
    todo = Integer(required=True, minimum=0)
    in_progress = Integer(required=True, minimum=0)
    done = Integer(required=True, minimum=0)


class ProjectOut(Schema):
    """A project with its task counts."""

    id = ident()
    name = String(required=True)
    description = String(required=True)
    owner_id = ident()
    status = Choice(PROJECT_STATUSES, required=True)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True, nullable=True)
    task_counts = Object(TaskCounts, required=True)
    visibility = Choice(VISIBILITIES, required=True,
                        description="workspace: every member has workspace_role; private: "
                                    "members only")
    workspace_role = Choice(WORKSPACE_ROLES, required=True,
                            description="The role every workspace member has in a "
                                        "workspace-visible project")
    my_role = Choice(PROJECT_ROLES, required=True, description="The caller's role in the project")
    plugins = ListOf(String(), required=True, description=(
        "The project-scoped plugins on in this project (UI modules show their parts "
        "only there)"))


class ChecklistCounts(Schema):
    done = Integer(required=True, minimum=0)
    total = Integer(required=True, minimum=0)


class TaskOut(Schema):
    """A task; ``position`` orders its status column from 1."""

    id = ident()
    title = String(required=True)
    description = String(required=True)
    project_id = ident()
    assignee_id = Integer(required=True, nullable=True, minimum=1)
    assignee_name = String(required=True, nullable=True)
    creator_id = ident()
    status = Choice(TASK_STATUSES, required=True)
    priority = Choice(PRIORITIES, required=True)
    due_date = String(required=True, nullable=True, description="YYYY-MM-DD")
    position = Integer(required=True, minimum=0)
    attachment = String(required=True, nullable=True,
                        description="Stored file name (GET /api/projects/attachments/{name})")
    comment_count = Integer(required=True, minimum=0)
    checklist = Object(ChecklistCounts, required=True, description="Items done of the total")
    blocked_by_open = Integer(minimum=0, description="Open tasks (visible to the caller) "
                              "that block this one")
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True, nullable=True)


class CommentOut(Schema):
    """A comment on a task."""

    id = ident()
    task_id = ident()
    user_id = Integer(required=True, nullable=True, minimum=1,
                      description="null for a comment made through a share link")
    username = String(required=True, description="The author (a share link's label)")
    body = String(required=True)
    created_at = timestamp(required=True)


class RelationOut(Schema):
    """A relation of a task to another one you can see."""

    id = ident()
    kind = Choice(SEEN_KINDS, required=True,
                  description="As seen from this task (blocked_by, child, ... for the inverse)")
    task_id = ident()
    project_id = ident()
    title = String(required=True)


class Paged(Schema):
    """One page of a listing."""

    total = Integer(required=True, minimum=0)
    page = Integer(required=True, minimum=1)
    limit = Integer(required=True, minimum=1)


class TaskPage(Paged):
    """A page of tasks."""

    tasks = ListOf(TaskOut, required=True)


__all__ = [
    "PRIORITIES", "PROJECT_STATUSES", "ROLES", "TASK_STATUSES", "CommentOut", "Deleted",
    "Paged", "ProjectOut", "TaskCounts", "TaskOut", "TaskPage", "Updated", "UserOut", "ident",
    "timestamp",
]
