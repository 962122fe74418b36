"""Writing an import's plan: projects, tasks, comments, checklists and labels through
core's public ``kernel.content`` service (the same checks and events as the HTTP API),
each task in its own savepoint so a refused one leaves nothing of itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcore_taskflow.core import ApiError

from .sources import TEXT_MAX, Plan, TaskPlan

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow


class Importer:
    """Writes one plan through ``kernel.content`` in the caller's transaction."""

    def __init__(self, kernel: TaskFlow, actor: dict[str, Any], plan: Plan):
        self.kernel, self.actor, self.plan = kernel, actor, plan
        self.counts = {"projects": 0, "tasks": 0, "comments": 0, "checklist_items": 0,
                       "labels": 0, "skipped": 0}
        self._people: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._labels_unhandled = False

    def run(self, project_id: int | None) -> int:
        kernel = self.kernel
        if project_id is None:
            if not kernel.allowed(self.actor, "projects:create"):
                raise ApiError(403, "You may no longer create projects")
            project_id = kernel.content.create_project(self.plan.project,
                                                       actor=self.actor)["id"]
            self.counts["projects"] = 1
        else:
            kernel.access(self.actor).project(project_id, "editor")
        for task in self.plan.tasks:
            self.write_task(project_id, task)
        if self._labels_unhandled:
            self.plan.note("labels", "labels were not imported: no installed plugin keeps "
                                     "labels (install taskflow-labels)")
        self.counts["skipped"] = sum(1 for n in self.plan.notes
                                     if n["message"].startswith("skipped"))
        return project_id

    def person(self, hint: dict[str, str], project_id: int) -> dict[str, Any] | None:
        """The active account a hint names (email first, then username) who sees the project."""
        for kind in ("email", "username"):
            value = (hint.get(kind) or "").strip()
            if not value:
                continue
            key = (kind, value.lower())
            if key not in self._people:
                self._people[key] = self._lookup(kind, value)
            user = self._people[key]
            if user is not None and user.get("is_active") and \
                    self.kernel.access(user).role(project_id) is not None:
                return user
        return None

    def _lookup(self, kind: str, value: str) -> dict[str, Any] | None:
        if kind == "email":
            return self.kernel.users.by_email(value)
        found = self.kernel.db.fetchone(
            "SELECT id FROM users WHERE lower(username) = lower(?)", (value,))
        return self.kernel.users.get(found["id"]) if found else None

    def write_task(self, project_id: int, plan: TaskPlan) -> None:
        kernel, db = self.kernel, self.kernel.db
        values: dict[str, Any] = {"title": plan.title, "description": plan.description,
                                  "status": plan.status}
        if plan.priority:
            values["priority"] = plan.priority
        if plan.due_date:
            values["due_date"] = plan.due_date
        assignee = None
        for hint in plan.people:
            assignee = self.person(hint, project_id)
            if assignee is not None:
                break
        if plan.people and assignee is None:
            who = ", ".join(h.get("email") or h.get("username") or "?" for h in plan.people)
            self.plan.note(plan.ref, f"not assigned: no account who can see the project "
                                     f"matches {who[:80]}")
        if assignee is not None:
            values["assignee_id"] = assignee["id"]
        before = dict(self.counts)
        try:
            with db.transaction():  # a savepoint: a refused task leaves nothing of itself
                task = kernel.content.create_task(project_id, values, actor=self.actor)
                self.counts["tasks"] += 1
                self.counts["checklist_items"] += kernel.content.add_checklist_items(
                    task, ({"title": i["title"], "done": i["done"]} for i in plan.checklist))
                for comment in plan.comments:
                    self.write_comment(task, comment, project_id)
                if plan.labels:
                    self.write_labels(task, plan.labels)
        except ApiError as exc:
            self.counts = before
            fields = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
            self.plan.note(plan.ref, f"skipped: {fields or exc.message}")

    def write_comment(self, task: dict[str, Any], comment: dict[str, Any],
                      project_id: int) -> None:
        author = self.person(comment.get("person") or {}, project_id)
        body = comment["body"]
        if author is None:
            author = self.actor
            if comment.get("name"):  # keep who wrote it when no account matches
                body = f"{comment['name']} wrote:\n{body}"[:TEXT_MAX]
        self.kernel.content.add_comment(task, body, actor=author)
        self.counts["comments"] += 1

    def write_labels(self, task: dict[str, Any], labels: list[dict[str, Any]]) -> None:
        results = [r for r in self.kernel.hook.taskflow_import_labels(
            task=task, labels=labels, kernel=self.kernel) if r is not None]
        if not results:
            self._labels_unhandled = True
            return
        self.counts["labels"] += sum(int(r) for r in results)
