"""Tasks and their comments, under ``/api/projects/<pid>/tasks/``."""

from __future__ import annotations

from lcore import ctx, request, response

from .. import events
from .._errors import ApiError
from .._validation import Fields, json_body, pagination, query_choice, query_int
from . import attachments

STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
UPDATABLE = ("title", "description", "assignee_id", "priority", "status", "due_date")
COMMENTS_IN_DETAIL = 50
TASK_SELECT = (
    "SELECT t.id, t.title, t.description, t.project_id, t.assignee_id, t.creator_id,"
    " t.status, t.priority, t.due_date, t.attachment, t.comment_count, t.created_at,"
    " t.updated_at, a.username AS assignee_name"
    " FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id")
COMMENT_SELECT = (
    "SELECT c.id, c.task_id, c.user_id, u.username, c.body, c.created_at"
    " FROM comments c JOIN users u ON u.id = c.user_id")


def get_task_or_404(db, project_id: int, task_id: int) -> dict:
    """The task, or 404 when it does not exist or lives in another project."""
    row = db.fetchone(TASK_SELECT + " WHERE t.id = ? AND t.project_id = ?", (task_id, project_id))
    if row is None:
        raise ApiError(404, f"Task {task_id} not found in project {project_id}")
    return row


def require_project(db, project_id: int) -> dict:
    row = db.fetchone("SELECT id, task_count, todo_count, in_progress_count, done_count"
                      " FROM projects WHERE id = ?", (project_id,))
    if row is None:
        raise ApiError(404, f"Project {project_id} not found")
    return row


def _task_fields(db, data: dict, *, title_required: bool) -> dict:
    f = Fields(data)
    f.text("title", required=title_required, max_len=200)
    f.text("description", max_len=5000, allow_empty=True)
    f.choice("status", STATUSES)
    f.choice("priority", PRIORITIES)
    f.date("due_date")
    f.integer("assignee_id", nullable=True)
    assignee = f.values.get("assignee_id")
    if assignee is not None and not db.fetchone(
            "SELECT id FROM users WHERE id = ? AND is_active = 1", (assignee,)):
        f.add_error("assignee_id", f"assignee_id {assignee} is not an active user")
    return f.result()


def _count_tasks(db, project: dict, status, priority, assignee) -> int:
    """The filtered total, from the maintained counts whenever they answer it."""
    if priority is None and assignee is None:
        return project[f"{status}_count"] if status else project["task_count"]
    where, params = ["project_id = ?"], [project["id"]]
    for column, value in (("status", status), ("priority", priority), ("assignee_id", assignee)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return db.count("tasks", " AND ".join(where), params)


def add_task_routes(app, kernel) -> None:

    @app.get("/<pid:int>/tasks", name="list_tasks")
    def list_tasks(pid):
        """Tasks of a project, filtered by status, priority and assignee, paginated."""
        kernel.current_user()
        db = ctx.db
        status = query_choice("status", STATUSES)
        priority = query_choice("priority", PRIORITIES)
        assignee = query_int("assignee_id", None) if request.query.get("assignee_id") else None
        page, limit, offset = pagination()
        project = require_project(db, pid)
        where, params = ["t.project_id = ?"], [pid]
        for column, value in (("t.status", status), ("t.priority", priority),
                              ("t.assignee_id", assignee)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = db.fetchall(f"{TASK_SELECT} WHERE {' AND '.join(where)} ORDER BY t.id"
                           " LIMIT ? OFFSET ?", (*params, limit, offset))
        return {"tasks": rows, "total": _count_tasks(db, project, status, priority, assignee),
                "page": page, "limit": limit}

    @app.post("/<pid:int>/tasks", name="create_task")
    def create_task(pid):
        """Create a task in a project; the assignee is notified."""
        actor = kernel.current_user()
        db = ctx.db
        require_project(db, pid)
        values = _task_fields(db, json_body(), title_required=True)
        values.setdefault("description", "")
        with db.transaction():
            task_id = db.insert("tasks", {**values, "project_id": pid, "creator_id": actor["id"]})
        task = get_task_or_404(db, pid, task_id)
        kernel.emit(events.TASK_CREATED, actor, project_id=pid, task_id=task_id, task=task)
        if task["assignee_id"] is not None:
            kernel.emit(events.TASK_ASSIGNED, actor, project_id=pid, task_id=task_id, task=task)
        response.status = 201
        return {"id": task_id, "title": task["title"], "created": True}

    @app.get("/<pid:int>/tasks/<tid:int>", name="get_task")
    def get_task(pid, tid):
        """A task with its latest comments (the full thread is paginated separately)."""
        kernel.current_user()
        db = ctx.db
        task = get_task_or_404(db, pid, tid)
        comments = db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id DESC LIMIT ?",
                               (tid, COMMENTS_IN_DETAIL))
        task["comments"] = comments[::-1]
        task["comments_truncated"] = task["comment_count"] > len(comments)
        return task

    def update_task(pid, tid):
        """Change some of a task's fields; a new assignee is notified."""
        actor = kernel.current_user()
        db = ctx.db
        data = json_body()
        if not any(k in data for k in UPDATABLE):
            raise ApiError(422, "No field to update (allowed: " + ", ".join(UPDATABLE) + ")",
                           fields={"body": "no updatable field"})
        before = get_task_or_404(db, pid, tid)
        values = _task_fields(db, data, title_required=False)
        changes = {k: [before[k], v] for k, v in values.items() if before[k] != v}
        if changes:
            with db.transaction():
                db.update("tasks", tid, {k: new for k, (_, new) in changes.items()})
            task = get_task_or_404(db, pid, tid)
            kernel.emit(events.TASK_UPDATED, actor, project_id=pid, task_id=tid,
                        task=task, changes=changes)
            if "assignee_id" in changes and task["assignee_id"] is not None:
                kernel.emit(events.TASK_ASSIGNED, actor, project_id=pid, task_id=tid, task=task)
        return {"id": tid, "updated": True, "fields": list(values)}

    app.put("/<pid:int>/tasks/<tid:int>", name="put_task")(update_task)
    app.patch("/<pid:int>/tasks/<tid:int>", name="patch_task")(update_task)

    @app.delete("/<pid:int>/tasks/<tid:int>", name="delete_task")
    def delete_task(pid, tid):
        """Delete a task with its comments and attachment (admin)."""
        kernel.require("tasks:delete", tid)
        db = ctx.db
        task = get_task_or_404(db, pid, tid)
        with db.transaction():
            db.delete("tasks", tid)
        attachments.remove_files(kernel, [task["attachment"]])
        return {"id": tid, "deleted": True}

    @app.get("/<pid:int>/tasks/<tid:int>/comments", name="list_comments")
    def list_comments(pid, tid):
        """A task's comments, oldest first, a page at a time."""
        kernel.current_user()
        db = ctx.db
        task = get_task_or_404(db, pid, tid)
        page, limit, offset = pagination(default_limit=50)
        rows = db.fetchall(f"{COMMENT_SELECT} WHERE c.task_id = ? ORDER BY c.id LIMIT ? OFFSET ?",
                           (tid, limit, offset))
        return {"comments": rows, "total": task["comment_count"], "page": page, "limit": limit}

    @app.post("/<pid:int>/tasks/<tid:int>/comments", name="add_comment")
    def add_comment(pid, tid):
        """Add a comment to a task."""
        actor = kernel.current_user()
        db = ctx.db
        task = get_task_or_404(db, pid, tid)
        f = Fields(json_body())
        f.text("body", required=True, max_len=5000)
        body = f.result()["body"]
        with db.transaction():
            comment_id = db.insert("comments", {"task_id": tid, "user_id": actor["id"],
                                                "body": body})
        comment = {"id": comment_id, "task_id": tid, "user_id": actor["id"], "body": body}
        kernel.emit(events.COMMENT_ADDED, actor, project_id=pid, task_id=tid,
                    comment=comment, task=task)
        response.status = 201
        return {"id": comment_id, "task_id": tid, "created": True}
