"""Per-project access in the frontend, in real Chromium against a real server.

Members (people and teams, roles, the last owner's 409), visibility and share
links in project settings; the admins' Teams page; a board that follows the
caller's role (viewer, commenter, archived); a share link opening one
project's board without signing in, and saying so when it was revoked or has
expired.  Each at 1366 px and at 360 px: axe-core finds no serious or
critical violation, the page never scrolls sideways, no text is squeezed to
a letter per line, phone controls are 44 px, and screenshots are saved.

Users, projects, teams and roles are made through the HTTP API.
"""

from __future__ import annotations

import itertools
import time
import urllib.error

import pytest
from ui_browser_support import (
    DESKTOP,
    PHONE,
    XSS_TITLE,
    Api,
    axe_violations,
    card,
    horizontal_overflow,
    http_json,
    http_status,
)

pytestmark = pytest.mark.browser

PASSWORD = "Correct-Horse-42"
SIZES = ["desktop", "phone"]
_serial = itertools.count(1)

# Text squeezed into a sliver (a letter or two per line): narrow and tall for its text.
SQUEEZED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#shell *')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join('').trim();
    if (own.length < 4 || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
    if (r.width < 40 && r.height > 2.5 * line) {
      out.push(`${el.tagName}.${el.className}: ${own.slice(0, 30)} (${Math.round(r.width)} px)`);
    }
  }
  return out;
}"""

# Controls under 44 px on a phone (inline links in running text are exempt, as in WCAG 2.5.8).
SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    '#shell button, #shell .btn, #shell select, #shell label.choice,'
    + ' #shell input:not([type=radio]):not([type=checkbox])')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => {
    const name = (el.getAttribute('aria-label') || el.textContent || el.name || '').trim();
    return `${el.tagName} ${name.slice(0, 30)}: ${Math.round(r.width)}x${Math.round(r.height)}`;
  })"""


# ----------------------------------------------------------------- fixtures
def _user(admin: Api, name: str, role: str = "member") -> dict:
    created = admin.post("/api/users/", {"username": name, "email": f"{name}@example.com",
                                         "password": PASSWORD, "role": role})
    return {"id": created["id"], "username": name}


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


@pytest.fixture(scope="module")
def people(server, admin) -> dict:
    """vera (viewer), cody (commenter), olga (owner), eddie and emma (to add), gus (a guest)."""
    users = {name: _user(admin, name) for name in ("vera", "cody", "olga", "eddie", "emma")}
    users["gus"] = _user(admin, "gus", "guest")
    return users


def _project(admin: Api, people: dict, name: str, *, private: bool = True,
             roles: dict | None = None, tasks: int = 3) -> int:
    """A project made by the admin (its first owner), private by default, with members, tasks."""
    pid = admin.post("/api/projects/",
                     {"name": name, "description": "Made for the access tests"})["id"]
    if private:
        admin.put(f"/api/projects/{pid}", {"name": name, "visibility": "private"})
    for username, role in (roles or {}).items():
        admin.put(f"/api/projects/{pid}/members/users/{people[username]['id']}", {"role": role})
    for i in range(tasks):
        admin.task(pid, f"Access task {i + 1}", status=["todo", "in_progress", "done"][i % 3])
    return pid


def _login(s, username: str, password: str = PASSWORD) -> None:
    page = s.page
    page.goto(s.base + "/frontend")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")
    s.ready()


def _open(open_session, server, size: str):
    phone = size == "phone"
    return open_session(server, PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone)


class Checks:
    """Screenshot, sideways scroll, squeezed text, 44 px targets (phone), axe: screen by screen."""

    def __init__(self, page, artifacts, size: str):
        self.page, self.artifacts, self.size = page, artifacts, size
        self.problems: list[str] = []

    def __call__(self, name: str, page=None) -> None:
        page = page or self.page
        page.screenshot(path=str(self.artifacts / f"access-{name}-{self.size}.png"), full_page=True)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            self.problems.append(f"{name}: the page scrolls {overflow} px sideways")
        self.problems.extend(f"{name}: squeezed text {t}" for t in page.evaluate(SQUEEZED_JS))
        if self.size == "phone":
            small = page.evaluate(SMALL_TARGETS_JS)
            self.problems.extend(f"{name}: small target {t}" for t in small)
        self.problems.extend(f"{name}: {v}" for v in axe_violations(page))

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _members(admin: Api, pid: int) -> dict:
    data = admin.get(f"/api/projects/{pid}/members")
    return {"users": {u["username"]: u for u in data["users"]},
            "teams": {t["name"]: t for t in data["teams"]}}


def _eventually(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


# ---------------------------------------------------------------- members
@pytest.mark.parametrize("size", SIZES)
def test_owner_adds_changes_and_removes_members_and_teams(open_session, server, admin, people,
                                                          artifacts, size):
    n = next(_serial)
    pid = _project(admin, people, f"Members {size} {n}", roles={"olga": "owner", "vera": "viewer"})
    team = admin.post("/api/teams", {"name": f"Design {size} {n}"})
    admin.put(f"/api/teams/{team['id']}/members/{people['emma']['id']}", {})
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    _login(s, "olga")  # an owner who is not an admin

    s.go(f"#/projects/{pid}", "[data-testid=board]")
    page.click("[data-testid=project-settings]")
    page.locator("[data-testid=members-table]").wait_for()
    assert page.locator("#page-title").inner_text().startswith("Settings")
    rows = page.locator("[data-testid=member-row]")
    assert rows.filter(has_text="vera").locator("select").input_value() == "viewer"
    # Members do not see other people's addresses.
    assert "@example.com" not in page.locator("[data-testid=members-card]").inner_text()

    # Add eddie as a commenter through the search.
    page.select_option("[data-testid=add-member-role]", "commenter")
    page.fill("[data-testid=add-member-search]", "edd")
    page.locator("[data-testid=add-member-results] li", has_text="eddie").wait_for()
    assert "null" not in page.locator("[data-testid=add-member-results]").inner_text()
    page.click("[data-testid=add-member-pick][aria-label='Add eddie']")
    eddie = rows.filter(has_text="eddie")
    eddie.wait_for()
    assert eddie.locator("select").input_value() == "commenter"
    assert _members(admin, pid)["users"]["eddie"]["role"] == "commenter"
    # eddie is a direct member now: the search no longer offers him.
    page.locator("[data-testid=add-member-results] li", has_text="eddie").wait_for(state="detached")
    check("members-added")

    # Change his role to editor.
    eddie.locator("[data-testid=member-role]").select_option("editor")
    eddie.locator("[data-testid=member-save]").click()
    _eventually(lambda: _members(admin, pid)["users"]["eddie"]["role"] == "editor",
                "the role change")
    page.locator("[data-testid=toast]", has_text="eddie is now editor").wait_for()

    # Give the team a role: its member appears, through the team.
    form = page.locator("[data-testid=add-team-form]")
    form.locator("select[name=team_id]").select_option(label=f"Design {size} {n}")
    form.locator("select[name=role]").select_option("viewer")
    form.locator("button[type=submit]").click()
    team_row = page.locator("[data-testid=member-team-row]", has_text=f"Design {size} {n}")
    team_row.wait_for()
    emma = rows.filter(has_text="emma")
    emma.wait_for()
    via = emma.locator("[data-testid=member-via]").inner_text()
    assert via == f"Through the team Design {size} {n}"
    assert emma.locator("[data-testid=member-remove]").count() == 0  # removed through the team only
    assert _members(admin, pid)["teams"][f"Design {size} {n}"]["role"] == "viewer"
    check("members-team")

    # Remove eddie (Undo is offered), and the team.
    eddie.locator("[data-testid=member-remove]").click()
    eddie.wait_for(state="detached")
    page.locator("[data-testid=toast]", has_text="Removed eddie").wait_for()
    assert "eddie" not in _members(admin, pid)["users"]
    team_row.locator("[data-testid=member-remove]").click()
    team_row.wait_for(state="detached")
    assert not _members(admin, pid)["teams"]
    emma.wait_for(state="detached")

    # Demoting the project's last owner is refused, in plain words, in the card itself.
    solo = _project(admin, people, f"Solo {size} {n}", tasks=1)
    a = _open(open_session, server, size)
    page = a.page
    a.login("admin")
    a.go(f"#/projects/{solo}/settings", "[data-testid=members-table]")
    me = page.locator("[data-testid=member-row]").filter(has_text="admin")
    me.locator("[data-testid=member-role]").select_option("viewer")
    me.locator("[data-testid=member-save]").click()
    error = page.locator("[data-testid=members-error]")
    error.wait_for()
    assert "without an owner" in error.inner_text()
    assert error.get_attribute("role") == "alert"
    assert me.locator("[data-testid=member-role]").input_value() == "owner"  # back as it is
    assert page.locator("#toasts [data-testid=members-error]").count() == 0  # not a passing toast
    check("members-last-owner", page)
    me.locator("[data-testid=member-remove]").click()
    page.locator("[data-testid=members-error]", has_text="without an owner").wait_for()
    assert _members(admin, solo)["users"]["admin"]["role"] == "owner"
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_owner_sets_visibility_and_workspace_role(open_session, server, admin, people, artifacts,
                                                  size):
    n = next(_serial)
    pid = _project(admin, people, f"Visible {size} {n}", private=False)
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    s.go(f"#/projects/{pid}/settings", "[data-testid=access-form]")
    form = page.locator("[data-testid=access-form]")
    assert form.locator("[data-testid=visibility-workspace]").is_checked()
    form.locator("[data-testid=workspace-role]").select_option("commenter")
    form.locator("button[type=submit]").click()
    _eventually(lambda: admin.get(f"/api/projects/{pid}")["workspace_role"] == "commenter",
                "the workspace role")
    check("access-workspace")
    form.locator("label.choice", has_text="Private").click()
    assert form.locator("[data-testid=workspace-role]").is_disabled()
    form.locator("button[type=submit]").click()
    _eventually(lambda: admin.get(f"/api/projects/{pid}")["visibility"] == "private", "private")
    # alice (a member, not added) no longer sees it.
    assert Api(server, "alice").status(f"/api/projects/{pid}") == 404
    check.assert_clean()


# ------------------------------------------------------------------ teams
@pytest.mark.parametrize("size", SIZES)
def test_admin_manages_teams(open_session, server, admin, people, artifacts, size):
    n = next(_serial)
    name = f"Support {size} {n}"
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    if size == "phone":
        page.click("#menu-toggle")
    page.click("#nav-teams")
    page.locator("#page-title", has_text="Teams").wait_for()
    s.ready()
    page.click("[data-testid=new-team]")
    page.fill("[data-testid=new-team-form] input[name=name]", name)
    page.click("[data-testid=new-team-form] button[type=submit]")
    page.locator("#page-title", has_text=f"Team · {name}").wait_for()
    s.ready()

    page.fill("[data-testid=add-team-member-search]", "vera")
    page.click("[data-testid=add-team-member-pick][aria-label='Add vera']")
    members = page.locator("[data-testid=team-members] li")
    members.filter(has_text="vera").wait_for()
    page.fill("[data-testid=add-team-member-search]", "cod")
    page.click("[data-testid=add-team-member-pick][aria-label='Add cody']")
    members.filter(has_text="cody").wait_for()
    tid = next(t["id"] for t in admin.get("/api/teams")["teams"] if t["name"] == name)
    assert {m["username"] for m in admin.get(f"/api/teams/{tid}")["members"]} == {"vera", "cody"}
    check("team-detail")

    members.filter(has_text="vera").locator("[data-testid=remove-team-member]").click()
    members.filter(has_text="vera").wait_for(state="detached")
    assert {m["username"] for m in admin.get(f"/api/teams/{tid}")["members"]} == {"cody"}
    page.fill("[data-testid=rename-team-form] input[name=name]", name + " renamed")
    page.click("[data-testid=rename-team-form] button[type=submit]")
    page.locator("#page-title", has_text=f"Team · {name} renamed").wait_for()
    assert admin.get(f"/api/teams/{tid}")["name"] == name + " renamed"

    s.go("#/teams", "[data-testid=teams-table]")
    row = page.locator("[data-testid=team-row]", has_text=name + " renamed")
    assert row.locator("[data-testid=team-count]").inner_text() == "1 member"
    check("teams")
    row.locator("[data-testid=delete-team]").click()
    assert row.is_hidden()
    page.locator("[data-testid=toast]", has_text="Deleted the team").wait_for()
    _eventually(lambda: admin.status(f"/api/teams/{tid}") == 404, "the deletion", timeout=20)
    check.assert_clean()


def test_members_see_no_teams_entry_and_no_emails(session, people):
    page = session.page
    _login(session, "vera")
    assert page.locator("#nav-teams").is_hidden()
    session.go("#/team", "[data-testid=team-table]")
    table = page.locator("[data-testid=team-table]")
    assert table.locator("th", has_text="Email").count() == 0
    assert "null" not in table.inner_text() and "@example.com" not in table.inner_text()
    session.go("#/profile", "[data-testid=profile-form]")
    assert page.input_value("[data-testid=profile-form] input[name=email]") == "vera@example.com"


def test_a_guest_sees_only_their_projects_and_the_people_in_them(session, admin, people):
    n = next(_serial)
    pid = _project(admin, people, f"Guest room {n}", roles={"gus": "commenter", "vera": "viewer"},
                   tasks=1)
    page = session.page
    _login(session, "gus")
    assert page.locator("#whoami-role").inner_text() == "Guest"
    session.go("#/projects", "[data-testid=project-card]")
    names = page.locator("[data-testid=project-card] .project-name").all_inner_texts()
    assert names == [f"Guest room {n}"]
    project = page.locator("[data-testid=project-card]")
    assert project.locator("[data-testid=private-badge]").count() == 1
    assert project.locator("a.btn", has_text="Members").count() == 1
    assert project.locator("[data-testid=archive-project]").count() == 0
    session.go(f"#/projects/{pid}", "[data-testid=task-card]")
    assert page.locator("[data-testid=role-note]").inner_text().startswith("You are a commenter")
    session.go("#/team", "[data-testid=team-table]")
    listed = set(page.locator("[data-testid=member-row] strong").all_inner_texts())
    assert listed == {"admin", "gus", "vera"}  # those who share a project with gus
    assert page.locator("[data-testid=team-table] th", has_text="Email").count() == 0
    session.go("#/profile", "[data-testid=profile-form]")
    assert "See only the projects you are added to" in page.locator("#view").inner_text()


# ---------------------------------------------------------- role-aware board
@pytest.mark.parametrize("size", SIZES)
def test_board_and_task_follow_the_role(open_session, server, admin, people, artifacts, size):
    n = next(_serial)
    pid = _project(admin, people, f"Roles {size} {n}",
                   roles={"vera": "viewer", "cody": "commenter", "olga": "editor"})
    task = admin.task(pid, XSS_TITLE, description="Read me")

    # A viewer reads: no new task, no moves, no dragging, no edit, no comment form.
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    _login(s, "vera")
    s.go(f"#/projects/{pid}", "[data-testid=task-card]")
    assert page.locator("[data-testid=role-note]").inner_text().startswith("You are a viewer")
    assert page.locator("[data-testid=new-task]").count() == 0
    assert page.locator("[data-testid=task-card] [data-move]").count() == 0
    assert page.locator("[data-testid=task-card][draggable=true]").count() == 0
    assert page.locator("[data-testid=project-settings]").inner_text() == "Members"
    assert page.locator("#view img").count() == 0
    check("board-viewer")
    card(page, XSS_TITLE).locator(".title a").click()
    page.locator("[data-testid=comments-read-only]").wait_for()
    for absent in ("edit-task-form", "status-buttons", "upload-form", "comment-form",
                   "delete-task"):
        assert page.locator(f"[data-testid={absent}]").count() == 0, absent
    assert page.locator("#page-title").inner_text() == XSS_TITLE
    check("task-viewer")
    s.go(f"#/projects/{pid}/settings", "[data-testid=members-table]")
    assert page.locator("[data-testid=my-role]").inner_text().startswith("Viewer")
    controls = page.locator("[data-testid=members-card] select, [data-testid=members-card] button")
    assert controls.count() == 0
    assert page.locator("[data-testid=shares-card], [data-testid=access-form]").count() == 0
    check("members-viewer")

    # A commenter comments, and no more.
    c = _open(open_session, server, size)
    _login(c, "cody")
    c.go(f"#/projects/{pid}", "[data-testid=task-card]")
    assert c.page.locator("[data-testid=new-task]").count() == 0
    assert c.page.locator("[data-testid=task-card] [data-move]").count() == 0
    c.go(f"#/projects/{pid}/tasks/{task['id']}", "[data-testid=comment-form]")
    assert c.page.locator("[data-testid=edit-task-form]").count() == 0
    assert c.page.locator("[data-testid=status-buttons]").count() == 0
    c.page.fill("[data-testid=comment-form] textarea[name=body]", "Seen <b>by</b> cody")
    c.page.click("[data-testid=comment-form] button[type=submit]")
    c.page.locator("[data-testid=comments] li", has_text="Seen <b>by</b> cody").wait_for()
    check("task-commenter", c.page)

    # An editor edits; once the project is archived, only its owners may.
    e = _open(open_session, server, size)
    _login(e, "olga")
    e.go(f"#/projects/{pid}", "[data-testid=task-card]")
    assert e.page.locator("[data-testid=new-task]").count() == 1
    assert e.page.locator("[data-testid=task-card] [data-move]").count() > 0
    admin.put(f"/api/projects/{pid}", {"name": f"Roles {size} {n}", "status": "archived"})
    e.go("#/dashboard")
    e.go(f"#/projects/{pid}", "[data-testid=task-card]")
    note = e.page.locator("[data-testid=archived-note]").inner_text()
    assert "only its owners can change it" in note
    assert e.page.locator("[data-testid=new-task]").count() == 0
    assert e.page.locator("[data-testid=task-card] [data-move]").count() == 0
    check("board-archived-editor", e.page)
    check.assert_clean()


# ---------------------------------------------------------------- sharing
def _shared(open_session, server, size: str, url: str):
    """A fresh page (no session) opening a share link."""
    s = _open(open_session, server, size)
    s.page.goto(url)
    s.page.locator("#shell:not([hidden])").wait_for()
    s.ready()
    return s


@pytest.mark.parametrize("size", SIZES)
def test_share_links_created_copied_listed_and_revoked(open_session, server, admin, people,
                                                       artifacts, size):
    n = next(_serial)
    name = f"Shared {size} {n}"
    pid = _project(admin, people, name)
    task = admin.task(pid, "Shared task with <i>markup</i>")
    phone = size == "phone"
    s = open_session(server, PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone,
                     permissions=["clipboard-read", "clipboard-write"])
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    s.go(f"#/projects/{pid}/settings", "[data-testid=share-form]")
    form = page.locator("[data-testid=share-form]")
    form.locator("[data-testid=share-role]").select_option("commenter")
    form.locator("[data-testid=share-label]").fill("For the client")
    in_a_week = time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400))
    form.locator("[data-testid=share-expires]").fill(in_a_week)
    form.locator("button[type=submit]").click()
    fresh = page.locator("[data-testid=new-share]")
    fresh.wait_for()
    url = page.input_value("[data-testid=share-url]")
    assert "/frontend#/share/tfs_" in url
    page.click("[data-testid=copy-share]")
    page.locator("[data-testid=copy-status]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    row = page.locator("[data-testid=share-row]", has_text="For the client")
    assert "Can view and comment" in row.inner_text()
    assert row.locator("[data-testid=share-state]").inner_text() == "Active"
    check("share-created")
    page.wait_for_timeout(5500)  # longer than a toast lives: the link stays until dismissed
    assert fresh.is_visible()
    page.click("[data-testid=dismiss-share]")
    assert fresh.count() == 0

    # An expired link is listed as such.
    admin.post(f"/api/projects/{pid}/shares", {"role": "viewer", "label": "Short-lived",
                                               "expires_at": time.time() + 1.5})
    time.sleep(2)
    s.go("#/dashboard")
    s.go(f"#/projects/{pid}/settings", "[data-testid=shares-table]")
    expired = page.locator("[data-testid=share-row]", has_text="Short-lived")
    assert expired.locator("[data-testid=share-state]").inner_text() == "Expired"
    check("share-list")

    # Someone without an account opens the commenter link.
    guest = _shared(open_session, server, size, url)
    gp = guest.page
    gp.locator("[data-testid=task-card]").first.wait_for()
    assert gp.locator("[data-testid=share-mode]").inner_text() == "Shared project — you can comment"
    assert gp.locator("#page-title").inner_text() == name
    assert gp.evaluate("location.hash") == "#/shared"  # the secret left the address bar
    assert gp.evaluate("sessionStorage.getItem('taskflow.share')").startswith("tfs_")
    assert gp.evaluate("localStorage.getItem('taskflow.session')") is None
    assert gp.locator("#sidebar").is_hidden() and gp.locator("#nav a:visible").count() == 0
    assert gp.locator("[data-testid=new-task], [data-testid=project-settings]").count() == 0
    card(gp, "Shared task with <i>markup</i>").locator(".title a").click()
    gp.locator("[data-testid=comment-form]").wait_for()
    assert gp.evaluate("location.hash") == f"#/shared/tasks/{task['id']}"
    assert gp.locator("[data-testid=edit-task-form]").count() == 0
    gp.fill("[data-testid=comment-form] textarea[name=body]", "Looks good from outside")
    gp.click("[data-testid=comment-form] button[type=submit]")
    gp.locator("[data-testid=comments] li", has_text="Looks good from outside").wait_for()
    assert "For the client (share link)" in gp.locator("[data-testid=comments]").inner_text()
    gp.reload()  # the tab keeps the link
    gp.locator("[data-testid=comment-form]").wait_for()
    asked = {url.split("?")[0] for _, url in guest.requests if "/api/" in url or "/auth/" in url}
    assert all(f"/api/projects/{pid}" in u or u.endswith("/api/projects/") for u in asked), asked

    # Revoking it ends access at once: the open page says so at its next poll.
    s.page.locator("[data-testid=share-row]", has_text="For the client") \
        .locator("[data-testid=revoke-share]").click()
    s.page.locator("[data-testid=share-row]", has_text="For the client").wait_for(state="detached")
    gp.locator("[data-testid=share-ended]").wait_for(timeout=15_000)
    assert "revoked or has expired" in gp.locator("[data-testid=share-ended]").inner_text()
    assert gp.locator("#page-title").inner_text() == "This link no longer works"
    assert gp.locator("#login-view").is_hidden()
    check("share-revoked", gp)
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_share_link_read_only_board_without_signing_in(open_session, server, admin, people,
                                                       artifacts, size):
    n = next(_serial)
    pid = _project(admin, people, f"Read only {size} {n}", tasks=6)
    task = admin.task(pid, "A task to read", description="Only to read")
    admin.post(f"/api/projects/{pid}/tasks/{task['id']}/comments", {"body": "An earlier comment"})
    made = admin.post(f"/api/projects/{pid}/shares", {"role": "viewer"})
    s = _shared(open_session, server, size, made["url"])
    page = s.page
    check = Checks(page, artifacts, size)
    page.locator("[data-testid=task-card]").first.wait_for()
    assert page.locator("[data-testid=share-mode]").inner_text() == "Shared project — read only"
    assert page.locator("[data-testid=task-card] [data-move]").count() == 0
    assert page.locator("[data-testid=task-card][draggable=true]").count() == 0
    assert page.locator("[data-testid=new-task]").count() == 0
    check("share-board")
    card(page, "A task to read").locator(".title a").click()
    page.locator("[data-testid=comments-read-only]").wait_for()
    assert page.locator("[data-testid=comment-form]").count() == 0
    assert "An earlier comment" in page.locator("[data-testid=comments]").inner_text()
    check("share-task")
    # Another screen's address shows the login, not a way around the link.
    s.go("#/dashboard")
    assert page.locator("#login-view").is_visible()
    s.go("#/shared", "[data-testid=task-card]")

    # An expired link, opened fresh: a plain message, no login form.
    short = admin.post(f"/api/projects/{pid}/shares",
                       {"role": "viewer", "expires_at": time.time() + 1})
    time.sleep(1.5)
    late = _shared(open_session, server, size, short["url"])
    late.page.locator("[data-testid=share-ended]").wait_for()
    assert late.page.locator("#login-view").is_hidden()
    check("share-expired", late.page)

    # A mangled address says what is wrong.
    bad = _shared(open_session, server, size, server + "/frontend#/share/not-a-token")
    bad.page.locator("[data-testid=share-problem]").wait_for()
    assert bad.page.locator("#page-title").inner_text() == "Not a share link"
    check.assert_clean()


def test_a_share_token_reaches_nothing_else(server, admin, people):
    """What the page relies on: the token lists its one project and is refused elsewhere."""
    n = next(_serial)
    pid = _project(admin, people, f"Token scope {n}", tasks=1)
    token = admin.post(f"/api/projects/{pid}/shares", {"role": "viewer"})["token"]
    listed = http_json(server + "/api/projects/?include_archived=1", token)["projects"]
    assert [p["id"] for p in listed] == [pid] and listed[0]["my_role"] == "viewer"
    assert http_status(server + "/api/users/?limit=100", token) == 403
    with pytest.raises(urllib.error.HTTPError) as err:
        http_json(server + f"/api/projects/{pid}/tasks", token, {"title": "no"})
    assert err.value.code == 403
