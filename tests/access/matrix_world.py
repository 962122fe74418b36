"""The world of the permission matrix: one app per engine, its callers and its projects.

Two projects owned by ``olivia`` hold the same cast, one ``workspace``-visible
(members get its default ``workspace_role``, ``editor``) and one ``private``:

==================== ========================================================
caller               who
==================== ========================================================
admin                the demo admin (owner of every project)
owner                ``olivia``, member account, direct ``owner``
editor               ``eddie``, member account, direct ``editor``
commenter            ``connie``, member account, direct ``commenter``
viewer               ``vera``, member account, direct ``viewer``
team_viewer          ``tina``, *guest* account, ``viewer`` through the team Readers
member               ``mona``, member account, no role in the project
guest                ``gus``, guest account, no role anywhere
anonymous            no credentials
share                a ``viewer`` share link of the project
share_commenter      a ``commenter`` share link of the project
share_elsewhere      a ``viewer`` share link of a third project, Elsewhere
share_revoked        a share link of the project, revoked
read_token           a personal access token of ``eddie``, scope ``read``
write_token          a personal access token of ``eddie``, scopes ``read write``
admin_token_no_scope a personal access token of the admin, scopes ``read write``
                     (no ``admin``: it acts as a workspace member's)
==================== ========================================================

Each project has a task (assigned to ``eddie``, with a checklist item), a
comment, a label, an attachment and an inactive webhook.  A third one like the workspace project,
Shelved plans, is archived.  Routes that delete act on throwaway
objects made for each case (:meth:`MatrixWorld.project`, ``task``, ...).

The three tokens are made once, by their accounts, with ``POST /auth/tokens``;
they outlive the matrix's password changes (those end sessions, not tokens).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from access_kit import PASSWORD, Accounts, expect, unique
from lcore import Lcore
from lcore_taskflow.core.testing import Client, make_project, multipart, with_project_role

CALLER_ACCOUNTS = {"admin": "admin", "owner": "olivia", "editor": "eddie", "commenter": "connie",
                   "viewer": "vera", "team_viewer": "tina", "member": "mona", "guest": "gus"}
#: Personal access tokens: caller -> (the account caller whose token it is, its scopes).
TOKEN_CALLERS = {"read_token": ("editor", ["read"]),
                 "write_token": ("editor", ["read", "write"]),
                 "admin_token_no_scope": ("admin", ["read", "write"])}
ACCOUNT_ROLES = {"olivia": "member", "eddie": "member", "connie": "member", "vera": "member",
                 "tina": "guest", "mona": "member", "gus": "guest", "sam": "member"}
DIRECT_ROLES = (("editor", "eddie"), ("commenter", "connie"), ("viewer", "vera"))
SHARES = (("share", "viewer"), ("share_commenter", "commenter"), ("share_revoked", "viewer"))
#: Nothing listens there: a webhook delivery fails at once.
HOOK_URL = "http://127.0.0.1:9/hook"
#: The example plugins are project-scoped: the world's projects have them on.
SCOPED_PLUGINS = ("labels", "webhooks")


def account_of(caller: str) -> str | None:
    """The username behind an account caller or a token caller (``None`` for the others)."""
    return CALLER_ACCOUNTS.get(TOKEN_CALLERS.get(caller, (caller,))[0])


@dataclass
class Project:
    id: int
    name: str
    visibility: str
    shares: dict[str, str] = field(default_factory=dict)  # caller -> token
    task: int = 0
    comment: int = 0
    label: int = 0
    attachment: str = ""
    webhook: int = 0
    item: int = 0  # of the task's checklist
    archived: bool = False

    @property
    def path(self) -> str:
        return f"/api/projects/{self.id}"


class MatrixWorld:
    def __init__(self, app: Lcore):
        self.app = app
        self.accounts = Accounts(app)
        for username, role in ACCOUNT_ROLES.items():
            self.accounts.add(username, role)
        self.ids = self.accounts.ids
        admin = self.accounts.admin
        self.readers = expect(admin.post("/api/teams", json={"name": "Readers"}), 201,
                              "POST /api/teams Readers")["id"]
        expect(admin.put(f"/api/teams/{self.readers}/members/{self.ids['tina']}"), 201,
               "tina joins Readers")
        self.spare_team = expect(admin.post("/api/teams", json={"name": "Spare"}), 201,
                                 "POST /api/teams Spare")["id"]
        self.projects = {"workspace": self.project("workspace", full=True, name="Open plans"),
                         "private": self.project("private", full=True, name="Covert plans")}
        self.elsewhere = self.project("workspace", name="Elsewhere")
        self.shelved = self.project("workspace", full=True, name="Shelved plans", archived=True)
        history = expect(admin.get("/api/notifications/history"), 200, "notification history")
        self.notification = history["notifications"][0]["id"]
        self.tokens = {caller: self.access_token(CALLER_ACCOUNTS[account], scopes, caller)
                       for caller, (account, scopes) in TOKEN_CALLERS.items()}
        spec = expect(Client(app).get("/openapi.json"), 200, "GET /openapi.json")
        self.openapi = {f"{method.upper()} {path}": op for path, ops in spec["paths"].items()
                        for method, op in ops.items() if isinstance(op, dict)}

    # ------------------------------------------------------------------ callers
    def client(self, caller: str, project: Project | None) -> Client:
        """The client of ``caller`` for a request about ``project``."""
        if caller in CALLER_ACCOUNTS:
            return self.accounts.client(CALLER_ACCOUNTS[caller])
        if caller in TOKEN_CALLERS:
            return Client(self.app).with_token(self.tokens[caller])
        if caller == "anonymous":
            return Client(self.app)
        if caller == "share_elsewhere":
            return Client(self.app).with_token(self.elsewhere.shares["share"])
        return Client(self.app).with_token((project or self.projects["workspace"]).shares[caller])

    def fresh(self, caller: str) -> Client | None:
        """A new token of an account caller (``None`` for the others)."""
        username = CALLER_ACCOUNTS.get(caller)
        return self.accounts.fresh(username) if username else None

    def signed_in(self, caller: str) -> Client | None:
        """The kept sign-in (a session, not a token) of the account behind an account or
        token caller (``None`` for the others): to set up what a token may not."""
        username = account_of(caller)
        return self.accounts.client(username) if username else None

    def access_token(self, username: str, scopes: list[str], name: str) -> str:
        """A new personal access token (``tfp_...``) of ``username``, made by its session."""
        made = expect(self.accounts.client(username).post("/auth/tokens", json={
            "name": name, "scopes": scopes, "expires_in_days": 30}), 201, f"the token {name}")
        assert made["token"].startswith("tfp_") and made["scopes"] == scopes, made
        return made["token"]

    def basic(self, caller: str) -> Client | None:
        """HTTP Basic credentials of an account caller (``None`` for the others)."""
        username = CALLER_ACCOUNTS.get(caller)
        if username is None:
            return None
        secret = f"{username}:{self.accounts.passwords[username]}".encode()
        return Client(self.app, headers={"Authorization": "Basic "
                                         + base64.b64encode(secret).decode()})

    def cookie(self, caller: str) -> Client | None:
        """A new sign-in of an account caller held only as its session cookie, sending
        ``X-Requested-With`` as the frontend does (``None`` for the others)."""
        username = CALLER_ACCOUNTS.get(caller)
        if username is None:
            return None
        reply = Client(self.app).post("/auth/login", json={
            "username": username, "password": self.accounts.passwords[username]})
        assert reply.status == 200, reply
        cookie = reply.headers["set-cookie"].split(";", 1)[0]
        return Client(self.app, headers={"Cookie": cookie, "X-Requested-With": "fetch"})

    @property
    def owner(self) -> Client:
        return self.accounts.client("olivia")

    @property
    def admin(self) -> Client:
        return self.accounts.admin

    # ------------------------------------------------------------------ projects
    def project(self, visibility: str, *, full: bool = False, name: str | None = None,
                archived: bool = False) -> Project:
        """A project of ``olivia`` with the cast above; ``full``: with a task, comment, ...;
        ``archived``: archived once all that is made."""
        name = name or unique("Doomed plans")
        pid = make_project(self.app, name, visibility=visibility, owner="olivia")
        for role, username in DIRECT_ROLES:
            with_project_role(self.app, pid, role, username)
        project = Project(pid, name, visibility)
        owner = self.owner
        for plugin in SCOPED_PLUGINS:  # project-scoped: on here, off in every other project
            expect(owner.put(f"{project.path}/plugins/{plugin}", json={"enabled": True}), 200,
                   f"turning {plugin} on")
        expect(owner.put(f"{project.path}/members/teams/{self.readers}", json={"role": "viewer"}),
               201, "Readers become viewers")
        for caller, role in SHARES:
            made = expect(owner.post(f"{project.path}/shares", json={"role": role,
                                                                    "label": caller}),
                          201, f"a {role} share link")
            project.shares[caller] = made["token"]
        expect(owner.delete(f"{project.path}/shares/{made['id']}"), 204, "revoking a share link")
        if full:
            project.task = self.task(project, assignee="eddie", title="Seeded task")
            project.comment = expect(owner.post(f"{project.path}/tasks/{project.task}/comments",
                                                json={"body": "Seeded comment"}),
                                     201, "a comment")["id"]
            project.label = expect(owner.post(f"/api/labels/projects/{pid}", json={
                "name": "bug", "color": "#dd3333"}), 201, "a label")["id"]
            project.attachment = self.attach(project, project.task)
            project.item = self.checklist_item(project, "Seeded item")
            project.webhook = self.webhook(project)
        if archived:
            expect(owner.put(project.path, json={"name": name, "status": "archived"}), 200,
                   "archiving")
            project.archived = True
        return project

    def task(self, project: Project, *, assignee: str | None = None,
             title: str = "Throwaway task") -> int:
        body: dict[str, Any] = {"title": title}
        if assignee:
            body["assignee_id"] = self.ids[assignee]
        return expect(self.owner.post(f"{project.path}/tasks", json=body), 201, "a task")["id"]

    def attach(self, project: Project, task_id: int) -> str:
        body, ctype = multipart("file", "plan.txt", b"the plan\n", "text/plain")
        self.accounts.reset_limits()
        return expect(self.owner.post(f"{project.path}/tasks/{task_id}/attachment", body=body,
                                      content_type=ctype), 200, "an attachment")["filename"]

    def task_with_attachment(self, project: Project) -> int:
        task_id = self.task(project)
        self.attach(project, task_id)
        return task_id

    def checklist_item(self, project: Project, title: str = "Throwaway item") -> int:
        return expect(self.owner.post(f"{project.path}/tasks/{project.task}/checklist",
                                      json={"title": title}), 201, "a checklist item")["id"]

    def relation(self, project: Project) -> int:
        """The task of the project ``relates`` to a new one."""
        return expect(self.owner.post(f"{project.path}/tasks/{project.task}/relations", json={
            "kind": "relates", "task_id": self.task(project)}), 201, "a relation")["id"]

    def view(self, caller: str) -> int:
        """A saved view of the account of an account or token caller (a made-up id for
        the others)."""
        client = self.signed_in(caller)
        if client is None:
            return 999_999
        return expect(client.post("/api/views", json={"name": unique("view"),
                                                       "query": "status=todo"}),
                      201, "a saved view")["id"]

    def comment_of_another(self, project: Project, caller: str) -> int:
        """A comment that is not the caller's: the admin's (``olivia``'s for the admin's
        callers)."""
        author = "olivia" if account_of(caller) == "admin" else "admin"
        return expect(self.accounts.client(author).post(
            f"{project.path}/tasks/{project.task}/comments",
            json={"body": f"{author}'s comment"}), 201, f"{author}'s comment")["id"]

    def label(self, project: Project) -> int:
        return expect(self.owner.post(f"/api/labels/projects/{project.id}", json={
            "name": unique("label"), "color": "#3366cc"}), 201, "a label")["id"]

    def share(self, project: Project) -> int:
        return expect(self.owner.post(f"{project.path}/shares", json={"label": "throwaway"}),
                      201, "a share link")["id"]

    def webhook(self, project: Project) -> int:
        return expect(self.admin.post(f"/api/webhooks/projects/{project.id}", json={
            "url": HOOK_URL, "events": ["task.created"], "active": False}), 201,
            "a webhook")["id"]

    def drop_webhook(self, hook_id: int) -> None:
        """Delete a webhook the case left behind (a project holds at most 20)."""
        self.admin.delete(f"/api/webhooks/{hook_id}")

    def failed_delivery(self, project: Project) -> int:
        """A failed delivery of the project's webhook, ready to be retried."""
        now = time.time()
        with self.app.taskflow.database() as db, db.transaction():
            return db.insert("webhook_deliveries", {
                "webhook_id": project.webhook, "event_type": "task.created",
                "payload": json.dumps({"type": "task.created"}), "status": "failed",
                "attempts": 5, "next_attempt_at": now, "error": "refused", "created_at": now})

    # ------------------------------------------------------------------ memberships
    def set_member(self, project: Project, username: str, present: bool) -> None:
        """Make ``username`` a viewer of the project, or no member, before a case."""
        if present:
            with_project_role(self.app, project.id, "viewer", username)
            return
        with self.app.taskflow.database() as db, db.transaction():
            db.execute("DELETE FROM project_members WHERE project_id = ? AND user_id = ?",
                       (project.id, self.ids[username]))

    def set_team(self, project: Project, present: bool) -> None:
        """Give the team Spare the viewer role in the project, or none, before a case."""
        with self.app.taskflow.database() as db, db.transaction():
            db.execute("DELETE FROM project_teams WHERE project_id = ? AND team_id = ?",
                       (project.id, self.spare_team))
            if present:
                db.execute("INSERT INTO project_teams (project_id, team_id, role, created_at)"
                           " VALUES (?, ?, 'viewer', ?)", (project.id, self.spare_team,
                                                           time.time()))

    def set_team_member(self, present: bool) -> None:
        """Put ``sam`` in the team Spare, or take him out, before a case."""
        with self.app.taskflow.database() as db, db.transaction():
            db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                       (self.spare_team, self.ids["sam"]))
            if present:
                db.execute("INSERT INTO team_members (team_id, user_id, created_at)"
                           " VALUES (?, ?, ?)", (self.spare_team, self.ids["sam"], time.time()))

    def user(self) -> int:
        name = unique("leaver")
        return expect(self.admin.post("/api/users/", json={
            "username": name, "email": f"{name}@example.test", "password": PASSWORD}),
            201, "a throwaway user")["id"]

    def team(self) -> int:
        return expect(self.admin.post("/api/teams", json={"name": unique("Doomed team")}),
                      201, "a throwaway team")["id"]
