"""The audit log (SPEC §10): security events written with the change, read by admins."""

from __future__ import annotations

import csv
import io
import time

from core_testutil import assert_error
from lcore_taskflow.core import ApiError, events, hookimpl
from lcore_taskflow.core.testing import Client, make_private


def entries(admin, **query):
    reply = admin.get("/api/admin/audit", query=query)
    assert reply.status == 200, reply
    return reply.json


def test_role_membership_team_and_share_changes_are_audited(app, admin, ids):
    assert admin.patch(f"/api/users/{ids['bob']}", json={"role": "admin"}).status == 200
    pid = make_private(app, "Audited")
    admin.put(f"/api/projects/{pid}/members/users/{ids['alice']}", json={"role": "viewer"})
    admin.put(f"/api/projects/{pid}/members/users/{ids['alice']}", json={"role": "editor"})
    team = admin.post("/api/teams", json={"name": "Ops"}).json["id"]
    admin.put(f"/api/teams/{team}/members/{ids['alice']}")
    share = admin.post(f"/api/projects/{pid}/shares", json={"label": "x"}).json["id"]
    admin.delete(f"/api/projects/{pid}/shares/{share}")
    admin.patch(f"/api/users/{ids['bob']}", json={"is_active": False})
    body = entries(admin)
    actions = [e["action"] for e in body["entries"]][::-1]
    assert actions == ["user.role_changed", "project.member_added", "project.member_updated",
                       "team.created", "team.member_added", "share.created", "share.revoked",
                       "user.deactivated"]
    assert body["total"] == 8
    role = body["entries"][-1]
    assert role["actor"] == "admin" and role["actor_id"] == ids["admin"]
    assert role["target"] == "user:bob" and role["details"] == {"from": "member", "to": "admin"}
    assert "address" in role  # None in process; over HTTP the client's (auth's serving test)
    updated = next(e for e in body["entries"] if e["action"] == "project.member_updated")
    assert updated["details"] == {"member": "user:alice", "role": "editor",
                                  "previous_role": "viewer"}
    assert updated["target"] == f"project:{pid}"


def test_filters_pages_and_csv(admin, ids):
    for role in ("admin", "member", "admin"):
        admin.patch(f"/api/users/{ids['bob']}", json={"role": role})
    admin.post("/api/teams", json={"name": "Ops"})
    assert entries(admin, action="user.role_changed")["total"] == 3
    assert entries(admin, action="team.")["total"] == 1
    assert entries(admin, user_id=ids["alice"])["total"] == 0
    assert entries(admin, since=int(time.time()) + 60)["total"] == 0
    page = entries(admin, limit=2, page=2)
    assert page["total"] == 4 and len(page["entries"]) == 2
    assert page["entries"][-1]["action"] == "user.role_changed"
    reply = admin.get("/api/admin/audit", query={"format": "csv", "action": "user.role_changed"})
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["id", "at", "actor_id", "actor", "action", "target", "address", "details"]
    assert len(rows) == 4 and {r[4] for r in rows[1:]} == {"user.role_changed"}
    assert_error(admin.get("/api/admin/audit", query={"format": "xml"}), 400)


def test_only_admins_read_it_and_nobody_writes_it(admin, alice, client):
    assert_error(alice.get("/api/admin/audit"), 403)
    assert_error(client.get("/api/admin/audit"), 401)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin, method)("/api/admin/audit").status == 405


class Refuser:
    """Refuses every role change after core wrote its audit entry."""

    name, version = "refuser", "1"

    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, events.UserUpdated) and "role" in event.changes:
            raise ApiError(409, "refused by a plugin")


def test_a_change_that_rolls_back_leaves_no_entry(taskflow_app):
    app = taskflow_app([Refuser()])
    admin = Client(app, "admin")
    bob = next(u for u in admin.get("/api/users/").json["users"] if u["username"] == "bob")
    assert_error(admin.patch(f"/api/users/{bob['id']}", json={"role": "admin"}), 409)
    assert entries(admin)["total"] == 0


def test_plugins_write_entries_and_prune_forgets_old_ones(app, admin):
    kernel = app.taskflow
    with kernel.database() as db, db.transaction():
        kernel.audit("export.downloaded", target="project:1", details={"rows": 3},
                     actor={"id": 1, "username": "admin"})
        db.execute("UPDATE audit_log SET at = ?", (time.time() - 400 * 86400,))
        kernel.audit("export.downloaded", target="project:2", actor=None)
    body = entries(admin)
    assert [e["target"] for e in body["entries"]] == ["project:2", "project:1"]
    assert body["entries"][0]["actor"] is None and body["entries"][1]["details"] == {"rows": 3}
    try:
        kernel.audit("nodot")
    except ValueError as exc:
        assert "area.verb" in str(exc)
    else:
        raise AssertionError("an action without a dot was accepted")
    from lcore_taskflow.core._audit import prune

    with kernel.database() as db:
        assert prune(db, kernel.config.audit_retention_days) == 1
    assert entries(admin)["total"] == 1
