"""TaskFlow's own project export (``GET /api/projects/<pid>/export?format=json``)."""

from __future__ import annotations

from typing import Any

from .plan import (
    ITEM_MAX,
    PRIORITIES,
    STATUSES,
    TEXT_MAX,
    TITLE_MAX,
    Malformed,
    Plan,
    TaskPlan,
    clipped,
    clipped_name,
    date_of,
    load_json,
    text_of,
)


# ------------------------------------------------------------------ TaskFlow
def taskflow(content: bytes, options: dict[str, Any]) -> Plan:
    """A project as ``GET /api/projects/<pid>/export?format=json`` wrote it."""
    data = load_json(content, "TaskFlow export")
    if not isinstance(data, dict) or data.get("format") != "taskflow.project" \
            or not isinstance(data.get("tasks"), list) or not isinstance(data.get("project"),
                                                                         dict):
        raise Malformed("TaskFlow export: expected {\"format\": \"taskflow.project\", "
                        "\"project\": {...}, \"tasks\": [...]} (a project export)")
    if data.get("version") != 1:
        raise Malformed(f"TaskFlow export: version {data.get('version')!r} is not supported "
                        "(this TaskFlow reads version 1)")
    project = data["project"]
    plan = Plan(project={"name": clipped_name(text_of(project.get("name"))),
                         "description": text_of(project.get("description"))[:TEXT_MAX]})
    for number, item in enumerate(data["tasks"], start=1):
        if not isinstance(item, dict):
            plan.note(f"task {number}", "skipped: not an object")
            continue
        title = text_of(item.get("title")).strip()
        ref = f"task {number} {title[:40]!r}" if title else f"task {number}"
        if not title:
            plan.note(ref, "skipped: the title is empty")
            continue
        task = TaskPlan(ref=ref, title=clipped(plan, ref, "title", title, TITLE_MAX),
                        description=clipped(plan, ref, "description",
                                            text_of(item.get("description")), TEXT_MAX))
        status = text_of(item.get("status"))
        task.status = status if status in STATUSES else "todo"
        priority = text_of(item.get("priority"))
        task.priority = priority if priority in PRIORITIES else None
        task.due_date = date_of(item.get("due_date")) if item.get("due_date") else None
        assignee = item.get("assignee")
        if isinstance(assignee, dict):
            task.people.append({k: text_of(assignee.get(k)) for k in ("email", "username")
                                if assignee.get(k)})
        for label in item.get("labels") or []:
            if isinstance(label, dict) and text_of(label.get("name")).strip():
                task.labels.append({"name": text_of(label["name"]).strip()[:40],
                                    "color": text_of(label.get("color")) or "#888888"})
        for entry in item.get("checklist") or []:
            if isinstance(entry, dict) and text_of(entry.get("title")).strip():
                task.checklist.append({"title": text_of(entry["title"]).strip()[:ITEM_MAX],
                                       "done": bool(entry.get("done"))})
        for comment in item.get("comments") or []:
            if isinstance(comment, dict) and text_of(comment.get("body")).strip():
                task.comments.append({
                    "body": text_of(comment["body"])[:TEXT_MAX],
                    "person": {"username": text_of(comment.get("username"))}
                    if comment.get("username") else {},
                    "name": text_of(comment.get("username"))})
        plan.tasks.append(task)
    return plan
