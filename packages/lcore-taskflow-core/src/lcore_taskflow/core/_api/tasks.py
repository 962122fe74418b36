"""Tasks and their comments, under ``/api/projects/<pid>/tasks/``: the declared
queries, bodies and replies, and the handlers, registered from :data:`ROUTES`.

The handlers read the request (route values, query, body, caller) and answer;
the queries, rules and board order they call are in ``_domain/tasks.py``,
``_domain/task_list.py`` and ``_domain/comments.py`` (board order, live updates
and totals are explained there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcore import HTTPResponse, request, response

from .._domain import comments, task_list, tasks
from .._domain.task_list import COUNT_CAP, DUE_FILTERS, SORTS
from .._domain.tasks import CORE_TASK_FIELDS, TASK_SELECT, UPDATABLE, get_task_or_404
from .._routetable import Route, add_routes
from .._schema import (
    Boolean,
    Choice,
    Date,
    Integer,
    ListOf,
    Object,
    Query,
    Schema,
    String,
    Text,
)
from .._validation import INT_MAX, Page, json_body
from .replies import (
    PRIORITIES,
    TASK_STATUSES,
    CommentOut,
    Deleted,
    Paged,
    RelationOut,
    TaskCounts,
    TaskOut,
    ident,
)

if TYPE_CHECKING:
    from .. import TaskFlow

STATUSES = TASK_STATUSES


# ------------------------------------------------------------- schemas
class AssigneeFilter(Integer):
    """``none`` (unassigned tasks) or a user id."""

    def from_text(self, raw: str):
        return raw if raw == "none" else super().from_text(raw)

    def clean(self, value):
        return value if value == "none" else super().clean(value)

    def _json(self, ref):
        return {"anyOf": [{"type": "string", "const": "none"}, super()._json(ref)]}


class TaskListQuery(Page):
    status = Choice(STATUSES)
    priority = Choice(PRIORITIES)
    assignee_id = AssigneeFilter(minimum=1, description="A user id, or none for unassigned")
    q = Text(max_len=200, description="Words of the title, each matching the start of a"
             " word (case and accents ignored; the full-text index, SPEC §11)")
    due = Choice(DUE_FILTERS, description="overdue, due within a week, or without a date")
    sort = Choice(SORTS, default="id", description=(
        "id, position (board order), or a column of the list view: title, status, priority,"
        " assignee, due_date, updated (-name: descending)"))

    @classmethod
    def extra_parameters(cls, kernel: TaskFlow):
        """The filters plugins add (``taskflow_task_filters``)."""
        return {f.param: String(description=f.description or f"Filter of plugin "
                                f"{kernel.task_filter_owners.get(f.param, '?')}")
                for f in kernel.task_filters}


#: The task list's own query parameters: no plugin filter may take one.
CORE_TASK_PARAMETERS = frozenset(TaskListQuery.fields)


class ChangesQuery(Query):
    since = Integer(minimum=0, default=0, description="The cursor of the last answer")


class CommentPage(Page):
    limit = Integer(minimum=1, maximum=100, default=50, description="Items per page")


class TaskCreate(Schema):
    """A new task; it goes at the end of its status column unless ``before_id`` says where."""

    title = Text(required=True, max_len=200, example="Write the release notes")
    description = Text(max_len=5000, allow_empty=True)
    status = Choice(STATUSES)
    priority = Choice(PRIORITIES, example="medium")
    due_date = Date()
    assignee_id = Integer(nullable=True, description="An active user (null: nobody)")
    before_id = Integer(nullable=True, description="Put it before this task of its column")


class TaskUpdate(TaskCreate):
    """Some of a task's fields; ``status`` with ``before_id`` moves it on the board."""

    title = Text(max_len=200)


class CommentCreate(Schema):
    """A comment."""

    body = Text(required=True, max_len=5000, example="Looks good to me.")


class TaskList(Paged):
    """A page of a project's tasks, and the board's change cursor."""

    tasks = ListOf(TaskOut, required=True)
    total_is_estimate = Boolean(required=True, description=(
        f"true when a filter the project's maintained counts cannot answer matched more "
        f"than {COUNT_CAP} tasks: total is then {COUNT_CAP}, a lower bound (show "
        f"\"{COUNT_CAP:,}+\"); the pages past it are still served"))
    cursor = Integer(required=True, minimum=0)
    ignored_filters = ListOf(String(), description=(
        "Only when a plugin's filter failed: its parameters, left out of this answer "
        "(the failure is in the server's log)"))


class TaskChanges(Schema):
    """What changed since the cursor; ``reset`` means "reload the whole list"."""

    cursor = Integer(required=True, minimum=0)
    reset = Boolean(required=True)
    tasks = ListOf(TaskOut, required=True)
    deleted = ListOf(Integer(minimum=1), required=True)
    task_counts = Object(TaskCounts)


class TaskDetail(TaskOut):
    """A task with its latest comments and its relations to tasks you can see."""

    comments = ListOf(CommentOut, required=True)
    comments_truncated = Boolean(required=True)
    relations = ListOf(RelationOut, required=True)


class TaskCreated(Schema):
    id = ident()
    title = String(required=True)
    created = Boolean(required=True)
    position = Integer(required=True, minimum=0)


class TaskUpdated(Schema):
    id = ident()
    updated = Boolean(required=True)
    # a field named like Schema's own class attribute: Schema collects it before it
    # sets ``fields`` (the dict), so the JSON keeps it
    fields = ListOf(String(), required=True,  # type: ignore[assignment]
                    description="The fields that were given")
    position = Integer(required=True, minimum=0)
    status = Choice(STATUSES, required=True)


class CommentList(Paged):
    """A page of a task's comments, oldest first."""

    comments = ListOf(CommentOut, required=True)


class CommentCreated(Schema):
    id = ident()
    task_id = ident()
    created = Boolean(required=True)


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by add_task_routes), then the URL's values.
def list_tasks(kernel: TaskFlow, pid: int) -> dict:
    """Tasks of a project: filters status, priority, assignee_id, q, due; paginated."""
    args = TaskListQuery.validate()
    project = kernel.access().project(pid)
    where, params = task_list.core_filters(args, kernel.db, project)
    chosen, ignored = task_list.plugin_filters(kernel, pid, request.query)
    page, limit = args["page"], args["limit"]
    rows, (total, estimate), failing = task_list.list_tasks(
        kernel, project, where, params, chosen, args["sort"], limit, (page - 1) * limit,
        by_row=bool(args.get("q")))
    ignored += failing
    answer = {"tasks": kernel.represent("task", rows), "total": total,
              "total_is_estimate": estimate, "page": page, "limit": limit,
              "cursor": project["change_seq"]}
    if ignored:
        answer["ignored_filters"] = sorted(ignored)
    return answer


def task_changes(kernel: TaskFlow, pid: int) -> Any:
    """What changed on the board since ``cursor``: 304 when nothing did."""
    since = ChangesQuery.validate()["since"]
    answer = task_list.changes_since(kernel, kernel.access().project(pid), since)
    return HTTPResponse(status=304) if answer is None else answer


def create_task(kernel: TaskFlow, pid: int) -> dict:
    """Create a task in a project (at the end of its column); the assignee is notified."""
    actor = kernel.current_user()
    data = json_body()
    values = tasks.task_values(kernel, pid, TaskCreate, data)
    extra = tasks.task_extra(kernel, pid, data)
    task = tasks.create_task(kernel, actor, pid, values, extra)
    response.status = 201
    return {"id": task["id"], "title": task["title"], "created": True,
            "position": task["position"]}


def get_task(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """A task with its latest comments (the full thread is paginated separately)."""
    return tasks.task_detail(kernel, pid, tid)


def update_task(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Change some of a task's fields, or move it (``status`` + ``before_id``)."""
    actor = kernel.current_user()
    data = json_body()
    extra = tasks.task_extra(kernel, pid, data)
    tasks.require_update(kernel, data, extra)
    values = tasks.task_values(kernel, pid, TaskUpdate, data)
    given = [k for k in values if k != "before_id"]
    task, stored = tasks.update_task(kernel, actor, pid, tid, values, extra,
                                     moving="before_id" in data)
    return {"id": tid, "updated": True, "fields": given + stored,
            "position": task["position"], "status": task["status"]}


def delete_task(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Delete a task with its comments and attachment (the project's owners)."""
    tasks.delete_task(kernel, kernel.current_user(), pid, tid)
    return {"id": tid, "deleted": True}


def list_comments(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """A task's comments, oldest first, a page at a time."""
    db = kernel.db
    task = get_task_or_404(db, pid, tid)
    args = CommentPage.validate()
    page, limit = args["page"], args["limit"]
    rows = comments.comment_page(db, tid, limit, (page - 1) * limit)
    return {"comments": rows, "total": task["comment_count"], "page": page, "limit": limit}


def add_comment(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Add a comment to a task."""
    actor = kernel.current_user()
    task = get_task_or_404(kernel.db, pid, tid)
    body = CommentCreate.validate(json_body())["body"]
    comment_id = comments.add_comment(kernel, actor, pid, task, body)
    response.status = 201
    return {"id": comment_id, "task_id": tid, "created": True}


def delete_comment(kernel: TaskFlow, pid: int, tid: int, cid: int) -> dict:
    """Delete a comment (its author, or the project's owners)."""
    actor = kernel.current_user()
    task = get_task_or_404(kernel.db, pid, tid)
    comment = comments.get_comment_or_404(kernel.db, tid, cid)
    comments.may_delete(kernel, actor, pid, comment)
    comments.delete_comment(kernel, actor, pid, task, comment)
    return {"id": cid, "deleted": True}


# ---------------------------------------------------------------- routes
TASK = "/<pid:int>/tasks/<tid:int>"
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/<pid:int>/tasks", list_tasks, dict(
        name="list_tasks", auth=True, role="viewer", query=TaskListQuery, returns=TaskList)),
    ("GET", "/<pid:int>/tasks/changes", task_changes, dict(
        name="task_changes", auth=True, role="viewer", query=ChangesQuery, returns=TaskChanges,
        responses=((304, "Nothing changed since the cursor"),))),
    ("POST", "/<pid:int>/tasks", create_task, dict(
        name="create_task", auth=True, role="editor", body=TaskCreate, status=201,
        returns=TaskCreated)),
    ("GET", TASK, get_task, dict(name="get_task", auth=True, role="viewer", returns=TaskDetail)),
    *((method, TASK, update_task, dict(
        name=f"{method.lower()}_task", auth=True, role="editor", body=TaskUpdate,
        returns=TaskUpdated)) for method in ("PUT", "PATCH")),
    ("DELETE", TASK, delete_task, dict(
        name="delete_task", auth=True, role="owner", returns=Deleted)),
    ("GET", f"{TASK}/comments", list_comments, dict(
        name="list_comments", auth=True, role="viewer", query=CommentPage,
        returns=CommentList)),
    ("POST", f"{TASK}/comments", add_comment, dict(
        name="add_comment", auth=True, role="commenter", body=CommentCreate, status=201,
        returns=CommentCreated)),
    ("DELETE", f"{TASK}/comments/<cid:int>", delete_comment, dict(
        name="delete_comment", auth=True, role="commenter", returns=Deleted,
        responses=(403,))),
)


def add_task_routes(app: Any, kernel: TaskFlow) -> None:
    """Register :data:`ROUTES` on ``app`` (the projects sub-app)."""
    add_routes(app, ROUTES, kernel)


__all__ = ["CORE_TASK_FIELDS", "CORE_TASK_PARAMETERS", "INT_MAX", "ROUTES", "STATUSES",
           "TASK_SELECT", "UPDATABLE", "add_task_routes", "get_task_or_404"]
