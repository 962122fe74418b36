"""Every list holds exactly what the caller may see: items, ``total`` and page 2 (SPEC §9).

One scenario per engine, read below as three tables: who belongs where
(``PROJECTS``, ``TEAMS``, ``ACCOUNTS``), the tasks (``TASKS``), and what each
caller may see (``VISIBLE``, ``GUEST_SEES``, written from docs/access.md, not
read back from the server).  Every expectation of a list is derived from these
tables; a list that leaks a hidden row, drops a visible one or counts wrong
fails, naming the caller.

The demo projects are deleted first, so the tables name every project there is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from access_kit import Accounts, build_app, expect, ids_of
from lcore_taskflow.core.testing import (
    DEMO_PASSWORDS,
    ENGINES,
    Client,
    engine_database,
    make_project,
    user_ids,
)

# Project -> (visibility, direct members {user: role}, teams {team: role}, archived).
# Every project is owned by olivia (a direct owner).
PROJECTS = {
    "Alpha":   ("workspace", {"wanda": "viewer"}, {}, False),
    "Beta":    ("workspace", {}, {}, False),
    "Gamma":   ("workspace", {}, {}, True),
    "Delta":   ("private", {"dana": "viewer", "gwen": "editor"}, {}, False),
    "Epsilon": ("private", {}, {"Crew": "commenter"}, False),
    "Zeta":    ("private", {"dana": "commenter"}, {"Crew": "viewer"}, False),
    "Omega":   ("private", {}, {}, False),  # dana was a viewer while a task was assigned to her
}
TEAMS = {"Crew": ("tom", "gail"), "Others": ("bob",)}
ACCOUNTS = {"olivia": "member", "dana": "member", "tom": "member", "wanda": "guest",
            "gwen": "guest", "gail": "guest", "gus": "guest"}
# (project, title, assignee, status, due in days from today or None)
TASKS = (
    ("Alpha", "A1", "dana", "todo", -2),
    ("Alpha", "A2", "wanda", "in_progress", 3),
    ("Alpha", "A3", None, "done", -5),
    ("Alpha", "A4", "alice", "todo", None),
    ("Beta", "B1", "tom", "todo", -1),
    ("Beta", "B2", "alice", "todo", 4),
    ("Gamma", "G1", "dana", "todo", -3),
    ("Delta", "D1", "dana", "todo", -4),
    ("Delta", "D2", "gwen", "in_progress", -1),
    ("Delta", "D3", "gwen", "todo", 10),
    ("Delta", "D4", None, "done", None),
    ("Epsilon", "E1", "gail", "todo", -2),
    ("Epsilon", "E2", "tom", "done", -2),
    ("Epsilon", "E3", "gail", "in_progress", 2),
    ("Zeta", "Z1", "dana", "todo", None),
    ("Zeta", "Z2", "gail", "todo", -6),
    ("Omega", "O1", "dana", "todo", -7),
    ("Omega", "O2", None, "todo", -1),
)
LABELS = {"Alpha": ("alpha-bug",), "Delta": ("delta-bug", "delta-idea"), "Epsilon": ("eps",),
          "Omega": ("omega-secret",)}

EVERY_PROJECT = tuple(PROJECTS)
WORKSPACE = ("Alpha", "Beta", "Gamma")
# What each caller may see (docs/access.md): admins and owners everything; a member the
# workspace projects and their own; a guest only their own; a share link its project.
VISIBLE = {
    "admin":  EVERY_PROJECT,
    "olivia": EVERY_PROJECT,
    "dana":   (*WORKSPACE, "Delta", "Zeta"),    # member, direct roles
    "tom":    (*WORKSPACE, "Epsilon", "Zeta"),  # member, through the team Crew
    "alice":  WORKSPACE,                        # member, no role anywhere
    "wanda":  ("Alpha",),                       # guest, direct viewer of a workspace project
    "gwen":   ("Delta",),                       # guest, direct editor
    "gail":   ("Epsilon", "Zeta"),              # guest, through the team Crew
    "gus":    (),                               # guest, nothing
    "share":  ("Delta",),                       # a viewer share link of Delta
}
EVERYONE = ("admin", "alice", "bob", "olivia", "dana", "tom", "wanda", "gwen", "gail", "gus")
# The people a guest sees: themself and those who share a project with them (its members,
# its teams' members and, in a workspace-visible project, every non-guest account).
GUEST_SEES = {
    "wanda": ("admin", "alice", "bob", "olivia", "dana", "tom", "wanda"),
    "gwen":  ("olivia", "dana", "gwen"),
    "gail":  ("olivia", "dana", "tom", "gail"),
    "gus":   ("gus",),
}
GUEST_TEAMS = {"wanda": (), "gwen": (), "gail": ("Crew",), "gus": ()}
CALLERS = tuple(VISIBLE)
ACCOUNT_CALLERS = tuple(c for c in CALLERS if c != "share")


@dataclass(frozen=True)
class Task:
    id: int
    project: str
    title: str
    assignee: str | None
    status: str
    due: str | None


def day(offset: int | None) -> str | None:
    return None if offset is None else (dt.date.today() + dt.timedelta(days=offset)).isoformat()


class ListWorld:
    """The scenario above, made through the API (projects' rows with the testing kit)."""

    def __init__(self, app):
        self.app = app
        self.accounts = a = Accounts(app)
        for username, role in ACCOUNTS.items():
            a.add(username, role)
        known = user_ids(app)
        for username in ("alice", "bob"):
            a.ids[username], a.roles[username] = known[username], "member"
            a.passwords[username] = DEMO_PASSWORDS[username]
        a.emails.update(alice="alice@taskflow.local", bob="bob@taskflow.local",
                        admin="admin@taskflow.local")
        admin, owner = a.admin, a.client("olivia")
        for project in admin.get("/api/projects/", query={"include_archived": 1,
                                                          "limit": 100}).json["projects"]:
            expect(admin.delete(f"/api/projects/{project['id']}"), 200, "deleting a demo project")
        self.teams = {}
        for team, members in TEAMS.items():
            self.teams[team] = expect(admin.post("/api/teams", json={"name": team}), 201,
                                      f"team {team}")["id"]
            for username in members:
                expect(admin.put(f"/api/teams/{self.teams[team]}/members/{a.ids[username]}"),
                       201, f"{username} joins {team}")
        self.pids = {}
        for name, (visibility, direct, teams, _) in PROJECTS.items():
            pid = self.pids[name] = make_project(app, name, visibility=visibility,
                                                 owner="olivia")
            for username, role in direct.items():
                expect(owner.put(f"/api/projects/{pid}/members/users/{a.ids[username]}",
                                 json={"role": role}), 201, f"{username} in {name}")
            for team, role in teams.items():
                expect(owner.put(f"/api/projects/{pid}/members/teams/{self.teams[team]}",
                                 json={"role": role}), 201, f"{team} in {name}")
        self.tasks: list[Task] = []
        for project, title, assignee, status, due in TASKS:
            pid = self.pids[project]
            temporary = assignee is not None and project not in VISIBLE[assignee]
            member = f"/api/projects/{pid}/members/users/{a.ids.get(assignee or '', 0)}"
            if temporary:  # they could see it then; they cannot any more
                expect(owner.put(member, json={"role": "viewer"}), 201, f"{assignee} joins")
            body: dict[str, Any] = {"title": title, "status": status, "due_date": day(due)}
            if assignee:
                body["assignee_id"] = a.ids[assignee]
            task_id = expect(owner.post(f"/api/projects/{pid}/tasks", json=body), 201,
                             f"task {title}")["id"]
            if temporary:
                expect(owner.delete(member), 204, f"{assignee} leaves")
            self.tasks.append(Task(task_id, project, title, assignee, status, day(due)))
        for name, (_, _, _, archived) in PROJECTS.items():
            if archived:
                expect(owner.put(f"/api/projects/{self.pids[name]}", json={
                    "name": name, "status": "archived"}), 200, f"archiving {name}")
        for project, pid in self.pids.items():  # labels is project-scoped: on everywhere
            expect(owner.put(f"/api/projects/{pid}/plugins/labels", json={"enabled": True}),
                   200, f"labels on in {project}")
        for project, names in LABELS.items():
            for name in names:
                expect(owner.post(f"/api/labels/projects/{self.pids[project]}", json={
                    "name": name, "color": "#3366cc"}), 201, f"label {name}")
        self.share = expect(owner.post(f"/api/projects/{self.pids['Delta']}/shares", json={
            "role": "viewer", "label": "client"}), 201, "a share link of Delta")["token"]

    def client(self, caller: str) -> Client:
        if caller == "share":
            return Client(self.app).with_token(self.share)
        return self.accounts.client(caller)

    def watch(self, caller: str, found: Findings) -> Watched:
        """The caller's client, every answer of which is searched for what it must not show."""
        return Watched(self, caller, found)

    def visible_users(self, caller: str) -> list[str]:
        """The usernames ``caller`` may see, by id."""
        names = GUEST_SEES.get(caller, EVERYONE)
        return sorted(names, key=self.accounts.ids.__getitem__)

    def member(self, caller: str) -> bool:
        return self.accounts.roles.get(caller) in ("member", "admin")


class Findings:
    """Mismatches of one test, reported together."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def same(self, caller: str, what: str, got: Any, want: Any) -> None:
        if got != want:
            self.found.append(f"  {caller:<7} {what}: got {got!r}, expected {want!r}")

    def status(self, caller: str, what: str, reply, want: int) -> bool:
        """Whether ``reply`` has status ``want`` (a mismatch is recorded)."""
        if reply.status != want:
            self.found.append(f"  {caller:<7} {what}: status {reply.status}, expected {want}: "
                              f"{reply.text[:160]}")
            return False
        return True

    def check(self, title: str) -> None:
        assert not self.found, f"{title}:\n" + "\n".join(self.found)


class Watched:
    """A caller's client whose every answer must name no project hidden from the caller
    and show no one else's email address (an admin's answers excepted)."""

    def __init__(self, world: ListWorld, caller: str, found: Findings):
        self.client, self.caller, self.found = world.client(caller), caller, found
        self.hidden = [n for n in PROJECTS if n not in VISIBLE[caller]]
        self.emails = [] if caller == "admin" else [
            email for name, email in world.accounts.emails.items() if name != caller]

    def get(self, path: str, **kw: Any):
        reply = self.client.get(path, **kw)
        shown = [n for n in self.hidden if n in reply.text] + \
            [e for e in self.emails if e in reply.text]
        if shown:
            self.found.found.append(f"  {self.caller:<7} GET {path} {kw or ''} shows {shown}: "
                                    f"{reply.text[:200]}")
        return reply


@pytest.fixture(scope="module")
def world(engine):
    app = build_app(engine.directory, engine.url)
    try:
        yield ListWorld(app)
    finally:
        app.taskflow.close()


def names(items: list[dict[str, Any]], key: str = "name") -> list[Any]:
    return [item[key] for item in items]


def test_projects(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        seen = [n for n in PROJECTS if n in VISIBLE[caller]]
        active = [n for n in seen if not PROJECTS[n][3]]
        archived = [n for n in seen if PROJECTS[n][3]]
        for query, want in (({"limit": 100}, active),
                            ({"limit": 2, "page": 2}, active[2:4]),
                            ({"include_archived": 1, "limit": 100}, seen),
                            ({"include_archived": 1, "limit": 3, "page": 2}, seen[3:6]),
                            ({"status": "archived"}, archived)):
            reply = client.get("/api/projects/", query=query)
            if found.status(caller, f"projects {query}", reply, 200):
                body = reply.json
                full = active if "include_archived" not in query else seen
                full = archived if "status" in query else full
                found.same(caller, f"projects {query}", names(body["projects"]), want)
                found.same(caller, f"total of projects {query}", body["total"], len(full))
    found.check("GET /api/projects/")


def test_tasks_of_each_project(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        for project, pid in world.pids.items():
            path = f"/api/projects/{pid}/tasks"
            reply = client.get(path, query={"limit": 100})
            if project not in VISIBLE[caller]:
                found.status(caller, f"tasks of {project}", reply, 404)
                found.same(caller, f"404 of {project} names it", project in reply.text, False)
                continue
            if not found.status(caller, f"tasks of {project}", reply, 200):
                continue
            titles = [t.title for t in world.tasks if t.project == project]
            todo = [t.title for t in world.tasks if t.project == project and t.status == "todo"]
            found.same(caller, f"tasks of {project}", names(reply.json["tasks"], "title"), titles)
            found.same(caller, f"total of {project}", reply.json["total"], len(titles))
            page = client.get(path, query={"limit": 2, "page": 2}).json
            found.same(caller, f"page 2 of {project}", names(page["tasks"], "title"), titles[2:4])
            found.same(caller, f"total of page 2 of {project}", page["total"], len(titles))
            todos = client.get(path, query={"status": "todo", "limit": 100}).json
            found.same(caller, f"todo of {project}", names(todos["tasks"], "title"), todo)
            found.same(caller, f"total todo of {project}", todos["total"], len(todo))
    found.check("GET /api/projects/<pid>/tasks")


def my_order(task: Task) -> tuple:
    """My tasks: soonest due first, those without a date last, then by id."""
    return (task.due is None, task.due or "", task.id)


def test_my_tasks(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/users/me/tasks", query={"limit": 100})
        if caller == "share":
            found.status(caller, "my tasks", reply, 403)
            continue
        mine = sorted((t for t in world.tasks if t.assignee == caller
                       and t.project in VISIBLE[caller]), key=my_order)
        if not found.status(caller, "my tasks", reply, 200):
            continue
        found.same(caller, "my tasks", ids_of(reply.json["tasks"]), ids_of_tasks(mine))
        found.same(caller, "total of my tasks", reply.json["total"], len(mine))
        page = client.get("/api/users/me/tasks", query={"limit": 2, "page": 2}).json
        found.same(caller, "page 2 of my tasks", ids_of(page["tasks"]), ids_of_tasks(mine[2:4]))
        found.same(caller, "total of page 2", page["total"], len(mine))
        todo = [t for t in mine if t.status == "todo"]
        todos = client.get("/api/users/me/tasks", query={"status": "todo", "limit": 100}).json
        found.same(caller, "my todo tasks", ids_of(todos["tasks"]), ids_of_tasks(todo))
        found.same(caller, "total of my todo tasks", todos["total"], len(todo))
    found.check("GET /api/users/me/tasks")


def test_my_tasks_export(world):
    """io's streamed My tasks export holds exactly My tasks: never a task of a project the
    caller cannot see (the outsider's private projects), in JSON and CSV alike."""
    import csv
    import io
    import json

    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/users/me/tasks/export", query={"format": "json"})
        if caller == "share":
            found.status(caller, "my tasks export", reply, 403)
            continue
        mine = sorted(t.id for t in world.tasks if t.assignee == caller
                      and t.project in VISIBLE[caller])
        if not found.status(caller, "my tasks export", reply, 200):
            continue
        exported = json.loads(reply.body)
        found.same(caller, "my tasks export", [t["id"] for t in exported["tasks"]], mine)
        found.same(caller, "projects of my tasks export",
                   {t["project_id"] for t in exported["tasks"]} <= {
                       world.pids[p] for p in VISIBLE[caller]}, True)
        reply = client.get("/api/users/me/tasks/export", query={"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"))))
        found.same(caller, "my tasks CSV", [int(r["id"]) for r in rows], mine)
        todo = sorted(t.id for t in world.tasks if t.assignee == caller
                      and t.project in VISIBLE[caller] and t.status == "todo")
        reply = client.get("/api/users/me/tasks/export", query={"status": "todo"})
        found.same(caller, "my todo export", [t["id"] for t in json.loads(reply.body)["tasks"]],
                   todo)
    found.check("GET /api/users/me/tasks/export")


def ids_of_tasks(tasks) -> list[int]:
    return [t.id for t in tasks]


def test_dashboard_overview(world):
    found = Findings()
    today = dt.date.today().isoformat()
    for caller in CALLERS:
        reply = world.watch(caller, found).get("/api/projects/dashboard/overview")
        if caller == "share":
            found.status(caller, "overview", reply, 403)
            continue
        if not found.status(caller, "overview", reply, 200):
            continue
        body = reply.json
        seen = VISIBLE[caller]
        active = [n for n in PROJECTS if n in seen and not PROJECTS[n][3]]
        tasks = [t for t in world.tasks if t.project in seen]
        overdue = [t for t in tasks if t.status != "done" and t.due and t.due < today]
        found.same(caller, "overview projects", names(body["projects"]), active)
        found.same(caller, "overview overdue tasks",
                   sorted(names(body["overdue_tasks"], "title")), sorted(t.title for t in overdue))
        dates = names(body["overdue_tasks"], "due_date")
        found.same(caller, "overdue tasks most overdue first", dates, sorted(dates))
        found.same(caller, "overview totals", body["totals"], {
            "projects": len(seen), "tasks": len(tasks), "overdue": len(overdue),
            "users": len(world.visible_users(caller))})
    found.check("GET /api/projects/dashboard/overview")


def test_dashboard_activity(world):
    with world.app.taskflow.database() as db:
        feed = db.fetchall("SELECT id, project_id FROM activity ORDER BY id DESC")
    assert len(feed) > 12, feed  # enough for two pages of five and more
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/projects/dashboard/activity", query={"limit": 100})
        if caller == "share":
            found.status(caller, "activity", reply, 403)
            continue
        pids = {world.pids[n] for n in VISIBLE[caller]}
        want = [e["id"] for e in feed if caller == "admin" or e["project_id"] in pids
                or (e["project_id"] is None and world.member(caller))]
        assert len(want) < 100
        if not found.status(caller, "activity", reply, 200):
            continue
        found.same(caller, "activity", ids_of(reply.json["activity"]), want)
        first = client.get("/api/projects/dashboard/activity", query={"limit": 5}).json
        found.same(caller, "activity page 1", ids_of(first["activity"]), want[:5])
        found.same(caller, "activity next_before", first["next_before"],
                   want[4] if len(want) > 5 else None)
        if first["next_before"]:
            second = client.get("/api/projects/dashboard/activity",
                                query={"limit": 5, "before": first["next_before"]}).json
            found.same(caller, "activity page 2", ids_of(second["activity"]), want[5:10])
    found.check("GET /api/projects/dashboard/activity")


def test_change_cursor(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        for project, pid in world.pids.items():
            path = f"/api/projects/{pid}/tasks/changes"
            reply = client.get(path, query={"since": 0})
            if project not in VISIBLE[caller]:
                found.status(caller, f"changes of {project}", reply, 404)
                continue
            if not found.status(caller, f"changes of {project}", reply, 200):
                continue
            body = reply.json
            want = sorted(t.id for t in world.tasks if t.project == project)
            found.same(caller, f"changes of {project}", sorted(ids_of(body["tasks"])), want)
            found.same(caller, f"reset/deleted of {project}", (body["reset"], body["deleted"]),
                       (False, []))
            found.same(caller, f"task_counts of {project}", body["task_counts"]["total"],
                       len(want))
            found.status(caller, f"changes of {project} since its cursor",
                         client.get(path, query={"since": body["cursor"]}), 304)
    found.check("GET /api/projects/<pid>/tasks/changes")


def test_users_and_their_emails(world):
    found = Findings()
    ids = world.accounts.ids
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/users/", query={"limit": 100})
        if caller == "share":
            found.status(caller, "users", reply, 403)
            continue
        if not found.status(caller, "users", reply, 200):
            continue
        want = world.visible_users(caller)
        found.same(caller, "users", names(reply.json["users"], "username"), want)
        found.same(caller, "total of users", reply.json["total"], len(want))
        emails = {u["username"]: u["email"] for u in reply.json["users"]}
        found.same(caller, "emails shown", emails, {
            name: world.accounts.emails[name] if caller in ("admin", name) else None
            for name in want})
        page = client.get("/api/users/", query={"limit": 3, "page": 2}).json
        found.same(caller, "users page 2", names(page["users"], "username"), want[3:6])
        found.same(caller, "total of users page 2", page["total"], len(want))
        guests = [n for n in want if world.accounts.roles[n] == "guest"]
        by_role = client.get("/api/users/", query={"role": "guest", "limit": 100}).json
        found.same(caller, "guests", names(by_role["users"], "username"), guests)
        found.same(caller, "total of guests", by_role["total"], len(guests))
        for name in EVERYONE:
            one = client.get(f"/api/users/{ids[name]}")
            if found.status(caller, f"GET user {name}", one, 200 if name in want else 404) \
                    and one.status == 200:
                found.same(caller, f"email of {name}", one.json["email"],
                           world.accounts.emails[name] if caller in ("admin", name) else None)
    found.check("GET /api/users/ and /api/users/<id>")


def test_user_search(world):
    """By part of the username; admins also by part of the address (a match reveals it)."""
    emails = world.accounts.emails
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        for q in ("A", "example.test", "taskflow.local", "gu"):
            reply = client.get("/api/users/search", query={"q": q})
            if caller == "share":
                found.status(caller, f"search {q!r}", reply, 403)
                continue
            want = [n for n in world.visible_users(caller) if q.lower() in n
                    or (caller == "admin" and q.lower() in emails[n])]
            if found.status(caller, f"search {q!r}", reply, 200):
                found.same(caller, f"search {q!r}", names(reply.json["users"], "username"), want)
                found.same(caller, f"total of search {q!r}", reply.json["total"], len(want))
                found.same(caller, f"emails of search {q!r}",
                           [u["email"] for u in reply.json["users"]],
                           [emails[n] if caller in ("admin", n) else None for n in want])
    found.check("GET /api/users/search")


def test_notification_history(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/notifications/history", query={"limit": 100})
        if caller == "share":
            found.status(caller, "history", reply, 403)
            continue
        if not found.status(caller, "history", reply, 200):
            continue
        body = reply.json
        # One assignment email per task assigned to them (every one, for an admin), of the
        # projects they may see: dana's email about O1 went out while she could see Omega;
        # now it names a project hidden from her, and SPEC §9 lists the history among the
        # lists that hold only what the caller may see.
        want = sorted(t.title for t in world.tasks if t.assignee and (
            caller == "admin" or (t.assignee == caller and t.project in VISIBLE[caller])))
        subjects = sorted(n["subject"].rsplit(": ", 1)[-1] for n in body["notifications"])
        found.same(caller, "history", subjects, want)
        found.same(caller, "total of history", body["total"], len(want))
        found.same(caller, "scope", body["scope"], "all" if caller == "admin" else "own")
        if caller != "admin":
            found.same(caller, "recipients", {n["recipient"] for n in body["notifications"]},
                       {world.accounts.emails[caller]} if want else set())
        page = client.get("/api/notifications/history", query={"limit": 2, "page": 2}).json
        found.same(caller, "history page 2", ids_of(page["notifications"]),
                   ids_of(body["notifications"])[2:4])
        found.same(caller, "total of history page 2", page["total"], len(want))
    found.check("GET /api/notifications/history")


def test_teams(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        reply = client.get("/api/teams")
        if caller == "share":
            found.status(caller, "teams", reply, 403)
            continue
        want = sorted(GUEST_TEAMS.get(caller, TEAMS))
        if found.status(caller, "teams", reply, 200):
            found.same(caller, "teams", [(t["name"], t["member_count"])
                                         for t in reply.json["teams"]],
                       [(name, len(TEAMS[name])) for name in want])
        for name, tid in world.teams.items():
            one = client.get(f"/api/teams/{tid}")
            if found.status(caller, f"team {name}", one, 200 if name in want else 404) \
                    and one.status == 200:
                found.same(caller, f"members of {name}", names(one.json["members"], "username"),
                           sorted(TEAMS[name]))
    found.check("GET /api/teams and /api/teams/<tid>")


def test_labels_of_each_project(world):
    found = Findings()
    for caller in CALLERS:
        client = world.watch(caller, found)
        for project, pid in world.pids.items():
            reply = client.get(f"/api/labels/projects/{pid}")
            if project not in VISIBLE[caller]:
                found.status(caller, f"labels of {project}", reply, 404)
                found.same(caller, f"404 names labels of {project}",
                           any(label in reply.text for label in LABELS.get(project, ())), False)
            elif found.status(caller, f"labels of {project}", reply, 200):
                found.same(caller, f"labels of {project}", names(reply.json["labels"]),
                           sorted(LABELS.get(project, ())))
    found.check("GET /api/labels/projects/<pid>")


@pytest.fixture(params=ENGINES)
def fresh_url(request, tmp_path):
    """A new database of each engine for one test (the module's world stays untouched)."""
    with engine_database(request.param, tmp_path) as url:
        yield url


def test_a_guest_learns_no_hidden_names_from_assignment_errors(fresh_url, tmp_path):
    """Assigning a task to someone who cannot see the project is refused (422); to a guest
    who may not see that person, the refusal must not name them (users list: 404)."""
    app = build_app(tmp_path / "app", fresh_url)
    try:
        a = Accounts(app)
        for username, role in (("gwen", "guest"), ("gus", "guest"), ("mona", "member")):
            a.add(username, role)
        pid = make_project(app, "Delta", visibility="private")
        expect(a.admin.put(f"/api/projects/{pid}/members/users/{a.ids['gwen']}",
                           json={"role": "editor"}), 201, "gwen edits Delta")
        gwen = a.client("gwen")
        found = Findings()
        for hidden in ("gus", "mona"):
            found.status("gwen", f"GET user {hidden}", gwen.get(f"/api/users/{a.ids[hidden]}"),
                         404)
            reply = gwen.post(f"/api/projects/{pid}/tasks", json={
                "title": "For someone", "assignee_id": a.ids[hidden]})
            found.status("gwen", f"assigning {hidden}", reply, 422)
            found.same("gwen", f"the refusal names {hidden}", hidden in reply.text, False)
        found.check("POST /api/projects/<pid>/tasks with an assignee hidden from a guest")
    finally:
        app.taskflow.close()
