"""Tasks and their comments, under ``/api/projects/<pid>/tasks/``.

Board order: ``position`` numbers the tasks of one (project, status) column
densely from 1.  Every write that moves tasks first takes the project's row
lock (``lock_project``), so concurrent moves and creates never leave a gap or
a duplicate.  Live updates: triggers stamp each changed task with the
project's next ``change_seq`` and leave a tombstone for each deleted one, so
``GET .../tasks/changes?since=N`` answers with what changed after ``N``
(304 when nothing did) from two indexed reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

from lcore import HTTPResponse, request, response

from .. import events
from .._db import DatabaseError
from .._errors import ApiError
from .._relations import relations_of
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

log = logging.getLogger("lcore_taskflow")
STATUSES = TASK_STATUSES
UPDATABLE = ("title", "description", "assignee_id", "priority", "status", "due_date",
             "before_id")
#: Body fields core reads itself: no plugin may declare one (``taskflow_task_fields``).
CORE_TASK_FIELDS = frozenset(UPDATABLE)
DUE_FILTERS = ("overdue", "week", "none")
#: ``sort=`` of the task list: its ORDER BY keys (``-name`` reverses them; ``t.id`` breaks ties).
#: NULLs go last ascending on both engines (``IS NULL`` first), which differ on their own.
ORDERS = {
    "id": ("t.id",),
    "position": ("t.status", "t.position"),
    "title": ("lower(t.title)",),
    "status": ("CASE t.status WHEN 'todo' THEN 1 WHEN 'in_progress' THEN 2 ELSE 3 END",
               "t.position"),
    "priority": ("CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END",),
    "assignee": ("(a.username IS NULL)", "lower(a.username)"),
    "due_date": ("(t.due_date IS NULL)", "t.due_date"),
    "updated": ("COALESCE(t.updated_at, t.created_at)",),
}
SORTS = (*ORDERS, *(f"-{name}" for name in ORDERS if name not in ("id", "position")))
COMMENTS_IN_DETAIL = 50
CHANGES_LIMIT = 500
TASK_SELECT = (
    "SELECT t.id, t.title, t.description, t.project_id, t.assignee_id, t.creator_id,"
    " t.status, t.priority, t.due_date, t.position, t.attachment, t.comment_count,"
    " t.checklist_done, t.checklist_total, t.created_at, t.updated_at,"
    " a.username AS assignee_name"
    " FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id")
COMMENT_SELECT = (
    "SELECT c.id, c.task_id, c.user_id, COALESCE(u.username, c.author) AS username, c.body,"
    " c.created_at FROM comments c LEFT JOIN users u ON u.id = c.user_id")


def get_task_or_404(db, project_id: int, task_id: int) -> dict:
    """The task, or 404 when it does not exist or lives in another project."""
    row = db.fetchone(TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?", (task_id, project_id))
    if row is None:
        raise ApiError(404, f"Task {task_id} not found in project {project_id}")
    return row


def lock_project(db, project_id: int) -> None:
    """Serialise column edits of one project (a row lock; SQLite's write lock is whole)."""
    if not db.execute("UPDATE projects SET change_seq = change_seq WHERE id = ?",
                      (project_id,)).rowcount:
        raise ApiError(404, f"Project {project_id} not found")


def today() -> str:
    return dt.date.today().isoformat()


# ------------------------------------------------------------- schemas
class AssigneeFilter(Integer):
    """``none`` (unassigned tasks) or a user id."""

    def from_text(self, raw: str):
        return raw if raw == "none" else super().from_text(raw)

    def clean(self, value):
        return value if value == "none" else super().clean(value)

    def _json(self, ref):
        return {"anyOf": [{"type": "string", "const": "none"}, super()._json(ref)]}


#: A filtered total the maintained counts cannot answer is counted up to this many
#: rows (the same bound as the search's): past it the answer says ``total_is_estimate``.
COUNT_CAP = 1000


class TaskListQuery(Page):
    status = Choice(STATUSES)
    priority = Choice(PRIORITIES)
    assignee_id = AssigneeFilter(minimum=1, description="A user id, or none for unassigned")
    q = Text(max_len=200, description="Part of the title (case-insensitive)")
    due = Choice(DUE_FILTERS, description="overdue, due within a week, or without a date")
    sort = Choice(SORTS, default="id", description=(
        "id, position (board order), or a column of the list view: title, status, priority,"
        " assignee, due_date, updated (-name: descending)"))

    @classmethod
    def extra_parameters(cls, kernel):
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
    fields = ListOf(String(), required=True, description="The fields that were given")
    position = Integer(required=True, minimum=0)
    status = Choice(STATUSES, required=True)


class CommentList(Paged):
    """A page of a task's comments, oldest first."""

    comments = ListOf(CommentOut, required=True)


class CommentCreated(Schema):
    id = ident()
    task_id = ident()
    created = Boolean(required=True)


def assignee_problem(kernel, project_id: int, assignee: int) -> str | None:
    """Why ``assignee`` cannot be given work in the project, or ``None``.

    One message for "no such user" and "cannot see the project", naming
    nobody: the caller may be a guest who must not learn who exists.
    """
    user = kernel.db.fetchone("SELECT id, username, role FROM users WHERE id = ?"
                              " AND is_active = 1", (assignee,))
    if user is not None and kernel.access(user).role(project_id) is not None:
        return None
    return f"assignee_id {assignee} is not an active user who can see project {project_id}"


def _task_values(kernel, project_id: int, schema: type[Schema], data: dict) -> dict:
    return schema.validate(data, assignee_id=lambda a: assignee_problem(kernel, project_id, a))


def _assigned(kernel, db, actor, task: dict, previous: int | None = None) -> None:
    """Emit ``task.assigned`` with the assignee and project a listener needs."""
    assignee = db.fetchone("SELECT id, username, email FROM users WHERE id = ?",
                           (task["assignee_id"],))
    project = db.fetchone("SELECT id, name FROM projects WHERE id = ?", (task["project_id"],))
    kernel.emit(events.TaskAssigned(actor=actor, task=task, assignee=assignee, project=project,
                                    previous_assignee_id=previous))


# ------------------------------------------------------------- ordering
def _end_of(db, project_id: int, status: str, exclude: int = 0) -> int:
    return db.scalar("SELECT COALESCE(MAX(position), 0) FROM tasks WHERE project_id = ?"
                     " AND status = ? AND id != ?", (project_id, status, exclude)) + 1


def place(db, task: dict, status: str, before_id: int | None) -> int:
    """Move ``task`` to ``status``, before ``before_id`` (``None``: at the end).

    Closes the gap it leaves and opens one where it lands; the caller holds
    the project lock and a transaction.  Returns the new position.
    """
    pid, tid = task["project_id"], task["id"]
    current = db.fetchone("SELECT status, position FROM tasks WHERE id = ?", (tid,))
    db.execute("UPDATE tasks SET position = position - 1 WHERE project_id = ? AND status = ?"
               " AND position > ?", (pid, current["status"], current["position"]))
    if before_id is None:
        position = _end_of(db, pid, status, exclude=tid)
    else:
        target = db.fetchone("SELECT status, position FROM tasks WHERE id = ? AND project_id = ?",
                             (before_id, pid))
        if target is None or target["status"] != status or before_id == tid:
            raise ApiError(422, "Validation failed", fields={
                "before_id": f"before_id must be another task in the {status} column"})
        position = target["position"]
        db.execute("UPDATE tasks SET position = position + 1 WHERE project_id = ? AND status = ?"
                   " AND position >= ? AND id != ?", (pid, status, position, tid))
    db.execute("UPDATE tasks SET status = ?, position = ? WHERE id = ?", (status, position, tid))
    return position


# -------------------------------------------------------------- listing
def _filters(kernel, args: dict, pid: int) -> tuple[list[str], list, list[tuple], list[str]]:
    """The WHERE conditions of the task list's query parameters: core's as
    ``(where, params)``, then the plugins' filters in use as ``(TaskFilter, value)``
    pairs, and the parameters of those that failed (see :func:`_plugin_filters`)."""
    where, params = [], []
    for column in ("status", "priority"):
        value = args.get(column)
        if value is not None:
            where.append(f"t.{column} = ?")
            params.append(value)
    assignee = args.get("assignee_id")
    if assignee == "none":
        where.append("t.assignee_id IS NULL")
    elif assignee is not None:
        where.append("t.assignee_id = ?")
        params.append(assignee)
    q = args.get("q")
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("lower(t.title) LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    due = args.get("due")
    if due == "overdue":
        where.append("t.status != 'done' AND t.due_date IS NOT NULL AND t.due_date < ?")
        params.append(today())
    elif due == "week":
        week = (dt.date.today() + dt.timedelta(days=6)).isoformat()
        where.append("t.due_date >= ? AND t.due_date <= ?")
        params += [today(), week]
    elif due == "none":
        where.append("t.due_date IS NULL")
    chosen, ignored = _plugin_filters(kernel, pid)
    return where, params, chosen, ignored


def _plugin_filters(kernel, pid: int) -> tuple[list[tuple], list[str]]:
    """The plugins' filters the query asks for, with their converted values.

    A value ``convert`` refuses (``ValueError``/``TypeError``) is the client's
    mistake: 400 naming the parameter.  Any other exception is the plugin's:
    logged with its name, and the list answers without that filter.  The filter
    of a project-scoped plugin that is off in the project is ignored.
    """
    chosen, ignored = [], []
    for extra in kernel.task_filters:
        raw = request.query.get(extra.param)
        if raw in (None, "") or not kernel.scopes.applies(
                kernel.task_filter_owners.get(extra.param, ""), pid):
            continue
        try:
            value = extra.convert(raw)
        except (TypeError, ValueError):
            raise ApiError(400, f"{extra.param} has an invalid value",
                           fields={extra.param: "invalid value"}) from None
        except Exception:
            log.exception("plugin %s failed in its task filter %r (convert): the task list "
                          "answers without it", kernel.task_filter_owners.get(extra.param, "?"),
                          extra.param)
            ignored.append(extra.param)
            continue
        chosen.append((extra, value))
    return chosen, ignored


def _failing_filters(kernel, db, pid: int, chosen: list[tuple]) -> list[tuple]:
    """Which of the plugins' filters fail on their own (each tried in a tiny query)."""
    failing = []
    for extra, value in chosen:
        try:
            db.fetchall(f"SELECT t.id FROM tasks t WHERE t.project_id = ? AND ({extra.where})"
                        " LIMIT 1", (pid, value))
        except DatabaseError as exc:
            log.error("plugin %s failed in its task filter %r: %s; the task list answers "
                      "without it", kernel.task_filter_owners.get(extra.param, "?"),
                      extra.param, exc)
            failing.append((extra, value))
    return failing


def bounded_total(db, source: str, params: Sequence[Any], page_rows: int, offset: int,
                  limit: int) -> tuple[int, bool]:
    """How many rows ``FROM {source}`` holds, and whether that is only a lower bound.

    A short page is its own total; otherwise the count stops after
    ``COUNT_CAP`` rows, so a common filter costs the same at 1M tasks as at 1k.
    """
    if page_rows < limit and (page_rows or not offset):  # the last page: nothing to count
        return offset + page_rows, False
    counted = db.scalar(f"SELECT COUNT(*) FROM (SELECT 1 FROM {source}"
                        f" LIMIT {COUNT_CAP + 1}) c", params)
    return min(counted, COUNT_CAP), counted > COUNT_CAP


def _count(db, project: dict, where: list[str], params: list,
           page_rows: int, offset: int, limit: int) -> tuple[int, bool]:
    """The filtered total: the maintained counts answer the common filters (none,
    one status), :func:`bounded_total` the others."""
    if not where:
        return project["task_count"], False
    if where == ["t.status = ?"]:
        return project[f"{params[0]}_count"], False
    return bounded_total(db, f"tasks t WHERE t.project_id = ? AND {' AND '.join(where)}",
                         (project["id"], *params), page_rows, offset, limit)


def _task_extra(kernel, pid: int, data: dict) -> dict:
    """The plugins' task fields in ``data`` (those of plugins that are on in the project)."""
    return {k: data[k] for k, owner in kernel.task_fields.items()
            if k in data and kernel.scopes.applies(owner, pid)}


def order_by(sort: str) -> str:
    """The ORDER BY of a ``sort=`` value (one of :data:`SORTS`)."""
    direction = " DESC" if sort.startswith("-") else ""
    keys = [f"{key}{direction}" for key in ORDERS[sort.lstrip("-")]]
    return ", ".join(keys if keys[-1].startswith("t.id") else [*keys, "t.id"])


def add_task_routes(app, kernel) -> None:

    @app.get("/<pid:int>/tasks", name="list_tasks", auth=True, role="viewer",
             query=TaskListQuery, returns=TaskList)
    def list_tasks(pid):
        """Tasks of a project: filters status, priority, assignee_id, q, due; paginated."""
        db = kernel.db
        args = TaskListQuery.validate()
        where, params, chosen, ignored = _filters(kernel, args, pid)
        sort, page, limit = args["sort"], args["page"], args["limit"]
        offset = (page - 1) * limit
        project = kernel.access().project(pid)
        order = order_by(sort)

        def query(plugin_filters):
            conditions = [*where, *(f"({f.where})" for f, _ in plugin_filters)]
            values = [*params, *(v for _, v in plugin_filters)]
            rows = db.fetchall(f"{TASK_SELECT} WHERE "
                               f"{' AND '.join(['t.project_id = ?', *conditions])}"
                               f" ORDER BY {order} LIMIT ? OFFSET ?",
                               (pid, *values, limit, offset))
            return rows, _count(db, project, conditions, values, len(rows), offset, limit)

        try:
            rows, (total, estimate) = query(chosen)
        except DatabaseError:  # a plugin's filter SQL? (autocommit: nothing is spoilt)
            failing = _failing_filters(kernel, db, pid, chosen) if chosen else []
            if not failing:
                raise
            ignored += [f.param for f, _ in failing]
            rows, (total, estimate) = query([c for c in chosen if c not in failing])
        answer = {"tasks": kernel.represent("task", rows), "total": total,
                  "total_is_estimate": estimate, "page": page, "limit": limit,
                  "cursor": project["change_seq"]}
        if ignored:
            answer["ignored_filters"] = sorted(ignored)
        return answer

    @app.get("/<pid:int>/tasks/changes", name="task_changes", auth=True, role="viewer",
             query=ChangesQuery,
             returns=TaskChanges, responses=((304, "Nothing changed since the cursor"),))
    def task_changes(pid):
        """What changed on the board since ``cursor``: 304 when nothing did."""
        since = ChangesQuery.validate()["since"]
        db = kernel.db
        project = kernel.access().project(pid)
        seq = project["change_seq"]
        if since == seq:
            return HTTPResponse(status=304)
        if since > seq or since < project["tombstone_floor"]:
            return {"cursor": seq, "reset": True, "tasks": [], "deleted": []}
        rows = db.fetchall(f"{TASK_SELECT} WHERE t.project_id = ? AND t.change_seq > ?"
                           " ORDER BY t.change_seq LIMIT ?", (pid, since, CHANGES_LIMIT + 1))
        if len(rows) > CHANGES_LIMIT:
            return {"cursor": seq, "reset": True, "tasks": [], "deleted": []}
        deleted = [r["task_id"] for r in db.fetchall(
            "SELECT task_id FROM task_tombstones WHERE project_id = ? AND change_seq > ?",
            (pid, since))]
        counts = {"total": project["task_count"], "todo": project["todo_count"],
                  "in_progress": project["in_progress_count"], "done": project["done_count"]}
        return {"cursor": seq, "reset": False, "tasks": kernel.represent("task", rows),
                "deleted": deleted, "task_counts": counts}

    @app.post("/<pid:int>/tasks", name="create_task", auth=True, role="editor", body=TaskCreate,
              status=201, returns=TaskCreated)
    def create_task(pid):
        """Create a task in a project (at the end of its column); the assignee is notified."""
        actor = kernel.current_user()
        db = kernel.db
        data = json_body()
        values = _task_values(kernel, pid, TaskCreate, data)
        extra = _task_extra(kernel, pid, data)
        before_id = values.pop("before_id", None)
        values.setdefault("description", "")
        status = values.setdefault("status", "todo")
        with db.transaction():
            lock_project(db, pid)
            task_id = db.insert("tasks", {**values, "project_id": pid, "creator_id": actor["id"],
                                          "position": _end_of(db, pid, status)})
            task = get_task_or_404(db, pid, task_id)
            if before_id is not None:
                task["position"] = place(db, task, status, before_id)
            kernel.emit(events.TaskCreated(actor=actor, task=task, extra=extra))
            if task["assignee_id"] is not None:
                _assigned(kernel, db, actor, task)
        response.status = 201
        return {"id": task_id, "title": task["title"], "created": True,
                "position": task["position"]}

    @app.get("/<pid:int>/tasks/<tid:int>", name="get_task", auth=True, role="viewer",
             returns=TaskDetail)
    def get_task(pid, tid):
        """A task with its latest comments (the full thread is paginated separately)."""
        db = kernel.db
        task = get_task_or_404(db, pid, tid)
        comments = db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id DESC LIMIT ?",
                               (tid, COMMENTS_IN_DETAIL))
        task["comments"] = comments[::-1]
        task["comments_truncated"] = task["comment_count"] > len(comments)
        task["relations"] = relations_of(kernel, tid)
        return kernel.represent("task", [task])[0]

    def update_task(pid, tid):
        """Change some of a task's fields, or move it (``status`` + ``before_id``)."""
        actor = kernel.current_user()
        db = kernel.db
        data = json_body()
        extra = _task_extra(kernel, pid, data)
        if not extra and not any(k in data for k in UPDATABLE):
            allowed = ", ".join([*UPDATABLE, *sorted(kernel.task_fields)])
            raise ApiError(422, f"No field to update (allowed: {allowed})",
                           fields={"body": "no updatable field"})
        values = _task_values(kernel, pid, TaskUpdate, data)
        moving = "before_id" in data
        before_id = values.pop("before_id", None)
        with db.transaction():
            lock_project(db, pid)
            before = get_task_or_404(db, pid, tid)
            changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
            status = values.get("status", before["status"])
            fields = {k: new for k, (_, new) in changes.items() if k != "status"}
            if fields:
                db.update("tasks", tid, fields)
            if moving or "status" in changes:
                position = place(db, before, status, before_id)
                if position != before["position"] or "status" in changes:
                    changes["position"] = [before["position"], position]
                if not fields:
                    db.update("tasks", tid, {})  # stamps updated_at
            failed = set()
            if changes or extra:
                task = get_task_or_404(db, pid, tid)
                failed = kernel.dispatch.emit(events.TaskUpdated(
                    actor=actor, task=task, changes=changes, extra=extra))
                if "assignee_id" in changes and task["assignee_id"] is not None:
                    _assigned(kernel, db, actor, task, changes["assignee_id"][0])
            else:
                task = before
        # A field whose plugin failed on the event was not stored: not claimed either.
        stored = sorted(k for k in extra if kernel.task_fields[k] not in failed)
        return {"id": tid, "updated": True,
                "fields": [k for k in values if k != "before_id"] + stored,
                "position": task["position"], "status": task["status"]}

    for method in ("put", "patch"):
        getattr(app, method)("/<pid:int>/tasks/<tid:int>", name=f"{method}_task", auth=True,
                             role="editor", body=TaskUpdate, returns=TaskUpdated)(update_task)

    @app.delete("/<pid:int>/tasks/<tid:int>", name="delete_task", auth=True, role="owner",
                returns=Deleted)
    def delete_task(pid, tid):
        """Delete a task with its comments and attachment (the project's owners)."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            lock_project(db, pid)
            task = get_task_or_404(db, pid, tid)
            db.delete("tasks", tid)
            db.execute("UPDATE tasks SET position = position - 1 WHERE project_id = ?"
                       " AND status = ? AND position > ?",
                       (pid, task["status"], task["position"]))
            kernel.emit(events.TaskDeleted(actor=actor, task=task))
            _prune_tombstones(db)
        kernel.storage.remove([task["attachment"]])
        return {"id": tid, "deleted": True}

    @app.get("/<pid:int>/tasks/<tid:int>/comments", name="list_comments", auth=True,
             role="viewer", query=CommentPage, returns=CommentList)
    def list_comments(pid, tid):
        """A task's comments, oldest first, a page at a time."""
        db = kernel.db
        task = get_task_or_404(db, pid, tid)
        args = CommentPage.validate()
        page, limit = args["page"], args["limit"]
        offset = (page - 1) * limit
        rows = db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id LIMIT ? OFFSET ?",
                           (tid, limit, offset))
        return {"comments": rows, "total": task["comment_count"], "page": page, "limit": limit}

    @app.post("/<pid:int>/tasks/<tid:int>/comments", name="add_comment", auth=True,
              role="commenter", body=CommentCreate, status=201, returns=CommentCreated)
    def add_comment(pid, tid):
        """Add a comment to a task."""
        actor = kernel.current_user()
        db = kernel.db
        task = get_task_or_404(db, pid, tid)
        body = CommentCreate.validate(json_body())["body"]
        with db.transaction():
            # The project's row lock first, as every task write takes it: the comment's
            # trigger locks the task row and its listeners the project's, and a task
            # move locks them the other way round — PostgreSQL then found deadlocks
            # under bench/load.py (issue 24).
            lock_project(db, pid)
            author = None if actor["id"] else actor["username"]  # a share link
            comment_id = db.insert("comments", {"task_id": tid, "user_id": actor["id"],
                                                "author": author, "body": body})
            comment = db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ?", (comment_id,))
            kernel.emit(events.CommentAdded(actor=actor, task=task, comment=comment))
        response.status = 201
        return {"id": comment_id, "task_id": tid, "created": True}

    @app.delete("/<pid:int>/tasks/<tid:int>/comments/<cid:int>", name="delete_comment",
                auth=True, role="commenter", returns=Deleted, responses=(403,))
    def delete_comment(pid, tid, cid):
        """Delete a comment (its author, or the project's owners)."""
        actor = kernel.current_user()
        db = kernel.db
        task = get_task_or_404(db, pid, tid)
        comment = db.fetchone(f"{COMMENT_SELECT} WHERE c.id = ? AND c.task_id = ?", (cid, tid))
        if comment is None:
            raise ApiError(404, f"Comment {cid} not found on task {tid}")
        mine = actor["id"] is not None and comment["user_id"] == actor["id"]
        if not mine:
            kernel.access().project(pid, "owner")
        with db.transaction():
            lock_project(db, pid)  # the same lock order as add_comment
            db.delete("comments", cid)
            kernel.emit(events.CommentDeleted(actor=actor, task=task, comment=comment))
        return {"id": cid, "deleted": True}


TOMBSTONE_DAYS = 7
_pruned_at = [0.0]


def _prune_tombstones(db) -> None:
    """Forget deletions older than a week (at most hourly); older cursors get ``reset``."""
    now = time.time()
    if now - _pruned_at[0] < 3600:
        return
    _pruned_at[0] = now
    cutoff = now - TOMBSTONE_DAYS * 86400
    db.execute("UPDATE projects SET tombstone_floor = (SELECT MAX(change_seq) FROM"
               " task_tombstones t WHERE t.project_id = projects.id AND t.deleted_at < ?)"
               " WHERE id IN (SELECT project_id FROM task_tombstones WHERE deleted_at < ?)",
               (cutoff, cutoff))
    db.execute("DELETE FROM task_tombstones WHERE deleted_at < ?", (cutoff,))


__all__ = ["INT_MAX", "STATUSES", "TASK_SELECT", "add_task_routes", "get_task_or_404"]
