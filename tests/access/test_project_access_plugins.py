"""Plugins extend access with ``taskflow_project_access``: Grant and Deny (docs/access.md).

Two plugins written here, registered in both orders (and with the grants of
one in both orders): the answers must not change.  The highest of every role
that applies counts (members, teams, workspace visibility, every Grant); a
Deny removes the project entirely, whatever else applies -- admins excepted.
Checked on a route (the project, creating a task) and in lists' totals.
"""

from __future__ import annotations

import pytest
from access_kit import Accounts, build_app, expect
from lcore_taskflow.core import Deny, Grant, hookimpl
from lcore_taskflow.core.testing import ENGINES, engine_database, make_project, with_project_role


class Auditors:
    """Accounts named ``audit-*`` read every project and edit the ``Shared*`` ones."""

    name = "test-auditors"
    version = "0"

    def __init__(self, reverse: bool = False):
        self.reverse = reverse

    @hookimpl
    def taskflow_project_access(self, user, kernel):
        if not user["username"].startswith("audit-"):
            return []
        shared = "SELECT id FROM projects WHERE name LIKE ?"
        rules = [Grant("viewer", "SELECT id FROM projects"),
                 Grant("editor", shared, ("Shared%",)),
                 Grant("commenter", shared, ("Shared%",))]
        return rules[::-1] if self.reverse else rules


class LegalHold:
    """Nobody but admins sees a project whose name starts with ``Held``."""

    name = "test-legal-hold"
    version = "0"

    @hookimpl
    def taskflow_project_access(self, user, kernel):
        return [Deny("SELECT id FROM projects WHERE name LIKE ?", ("Held%",))]


# project -> visibility; olive is the direct owner of "Held files"
PROJECTS = {"Shared roadmap": "private", "Plain notes": "private", "Held files": "private",
            "Held board": "workspace", "Open board": "workspace"}
# The role each account gets (None: the project is hidden, 404).  audit-ann is a guest:
# grants only; audit-max a member: the workspace role beats a viewer grant; the Deny beats
# olive's owner role; admins are not subject to plugin rules.
EXPECTED = {
    #             Shared roadmap Plain notes Held files Held board Open board
    "audit-ann": ("editor",      "viewer",   None,      None,      "viewer"),
    "audit-max": ("editor",      "viewer",   None,      None,      "editor"),
    "olive":     (None,          None,       None,      None,      "editor"),
    "mike":      (None,          None,       None,      None,      "editor"),
    "admin":     ("owner",       "owner",    "owner",   "owner",   "owner"),
}
ACCOUNTS = {"audit-ann": "guest", "audit-max": "member", "olive": "member", "mike": "member"}
ORDERS = {"grant, then deny": lambda: [Auditors(), LegalHold()],
          "deny, then grant (grants reversed)": lambda: [LegalHold(), Auditors(reverse=True)]}
CAN_CREATE = ("editor", "owner")


def answers(app, accounts: Accounts, pids: dict[str, int]) -> dict[str, dict]:
    """What each account gets: per project (status, my_role, creating a task), lists' totals."""
    seen: dict[str, dict] = {}
    for username in EXPECTED:
        client = accounts.client(username)
        mine: dict = {}
        for name, pid in pids.items():
            got = client.get(f"/api/projects/{pid}")
            made = client.post(f"/api/projects/{pid}/tasks", json={"title": f"by {username}"})
            mine[name] = (got.status, got.json.get("my_role"), made.status)
        listed = client.get("/api/projects/", query={"limit": 100}).json
        overview = client.get("/api/projects/dashboard/overview").json
        mine["list"] = (sorted(p["name"] for p in listed["projects"]), listed["total"],
                        overview["totals"]["projects"])
        seen[username] = mine
    return seen


def expected_answers() -> dict[str, dict]:
    want: dict[str, dict] = {}
    for username, roles in EXPECTED.items():
        mine: dict = {}
        for name, role in zip(PROJECTS, roles):
            create = 404 if role is None else 201 if role in CAN_CREATE else 403
            mine[name] = (404, None, 404) if role is None else (200, role, create)
        visible = sorted(n for n, role in zip(PROJECTS, roles) if role)
        mine["list"] = (visible, len(visible), len(visible))
        want[username] = mine
    return want


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """A new database of each engine for each test."""
    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def apps(database_url, tmp_path):
    """One database, two apps on it: the plugins registered in each order.

    The demo projects are deleted: the tables above name every project there is.
    """
    built = []
    try:
        for label, plugins in ORDERS.items():
            built.append((label, build_app(tmp_path / str(len(built)), database_url,
                                           extra=plugins())))
        admin = Accounts(built[0][1]).admin
        for project in admin.get("/api/projects/").json["projects"]:
            expect(admin.delete(f"/api/projects/{project['id']}"), 200, "deleting a demo project")
        yield built
    finally:
        for _, app in built:
            app.taskflow.close()


def test_grant_and_deny_answer_the_same_in_either_order(apps):
    first = apps[0][1]
    accounts = Accounts(first)
    for username, role in ACCOUNTS.items():
        accounts.add(username, role)
    pids = {name: make_project(first, name, visibility=visibility)
            for name, visibility in PROJECTS.items()}
    with_project_role(first, pids["Held files"], "owner", "olive")
    want = expected_answers()
    seen = {}
    for label, app in apps:
        mine = Accounts(app)
        mine.passwords.update(accounts.passwords)
        seen[label] = answers(app, mine, pids)
        wrong = [f"  {user}: {what}: got {seen[label][user][what]}, expected {w}"
                 for user, row in want.items() for what, w in row.items()
                 if seen[label][user][what] != w]
        assert not wrong, f"plugins {label}:\n" + "\n".join(wrong)
    assert len({repr(s) for s in seen.values()}) == 1, seen


def test_a_deny_hides_the_project_everywhere(apps):
    """A denied project is 404 on every route under it and gone from every list,
    even for its direct owner; the other projects are untouched."""
    _, app = apps[0]
    accounts = Accounts(app)
    accounts.add("olive")
    held = make_project(app, "Archive", visibility="workspace", owner="olive")
    open_ = make_project(app, "Open archive", visibility="workspace", owner="olive")
    task = expect(accounts.admin.post(f"/api/projects/{held}/tasks", json={
        "title": "Task on hold", "assignee_id": accounts.ids["olive"],
        "due_date": "2000-01-01"}), 201, "the admin assigns olive a task")["id"]
    olive = accounts.client("olive")
    assert olive.get("/api/users/me/tasks").json["total"] == 1
    expect(accounts.admin.put(f"/api/projects/{held}", json={"name": "Held archive"}), 200,
           "the project goes on hold")
    for path in (f"/api/projects/{held}", f"/api/projects/{held}/tasks",
                 f"/api/projects/{held}/tasks/{task}", f"/api/projects/{held}/members",
                 f"/api/projects/{held}/tasks/changes", f"/api/labels/projects/{held}"):
        reply = olive.get(path)
        assert reply.status == 404, (path, reply)
        assert "Held" not in reply.text and "on hold" not in reply.text, (path, reply)
    assert olive.get(f"/api/projects/{open_}").json["my_role"] == "owner"
    mine = olive.get("/api/users/me/tasks").json
    assert (mine["tasks"], mine["total"]) == ([], 0), mine
    overview = olive.get("/api/projects/dashboard/overview").json
    assert overview["overdue_tasks"] == [] and overview["totals"]["overdue"] == 0, overview
    assert [p["name"] for p in overview["projects"]] == ["Open archive"], overview
    activity = olive.get("/api/projects/dashboard/activity", query={"limit": 100}).text
    assert "Held" not in activity and "on hold" not in activity, activity
    assert accounts.admin.get(f"/api/projects/{held}").json["my_role"] == "owner"
