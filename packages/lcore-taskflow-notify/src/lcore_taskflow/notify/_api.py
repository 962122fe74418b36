"""``/api/notifications/``: send, notify an assignee, batch, history, retry (SPEC §4).

The emails these routes and the plugin send (an assignment, repeated failed
sign-ins), the checks of their bodies, and the handlers as named functions
registered from :data:`ROUTES` (the inbox's routes follow, from ``_hub_api``).
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING, Any

from lcore import Lcore, request
from lcore_taskflow.core import (
    N_,
    ApiError,
    Message,
    Route,
    Translator,
    add_routes,
    json_body,
    pagination,
    query_choice,
)

from ._answers import STATUSES, tally
from ._hub_api import add_inbox_routes
from ._mailer import InvalidEmail, check_address, check_subject, one_line
from ._outbox import Email, Outbox
from ._render import translator_of
from ._schemas import (
    MAX_BATCH,
    BatchResult,
    BatchSend,
    EmailSend,
    History,
    HistoryQuery,
    RetryIds,
    RetryResult,
    SendResult,
)

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow


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


def _collect(schema: Any, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``schema.collect(data)``, the raw ``subject`` checked first as a header value (the
    schema strips whitespace, and a trailing CR/LF is still an injection attempt)."""
    values, errors = schema.collect(data)
    subject = data.get("subject")
    if isinstance(subject, str):
        try:
            check_subject(subject)
        except InvalidEmail as exc:
            errors["subject"] = exc.message
    return values, errors


def _email_values(data: dict[str, Any]) -> dict[str, Any]:
    """``EmailSend``'s values of ``data``; 422 naming each bad field."""
    values, errors = _collect(EmailSend, data)
    if "to" not in errors and isinstance(data.get("to"), str):
        try:  # the raw value, for the same reason as the subject's
            check_address(data["to"].strip("\t "))
        except InvalidEmail as exc:
            errors["to"] = exc.message
    if errors:
        raise ApiError(422, "Validation failed", fields=errors)
    return values


def _batch_values(kernel: TaskFlow, data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                  list[tuple[str, int | None]]]:
    """``BatchSend``'s values of ``data`` and its ``[(address, user_id)]`` from
    ``user_ids`` or ``recipients`` (exactly one); 422 naming each bad field."""
    values, errors = _collect(BatchSend, data)
    targets: list[tuple[str, int | None]] = []
    if ("user_ids" in data) == ("recipients" in data):
        errors.setdefault("user_ids", "give either user_ids or recipients")
    elif "recipients" in values:
        bad = [str(a) for a in values["recipients"] if not _valid_address(a)]
        if bad:
            errors["recipients"] = Message("invalid email address: {emails}",
                                           emails=", ".join(bad[:10]))
        targets = [(a, None) for a in dict.fromkeys(values["recipients"])]
    elif "user_ids" in values:
        ids = list(dict.fromkeys(values["user_ids"]))
        found = {i: user["email"] for i, user in kernel.users.many(ids).items()}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            errors["user_ids"] = Message("unknown user ids: {ids}", ids=", ".join(missing))
        targets = [(found[i], i) for i in ids if i in found]
    if errors:
        raise ApiError(422, "Validation failed", fields=errors)
    return values, targets


def _valid_address(address: Any) -> bool:
    try:
        check_address(address)
    except InvalidEmail:
        return False
    return True


# ------------------------------------------------------------- handlers
def send_email(kernel: Any, outbox: Outbox) -> dict[str, Any]:
    """Send one email now (admin); answers with the outcome."""
    values = _email_values(json_body())
    return outbox.send(Email(values["to"], values["subject"], values["body"],
                             values.get("html", False)))


def notify_assignment(kernel: Any, outbox: Outbox, task_id: int) -> dict[str, Any]:
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


def batch_notify(kernel: Any, outbox: Outbox) -> dict[str, Any]:
    """Email many users at once, concurrently (admin)."""
    values, targets = _batch_values(kernel, json_body())
    emails = [Email(to, values["subject"], values["body"], values.get("html", False), uid)
              for to, uid in targets]
    try:
        rows = outbox.record(emails, claim=True)
    except InvalidEmail as exc:
        raise ApiError(422, "Validation failed", fields={exc.field: exc.message}) from None
    # The host runs an async handler to completion in the request's thread anyway
    # (asyncio.run); a route table's handler is a plain function, so it runs the
    # concurrent sends itself.
    results = asyncio.run(outbox.deliver_concurrently(rows, kernel.config.notify_workers))
    return {"results": results, **tally(results), "total": len(results)}


def history(kernel: Any, outbox: Outbox) -> dict[str, Any]:
    """Notifications, newest first: every one for admins, a member's own otherwise."""
    user = kernel.current_user()
    status = query_choice("status", STATUSES)
    page, limit, offset = pagination()
    see_all = kernel.allowed(user, "notifications:history_all")
    rows, total = outbox.history(None if see_all else user["id"], status, limit, offset,
                                 kernel.access().where("project_id"))
    return {"notifications": rows, "total": total, "page": page, "limit": limit,
            "scope": "all" if see_all else "own"}


def retry_all(kernel: Any, outbox: Outbox) -> dict[str, Any]:
    """Send failed notifications again (admin); body ``{ids?: [...]}``."""
    ids = None
    if request.content_length:
        ids = RetryIds.validate(json_body()).get("ids")
    results = outbox.retry(ids, limit=MAX_BATCH)
    return {"results": results, **tally(results), "retried": len(results)}


def retry_one(kernel: Any, outbox: Outbox, notification_id: int) -> dict[str, Any]:
    """Send one failed notification again (admin)."""
    result = outbox.retry_one(notification_id)
    if result is None:
        raise ApiError(404, "Notification {notification_id} not found",
                       params={"notification_id": notification_id})
    return result


#: The routes of ``/api/notifications/`` (before the inbox's), each handler called
#: with the kernel and the outbox.
ROUTES: tuple[Route, ...] = (
    ("POST", "/email", send_email, dict(
        name="send_email", auth="notifications:send", body=EmailSend, returns=SendResult,
        limit=("notifications:email", 10, 60))),
    ("POST", "/task-assigned/<task_id:int>", notify_assignment, dict(
        name="notify_assignment", auth=True, returns=SendResult, responses=(
            (403, "You need the editor role in the task's project"),
            (422, "The assignee can no longer see the project")),
        limit=("notifications:assigned", 20, 60))),
    ("POST", "/batch", batch_notify, dict(
        name="batch_notify", auth="notifications:batch", body=BatchSend,
        returns=BatchResult, limit=("notifications:batch", 10, 60))),
    ("GET", "/history", history, dict(
        name="notification_history", auth=True, query=HistoryQuery, returns=History)),
    ("POST", "/retry", retry_all, dict(
        name="retry_notifications", auth="notifications:send", body=RetryIds,
        returns=RetryResult)),
    ("POST", "/<notification_id:int>/retry", retry_one, dict(
        name="retry_notification", auth="notifications:send", returns=SendResult)),
)


def build_notifications_app(kernel: Any, outbox: Outbox) -> Lcore:
    """The sub-app mounted at ``/api/notifications/``: :data:`ROUTES`, then the inbox's."""
    app = Lcore()
    add_routes(app, ROUTES, kernel, outbox)
    add_inbox_routes(app, kernel)
    return app
