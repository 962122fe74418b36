"""Who can see a project, for many people at once (``kernel.project_viewers`` and
``kernel.project_viewers_where``, docs/access.md), and the user's own time zone
(``PATCH /api/users/me``)."""

from __future__ import annotations

from lcore_taskflow.core.testing import assert_error, make_private, with_project_role


def viewers_by_sql(kernel, pid: int, ids: list[int]) -> set[int]:
    condition, params = kernel.project_viewers_where(pid, "u")
    marks = ", ".join("?" for _ in ids)
    with kernel.database() as db:
        return {r["id"] for r in db.fetchall(
            f"SELECT u.id FROM users u WHERE u.id IN ({marks}) AND {condition}",
            (*ids, *params))}


def test_the_people_who_can_see_a_project(app, kernel, admin, ids):
    secret = make_private(app, "Secret")
    with_project_role(app, secret, "viewer", "vera")
    with_project_role(app, secret, "viewer", "gus", workspace_role="guest")
    other = make_private(app, "Elsewhere")
    with_project_role(app, other, "editor", "gina", workspace_role="guest")
    team = admin.post("/api/teams", json={"name": "Readers"}).json["id"]
    assert admin.put(f"/api/teams/{team}/members/{ids['bob']}").status == 201
    assert admin.put(f"/api/projects/{secret}/members/teams/{team}",
                     json={"role": "viewer"}).status == 201
    now = {**ids, **{u["username"]: u["id"] for u in admin.get(
        "/api/users/", query={"limit": 100}).json["users"]}}
    everyone = sorted(now.values())
    with kernel.database() as db:  # a deactivated member sees nothing
        db.execute("UPDATE users SET is_active = 0 WHERE username = 'vera'")
    expected = {now["admin"], now["gus"], now["bob"]}  # admin, a guest member, through a team
    with kernel.database():
        assert kernel.project_viewers(secret, everyone) == expected
        assert viewers_by_sql(kernel, secret, everyone) == expected
        # A workspace project: every active member and admin, a guest only as a member.
        workspace = {now["admin"], now["alice"], now["bob"]}
        assert kernel.project_viewers(1, everyone) == workspace
        assert viewers_by_sql(kernel, 1, everyone) == workspace
        assert kernel.project_viewers(999999, everyone) == set()
        assert kernel.project_viewers(secret, []) == set()


def test_a_user_sets_their_own_time_zone(alice):
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "x" * 65):
        assert_error(alice.patch("/api/users/me", json={"timezone": bad}), 422,
                     fields=("timezone",))
    assert_error(alice.patch("/api/users/me", json={}), 422, fields=("timezone",))
    r = alice.patch("/api/users/me", json={"timezone": "America/Sao_Paulo"})
    assert r.status == 200 and r.json["timezone"] == "America/Sao_Paulo", r
