"""``/api/notifications/``: send, notify an assignee, batch, history, retry (SPEC §4)."""

from __future__ import annotations

import html
from typing import Any

from lcore import Lcore, request
from lcore_taskflow.core import (
    N_,
    ApiError,
    Fields,
    Message,
    Translator,
    json_body,
    pagination,
    query_choice,
)

from ._hub_api import add_inbox_routes
from ._mailer import InvalidEmail, check_address, check_subject, one_line
from ._outbox import STATUSES, Email, Outbox, tally
from ._render import translator_of
from ._schemas import (
    MAX_BATCH,
    MAX_BODY,
    BatchResult,
    BatchSend,
    EmailSend,
    History,
    HistoryQuery,
    RetryIds,
    RetryResult,
    SendResult,
)


def assignment_email(task: dict[str, Any], assigned_by: str | None = None,
                     t: Translator | None = None) -> Email:
    """The seed's HTML assignment email in ``t``'s language (the assignee's); user data
    escaped, the subject one line."""
    t = t or Translator(None, "en")
    e = {k: html.escape(str(v)) for k, v in task.items() if v is not None}
    labels = ((N_("Project"), "project_name"), (N_("Status"), "status"),
              (N_("Priority"), "priority"), (N_("Due"), "due_date"))
    rows = "".join(
        f"<tr><th align='left'>{html.escape(t.translate(label))}</th><td>{e[key]}</td></tr>"
        for label, key in labels if key in e)
    by = "<p>" + html.escape(t.gettext("Assigned by {name}.", name=assigned_by)) + "</p>" \
        if assigned_by else ""
    body = ("<h2>" + html.escape(t.gettext("New Task Assignment")) + "</h2><p>"
            + html.escape(t.gettext("Hi {name},", name=task["assignee_name"])) + "</p><p>"
            + t.gettext("You have been assigned the task {title} (#{id}).",
                        title="<strong>" + e["title"] + "</strong>", id=e["id"])
            + f"</p><table>{rows}</table><p>{e.get('description', '')}</p>{by}")
    subject = "[TaskFlow] " + t.gettext("You've been assigned: {title}",
                                        title=one_line(task["title"]))
    return Email(task["assignee_email"], subject, body, html=True,
                 user_id=task["assignee_id"], project_id=task.get("project_id"))


def failures_email(event: Any, t: Translator) -> tuple[str, str]:
    """Subject and HTML body telling a user that someone keeps failing to sign in as them
    (in ``t``'s language: the user's)."""
    body = ("<h2>" + html.escape(t.gettext("Failed sign-ins to your account")) + "</h2><p>"
            + html.escape(t.gettext("Hi {name},", name=event.user["username"])) + "</p><p>"
            + html.escape(t.gettext(
                "There were {n} failed attempts in a row to sign in to your TaskFlow account, "
                "so each further try now has to wait.", n=event.failures)) + "</p><p>"
            + html.escape(t.gettext(
                "If that was not you, someone may be guessing your password: change it, and "
                "consider turning on two-factor sign-in in your profile.")) + "</p>")
    return "[TaskFlow] " + t.gettext("Failed sign-ins to your account"), body


def _message_fields(data: dict[str, Any], fields: Fields) -> None:
    """Validate ``subject``, ``body`` and ``html`` into ``fields``."""
    subject = data.get("subject")
    if isinstance(subject, str):
        try:
            check_subject(subject)
        except InvalidEmail as exc:
            fields.add_error("subject", exc.message)
    fields.text("subject", required=True, max_len=255)
    fields.text("body", required=True, max_len=MAX_BODY)
    fields.boolean("html")


def _email_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = Fields(data)
    fields.email("to", required=True)
    _message_fields(data, fields)
    values = fields.result()
    try:  # Fields strips whitespace; check the raw value for CR/LF too
        check_address(data["to"].strip("\t "))
    except InvalidEmail as exc:
        raise ApiError(422, "Validation failed", fields={"to": exc.message}) from None
    return values


def _batch_recipients(kernel, data: dict[str, Any],
                      fields: Fields) -> list[tuple[str, int | None]]:
    """``[(address, user_id)]`` from ``user_ids`` or ``recipients`` (exactly one)."""
    if ("user_ids" in data) == ("recipients" in data):
        fields.add_error("user_ids", "give either user_ids or recipients")
        return []
    key = "user_ids" if "user_ids" in data else "recipients"
    items = data[key]
    if not isinstance(items, list) or not items:
        fields.add_error(key, Message("{name} must be a non-empty list", name=key))
        return []
    if len(items) > MAX_BATCH:
        fields.add_error(key, Message("at most {max} recipients per batch", max=MAX_BATCH))
        return []
    if key == "recipients":
        bad = [str(a) for a in items if not _valid_address(a)]
        if bad:
            fields.add_error(key, Message("invalid email address: {emails}",
                                       emails=", ".join(bad[:10])))
        return [(a, None) for a in dict.fromkeys(items)] if not bad else []
    if any(isinstance(i, bool) or not isinstance(i, int) for i in items):
        fields.add_error(key, "user_ids must be integers")
        return []
    ids = list(dict.fromkeys(items))
    found = {i: user["email"] for i, user in kernel.users.many(ids).items()}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        fields.add_error(key, Message("unknown user ids: {ids}", ids=", ".join(missing)))
        return []
    return [(found[i], i) for i in ids]


def _valid_address(address: Any) -> bool:
    try:
        check_address(address)
    except InvalidEmail:
        return False
    return True


def build_notifications_app(kernel: Any, outbox: Outbox, workers: int) -> Lcore:
    """The sub-app mounted at ``/api/notifications/``."""
    app = Lcore()

    limit = kernel.limits.limit

    @app.post("/email", name="send_email", auth="notifications:send", body=EmailSend,
              returns=SendResult)
    @limit("notifications:email", 10, 60)
    def send_email():
        """Send one email now (admin); answers with the outcome."""
        values = _email_fields(json_body())
        return outbox.send(Email(values["to"], values["subject"], values["body"],
                                 values.get("html", False)))

    @app.post("/task-assigned/<task_id:int>", name="notify_assignment", auth=True,
              returns=SendResult, responses=(
                  (403, "You need the editor role in the task's project"),
                  (422, "The assignee can no longer see the project")))
    @limit("notifications:assigned", 20, 60)
    def notify_assignment(task_id):
        """Email a task's assignee about the assignment again (editors of its project)."""
        user = kernel.current_user()
        task = kernel.access().task(task_id, "editor")
        if task["assignee_id"] is None:
            raise ApiError(404, "Task {task_id} has no assignee", params={"task_id": task_id})
        assignee = kernel.users.get(task["assignee_id"])
        if assignee is None or kernel.access(assignee).role(task["project_id"]) is None:
            raise ApiError(422, "The assignee of task {task_id} can no longer see its project; "
                                "assign someone who can", params={"task_id": task_id})
        result = outbox.send(assignment_email(task, user.get("username"),
                                              translator_of(kernel, task["assignee_id"])))
        if user.get("role") != "admin" and user.get("id") != task["assignee_id"]:
            result["to"] = None  # an address is for admins and its owner (docs/access.md)
        return result

    @app.post("/batch", name="batch_notify", auth="notifications:batch", body=BatchSend,
              returns=BatchResult)
    @limit("notifications:batch", 10, 60)
    async def batch_notify():
        """Email many users at once, concurrently (admin)."""
        data = json_body()
        fields = Fields(data)
        targets = _batch_recipients(kernel, data, fields)
        _message_fields(data, fields)
        values = fields.result()
        emails = [Email(to, values["subject"], values["body"], values.get("html", False), uid)
                  for to, uid in targets]
        try:
            rows = outbox.record(emails, claim=True)
        except InvalidEmail as exc:
            raise ApiError(422, "Validation failed", fields={exc.field: exc.message}) from None
        results = await outbox.deliver_concurrently(rows, workers)
        return {"results": results, **tally(results), "total": len(results)}

    @app.get("/history", name="notification_history", auth=True, query=HistoryQuery,
             returns=History)
    def history():
        """Notifications, newest first: every one for admins, a member's own otherwise."""
        user = kernel.current_user()
        status = query_choice("status", STATUSES)
        page, limit, offset = pagination()
        see_all = kernel.allowed(user, "notifications:history_all")
        rows, total = outbox.history(None if see_all else user["id"], status, limit, offset,
                                     kernel.access().where("project_id"))
        return {"notifications": rows, "total": total, "page": page, "limit": limit,
                "scope": "all" if see_all else "own"}

    @app.post("/retry", name="retry_notifications", auth="notifications:send", body=RetryIds,
              returns=RetryResult)
    def retry_all():
        """Send failed notifications again (admin); body ``{ids?: [...]}``."""
        ids = None
        if request.content_length:
            ids = RetryIds.validate(json_body()).get("ids")
        results = outbox.retry(ids, limit=MAX_BATCH)
        return {"results": results, **tally(results), "retried": len(results)}

    @app.post("/<notification_id:int>/retry", name="retry_notification",
              auth="notifications:send", returns=SendResult)
    def retry_one(notification_id):
        """Send one failed notification again (admin)."""
        result = outbox.retry_one(notification_id)
        if result is None:
            raise ApiError(404, "Notification {notification_id} not found",
                           params={"notification_id": notification_id})
        return result

    add_inbox_routes(app, kernel)
    return app
