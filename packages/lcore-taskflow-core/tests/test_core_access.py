"""Who sees what (SPEC §9, docs/access.md): roles, members, teams, share links.

The full route x caller x visibility table and the list totals live in the
repository's ``tests/access`` suite (every plugin loaded); these are core's
own rules, one behaviour per test, on both engines.
"""

from __future__ import annotations

import time

import pytest
from core_testutil import assert_error
from lcore_taskflow.core import Deny, Grant, events, hookimpl
from lcore_taskflow.core.testing import (
    Client,
    make_private,
    project_roles,
    with_project_role,
)


@pytest.fixture
def secret(app):
    """A private project with one task, owned by admin."""
    pid = make_private(app, "Secret plans")
    admin = Client(app, "admin")
    task = admin.post(f"/api/projects/{pid}/tasks", json={"title": "Hidden task"}).json["id"]
    return {"pid": pid, "task": task}


def test_a_private_project_is_invisible_to_outsiders(app, secret, alice):
    pid, task = secret["pid"], secret["task"]
    base = f"/api/projects/{pid}"
    for path in (base, f"{base}/tasks", f"{base}/tasks/{task}", f"{base}/members",
                 f"{base}/tasks/changes", f"{base}/tasks/{task}/comments"):
        reply = alice.get(path)
        assert reply.status == 404, path
        assert "Secret" not in reply.text
    assert_error(alice.post(f"/api/projects/{pid}/tasks", json={"title": "x"}), 404)
    listed = alice.get("/api/projects/").json
    assert pid not in [p["id"] for p in listed["projects"]] and listed["total"] == 2
    overview = alice.get("/api/projects/dashboard/overview").json
    assert pid not in [p["id"] for p in overview["projects"]]
    assert overview["totals"]["projects"] == 2 and overview["totals"]["tasks"] == 3
    activity = alice.get("/api/projects/dashboard/activity").json["activity"]
    assert all(entry["project_id"] != pid for entry in activity)
    assert "Hidden task" not in alice.get("/api/projects/dashboard/activity").text


def test_roles_decide_what_a_member_may_do(app, secret):
    pid, task = secret["pid"], secret["task"]
    for role, create, comment, delete in (("viewer", 403, 403, 403),
                                          ("commenter", 403, 201, 403),
                                          ("editor", 201, 201, 403),
                                          ("owner", 201, 201, 200)):
        client = Client(app, with_project_role(app, pid, role))
        assert client.get(f"/api/projects/{pid}").json["my_role"] == role
        reply = client.post(f"/api/projects/{pid}/tasks", json={"title": f"by {role}"})
        assert reply.status == create, role
        if create == 403:
            assert "needs the editor role" in reply.json["error"]
        assert client.post(f"/api/projects/{pid}/tasks/{task}/comments",
                           json={"body": "hi"}).status == comment
        doomed = Client(app, "admin").post(f"/api/projects/{pid}/tasks",
                                           json={"title": "doomed"}).json["id"]
        assert client.delete(f"/api/projects/{pid}/tasks/{doomed}").status == delete


def test_workspace_projects_give_members_the_workspace_role(app, alice, admin):
    assert alice.get("/api/projects/1").json["my_role"] == "editor"
    admin.put("/api/projects/1", json={"name": "Website Redesign", "workspace_role": "viewer"})
    assert alice.get("/api/projects/1").json["my_role"] == "viewer"
    assert_error(alice.post("/api/projects/1/tasks", json={"title": "x"}), 403)
    # a direct role above the workspace role wins: the highest counts
    with_project_role(app, 1, "editor", "alice")
    assert alice.get("/api/projects/1").json["my_role"] == "editor"
    admin.put("/api/projects/1", json={"name": "Website Redesign", "visibility": "private"})
    assert alice.get("/api/projects/1").json["my_role"] == "editor"
    assert_error(Client(app, "bob").get("/api/projects/1"), 404)


def test_roles_through_teams_and_the_members_listing(app, secret, admin, recorder):
    pid = secret["pid"]
    team = admin.post("/api/teams", json={"name": "Design"})
    assert team.status == 201
    tid = team.json["id"]
    assert_error(admin.post("/api/teams", json={"name": "design"}), 409)
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/").json["users"]}
    assert admin.put(f"/api/teams/{tid}/members/{ids['bob']}").status == 201
    assert admin.put(f"/api/teams/{tid}/members/{ids['bob']}").status == 200
    bob = Client(app, "bob")
    assert_error(bob.get(f"/api/projects/{pid}"), 404)
    assert admin.put(f"/api/projects/{pid}/members/teams/{tid}",
                     json={"role": "commenter"}).status == 201
    assert bob.get(f"/api/projects/{pid}").json["my_role"] == "commenter"
    members = bob.get(f"/api/projects/{pid}/members").json
    assert {"user_id": ids["bob"], "username": "bob", "role": "commenter",
            "via": "Design"} in members["users"]
    assert members["teams"] == [{"team_id": tid, "name": "Design", "role": "commenter"}]
    assert admin.put(f"/api/projects/{pid}/members/users/{ids['bob']}",
                     json={"role": "viewer"}).status == 201  # direct, lower: the team's wins
    assert bob.get(f"/api/projects/{pid}").json["my_role"] == "commenter"
    assert admin.delete(f"/api/teams/{tid}/members/{ids['bob']}").status == 204
    assert bob.get(f"/api/projects/{pid}").json["my_role"] == "viewer"
    assert admin.delete(f"/api/teams/{tid}").status == 204
    assert recorder.types().count("team.created") == 1
    assert {"team.member_added", "team.member_removed", "team.deleted",
            "project.member_added"} <= set(recorder.types())


def test_member_changes_need_an_owner_and_keep_one(app, secret, admin, recorder):
    pid = secret["pid"]
    editor = Client(app, with_project_role(app, pid, "editor"))
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/").json["users"]}
    assert_error(editor.put(f"/api/projects/{pid}/members/users/{ids['bob']}",
                            json={"role": "viewer"}), 403)
    assert_error(admin.put(f"/api/projects/{pid}/members/users/{ids['bob']}",
                           json={"role": "boss"}), 422, fields=("role",))
    assert_error(admin.put(f"/api/projects/{pid}/members/users/99999",
                           json={"role": "viewer"}), 404)
    # admin is the only owner: neither demoted nor removed
    reply = admin.put(f"/api/projects/{pid}/members/users/{ids['admin']}", json={"role": "viewer"})
    assert reply.status == 409 and "without an owner" in reply.json["error"]
    assert_error(admin.delete(f"/api/projects/{pid}/members/users/{ids['admin']}"), 409)
    assert admin.put(f"/api/projects/{pid}/members/users/{ids['bob']}",
                     json={"role": "owner"}).status == 201
    assert admin.put(f"/api/projects/{pid}/members/users/{ids['admin']}",
                     json={"role": "editor"}).status == 200
    assert project_roles(app, pid)["admin"] == "editor"
    updated = recorder.of(events.ProjectMemberUpdated)[-1]
    assert updated.previous_role == "owner" and updated.member["role"] == "editor"
    assert_error(admin.delete(f"/api/projects/{pid}/members/users/{ids['alice']}"), 404)


def test_archived_projects_are_read_only_except_for_owners(app, admin, alice):
    admin.put("/api/projects/1", json={"name": "Website Redesign", "status": "archived"})
    reply = alice.post("/api/projects/1/tasks", json={"title": "late"})
    assert reply.status == 403 and "archived" in reply.json["error"]
    assert_error(alice.patch("/api/projects/1/tasks/1", json={"priority": "low"}), 403)
    assert_error(alice.post("/api/projects/1/tasks/1/comments", json={"body": "x"}), 403)
    assert alice.get("/api/projects/1/tasks").status == 200
    assert admin.post("/api/projects/1/tasks", json={"title": "owner may"}).status == 201


def test_project_creators_setting(taskflow_app):
    default = Client(taskflow_app.default(), "alice")
    assert_error(default.post("/api/projects/", json={"name": "Mine"}), 403)
    app = taskflow_app(project_creators="members")
    alice = Client(app, "alice")
    made = alice.post("/api/projects/", json={"name": "Mine", "visibility": "private"})
    assert made.status == 201
    assert alice.get(f"/api/projects/{made.json['id']}").json["my_role"] == "owner"
    assert_error(Client(app, "bob").get(f"/api/projects/{made.json['id']}"), 404)
    guest = with_project_role(app, 1, "viewer", "gus", workspace_role="guest")
    assert_error(Client(app, guest).post("/api/projects/", json={"name": "No"}), 403)


def test_an_assignee_must_see_the_project(app, secret, admin):
    pid = secret["pid"]
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/").json["users"]}
    reply = admin.post(f"/api/projects/{pid}/tasks", json={"title": "t",
                                                           "assignee_id": ids["bob"]})
    assert reply.status == 422
    assert "who can see project" in reply.json["fields"]["assignee_id"]
    assert "bob" not in reply.text  # naming nobody: a guest must not learn who exists
    with_project_role(app, pid, "viewer", "bob")
    assert admin.post(f"/api/projects/{pid}/tasks", json={"title": "t",
                                                          "assignee_id": ids["bob"]}).status == 201


def test_guests_see_their_projects_and_co_members_only(app, secret, admin):
    pid = secret["pid"]
    guest = Client(app, with_project_role(app, pid, "viewer", "gus", workspace_role="guest"))
    assert [p["id"] for p in guest.get("/api/projects/").json["projects"]] == [pid]
    assert_error(guest.get("/api/projects/1"), 404)
    names = {u["username"] for u in guest.get("/api/users/").json["users"]}
    assert names == {"admin", "gus"}  # the project's members: its owner and the guest
    ids = {u["username"]: u["id"] for u in admin.get("/api/users/").json["users"]}
    assert_error(guest.get(f"/api/users/{ids['bob']}"), 404)
    assert guest.get("/api/users/search", query={"q": "o"}).json["total"] == 0
    assert guest.get("/api/projects/dashboard/overview").json["totals"]["users"] == 2


def test_emails_are_for_admins_and_the_user_themself(app, admin, alice, ids):
    listed = {u["username"]: u["email"] for u in alice.get("/api/users/").json["users"]}
    assert listed == {"admin": None, "alice": "alice@taskflow.local", "bob": None}
    assert alice.get(f"/api/users/{ids['bob']}").json["email"] is None
    assert admin.get(f"/api/users/{ids['bob']}").json["email"] == "bob@taskflow.local"


def test_share_links_open_one_project_until_revoked(app, secret, admin, recorder):
    pid, task = secret["pid"], secret["task"]
    made = admin.post(f"/api/projects/{pid}/shares", json={"label": "Client", "role": "commenter"})
    assert made.status == 201 and made.json["token"].startswith("tfs_")
    assert made.json["url"].endswith(f"/frontend#/share/{made.json['token']}")
    link = Client(app).with_token(made.json["token"])
    assert link.get(f"/api/projects/{pid}/tasks").json["total"] == 1
    assert [p["id"] for p in link.get("/api/projects/").json["projects"]] == [pid]
    assert_error(link.get("/api/projects/1"), 404)
    assert_error(link.get("/api/users/"), 403)
    assert_error(link.post(f"/api/projects/{pid}/tasks", json={"title": "x"}), 403)
    comment = link.post(f"/api/projects/{pid}/tasks/{task}/comments", json={"body": "From client"})
    assert comment.status == 201
    shown = admin.get(f"/api/projects/{pid}/tasks/{task}").json["comments"][-1]
    assert shown["username"] == "Client (share link)" and shown["user_id"] is None
    listed = admin.get(f"/api/projects/{pid}/shares").json["shares"]
    assert [s["id"] for s in listed] == [made.json["id"]] and "token" not in listed[0]
    assert admin.delete(f"/api/projects/{pid}/shares/{made.json['id']}").status == 204
    gone = link.get(f"/api/projects/{pid}/tasks")
    assert gone.status == 401 and "revoked or has expired" in gone.json["error"]
    assert recorder.types().count("share.created") == recorder.types().count("share.revoked") == 1


def test_share_links_expire_and_are_read_only_by_default(app, secret, admin):
    pid = secret["pid"]
    assert_error(admin.post(f"/api/projects/{pid}/shares",
                            json={"expires_at": time.time() - 5}), 422, fields=("expires_at",))
    made = admin.post(f"/api/projects/{pid}/shares", json={"expires_at": time.time() + 60}).json
    link = Client(app).with_token(made["token"])
    task = secret["task"]
    assert_error(link.post(f"/api/projects/{pid}/tasks/{task}/comments", json={"body": "x"}), 403)
    with app.taskflow.database() as db:
        db.execute("UPDATE share_links SET expires_at = ? WHERE id = ?", (time.time() - 1,
                                                                          made["id"]))
    assert link.get(f"/api/projects/{pid}").status == 401
    assert Client(app).with_token("tfs_" + "x" * 43).get(f"/api/projects/{pid}").status == 401
    assert admin.get(f"/api/projects/{pid}/shares").json["shares"][0]["expired"] is True


def test_attachments_of_hidden_projects_are_not_served(app, secret, admin, alice):
    from lcore_taskflow.core.testing import multipart

    pid, task = secret["pid"], secret["task"]
    body, ctype = multipart("file", "plan.txt", b"secret plan\n", "text/plain")
    name = admin.post(f"/api/projects/{pid}/tasks/{task}/attachment", body=body,
                      headers={"Content-Type": ctype}).json["filename"]
    assert admin.get(f"/api/projects/attachments/{name}").status == 200
    assert_error(alice.get(f"/api/projects/attachments/{name}"), 404)
    with_project_role(app, pid, "viewer", "alice")
    assert alice.get(f"/api/projects/attachments/{name}").status == 200


class Auditor:
    """Grants viewer everywhere to alice, and denies project 2 to her."""

    name, version = "auditor", "1"

    @hookimpl
    def taskflow_project_access(self, user, kernel):
        if user["username"] != "alice":
            return None
        return [Grant("viewer", "SELECT id FROM projects"),
                Deny("SELECT id FROM projects WHERE id = ?", (2,))]


def test_plugins_grant_and_deny_roles(taskflow_app):
    app = taskflow_app([Auditor()])
    pid = make_private(app, "Audited")
    alice = Client(app, "alice")
    assert alice.get(f"/api/projects/{pid}").json["my_role"] == "viewer"
    assert_error(alice.get("/api/projects/2"), 404)  # the deny wins over the workspace role
    assert alice.get("/api/projects/1").json["my_role"] == "editor"  # the highest counts
    assert sorted(p["id"] for p in alice.get("/api/projects/").json["projects"]) == [1, pid]
    assert Client(app, "bob").get("/api/projects/").json["total"] == 2
