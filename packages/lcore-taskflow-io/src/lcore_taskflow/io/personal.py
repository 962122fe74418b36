"""Personal data: ``GET /api/users/me/export`` and ``DELETE /api/users/me``.

The export is everything TaskFlow keeps about the caller, as one JSON
document: their profile, project and team memberships, the tasks assigned to
them or created by them (in the projects they can still see), every comment
they wrote (their own words, wherever they are), checklist items assigned to
them, their saved views, their calendar feeds (not the secret URLs), the
audit entries they caused, and what each plugin adds through the hook
``taskflow_personal_data`` (auth: sign-ins and access tokens, without
secrets).  Deleting the account asks for the password, then core's
``kernel.users.erase`` does the work in the request's transaction (tokens
die at once, assignments clear, comments stay as "deleted user", the
``user.deleted`` event lets every plugin drop its rows) and an audit entry
records it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from lcore import HTTPResponse, Lcore, response
from lcore_taskflow.core import ApiError, Message, Password, Schema, json_body

from .calendar import TOKEN_REFUSED, TOO_MANY, account_of

log = logging.getLogger(__name__)
EXPORT_FORMAT = "taskflow-personal-data"
EXPORT_VERSION = 1
AUDIT_LIMIT = 1000  # the newest security events the user caused


class AccountDeletion(Schema):
    """Your password confirms that the account goes, for good."""

    password = Password(required=True)


def _rows(kernel, sql: str, params: tuple | list) -> list[dict[str, Any]]:
    return kernel.db.fetchall(sql, params)


def _visible(kernel, column: str) -> tuple[str, list]:
    condition, params = kernel.access().where(column)
    return (f" AND {condition}" if condition else ""), params


def _tasks(kernel, uid: int) -> list[dict[str, Any]]:
    visible, params = _visible(kernel, "t.project_id")
    return _rows(kernel, "SELECT t.id, t.project_id, p.name AS project_name, t.title,"
                 " t.description, t.status, t.priority, t.due_date, t.created_at, t.updated_at,"
                 " t.assignee_id = ? AS assigned_to_me, t.creator_id = ? AS created_by_me"
                 " FROM tasks t JOIN projects p ON p.id = t.project_id"
                 f" WHERE (t.assignee_id = ? OR t.creator_id = ?){visible} ORDER BY t.id",
                 (uid, uid, uid, uid, *params))


def collect(kernel, user: dict[str, Any]) -> dict[str, Any]:
    """The caller's personal data as one JSON-able document."""
    uid = user["id"]
    tasks = _tasks(kernel, uid)
    for task in tasks:  # booleans on both engines (SQLite answers 0/1)
        task["assigned_to_me"] = bool(task["assigned_to_me"])
        task["created_by_me"] = bool(task["created_by_me"])
    visible, params = _visible(kernel, "t.project_id")
    audit = _rows(kernel, "SELECT at, action, target, address, details FROM audit_log"
                  " WHERE actor_id = ? ORDER BY id DESC LIMIT ?", (uid, AUDIT_LIMIT))
    for entry in audit:
        entry["details"] = json.loads(entry["details"] or "{}")
    return {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": time.time(),
        "profile": kernel.users.get(uid),
        "memberships": {
            "projects": _rows(kernel, "SELECT m.project_id, p.name, m.role, m.created_at"
                              " FROM project_members m JOIN projects p ON p.id = m.project_id"
                              " WHERE m.user_id = ? ORDER BY m.project_id", (uid,)),
            "teams": _rows(kernel, "SELECT tm.team_id, t.name FROM team_members tm"
                           " JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = ?"
                           " ORDER BY tm.team_id", (uid,)),
        },
        "tasks": tasks,
        "comments": _rows(kernel, "SELECT c.id, c.task_id, t.project_id, c.body, c.created_at"
                          " FROM comments c JOIN tasks t ON t.id = c.task_id"
                          " WHERE c.user_id = ? ORDER BY c.id", (uid,)),
        "checklist_items": _rows(kernel, "SELECT c.id, c.task_id, c.title, c.done, c.created_at"
                                 " FROM checklist_items c JOIN tasks t ON t.id = c.task_id"
                                 f" WHERE c.assignee_id = ?{visible} ORDER BY c.id",
                                 (uid, *params)),
        "saved_views": _rows(kernel, "SELECT id, project_id, name, query, created_at"
                             " FROM saved_views WHERE user_id = ? ORDER BY id", (uid,)),
        "calendar_feeds": _rows(kernel, "SELECT scope, project_id, created_at"
                                " FROM io_calendar_feeds WHERE user_id = ? ORDER BY scope",
                                (uid,)),
        "audit": audit,
        "plugins": _plugin_sections(kernel, user),
    }


def _plugin_sections(kernel, user: dict[str, Any]) -> dict[str, Any]:
    """Each plugin's ``taskflow_personal_data``; one that fails is logged and left out."""
    sections: dict[str, Any] = {}
    given = {"user": user, "kernel": kernel}
    for impl in kernel.hook.taskflow_personal_data.get_hookimpls():
        try:  # an implementation may take fewer arguments than the spec (pluggy's rule)
            answer = impl.function(*[given[name] for name in impl.argnames])
        except Exception:  # one broken plugin must not withhold the rest of the export
            log.exception("plugin %s failed in taskflow_personal_data", impl.plugin_name)
            continue
        for section, value in (answer or {}).items():
            sections[f"{impl.plugin_name}.{section}"] = value
    return sections


def _filename(username: str) -> str:
    return "taskflow-personal-data-" + (re.sub(r"[^A-Za-z0-9_.-]", "_", username) or "me") + ".json"


def add_routes(app: Lcore, kernel) -> None:
    """Register the personal-data routes on the io sub-app."""

    @app.get("/api/users/me/export", name="io_personal_export", auth=True,
             responses=(TOKEN_REFUSED, TOO_MANY))
    def personal_export():
        """Everything TaskFlow keeps about you, as one JSON document (a download)."""
        user = account_of(kernel, "io:personal_export", 10, 60)
        data = collect(kernel, user)
        response.set_header("Content-Disposition",
                            f'attachment; filename="{_filename(user["username"])}"')
        return data

    @app.delete("/api/users/me", name="io_account_delete", auth=True, body=AccountDeletion,
                status=204, responses=(TOKEN_REFUSED, TOO_MANY,
                                       (409, "You are the last admin of the workspace")))
    def account_delete():
        """Delete your account (your password confirms): it cannot be undone."""
        user = account_of(kernel, "io:account_delete", 5, 300)  # password guesses
        password = AccountDeletion.validate(json_body())["password"]
        if kernel.users.authenticate(user["username"], password) is None:
            raise ApiError(422, "Validation failed", fields={"password":
                Message("not your password")})
        with kernel.db.transaction():
            counts = kernel.users.erase(user["id"], actor=user)
            kernel.audit("account.deleted", target=f"user:{user['id']}",
                         details={"self_service": True, **counts}, actor=user)
        return HTTPResponse(status=204)
