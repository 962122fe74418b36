"""The hub's routes: inbox, preferences, watching a task, one-click unsubscribe (SPEC §11).

| route | who |
|---|---|
| ``GET /api/notifications/inbox?unread=&page=&limit=`` | signed in: their own items |
| ``POST /api/notifications/inbox/read`` ``{"ids": [...]}`` or ``{"all": true}`` | signed in |
| ``GET, PUT /api/users/me/notification-settings`` | signed in |
| ``PUT, DELETE /api/projects/<pid>/tasks/<tid>/watchers/me`` | viewers of the project |
| ``GET, POST /notifications/unsubscribe?u=&k=&s=`` | anyone holding the signed link |

The handlers are named functions registered from :data:`INBOX_ROUTES` (on the
``/api/notifications/`` sub-app) and :data:`HUB_ROUTES` (at full paths).
"""

from __future__ import annotations

import time
from typing import Any

from lcore import HTTPResponse, Lcore, request, response
from lcore_taskflow.core import (
    ApiError,
    Message,
    Route,
    Translator,
    add_routes,
    available_languages,
    json_body,
    pagination,
    request_language,
)

from . import _render
from ._hub import Hub
from ._prefs import CHANNELS, DEFAULTS, KINDS, mask_url, validate_settings, validate_urls
from ._schemas import (
    InboxPage,
    InboxQuery,
    InboxRead,
    InboxReadResult,
    NotificationSettings,
    SettingsUpdate,
    Watching,
)
from ._unsubscribe import verify

MAX_READ_IDS = 500
MAX_ID = 2**63 - 1  # a row id either engine can hold (BIGINT): larger ones are refused, not sent
UNREAD_HEADER = "X-Unread-Notifications"
INBOX_SELECT = (
    "SELECT i.id, i.kind, i.actor, i.project_id, p.name AS project_name, i.task_id,"
    " t.title AS task_title, i.title, i.summary, i.created_at, i.read_at FROM inbox_items i"
    " LEFT JOIN projects p ON p.id = i.project_id LEFT JOIN tasks t ON t.id = i.task_id")


def _visible(kernel: Any, user_id: int, *extra: str) -> tuple[str, list[Any]]:
    """The WHERE of the caller's inbox: their items about projects they can still see."""
    conditions, params = ["i.user_id = ?", "i.in_inbox = 1", *extra], [user_id]
    kernel.access().and_where(conditions, params, "i.project_id")
    return " AND ".join(conditions), params


def unread_count(kernel: Any, user_id: int) -> int:
    """The caller's unread inbox items (a partial index holds exactly those)."""
    where, params = _visible(kernel, user_id, "i.read_at IS NULL")
    return kernel.db.scalar(f"SELECT COUNT(*) FROM inbox_items i WHERE {where}", params)


def inbox_item(kernel: Any, row: dict[str, Any]) -> dict[str, Any]:
    project = {"id": row["project_id"], "name": row["project_name"]} \
        if row["project_id"] is not None else None
    task = {"id": row["task_id"], "title": row["task_title"]} \
        if row["task_id"] is not None else None
    return {"id": row["id"], "kind": row["kind"], "actor": row["actor"], "project": project,
            "task": task, "title": row["title"], "summary": row["summary"],
            "link": _render.link(kernel, row["project_id"], row["task_id"]),
            "created": row["created_at"], "read": row["read_at"] is not None}


# --------------------------------------------------------------- inbox
def inbox(kernel: Any) -> dict[str, Any]:
    """The caller's inbox, newest first, with the total and the unread count."""
    user = kernel.current_user()
    args = InboxQuery.validate()
    page, limit, offset = pagination()
    where, params = _visible(kernel, user["id"],
                             *(["i.read_at IS NULL"] if args.get("unread") else []))
    db = kernel.db
    rows = db.fetchall(f"{INBOX_SELECT} WHERE {where} ORDER BY i.id DESC LIMIT ? OFFSET ?",
                       (*params, limit, offset))
    total = db.scalar(f"SELECT COUNT(*) FROM inbox_items i WHERE {where}", params)
    unread = total if args.get("unread") else unread_count(kernel, user["id"])
    return {"items": [inbox_item(kernel, r) for r in rows], "total": total,
            "unread": unread, "page": page, "limit": limit}


def mark_read(kernel: Any) -> dict[str, Any]:
    """Mark some (``ids``) or all (``all: true``) of the caller's items read."""
    user = kernel.current_user()
    values = _read_body(json_body())
    db = kernel.db
    now = time.time()
    if values.get("all"):
        cur = db.execute("UPDATE inbox_items SET read_at = ? WHERE user_id = ?"
                         " AND in_inbox = 1 AND read_at IS NULL", (now, user["id"]))
    else:
        ids = values["ids"]
        marks = ", ".join("?" for _ in ids)
        cur = db.execute(f"UPDATE inbox_items SET read_at = ? WHERE user_id = ?"
                         f" AND in_inbox = 1 AND read_at IS NULL AND id IN ({marks})",
                         (now, user["id"], *ids))
    return {"marked": cur.rowcount, "unread": unread_count(kernel, user["id"])}


#: ``/inbox`` and ``/inbox/read`` on the ``/api/notifications/`` sub-app (handlers
#: called with the kernel).
INBOX_ROUTES: tuple[Route, ...] = (
    ("GET", "/inbox", inbox, dict(
        name="notification_inbox", auth=True, query=InboxQuery, returns=InboxPage)),
    ("POST", "/inbox/read", mark_read, dict(
        name="notification_inbox_read", auth=True, body=InboxRead, returns=InboxReadResult,
        responses=((422, "Neither ids nor all, or ids that are not a list of integers"),))),
)


def add_inbox_routes(app: Lcore, kernel: Any) -> None:
    """Register :data:`INBOX_ROUTES` on the ``/api/notifications/`` sub-app."""
    add_routes(app, INBOX_ROUTES, kernel)


def _read_body(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - {"ids", "all"})
    if unknown:
        raise ApiError(422, "Validation failed", fields={k[:64]: "unknown field" for k in unknown})
    if data.get("all") is True and "ids" not in data:
        return {"all": True}
    ids = data.get("ids")
    if "all" in data and data["all"] is not False:
        raise ApiError(422, "Validation failed", fields={
            "all": Message('give either {"all": true} or {"ids": [...]}')})
    if not isinstance(ids, list) or not ids or len(ids) > MAX_READ_IDS or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= MAX_ID for i in ids):
        raise ApiError(422, "Validation failed", fields={
            "ids": Message("a list of 1-{max} item ids (positive integers)", max=MAX_READ_IDS)})
    return {"ids": list(dict.fromkeys(ids))}


# ---------------------------------------------- settings, watchers, unsubscribe
def get_settings(kernel: Any, hub: Hub) -> dict[str, Any]:
    """The caller's settings per kind and channel, their chat URLs masked, the defaults."""
    user = kernel.current_user()
    return _settings_answer(kernel, hub, user["id"])


def put_settings(kernel: Any, hub: Hub) -> dict[str, Any]:
    """Change some of the caller's settings; ``apprise_urls`` replaces their chat URLs."""
    user = kernel.current_user()
    data = json_body()
    unknown = sorted(set(data) - {"settings", "apprise_urls"})
    if unknown:
        raise ApiError(422, "Validation failed", fields={
            k[:64]: "unknown field (settings, apprise_urls)" for k in unknown})
    settings = validate_settings(data["settings"]) if "settings" in data else None
    urls = validate_urls(data["apprise_urls"]) if "apprise_urls" in data else None
    hub.prefs.save(kernel.db, user["id"], settings, urls)
    return _settings_answer(kernel, hub, user["id"])


def watch(kernel: Any, hub: Hub, pid: int, tid: int) -> dict[str, Any]:
    """Watch a task: hear of its comments, moves, assignments and due dates."""
    user = _account(kernel)
    _task_of(kernel, pid, tid)
    created = hub.watch(kernel.db, tid, user["id"])
    response.status = 201 if created else 200
    return {"task_id": tid, "watching": True}


def unwatch(kernel: Any, hub: Hub, pid: int, tid: int) -> HTTPResponse:
    """Stop watching a task (also when you did not watch it)."""
    user = _account(kernel)
    _task_of(kernel, pid, tid)
    hub.unwatch(kernel.db, tid, user["id"])
    return HTTPResponse(status=204)


def unsubscribe_page(kernel: Any, hub: Hub) -> str:
    """A page with one button that stops one kind of email (the link in every email)."""
    user_id, kind, username = _signed(kernel)
    return _page(kernel, user_id, kind, username, done=False)


def unsubscribe(kernel: Any, hub: Hub) -> str:
    """RFC 8058 one-click: turn this kind's email off (the digest: every kind's digest)."""
    user_id, kind, username = _signed(kernel)
    channel = "digest" if kind == "digest" else "email"
    kinds = KINDS if kind == "digest" else (kind,)
    current = hub.prefs.get(kernel.db, user_id)["prefs"]
    if any(current[k][channel] for k in kinds):  # idempotent: a second click writes nothing
        hub.prefs.save(kernel.db, user_id, {k: {channel: False} for k in kinds})
    return _page(kernel, user_id, kind, username, done=True)


SETTINGS = "/api/users/me/notification-settings"
WATCHERS_ME = "/api/projects/<pid:int>/tasks/<tid:int>/watchers/me"
UNSUBSCRIBE = "/notifications/unsubscribe"
NO_TASK = (404, "No such task in the project")
NO_ACCOUNT = (403, "A share link has no account to notify")
BAD_LINK = (400, "The link is incomplete, altered or not for this server")

#: The hub's routes at full paths (mounted at ``/``), each handler called with the
#: kernel and the hub.
HUB_ROUTES: tuple[Route, ...] = (
    ("GET", SETTINGS, get_settings, dict(
        name="notification_settings", auth=True, returns=NotificationSettings)),
    ("PUT", SETTINGS, put_settings, dict(
        name="update_notification_settings", auth=True, body=SettingsUpdate,
        returns=NotificationSettings, responses=(
            (422, "An unknown kind, channel or field, a value that is not a boolean, "
                  "or a URL that is not an Apprise URL"),),
        limit=("notify:settings", 30, 60))),
    ("PUT", WATCHERS_ME, watch, dict(
        name="watch_task", auth=True, role="viewer", returns=Watching,
        responses=((201, "You watch the task now"), NO_ACCOUNT, NO_TASK))),
    ("DELETE", WATCHERS_ME, unwatch, dict(
        name="unwatch_task", auth=True, role="viewer", status=204,
        responses=(NO_ACCOUNT, NO_TASK))),
    ("GET", UNSUBSCRIBE, unsubscribe_page, dict(
        name="unsubscribe_page", auth=False, skip_versioning=True, returns="text/html",
        responses=(BAD_LINK,))),
    ("POST", UNSUBSCRIBE, unsubscribe, dict(
        name="unsubscribe", auth=False, skip_versioning=True, returns="text/html",
        responses=(BAD_LINK,
                   (413, "The body is too large (a one-click POST has one short field)")),
        limit=("notify:unsubscribe", 30, 60))),
)


def build_hub_app(kernel: Any, hub: Hub) -> Lcore:
    """Routes at full paths (mounted at ``/``): settings, watchers, unsubscribe
    (:data:`HUB_ROUTES`)."""
    app = Lcore()
    add_routes(app, HUB_ROUTES, kernel, hub)
    return app


def _settings_answer(kernel: Any, hub: Hub, user_id: int) -> dict[str, Any]:
    stored = hub.prefs.get(kernel.db, user_id)
    zone = kernel.db.scalar("SELECT timezone FROM users WHERE id = ?", (user_id,))
    return {"settings": stored["prefs"], "apprise_urls": [mask_url(u) for u in
                                                          stored["apprise_urls"]],
            "defaults": DEFAULTS, "kinds": list(KINDS), "channels": list(CHANNELS),
            "timezone": zone or "UTC", "digest_hour": kernel.config.notify_digest_hour}


def _account(kernel: Any) -> dict[str, Any]:
    user = kernel.current_user()
    if not user.get("id"):
        raise ApiError(403, "A share link cannot watch tasks: sign in with an account")
    return user


def _task_of(kernel: Any, pid: int, tid: int) -> None:
    if not kernel.db.fetchone("SELECT id FROM tasks WHERE id = ? AND project_id = ?",
                              (tid, pid)):
        raise ApiError(404, "Task {tid} not found in project {pid}",
                       params={"tid": tid, "pid": pid})


def _signed(kernel: Any) -> tuple[int, str, str]:
    """The user id, kind and username of a valid unsubscribe link; else 400."""
    query = request.query
    user_id, kind, sig = (query.get("u") or ""), (query.get("k") or ""), (query.get("s") or "")
    if kind not in (*KINDS, "digest") or not verify(kernel, user_id, kind, sig):
        raise ApiError(400, "This unsubscribe link is incomplete or was altered; use the "
                            "link of a recent email, or your notification settings")
    username = kernel.db.scalar("SELECT username FROM users WHERE id = ?", (int(user_id),))
    if username is None:
        raise ApiError(400, "This unsubscribe link is for an account that no longer exists")
    return int(user_id), kind, username


def _page(kernel: Any, user_id: int, kind: str, username: str, done: bool) -> str:
    response.content_type = "text/html; charset=utf-8"
    response.set_header("Cache-Control", "no-store")
    response.set_header("Referrer-Policy", "no-referrer")  # the link is a credential
    # The link's owner reads it: their profile language, else the browser's.
    language = kernel.db.scalar("SELECT language FROM users WHERE id = ?", (user_id,))
    t = Translator(kernel, language if language in available_languages(kernel)
                   else request_language(kernel))
    response.set_header("Content-Language", t.language)
    response.add_header("Vary", "Accept-Language")
    return _render.render("unsubscribe.html.tpl", t, done=done, username=username,
                          label=_render.label(kind, t), action=request.url)
