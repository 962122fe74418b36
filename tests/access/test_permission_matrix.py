"""The permission matrix: every route x caller x project visibility -> status (SPEC §9).

Read it as one table.  ``ROUTES`` gives every route of ``/openapi.json`` of an
app with every plugin (core, auth, notify, ui, taskflow-labels,
taskflow-webhooks; debug routes on) an access level and its success status;
``EXPECT`` gives, per level, the status each caller gets, a pair being
(workspace-visible project, private project).  ``OK`` is the route's success
status.  A route missing from ``ROUTES`` fails ``test_every_route_has_a_row``;
a row of a route that no longer exists fails it too.

The callers (``matrix_world`` says who they are): ``member`` has no role in the
project but is a workspace member, so a workspace-visible project gives them
its default ``workspace_role``, ``editor`` -- and a member's effective role is
the highest that applies, so ``viewer`` and ``commenter`` are editors of the
workspace project too.  A project you cannot see answers 404 on every route
under it, never 403; a visible one where your role is too low answers 403.

The last three callers are personal access tokens (issue 19, the auth
README): ``read_token`` and ``write_token`` of ``editor``'s account, and
``admin_token_no_scope``, an admin's token without the ``admin`` scope, which
acts as a workspace member's.  Every request of ``read_token`` (whatever its
method: a read token never changes anything), and every refused request of
the other two, must also leave the database as it was: every row of every
table is compared before and after (``access_kit.rows_of``), the marks of a
credential's use aside.  Only login and register, which change data for
anyone, credentials or none, are exempt.

Each (engine, route) is one test case that tries every caller on both projects
and reports every mismatch at once.
"""

# ruff: noqa: E501 -- the tables below are one row per line, one column per caller

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from access_kit import (
    PASSWORD,
    STILL_OUTBOXES,
    build_app,
    changes,
    expect,
    rows_of,
    settle,
    unique,
)
from lcore_taskflow.core.testing import Client, Response, multipart
from matrix_world import (
    CALLER_ACCOUNTS,
    HOOK_URL,
    TOKEN_CALLERS,
    MatrixWorld,
    Project,
    account_of,
)

OK = "OK"
CALLERS = ("admin", "owner", "editor", "commenter", "viewer", "team_viewer", "member", "guest",
           "anonymous", "share", "share_commenter", "share_elsewhere", "share_revoked",
           "read_token", "write_token", "admin_token_no_scope")
VISIBILITIES = ("workspace", "private")

# fmt: off
# Per level, per caller: the status; a pair is (workspace-visible project, private project).
# The last three callers are personal access tokens: read_token gets what editor gets on
# safe methods (GET) and 403 on every other one (before any change: attempt() checks the
# database); write_token gets what editor gets; admin_token_no_scope gets what member gets
# (without the admin scope an admin's token acts as a workspace member's).  A token never
# manages sign-ins ("own account": 403), is not HTTP Basic (401), and does not matter to
# public routes.  test_the_token_columns_follow_these_rules holds the table to this.
EXPECT = {
    #                      admin owner editor commenter  viewer     team_viewer member      guest anonymous share share_commenter share_elsewhere share_revoked read_token write_token admin_token_no_scope
    # routes under a project (role=): a share link acts with its role in its own project
    "viewer":             (OK,   OK,   OK,    OK,        OK,        OK,         (OK, 404),  404,  401,      OK,   OK,             404,            401,          OK,        OK,         (OK, 404)),
    "commenter":          (OK,   OK,   OK,    OK,        (OK, 403), 403,        (OK, 404),  404,  401,      403,  OK,             404,            401,          403,       OK,         (OK, 404)),
    "editor":             (OK,   OK,   OK,    (OK, 403), (OK, 403), 403,        (OK, 404),  404,  401,      403,  403,            404,            401,          403,       OK,         (OK, 404)),
    "owner":              (OK,   OK,   403,   403,       403,       403,        (403, 404), 404,  401,      403,  403,            404,            401,          403,       403,        (403, 404)),
    # routes naming a task or a label of the project: the same roles; share links never
    "viewer by id":       (OK,   OK,   OK,    OK,        OK,        OK,         (OK, 404),  404,  401,      403,  403,            403,            401,          OK,        OK,         (OK, 404)),
    "editor by id":       (OK,   OK,   OK,    (OK, 403), (OK, 403), 403,        (OK, 404),  404,  401,      403,  403,            403,            401,          403,       OK,         (OK, 404)),
    "owner by id":        (OK,   OK,   403,   403,       403,       403,        (403, 404), 404,  401,      403,  403,            403,            401,          403,       403,        (403, 404)),
    # routes not under a project
    "public":             (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   OK,       OK,   OK,             OK,             OK,           OK,        OK,         OK),
    "viewer, writes":     (OK,   OK,   OK,    OK,        OK,        OK,         (OK, 404),  404,  401,      403,  403,            404,            401,          403,       OK,         (OK, 404)),  # an account's own state: share links 403
    "signed in":          (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   401,      403,  403,            403,            401,          OK,        OK,         OK),
    "signed in, writes":  (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   401,      403,  403,            403,            401,          403,       OK,         OK),
    "own account":        (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   401,      403,  403,            403,            401,          403,       403,        403),
    "signed in or share": (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   401,      OK,   OK,             OK,             401,          OK,        OK,         OK),
    "co-member":          (OK,   OK,   OK,    OK,        OK,        OK,         OK,         404,  401,      403,  403,            403,            401,          OK,        OK,         OK),
    "admin":              (OK,   403,  403,   403,       403,       403,        403,        403,  401,      403,  403,            403,            401,          403,       403,        403),
    "basic":              (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   401,      401,  401,            401,            401,          401,       401,        401),
    "cookie":             (OK,   OK,   OK,    OK,        OK,        OK,         OK,         OK,   204,      204,  204,            204,            204,          204,       204,        204),  # public; 204: no session in the cookie
}

# Every route: its access level and its success status.
ROUTES = {
    # -- core: projects, dashboard, attachments
    "GET /api/projects/":                                    ("signed in or share", 200),
    "POST /api/projects/":                                   ("admin", 201),  # APP_PROJECT_CREATORS=admins
    "GET /api/projects/{id}":                                ("viewer", 200),
    "PUT /api/projects/{id}":                                ("owner", 200),
    "DELETE /api/projects/{id}":                             ("owner", 200),  # a new project per case
    "GET /api/projects/dashboard/overview":                  ("signed in", 200),
    "GET /api/projects/dashboard/activity":                  ("signed in", 200),
    "GET /api/projects/attachments/{filename}":              ("viewer", 200),
    "GET /api/search":                                       ("signed in or share", 200),  # "plans": hidden projects must not show
    # -- core: members and share links
    "GET /api/projects/{pid}/members":                       ("viewer", 200),
    "PUT /api/projects/{pid}/members/users/{uid}":           ("owner", 201),
    "GET /api/projects/{pid}/plugins":                       ("viewer", 200),
    "PUT /api/projects/{pid}/plugins/{name}":                ("owner", 200),
    "DELETE /api/projects/{pid}/members/users/{uid}":        ("owner", 204),
    "PUT /api/projects/{pid}/members/teams/{tid}":           ("owner", 201),
    "DELETE /api/projects/{pid}/members/teams/{tid}":        ("owner", 204),
    "GET /api/projects/{pid}/shares":                        ("owner", 200),
    "POST /api/projects/{pid}/shares":                       ("owner", 201),
    "DELETE /api/projects/{pid}/shares/{sid}":               ("owner", 204),
    # -- core: tasks, comments, attachments
    "GET /api/projects/{pid}/tasks":                         ("viewer", 200),
    "POST /api/projects/{pid}/tasks":                        ("editor", 201),
    "GET /api/projects/{pid}/tasks/changes":                 ("viewer", 200),
    "GET /api/projects/{pid}/tasks/{tid}":                   ("viewer", 200),
    "PUT /api/projects/{pid}/tasks/{tid}":                   ("editor", 200),
    "PATCH /api/projects/{pid}/tasks/{tid}":                 ("editor", 200),
    "DELETE /api/projects/{pid}/tasks/{tid}":                ("owner", 200),
    "POST /api/projects/{pid}/tasks/bulk":                   ("editor", 200),  # delete alone needs owner: test_core_bulk
    "POST /api/projects/{pid}/tasks/{tid}/attachment":       ("editor", 200),
    "DELETE /api/projects/{pid}/tasks/{tid}/attachment":     ("editor", 200),
    "GET /api/projects/{pid}/tasks/{tid}/comments":          ("viewer", 200),
    "POST /api/projects/{pid}/tasks/{tid}/comments":         ("commenter", 201),
    "DELETE /api/projects/{pid}/tasks/{tid}/comments/{cid}": ("owner", 200),  # someone else's comment
    # -- core: checklists, relations and saved views
    "GET /api/projects/{pid}/tasks/{tid}/checklist":         ("viewer", 200),
    "POST /api/projects/{pid}/tasks/{tid}/checklist":        ("editor", 201),
    "PATCH /api/projects/{pid}/tasks/{tid}/checklist/{iid}": ("editor", 200),
    "DELETE /api/projects/{pid}/tasks/{tid}/checklist/{iid}": ("editor", 204),
    "GET /api/projects/{pid}/tasks/{tid}/relations":         ("viewer", 200),
    "POST /api/projects/{pid}/tasks/{tid}/relations":        ("editor", 201),  # to a new task of the project
    "DELETE /api/projects/{pid}/tasks/{tid}/relations/{rid}": ("editor", 204),
    "GET /api/views":                                        ("signed in", 200),
    "POST /api/views":                                       ("signed in, writes", 201),
    "DELETE /api/views/{vid}":                               ("signed in, writes", 204),  # a view of the caller's
    # -- core: users and teams
    "GET /api/users/":                                       ("signed in", 200),
    "POST /api/users/":                                      ("admin", 201),
    "GET /api/users/me":                                     ("signed in", 200),
    "GET /api/users/me/tasks":                               ("signed in", 200),
    "GET /api/users/search":                                 ("signed in", 200),
    "GET /api/users/{id}":                                   ("co-member", 200),  # eddie: guests see co-members only
    "PUT /api/users/{id}":                                   ("admin", 200),  # someone else's account
    "PATCH /api/users/{id}":                                 ("admin", 200),
    "DELETE /api/users/{id}":                                ("admin", 200),
    "GET /api/teams":                                        ("signed in", 200),
    "POST /api/teams":                                       ("admin", 201),
    "GET /api/teams/{tid}":                                  ("co-member", 200),  # Readers: guests see their teams only
    "PATCH /api/teams/{tid}":                                ("admin", 200),
    "DELETE /api/teams/{tid}":                               ("admin", 204),
    "PUT /api/teams/{tid}/members/{uid}":                    ("admin", 201),
    "DELETE /api/teams/{tid}/members/{uid}":                 ("admin", 204),
    # -- core: system and docs
    "GET /health":                                           ("public", 200),
    "GET /api/i18n":                                         ("public", 200),
    "GET /openapi.json":                                     ("public", 200),
    "GET /docs":                                             ("public", 200),
    "GET /docs/{name}":                                      ("public", 200),
    "GET /old-api":                                          ("public", 301),
    "GET /admin/stats":                                      ("admin", 200),
    "GET /api/admin/audit":                                  ("admin", 200),
    "GET /api/admin/plugins":                                ("admin", 200),
    "PUT /api/admin/plugins/{name}/settings":                ("admin", 200),
    "GET /debug/routes":                                     ("admin", 200),
    "GET /debug/middleware":                                 ("admin", 200),
    "GET /debug/config":                                     ("admin", 200),
    "GET /debug/stats":                                      ("admin", 200),
    "GET /debug/di":                                         ("admin", 200),
    # -- auth
    "POST /auth/login":                                      ("public", 200),
    "POST /auth/register":                                   ("public", 201),
    "POST /auth/logout":                                     ("public", 200),
    "GET /auth/me":                                          ("signed in", 200),
    "POST /auth/token":                                      ("cookie", 200),  # the session cookie only
    "POST /auth/password":                                   ("own account", 200),
    "GET /auth/basic-demo":                                  ("basic", 200),  # HTTP Basic only
    "GET /auth/sessions":                                    ("own account", 200),
    "DELETE /auth/sessions/{sid}":                           ("own account", 204),  # a session of the caller's
    "GET /auth/tokens":                                      ("own account", 200),
    "POST /auth/tokens":                                     ("own account", 201),
    "DELETE /auth/tokens/{tid}":                             ("own account", 204),  # a token of the caller's
    "POST /auth/totp":                                       ("own account", 200),  # begins a setup
    "POST /auth/totp/confirm":                               ("own account", 200),  # then reset by the admin
    "DELETE /auth/totp":                                     ("own account", 204),  # a confirmed setup of the caller's
    "DELETE /auth/users/{uid}/totp":                         ("admin", 204),
    # -- notify
    "GET /api/notifications/history":                        ("signed in", 200),
    "POST /api/notifications/email":                         ("admin", 200),
    "POST /api/notifications/batch":                         ("admin", 200),
    "POST /api/notifications/retry":                         ("admin", 200),
    "POST /api/notifications/{notification_id}/retry":       ("admin", 200),
    "POST /api/notifications/task-assigned/{task_id}":       ("editor by id", 200),
    "GET /api/notifications/inbox":                          ("signed in", 200),
    "POST /api/notifications/inbox/read":                    ("signed in, writes", 200),
    "GET /api/users/me/notification-settings":               ("signed in", 200),
    "PUT /api/users/me/notification-settings":               ("signed in, writes", 200),
    "PUT /api/projects/{pid}/tasks/{tid}/watchers/me":       ("viewer, writes", 201),  # a task nobody watches
    "DELETE /api/projects/{pid}/tasks/{tid}/watchers/me":    ("viewer, writes", 204),
    "GET /notifications/unsubscribe":                        ("public", 200),  # a signed link of eddie's
    "POST /notifications/unsubscribe":                       ("public", 200),  # already off: changes nothing
    "PATCH /api/users/me":                                   ("signed in, writes", 200),
    # -- ui
    "GET /":                                                 ("public", 200),
    "GET /frontend":                                         ("public", 200),
    "GET /static/{path}":                                    ("public", 200),
    "GET /static/plugins/{name}/{path}":                     ("public", 200),
    "GET /static/v/{digest}/{path}":                         ("public", 200),
    "GET /static/plugins/{name}/v/{digest}/{path}":          ("public", 200),
    # -- taskflow-labels (example plugin)
    "GET /api/labels/projects/{pid}":                        ("viewer", 200),
    "POST /api/labels/projects/{pid}":                       ("owner", 201),
    "PATCH /api/labels/{lid}":                               ("owner by id", 200),
    "DELETE /api/labels/{lid}":                              ("owner by id", 200),
    "GET /api/labels/tasks/{tid}":                           ("viewer by id", 200),
    "PUT /api/labels/tasks/{tid}":                           ("editor by id", 200),
    "POST /api/labels/tasks/{tid}/{lid}":                    ("editor by id", 200),
    "DELETE /api/labels/tasks/{tid}/{lid}":                  ("editor by id", 200),
    # -- taskflow-webhooks (example plugin): webhooks:manage, admins only
    "GET /api/webhooks/events":                              ("signed in", 200),
    "GET /api/webhooks/projects/{pid}":                      ("admin", 200),
    "POST /api/webhooks/projects/{pid}":                     ("admin", 201),
    "PATCH /api/webhooks/{hid}":                             ("admin", 200),
    "DELETE /api/webhooks/{hid}":                            ("admin", 200),
    "GET /api/webhooks/{hid}/deliveries":                    ("admin", 200),
    "POST /api/webhooks/{hid}/deliveries/{did}/retry":       ("admin", 200),
    # -- io: imports (a CSV into the project needs its editor role), exports
    "POST /api/imports":                                     ("editor by id", 202),  # project_id in the form
    "GET /api/imports/{iid}":                                ("signed in", 200),  # a job of the caller's
    "GET /api/projects/{pid}/export":                        ("viewer", 200),
    # -- io, part B: calendar feeds and personal data (a token or share link never manages them)
    "GET /api/users/me/calendar":                            ("own account", 200),
    "POST /api/users/me/calendar":                           ("own account", 201),
    "DELETE /api/users/me/calendar":                         ("own account", 204),
    "POST /api/projects/{pid}/calendar":                     ("owner", 201),
    "DELETE /api/projects/{pid}/calendar":                   ("owner", 204),
    "GET /calendar/{token}.ics":                             ("public", 200),  # the secret URL is the credential
    "GET /api/users/me/export":                              ("own account", 200),
    "DELETE /api/users/me":                                  ("own account", 422),  # a wrong password: no account goes
}
# fmt: on


# ---------------------------------------------------------------------------- the requests
@dataclass
class Call:
    """One request of a case: ``client`` and ``project`` replace the caller's defaults."""

    path: str
    json: Any = None
    body: bytes | None = None
    content_type: str | None = None
    client: Client | None = None
    project: Project | None = None  # the project the share callers' links belong to
    after: Callable[[Response], None] | None = None


Build = Callable[[MatrixWorld, Any, str], Call]


def upload(w: MatrixWorld, p: Project, caller: str) -> Call:
    body, ctype = multipart("file", "notes.txt", b"notes\n", "text/plain")
    return Call(f"{p.path}/tasks/{w.task(p)}/attachment", body=body, content_type=ctype)


def doomed_project(w: MatrixWorld, p: Project, caller: str) -> Call:
    doomed = w.project(p.visibility, archived=p.archived)
    return Call(doomed.path, project=doomed)


def member_path(w: MatrixWorld, p: Project, present: bool) -> str:
    w.set_member(p, "sam", present)
    return f"{p.path}/members/users/{w.ids['sam']}"


def team_path(w: MatrixWorld, p: Project, present: bool) -> str:
    w.set_team(p, present)
    return f"{p.path}/members/teams/{w.spare_team}"


def new_webhook(w: MatrixWorld, p: Project, caller: str) -> Call:
    hook = w.webhook(p)
    return Call(f"/api/webhooks/{hook}",
                after=lambda reply: reply.status == 200 or w.drop_webhook(hook))


def created_webhook(w: MatrixWorld, p: Project, caller: str) -> Call:
    def drop(reply: Response) -> None:
        if reply.status == 201:
            w.drop_webhook(reply.json["id"])
    return Call(f"/api/webhooks/projects/{p.id}", {
        "url": HOOK_URL, "events": ["task.created"], "active": False}, after=drop)


def unwatched_task(w: MatrixWorld, p: Project) -> int:
    """A new task of the project that nobody watches (its creator's watch taken away)."""
    task = w.task(p)
    with w.app.taskflow.database() as db:
        db.execute("DELETE FROM task_watchers WHERE task_id = ?", (task,))
    return task


def unsubscribe_link(w: MatrixWorld) -> str:
    """Eddie's signed link to stop "commented" emails, which he already stopped (notify)."""
    kernel = w.app.taskflow
    notify = kernel.plugin("notify")
    uid = w.ids["eddie"]
    with kernel.database() as db:
        notify.hub.prefs.save(db, uid, {"commented": {"email": False}})
    query = urlsplit(notify.unsubscribe_url(kernel, uid, "commented")).query
    return f"/notifications/unsubscribe?{query}"


def change_password(w: MatrixWorld, _: Any, caller: str) -> Call:
    username = account_of(caller)
    old = w.accounts.passwords.get(username or "", PASSWORD)
    new = unique("another-horse")

    def keep(reply: Response) -> None:  # the change revoked the kept token
        if username and reply.status == 200:
            w.accounts.passwords[username] = new
            w.accounts.relogin(username)
    return Call("/auth/password", {"current_password": old, "new_password": new}, after=keep)


TOKEN_BODY = {"name": "matrix", "scopes": ["read"], "expires_in_days": 1}


def end_session(w: MatrixWorld, caller: str) -> Call:
    """A new session of an account caller, ended with its own token; a token caller tries to
    end a new session of its account."""
    username = account_of(caller)
    if username is None:
        return Call("/auth/sessions/not-a-session")
    fresh = w.accounts.fresh(username)
    listed = fresh.get("/auth/sessions").json["sessions"]
    sid = next(s["id"] for s in listed if s["current"])
    if caller in TOKEN_CALLERS:
        return Call(f"/auth/sessions/{sid}", after=lambda reply: fresh.post("/auth/logout"))
    return Call(f"/auth/sessions/{sid}", client=fresh)


def revoke_token(w: MatrixWorld, caller: str) -> Call:
    """A personal access token of the caller's account (a made-up id for callers without
    one), revoked by the caller; kept no longer than the case."""
    signed_in = w.signed_in(caller)
    if signed_in is None:
        return Call("/auth/tokens/999999")
    token = expect(signed_in.post("/auth/tokens", json=TOKEN_BODY), 201,
                   "a personal access token")["id"]

    def tidy(reply: Response) -> None:
        if reply.status != 204:
            w.signed_in(caller).delete(f"/auth/tokens/{token}")
    return Call(f"/auth/tokens/{token}", after=tidy)


def new_token(w: MatrixWorld, caller: str) -> Call:
    def tidy(reply: Response) -> None:  # at most 50 tokens per account
        if reply.status == 201:
            w.signed_in(caller).delete(f"/auth/tokens/{reply.json['id']}")
    return Call("/auth/tokens", TOKEN_BODY, after=tidy)


def new_view(w: MatrixWorld, caller: str) -> Call:
    def tidy(reply: Response) -> None:  # at most 100 views per account
        if reply.status == 201:
            w.signed_in(caller).delete(f"/api/views/{reply.json['id']}")
    return Call("/api/views", {"name": unique("Matrix view"), "query": "status=todo"},
                after=tidy)


def totp_setup(w: MatrixWorld, caller: str, confirm: bool) -> str | None:
    """Begin (and with ``confirm`` finish) two-factor setup of the account of an account or
    token caller, signed in with its password; its secret."""
    client = w.signed_in(caller)
    if client is None:
        return None
    secret = expect(client.post("/auth/totp"), 200, "a two-factor setup")["secret"]
    if confirm:
        expect(client.post("/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()}), 200,
               "a confirmed two-factor setup")
    return secret


def reset_totp(w: MatrixWorld, caller: str) -> Callable[[Response], None]:
    """After the case: the caller signs in with a password alone again."""
    def reset(_: Response) -> None:
        if account_of(caller):
            w.admin.delete(f"/auth/users/{w.ids[account_of(caller)]}/totp")
    return reset


def confirm_totp(w: MatrixWorld, caller: str) -> Call:
    secret = totp_setup(w, caller, confirm=False)
    code = pyotp.TOTP(secret).now() if secret else "123456"
    return Call("/auth/totp/confirm", {"code": code}, after=reset_totp(w, caller))


def disable_totp(w: MatrixWorld, caller: str) -> Call:
    totp_setup(w, caller, confirm=True)
    password = w.accounts.passwords.get(account_of(caller) or "", PASSWORD)
    return Call("/auth/totp", {"password": password}, after=reset_totp(w, caller))


def reset_someones_totp(w: MatrixWorld, _: str) -> Call:
    totp_setup(w, "member", confirm=True)
    return Call(f"/auth/users/{w.ids[CALLER_ACCOUNTS['member']]}/totp",
                after=reset_totp(w, "member"))


def new_user_body(prefix: str) -> dict[str, str]:
    name = unique(prefix)
    return {"username": name, "email": f"{name}@example.test", "password": PASSWORD}


def csv_import(w: MatrixWorld, p: Project, caller: str) -> Call:
    """A CSV import into the project (queued only: the matrix app runs no import worker)."""
    boundary = "matriximportboundary"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                   for k, v in (("source", "csv"), ("project_id", p.id))).encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n'
             f'Content-Type: text/csv\r\n\r\ntitle\r\nBy the matrix\r\n\r\n--{boundary}--\r\n').encode()
    return Call("/api/imports", body=body, content_type=f"multipart/form-data; boundary={boundary}")


def import_job(w: MatrixWorld, _: Any, caller: str) -> Call:
    """An import job of the caller's account (the admin's for callers without one)."""
    user_id = w.ids[account_of(caller) or "admin"]
    with w.app.taskflow.database() as db, db.transaction():
        job = db.insert("io_imports", {"user_id": user_id, "source": "csv", "status": "done",
                                       "created_at": 0})
    return Call(f"/api/imports/{job}")


def calendar_feed(w: MatrixWorld, _: Any, caller: str) -> Call:
    """The feed URL of an account without dated tasks (sam's): its answer leaks nothing."""
    url = expect(w.accounts.fresh("sam").post("/api/users/me/calendar"), 201,
                 "a calendar feed URL")["url"]
    return Call(url[url.index("/calendar/"):])


# Routes about one project: run for the workspace-visible and the private project.
PROJECT_CALLS: dict[str, Build] = {
    "POST /api/imports": csv_import,
    "GET /api/projects/{pid}/export": lambda w, p, c: Call(f"{p.path}/export?format=csv"),
    "GET /api/projects/{id}": lambda w, p, c: Call(p.path),
    "PUT /api/projects/{id}": lambda w, p, c: Call(p.path, {"name": p.name}),
    "DELETE /api/projects/{id}": doomed_project,
    "GET /api/projects/attachments/{filename}":
        lambda w, p, c: Call(f"/api/projects/attachments/{p.attachment}"),
    "GET /api/projects/{pid}/members": lambda w, p, c: Call(f"{p.path}/members"),
    "GET /api/projects/{pid}/plugins": lambda w, p, c: Call(f"{p.path}/plugins"),
    # enabling what is on already: the answer is the same, the project stays as it was
    "PUT /api/projects/{pid}/plugins/{name}": lambda w, p, c: Call(f"{p.path}/plugins/labels",
                                                                   {"enabled": True}),
    "PUT /api/projects/{pid}/members/users/{uid}":
        lambda w, p, c: Call(member_path(w, p, False), {"role": "viewer"}),
    "DELETE /api/projects/{pid}/members/users/{uid}":
        lambda w, p, c: Call(member_path(w, p, True)),
    "PUT /api/projects/{pid}/members/teams/{tid}":
        lambda w, p, c: Call(team_path(w, p, False), {"role": "viewer"}),
    "DELETE /api/projects/{pid}/members/teams/{tid}": lambda w, p, c: Call(team_path(w, p, True)),
    "GET /api/projects/{pid}/shares": lambda w, p, c: Call(f"{p.path}/shares"),
    "POST /api/projects/{pid}/shares":
        lambda w, p, c: Call(f"{p.path}/shares", {"role": "viewer", "label": "matrix"}),
    "DELETE /api/projects/{pid}/shares/{sid}": lambda w, p, c: Call(f"{p.path}/shares/{w.share(p)}"),
    "GET /api/projects/{pid}/tasks": lambda w, p, c: Call(f"{p.path}/tasks"),
    "POST /api/projects/{pid}/tasks": lambda w, p, c: Call(f"{p.path}/tasks", {"title": "By the matrix"}),
    "GET /api/projects/{pid}/tasks/changes": lambda w, p, c: Call(f"{p.path}/tasks/changes?since=0"),
    "GET /api/projects/{pid}/tasks/{tid}": lambda w, p, c: Call(f"{p.path}/tasks/{p.task}"),
    "PUT /api/projects/{pid}/tasks/{tid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}", {"title": "Seeded task"}),
    "PATCH /api/projects/{pid}/tasks/{tid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}", {"priority": "high"}),
    "DELETE /api/projects/{pid}/tasks/{tid}": lambda w, p, c: Call(f"{p.path}/tasks/{w.task(p)}"),
    "POST /api/projects/{pid}/tasks/bulk": lambda w, p, c: Call(f"{p.path}/tasks/bulk", {
        "ids": [p.task], "action": "priority", "value": "high"}),
    "POST /api/projects/{pid}/tasks/{tid}/attachment": upload,
    "DELETE /api/projects/{pid}/tasks/{tid}/attachment":
        lambda w, p, c: Call(f"{p.path}/tasks/{w.task_with_attachment(p)}/attachment"),
    "GET /api/projects/{pid}/tasks/{tid}/comments":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/comments"),
    "POST /api/projects/{pid}/tasks/{tid}/comments":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/comments", {"body": "Seen by the matrix"}),
    "DELETE /api/projects/{pid}/tasks/{tid}/comments/{cid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/comments/{w.comment_of_another(p, c)}"),
    "GET /api/projects/{pid}/tasks/{tid}/checklist":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/checklist"),
    "POST /api/projects/{pid}/tasks/{tid}/checklist":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/checklist", {"title": "By the matrix"}),
    "PATCH /api/projects/{pid}/tasks/{tid}/checklist/{iid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/checklist/{p.item}", {"done": True}),
    "DELETE /api/projects/{pid}/tasks/{tid}/checklist/{iid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/checklist/{w.checklist_item(p)}"),
    "GET /api/projects/{pid}/tasks/{tid}/relations":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/relations"),
    "POST /api/projects/{pid}/tasks/{tid}/relations":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/relations", {
            "kind": "relates", "task_id": w.task(p)}),
    "DELETE /api/projects/{pid}/tasks/{tid}/relations/{rid}":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/relations/{w.relation(p)}"),
    "POST /api/notifications/task-assigned/{task_id}":
        lambda w, p, c: Call(f"/api/notifications/task-assigned/{p.task}"),
    "PUT /api/projects/{pid}/tasks/{tid}/watchers/me":
        lambda w, p, c: Call(f"{p.path}/tasks/{unwatched_task(w, p)}/watchers/me"),
    "DELETE /api/projects/{pid}/tasks/{tid}/watchers/me":
        lambda w, p, c: Call(f"{p.path}/tasks/{p.task}/watchers/me"),
    "GET /api/labels/projects/{pid}": lambda w, p, c: Call(f"/api/labels/projects/{p.id}"),
    "POST /api/labels/projects/{pid}": lambda w, p, c: Call(f"/api/labels/projects/{p.id}", {
        "name": unique("label"), "color": "#3366cc"}),
    "PATCH /api/labels/{lid}": lambda w, p, c: Call(f"/api/labels/{p.label}", {"color": "#3366cc"}),
    "DELETE /api/labels/{lid}": lambda w, p, c: Call(f"/api/labels/{w.label(p)}"),
    "GET /api/labels/tasks/{tid}": lambda w, p, c: Call(f"/api/labels/tasks/{p.task}"),
    "PUT /api/labels/tasks/{tid}":
        lambda w, p, c: Call(f"/api/labels/tasks/{p.task}", {"label_ids": [p.label]}),
    "POST /api/labels/tasks/{tid}/{lid}": lambda w, p, c: Call(f"/api/labels/tasks/{p.task}/{p.label}"),
    "DELETE /api/labels/tasks/{tid}/{lid}":
        lambda w, p, c: Call(f"/api/labels/tasks/{p.task}/{p.label}"),
    "POST /api/projects/{pid}/calendar": lambda w, p, c: Call(f"{p.path}/calendar"),
    "DELETE /api/projects/{pid}/calendar": lambda w, p, c: Call(f"{p.path}/calendar"),
    "GET /api/webhooks/projects/{pid}": lambda w, p, c: Call(f"/api/webhooks/projects/{p.id}"),
    "POST /api/webhooks/projects/{pid}": created_webhook,
    "PATCH /api/webhooks/{hid}": lambda w, p, c: Call(f"/api/webhooks/{p.webhook}", {"active": False}),
    "DELETE /api/webhooks/{hid}": new_webhook,
    "GET /api/webhooks/{hid}/deliveries": lambda w, p, c: Call(f"/api/webhooks/{p.webhook}/deliveries"),
    "POST /api/webhooks/{hid}/deliveries/{did}/retry":
        lambda w, p, c: Call(f"/api/webhooks/{p.webhook}/deliveries/{w.failed_delivery(p)}/retry"),
}

# Routes about no project: run once per caller.
OTHER_CALLS: dict[str, Build] = {
    "GET /api/projects/": lambda w, p, c: Call("/api/projects/"),
    "POST /api/projects/": lambda w, p, c: Call("/api/projects/", {"name": unique("Made by the matrix")}),
    "GET /api/projects/dashboard/overview": lambda w, p, c: Call("/api/projects/dashboard/overview"),
    "GET /api/projects/dashboard/activity": lambda w, p, c: Call("/api/projects/dashboard/activity"),
    "GET /api/search": lambda w, p, c: Call("/api/search?q=plans"),
    "GET /api/users/": lambda w, p, c: Call("/api/users/"),
    "POST /api/users/": lambda w, p, c: Call("/api/users/", new_user_body("invited")),
    "GET /api/users/me": lambda w, p, c: Call("/api/users/me"),
    "GET /api/users/me/tasks": lambda w, p, c: Call("/api/users/me/tasks"),
    "GET /api/users/search": lambda w, p, c: Call("/api/users/search?q=e"),
    "GET /api/users/{id}": lambda w, p, c: Call(f"/api/users/{w.ids['eddie']}"),
    "PUT /api/users/{id}": lambda w, p, c: Call(f"/api/users/{w.ids['sam']}", {
        "username": "sam", "email": "sam@example.test"}),
    "PATCH /api/users/{id}": lambda w, p, c: Call(f"/api/users/{w.ids['sam']}", {"is_active": True}),
    "DELETE /api/users/{id}": lambda w, p, c: Call(f"/api/users/{w.user()}"),
    "GET /api/views": lambda w, p, c: Call("/api/views"),
    "POST /api/views": lambda w, p, c: new_view(w, c),
    "DELETE /api/views/{vid}": lambda w, p, c: Call(f"/api/views/{w.view(c)}"),
    "GET /api/teams": lambda w, p, c: Call("/api/teams"),
    "POST /api/teams": lambda w, p, c: Call("/api/teams", {"name": unique("Matrix team")}),
    "GET /api/teams/{tid}": lambda w, p, c: Call(f"/api/teams/{w.readers}"),
    "PATCH /api/teams/{tid}": lambda w, p, c: Call(f"/api/teams/{w.spare_team}", {"name": unique("Spare")}),
    "DELETE /api/teams/{tid}": lambda w, p, c: Call(f"/api/teams/{w.team()}"),
    "PUT /api/teams/{tid}/members/{uid}": lambda w, p, c: (
        w.set_team_member(False) or Call(f"/api/teams/{w.spare_team}/members/{w.ids['sam']}")),
    "DELETE /api/teams/{tid}/members/{uid}": lambda w, p, c: (
        w.set_team_member(True) or Call(f"/api/teams/{w.spare_team}/members/{w.ids['sam']}")),
    "GET /health": lambda w, p, c: Call("/health"),
    "GET /api/i18n": lambda w, p, c: Call("/api/i18n"),
    "GET /openapi.json": lambda w, p, c: Call("/openapi.json"),
    "GET /docs": lambda w, p, c: Call("/docs"),
    "GET /docs/{name}": lambda w, p, c: Call("/docs/docs.js"),
    "GET /old-api": lambda w, p, c: Call("/old-api"),
    "GET /admin/stats": lambda w, p, c: Call("/admin/stats"),
    "GET /api/admin/audit": lambda w, p, c: Call("/api/admin/audit"),
    "GET /api/admin/plugins": lambda w, p, c: Call("/api/admin/plugins"),
    "PUT /api/admin/plugins/{name}/settings": lambda w, p, c: Call("/api/admin/plugins/core/settings", {"audit_retention_days": 365}),
    "GET /debug/routes": lambda w, p, c: Call("/debug/routes"),
    "GET /debug/middleware": lambda w, p, c: Call("/debug/middleware"),
    "GET /debug/config": lambda w, p, c: Call("/debug/config"),
    "GET /debug/stats": lambda w, p, c: Call("/debug/stats"),
    "GET /debug/di": lambda w, p, c: Call("/debug/di"),
    "POST /auth/login": lambda w, p, c: Call("/auth/login", {"username": "mona", "password": PASSWORD}),
    "POST /auth/register": lambda w, p, c: Call("/auth/register", new_user_body("joiner")),
    "POST /auth/logout": lambda w, p, c: Call("/auth/logout", client=w.fresh(c)),
    "GET /auth/me": lambda w, p, c: Call("/auth/me"),
    "POST /auth/token": lambda w, p, c: Call("/auth/token", client=w.cookie(c)),
    "POST /auth/password": change_password,
    "GET /auth/basic-demo": lambda w, p, c: Call("/auth/basic-demo", client=w.basic(c)),
    "GET /auth/sessions": lambda w, p, c: Call("/auth/sessions"),
    "DELETE /auth/sessions/{sid}": lambda w, p, c: end_session(w, c),
    "GET /auth/tokens": lambda w, p, c: Call("/auth/tokens"),
    "POST /auth/tokens": lambda w, p, c: new_token(w, c),
    "DELETE /auth/tokens/{tid}": lambda w, p, c: revoke_token(w, c),
    "POST /auth/totp": lambda w, p, c: Call("/auth/totp", after=reset_totp(w, c)),
    "POST /auth/totp/confirm": lambda w, p, c: confirm_totp(w, c),
    "DELETE /auth/totp": lambda w, p, c: disable_totp(w, c),
    "DELETE /auth/users/{uid}/totp": lambda w, p, c: reset_someones_totp(w, c),
    "GET /api/notifications/history": lambda w, p, c: Call("/api/notifications/history"),
    "POST /api/notifications/email": lambda w, p, c: Call("/api/notifications/email", {
        "to": "someone@example.test", "subject": "Hello", "body": "Hi there"}),
    "POST /api/notifications/batch": lambda w, p, c: Call("/api/notifications/batch", {
        "user_ids": [w.ids["eddie"]], "subject": "Hello", "body": "Hi there"}),
    "POST /api/notifications/retry": lambda w, p, c: Call("/api/notifications/retry"),
    "POST /api/notifications/{notification_id}/retry":
        lambda w, p, c: Call(f"/api/notifications/{w.notification}/retry"),
    "GET /api/notifications/inbox": lambda w, p, c: Call("/api/notifications/inbox"),
    "POST /api/notifications/inbox/read":
        lambda w, p, c: Call("/api/notifications/inbox/read", {"all": True}),
    "GET /api/users/me/notification-settings":
        lambda w, p, c: Call("/api/users/me/notification-settings"),
    "PUT /api/users/me/notification-settings":
        lambda w, p, c: Call("/api/users/me/notification-settings",
                             {"settings": {"commented": {"digest": False}}}),
    "GET /notifications/unsubscribe": lambda w, p, c: Call(unsubscribe_link(w)),
    "POST /notifications/unsubscribe": lambda w, p, c: Call(unsubscribe_link(w)),
    # language null: the shared world's callers must keep reading English messages
    "PATCH /api/users/me": lambda w, p, c: Call("/api/users/me", {"timezone": "Europe/Berlin",
                                                                  "language": None}),
    "GET /": lambda w, p, c: Call("/"),
    "GET /frontend": lambda w, p, c: Call("/frontend"),
    "GET /static/{path}": lambda w, p, c: Call("/static/app.css"),
    "GET /static/plugins/{name}/{path}": lambda w, p, c: Call("/static/plugins/labels/labels.js"),
    "GET /static/v/{digest}/{path}": lambda w, p, c: Call("/static/v/0123456789abcdef/app.css"),
    "GET /static/plugins/{name}/v/{digest}/{path}": lambda w, p, c: Call("/static/plugins/labels/v/0123456789abcdef/labels.js"),
    "GET /api/webhooks/events": lambda w, p, c: Call("/api/webhooks/events"),
    "GET /api/users/me/calendar": lambda w, p, c: Call("/api/users/me/calendar"),
    "POST /api/users/me/calendar": lambda w, p, c: Call("/api/users/me/calendar"),
    "DELETE /api/users/me/calendar": lambda w, p, c: Call("/api/users/me/calendar"),
    "GET /calendar/{token}.ics": calendar_feed,
    "GET /api/users/me/export": lambda w, p, c: Call("/api/users/me/export"),
    "DELETE /api/users/me": lambda w, p, c: Call("/api/users/me", {"password": "not the password"}),
    "GET /api/imports/{iid}": import_job,
}


# ---------------------------------------------------------------------------- the world
@pytest.fixture(scope="module")
def matrix(engine):
    app = build_app(engine.directory, engine.url, debug=True, **STILL_OUTBOXES)
    try:
        yield MatrixWorld(app)
    finally:
        app.taskflow.close()


def expected(level: str, caller: str, visibility: str | None, success: int) -> int:
    cell = EXPECT[level][CALLERS.index(caller)]
    if isinstance(cell, tuple):
        assert visibility is not None, f"level {level!r} differs by visibility: not for a route " \
                                       "about no project"
        cell = cell[VISIBILITIES.index(visibility)]
    return success if cell == OK else cell


def send(client: Client, method: str, call: Call) -> Response:
    extra: dict[str, Any] = {}
    if call.body is not None:
        extra.update(body=call.body, content_type=call.content_type)
    return client.request(method, call.path, json=call.json, **extra)


# Who may see the private project (the share links of the project under test aside).
SEES_PRIVATE = ("admin", "owner", "editor", "commenter", "viewer", "team_viewer", "read_token",
                "write_token")
DEMO_EMAILS = ("admin@taskflow.local", "alice@taskflow.local", "bob@taskflow.local")


def secrets_of(w: MatrixWorld, caller: str, target: Project | None) -> list[str]:
    """What no answer to ``caller`` may contain: the names of the private projects they
    cannot see, and anybody else's email address (admins see every address)."""
    hidden = []
    for project in {w.projects["private"].id: w.projects["private"],
                    **({target.id: target} if target else {})}.values():
        links_see_it = caller in ("share", "share_commenter") and project is target
        if project.visibility == "private" and caller not in SEES_PRIVATE and not links_see_it:
            hidden.append(project.name)
    if caller == "admin":  # not admin_token_no_scope: a member's token sees no addresses
        return hidden
    me = account_of(caller)
    return hidden + [e for name, e in w.accounts.emails.items() if name != me] + [
        e for e in DEMO_EMAILS if e.split("@")[0] != me]


def problems_of(reply: Response, want: int, secrets: list[str]) -> str | None:
    """What is wrong with an answer: its status, something it must not show, its error body."""
    if reply.status != want:
        return f"expected {want}, got {reply.status}: {reply.text[:160]}"
    shown = [secret for secret in secrets if secret in reply.text]
    if shown:
        return f"{reply.status} shows {shown}: {reply.text[:160]}"
    if reply.status >= 400:
        body = reply.json
        if body.get("status") != reply.status or not body.get("error"):
            return f"{reply.status} without TaskFlow's error shape: {reply.text[:160]}"
    return None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Public routes that change data whoever sends them, credentials or none (a new session, a new
# account): a token plays no part in them, so they answer a read token as they answer anyone.
CHANGE_FOR_ANYONE = ("POST /auth/login", "POST /auth/register")


def attempt(w: MatrixWorld, route: str, build: Build, project: Project | None, caller: str,
            want: int) -> str | None:
    """One request of a case: what is wrong with its answer, or ``None``.

    A request of ``read_token``, or a refused one of another token, must also leave every
    row of every table as it was (the marks of a token's use aside: ``access_kit.rows_of``).
    """
    method = route.split(" ", 1)[0]
    w.accounts.reset_limits()
    call = build(w, project, caller)
    target = call.project or project
    guarded = (caller in TOKEN_CALLERS and route not in CHANGE_FOR_ANYONE
               and (caller == "read_token" or want >= 400))
    if guarded:
        settle(w.app)
        before = rows_of(w.app)
    reply = send(call.client or w.client(caller, target), method, call)
    problem = problems_of(reply, want, secrets_of(w, caller, target))
    if guarded:
        settle(w.app)  # what the request gave the background senders counts too
        changed = changes(before, rows_of(w.app))
        if changed:
            problem = "; ".join([*([problem] if problem else []), f"{reply.status}, but it "
                                 "changed the database: " + "; ".join(changed)])
    if call.after:
        call.after(reply)
    return problem


# ---------------------------------------------------------------------------- the tests
def test_every_route_has_a_row(matrix):
    """The table and /openapi.json list the same routes: a new route needs a row."""
    missing = sorted(set(matrix.openapi) - set(ROUTES))
    gone = sorted(set(ROUTES) - set(matrix.openapi))
    assert not missing and not gone, (
        f"routes of /openapi.json without a row in ROUTES: {missing}; "
        f"rows of ROUTES for routes that no longer exist: {gone}")


# Where /openapi.json's x-taskflow-role differs from the row's level: deleting a comment needs
# the commenter role for your own, the owner role for someone else's (the row's case); an
# attachment is found by its file name, so its handler asks for the role.
DECLARED_ROLE = {"DELETE /api/projects/{pid}/tasks/{tid}/comments/{cid}": "commenter",
                 "GET /api/projects/attachments/{filename}": None,
                 # watching is a viewer's right; the level differs only for share links
                 "PUT /api/projects/{pid}/tasks/{tid}/watchers/me": "viewer",
                 "DELETE /api/projects/{pid}/tasks/{tid}/watchers/me": "viewer"}
ROLE_LEVELS = ("viewer", "commenter", "editor", "owner")


def test_openapi_documents_each_routes_protection(matrix):
    """x-taskflow-role is the row's project role (none for other levels); public rows are
    documented as public (x-taskflow-auth false, no security) and no other row is."""
    wrong = []
    for route, (level, _) in ROUTES.items():
        op = matrix.openapi.get(route)
        if op is None:
            continue  # test_every_route_has_a_row says so
        role = DECLARED_ROLE.get(route, level if level in ROLE_LEVELS else None)
        if op.get("x-taskflow-role") != role:
            wrong.append(f"  {route}: x-taskflow-role {op.get('x-taskflow-role')!r}, "
                         f"expected {role!r}")
        public = level in ("public", "cookie")  # cookie: a public route that reads the cookie
        security = op.get("security") or [{}]  # {}: credentials are optional
        if (op.get("x-taskflow-auth") is False) != public or ({} in security) != public:
            wrong.append(f"  {route}: x-taskflow-auth {op.get('x-taskflow-auth')!r}, security "
                         f"{op.get('security')!r}, but the row says {level!r}")
    assert not wrong, "/openapi.json:\n" + "\n".join(wrong)


def test_the_table_is_complete():
    """Every row has a request and a known level; every level a cell per caller."""
    assert not set(PROJECT_CALLS) & set(OTHER_CALLS)
    assert set(PROJECT_CALLS) | set(OTHER_CALLS) == set(ROUTES), \
        sorted(set(ROUTES) ^ (set(PROJECT_CALLS) | set(OTHER_CALLS)))
    for level, cells in EXPECT.items():
        assert len(cells) == len(CALLERS), level
    assert {level for level, _ in ROUTES.values()} <= set(EXPECT)
    for route in OTHER_CALLS:  # a route about no project cannot differ by visibility
        assert not any(isinstance(cell, tuple) for cell in EXPECT[ROUTES[route][0]]), route


def test_the_token_columns_follow_these_rules():
    """The token columns of EXPECT say what the auth README says of personal access tokens:
    read_token is editor on safe methods and 403 on the others; write_token is editor;
    admin_token_no_scope is member; all three get 403 on "own account", 401 on "basic"
    (a token is no HTTP Basic credential), and public routes answer them as anyone."""
    wrong = []
    for route, (level, _) in ROUTES.items():
        cells = dict(zip(CALLERS, EXPECT[level]))
        safe = route.split(" ", 1)[0] in SAFE_METHODS
        want = {"read_token": cells["editor"] if safe else 403, "write_token": cells["editor"],
                "admin_token_no_scope": cells["member"]}
        if level in ("own account", "basic", "cookie"):
            want = dict.fromkeys(TOKEN_CALLERS, {"own account": 403, "cookie": 204}.get(level, 401))
        elif level == "public":
            want = dict.fromkeys(TOKEN_CALLERS, OK)
        wrong += [f"  {route} ({level}): {caller} {cells[caller]!r}, the rule says {cell!r}"
                  for caller, cell in want.items() if cells[caller] != cell]
    assert not wrong, "EXPECT:\n" + "\n".join(wrong)


def case_id(route: str) -> str:
    """``GET_/api/projects/id`` for ``GET /api/projects/{id}`` (usable in ``pytest -k``)."""
    return route.replace(" ", "_").replace("{", "").replace("}", "")


@pytest.mark.parametrize("route", list(ROUTES), ids=case_id)
def test_route(matrix, route):
    level, success = ROUTES[route]
    assert route in matrix.openapi, f"{route} is not in /openapi.json"
    if route in PROJECT_CALLS:
        build, cases = PROJECT_CALLS[route], [(v, matrix.projects[v]) for v in VISIBILITIES]
    else:
        build, cases = OTHER_CALLS[route], [(None, None)]
    wrong = []
    for visibility, project in cases:
        for caller in CALLERS:
            want = expected(level, caller, visibility, success)
            problem = attempt(matrix, route, build, project, caller, want)
            if problem:
                wrong.append(f"  {caller:<20} {visibility or '-':<9} {problem}")
    assert not wrong, f"{route} (level {level!r}):\n" + "\n".join(wrong)


# On an archived project every route that writes needs the owner role (SPEC §9: read-only
# for everyone but its owners and admins); reading is unchanged.
WHEN_ARCHIVED = {"viewer": "owner", "commenter": "owner", "editor": "owner", "owner": "owner",
                 "viewer by id": "owner by id", "editor by id": "owner by id",
                 "owner by id": "owner by id", "admin": "admin",
                 "viewer, writes": "viewer, writes"}  # watching is personal: not a change to the project


def test_an_archived_project_is_read_only_but_for_its_owners(matrix):
    """Every route about a project, on an archived workspace-visible one."""
    wrong = []
    project = matrix.shelved
    for route, build in PROJECT_CALLS.items():
        method = route.split(" ", 1)[0]
        level = ROUTES[route][0]
        if method != "GET":
            level = WHEN_ARCHIVED[level]
        for caller in CALLERS:
            want = expected(level, caller, "workspace", ROUTES[route][1])
            problem = attempt(matrix, route, build, project, caller, want)
            if problem:
                wrong.append(f"  {route:<52} {caller:<20} ({level}) {problem}")
    assert not wrong, "archived project:\n" + "\n".join(wrong)


def test_own_comments(matrix):
    """Deleting a comment needs the commenter role for your own, the owner role for others'
    (the matrix's row is someone else's comment); a share link's comments are nobody's own."""
    for visibility, project in matrix.projects.items():
        connie = matrix.client("commenter", project)
        link = matrix.client("share_commenter", project)
        comments = f"{project.path}/tasks/{project.task}/comments"
        own = connie.post(comments, json={"body": "mine"})
        assert own.status == 201, own
        assert connie.delete(f"{comments}/{own.json['id']}").status == 200, visibility
        shared = link.post(comments, json={"body": "from the link"})
        assert shared.status == 201, shared
        listed = matrix.owner.get(comments, query={"limit": 100}).json["comments"]
        assert [c["user_id"] for c in listed if c["id"] == shared.json["id"]] == [None]
        refused = link.delete(f"{comments}/{shared.json['id']}")
        assert refused.status == 403, refused


def test_scoped_plugins_answer_404_where_they_are_off(matrix):
    """The example plugins are project-scoped (SPEC §13): in a project where an owner turned
    them off, every route of theirs about that project answers 404 naming the plugin to
    whoever may see the project (instead of its success or a project role's 403); the 404
    of a hidden project, 401 and the admin-only 403 of webhooks are unchanged."""
    project = matrix.project("workspace", full=True, name=unique("Plugins off"))
    callers = ("admin", "owner", "editor", "viewer", "member", "guest", "anonymous")
    cases = []  # built while the plugins are on: a build may make a label or a webhook
    for route, build in PROJECT_CALLS.items():
        plugin = route.split(" ", 1)[1].split("/")[2]  # /api/<plugin>/...
        if plugin in ("labels", "webhooks"):
            cases += [(route, plugin, caller, build(matrix, project, caller))
                      for caller in callers]
    assert len(cases) == 14 * len(callers), len(cases)
    for plugin in ("labels", "webhooks"):
        switched = matrix.owner.put(f"{project.path}/plugins/{plugin}", json={"enabled": False})
        assert switched.status == 200 and switched.json["changed"] is True, switched
    wrong = []
    for route, plugin, caller, call in cases:
        level, success = ROUTES[route]
        want = expected(level, caller, "workspace", success)
        reply = send(call.client or matrix.client(caller, project), route.split(" ")[0], call)
        # A project role too low (403) is not the question any more: the route is not there
        # in this project.  A workspace-level refusal (401, an admin-only 403) comes first.
        if want < 400 or (want == 403 and level != "admin"):
            named = f"The {plugin} plugin is not enabled in this project"
            if reply.status != 404 or not reply.json["error"].startswith(named):
                wrong.append(f"  {route:<44} {caller:<10} {reply.status} {reply.text[:120]}")
        elif reply.status != want:
            wrong.append(f"  {route:<44} {caller:<10} expected {want}, got {reply.status}")
    assert not wrong, "plugins off:\n" + "\n".join(wrong)
