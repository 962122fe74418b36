"""``kernel.users.erase``: an account removed with its personal data, its content kept
(the service behind io's ``DELETE /api/users/me``), on every engine."""

from __future__ import annotations

import pytest
from lcore_taskflow.core import ApiError


def test_erase_clears_assignments_keeps_comments_and_ends_credentials(
        kernel, admin, alice, ids, recorder):
    uid = ids["alice"]
    tid = admin.post("/api/projects/1/tasks", json={"title": "Hers", "assignee_id": uid}).json["id"]
    alice.post(f"/api/projects/1/tasks/{tid}/comments", json={"body": "Noted"})
    alice.post(f"/api/projects/1/tasks/{tid}/checklist", json={"title": "Step", "assignee_id": uid})
    alice.post("/api/views", json={"name": "Mine", "query": "status=todo"})
    admin.put(f"/api/projects/1/members/users/{uid}", json={"role": "editor"})
    with kernel.database() as db:
        generation = db.scalar("SELECT token_generation FROM users WHERE id = ?", (uid,))

    counts = kernel.users.erase(uid, actor=None)

    assert counts["comments_kept"] == 1 and counts["assignments_cleared"] >= 1
    task = admin.get(f"/api/projects/1/tasks/{tid}").json
    assert task["assignee_id"] is None
    assert [(c["username"], c["body"]) for c in task["comments"]] == [("deleted user", "Noted")]
    with kernel.database() as db:
        row = db.fetchone("SELECT username, email, is_active, role, token_generation,"
                          " password_hash FROM users WHERE id = ?", (uid,))
        for table in ("project_members", "team_members", "saved_views"):
            assert db.scalar(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (uid,)) == 0
        assert db.scalar("SELECT COUNT(*) FROM checklist_items WHERE assignee_id = ?",
                         (uid,)) == 0
        actors = {r["actor"] for r in db.fetchall("SELECT actor FROM activity"
                                                  " WHERE actor_id = ?", (uid,))}
    assert actors == {"deleted user"}  # alice commented and added a checklist item
    assert (row["username"], row["is_active"], row["role"]) == (f"deleted-user-{uid}", 0,
                                                                   "guest")
    assert "alice" not in row["email"] and row["token_generation"] == generation + 1
    assert kernel.users.authenticate("alice", "alice123") is None
    assert kernel.users.session(uid, generation) is None
    assert [e.user["username"] for e in recorder.of("user.deleted")] == ["alice"]
    audit = admin.get("/api/admin/audit?action=user.deleted").json["entries"]
    assert [e["target"] for e in audit] == ["user:alice"]


def test_erase_refuses_the_last_admin_and_a_second_time(kernel, ids):
    with pytest.raises(ApiError) as last:
        kernel.users.erase(ids["admin"])
    assert last.value.status_code == 409
    kernel.users.erase(ids["bob"])
    with pytest.raises(ApiError) as again:
        kernel.users.erase(ids["bob"])
    assert again.value.status_code == 404
    with pytest.raises(ApiError) as unknown:
        kernel.users.erase(99999)
    assert unknown.value.status_code == 404


def test_erase_unnames_the_activity_feed_but_not_titles(kernel, admin, alice, ids):
    """Summaries that name the user (as actor, assignee or member) say "deleted user"; a task
    title that holds the same word stays as written."""
    uid = ids["alice"]
    tid = admin.post("/api/projects/1/tasks", json={"title": "Ask alice about it",
                                                    "assignee_id": uid}).json["id"]
    alice.post(f"/api/projects/1/tasks/{tid}/comments", json={"body": "Sure"})
    admin.put(f"/api/projects/1/members/users/{uid}", json={"role": "editor"})
    kernel.users.erase(uid, actor=None)
    with kernel.database() as db:
        summaries = [r["summary"] for r in db.fetchall(
            "SELECT summary FROM activity WHERE summary LIKE '%alice%' OR summary LIKE"
            " '%deleted user%' ORDER BY id")]
    assert "admin assigned 'Ask alice about it' to deleted user" in summaries
    assert "deleted user commented on 'Ask alice about it'" in summaries
    assert "admin gave deleted user the editor role in 'Website Redesign'" in summaries
    assert not [s for s in summaries if "alice" in s.replace("'Ask alice about it'", "")]
