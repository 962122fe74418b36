"""Signing in through the real provider: users created, reused and linked; groups synced.

Each test runs on SQLite and PostgreSQL, against a live TaskFlow (core + auth +
oidc) on a loopback port, with a browser made of a requests session that fills
in the provider's login form.
"""

from __future__ import annotations

import json

import pytest
from lcore_taskflow.core.testing import Client, login

pytestmark = pytest.mark.timeout(180)


def audit(site, action: str) -> list[dict]:
    rows = site.rows("SELECT actor, action, target, details FROM audit_log WHERE action = ?"
                     " ORDER BY id", (action,))
    return [{**r, "details": json.loads(r["details"])} for r in rows]


def links(site) -> list[dict]:
    return site.rows("SELECT issuer, subject, user_id, admin_granted FROM oidc_links ORDER BY id")


def teams_of(site, username: str) -> list[str]:
    return [r["name"] for r in site.rows(
        "SELECT t.name FROM teams t JOIN team_members m ON m.team_id = t.id JOIN users u"
        " ON u.id = m.user_id WHERE u.username = ? ORDER BY t.name", (username,))]


def test_first_sign_in_creates_the_user_and_starts_a_session(site, browser, person,
                                                              oidc_provider):
    login_name, password = person("carol", name="Carol Example")
    answer = browser.sign_in(site.base, login_name, password)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == f"{site.base}/frontend"
    assert "session_user=" in answer.headers.get("Set-Cookie", "")

    me = browser.me(site.base)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "carol"
    assert me.json()["role"] == "member"
    assert me.json()["email"] == "carol@example.com"
    user = site.user("carol")
    assert links(site) == [{"issuer": oidc_provider.issuer, "subject": "carol",
                            "user_id": user["id"], "admin_granted": 0}]
    assert [e["target"] for e in audit(site, "user.created")] == ["user:carol"]
    assert audit(site, "oidc.linked")[0]["details"]["by"] == "created"
    logins = audit(site, "auth.login")
    assert [(e["actor"], e["details"]["via"]) for e in logins] == [("carol", "oidc")]
    # nobody knows the password the account was created with
    assert Client(site.app).post("/auth/login", json={"username": "carol",
                                                      "password": password}).status == 401


def test_a_second_sign_in_reuses_the_user_even_with_a_new_email(site, person, oidc_provider):
    from oidc_testutil import Browser

    login_name, password = person("dave")
    first = Browser()
    assert first.sign_in(site.base, login_name, password).status_code == 302
    user_id = first.me(site.base).json()["id"]
    # The provider changes the address (and even the preferred username): the identity is
    # issuer + subject, so the same account signs in.
    oidc_provider.account(login_name, password, email="dave.new@example.com",
                          email_verified=True, preferred_username="david")
    second = Browser()
    assert second.sign_in(site.base, login_name, password).status_code == 302
    me = second.me(site.base).json()
    assert (me["id"], me["username"]) == (user_id, "dave")
    assert len(links(site)) == 1
    assert len(site.rows("SELECT id FROM users WHERE username LIKE 'dav%'")) == 1
    assert len(audit(site, "auth.login")) == 2
    assert len(audit(site, "user.created")) == 1


def test_an_existing_account_is_linked_by_a_verified_email(site, browser, person):
    alice = site.user("alice")
    login_name, password = person("alice-at-idp", email="ALICE@taskflow.local",
                                  email_verified=True)
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    me = browser.me(site.base).json()
    assert (me["id"], me["username"]) == (alice["id"], "alice")
    assert links(site)[0]["user_id"] == alice["id"]
    assert audit(site, "oidc.linked")[0]["details"]["by"] == "email"
    assert audit(site, "user.created") == []


def test_an_unverified_email_of_an_existing_account_is_refused(site, browser, person):
    login_name, password = person("mallory", email="alice@taskflow.local", email_verified=False)
    answer = browser.sign_in(site.base, login_name, password)
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["status"] == 403
    assert "alice@taskflow.local" in body["error"] and "verified" in body["error"]
    assert "session_user=" not in answer.headers.get("Set-Cookie", "")
    assert browser.me(site.base).status_code == 401
    assert links(site) == []
    failed = audit(site, "auth.login_failed")
    assert [e["details"]["reason"] for e in failed] == ["email_unverified"]


def test_a_browser_gets_the_refusal_as_a_page(site, browser, person):
    login_name, password = person("mallory2", email="bob@taskflow.local", email_verified="false")
    callback = browser.start(site.base, login_name, password)
    page = browser.get(callback, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 403
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<h1>Sign-in failed</h1>" in page.text
    assert "bob@taskflow.local" in page.text and "/auth/oidc/login" in page.text


def test_no_account_is_created_when_creation_is_off(make_site, browser, person):
    site = make_site(oidc_create_users=False)
    login_name, password = person("erin")
    answer = browser.sign_in(site.base, login_name, password)
    assert answer.status_code == 403
    assert "APP_OIDC_CREATE_USERS" in answer.json()["error"]
    assert site.user("erin") is None and links(site) == []
    assert audit(site, "auth.login_failed")[0]["details"]["reason"] == "no_account"
    # linking an existing account by its verified email still works
    from oidc_testutil import Browser

    login_name, password = person("bob-idp", email="bob@taskflow.local")
    other = Browser()  # the first one still has erin's session at the provider
    assert other.sign_in(site.base, login_name, password).status_code == 302
    assert other.me(site.base).json()["username"] == "bob"


def test_usernames_are_made_valid_and_unique(site, person):
    from oidc_testutil import Browser

    names = []
    for login_name, claims in [("u1", {"preferred_username": "José Núñez"}),
                               ("u2", {"preferred_username": "alice"}),  # taken by the demo user
                               ("u3", {"preferred_username": "x@corp.example"}),
                               ("u4", {"preferred_username": "José Núñez"})]:
        login_name, password = person(login_name, **claims)
        browser = Browser()
        assert browser.sign_in(site.base, login_name, password).status_code == 302
        names.append(browser.me(site.base).json()["username"])
    assert names == ["Jose-Nunez", "alice-2", "x-user", "Jose-Nunez-2"]


def test_groups_map_to_teams_and_follow_the_provider(make_site, person, oidc_provider):
    from oidc_testutil import Browser

    site = make_site(oidc_team_map=["eng=Engineering", "design=Design", "ops"],
                     oidc_groups_claim="groups")
    admin = site.admin()
    eng = admin.post("/api/teams", json={"name": "Engineering"}).json["id"]
    admin.post("/api/teams", json={"name": "ops"})
    manual = admin.post("/api/teams", json={"name": "Hand-made"}).json["id"]

    login_name, password = person("frank", groups=["eng", "ops", "unmapped"])
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    frank = site.user("frank")
    assert teams_of(site, "frank") == ["Engineering", "ops"]
    assert site.rows("SELECT id FROM teams WHERE name = 'Design'") == []  # not created
    assert admin.put(f"/api/teams/{manual}/members/{frank['id']}").status == 201

    # the provider moves frank from eng to design: one team less, none more (Design
    # does not exist and creating teams is off); the hand-made team is not touched
    oidc_provider.account(login_name, password, email="frank@example.com", email_verified=True,
                          groups=["design", "ops"])
    assert Browser().sign_in(site.base, login_name, password).status_code == 302
    assert teams_of(site, "frank") == ["Hand-made", "ops"]
    removed = audit(site, "team.member_removed")
    assert [(e["target"], e["actor"]) for e in removed] == [("team:Engineering", None)]
    members = admin.get(f"/api/teams/{eng}").json["members"]
    assert frank["id"] not in [m["user_id"] for m in members]


def test_missing_teams_are_created_when_configured(make_site, person, oidc_provider):
    from oidc_testutil import Browser

    site = make_site(oidc_team_map=["design=Design", "design=Product"], oidc_create_teams=True,
                     oidc_groups_claim="realm_access.roles")
    login_name, password = person("gina", realm_access={"roles": ["design"]})
    assert Browser().sign_in(site.base, login_name, password).status_code == 302
    assert teams_of(site, "gina") == ["Design", "Product"]
    assert sorted(e["target"] for e in audit(site, "team.created")) == [
        "team:Design", "team:Product"]
    # a second person joins the same teams: no duplicate team
    login_name, password = person("hank", realm_access={"roles": ["design"]})
    assert Browser().sign_in(site.base, login_name, password).status_code == 302
    assert len(site.rows("SELECT id FROM teams WHERE name IN ('Design', 'Product')")) == 2
    # teams are visible through core's API, with their members
    listed = {t["name"]: t["member_count"] for t in site.admin().get("/api/teams").json["teams"]}
    assert listed["Design"] == 2 and listed["Product"] == 2


def test_admin_groups_give_and_take_back_the_admin_role(make_site, person, oidc_provider):
    from oidc_testutil import Browser

    site = make_site(oidc_admin_groups=["taskflow-admins"])
    login_name, password = person("ivy", groups=["staff", "taskflow-admins"])
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    assert browser.me(site.base).json()["role"] == "admin"
    assert links(site)[0]["admin_granted"] == 1
    changed = audit(site, "user.role_changed")
    assert [(e["target"], e["details"]) for e in changed] == [
        ("user:ivy", {"from": "member", "to": "admin"})]

    oidc_provider.account(login_name, password, email="ivy@example.com", email_verified=True,
                          groups=["staff"])
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    assert browser.me(site.base).json()["role"] == "member"
    assert links(site)[0]["admin_granted"] == 0

    # An admin made by hand is not demoted by sign-in, whatever their groups say
    login_name, password = person("admin-idp", email="admin@taskflow.local", groups=["staff"])
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    assert browser.me(site.base).json()["role"] == "admin"


def test_a_deactivated_account_is_refused(site, browser, person):
    login_name, password = person("jack")
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    jack = site.user("jack")
    assert site.admin().patch(f"/api/users/{jack['id']}", json={"is_active": False}).status == 200
    from oidc_testutil import Browser

    again = Browser().sign_in(site.base, login_name, password)
    assert again.status_code == 403 and "deactivated" in again.json()["error"]
    assert browser.me(site.base).status_code == 401  # the earlier session ended too


def test_a_deleted_user_loses_the_link_and_comes_back_as_a_new_account(site, person):
    from oidc_testutil import Browser

    login_name, password = person("kate")
    assert Browser().sign_in(site.base, login_name, password).status_code == 302
    kate = site.user("kate")
    assert site.admin().delete(f"/api/users/{kate['id']}").status == 200
    assert links(site) == []
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    assert browser.me(site.base).json()["id"] != kate["id"]


def test_a_user_whose_password_changed_still_gets_a_working_session(site, person):
    """The session sign-in starts carries the user's current token generation."""
    from oidc_testutil import Browser

    alice = login(site.app, "alice")
    changed = alice.post("/auth/password", json={"current_password": "alice123",
                                                 "new_password": "a much longer passphrase"})
    assert changed.status == 200, changed
    login_name, password = person("alice-sso", email="alice@taskflow.local")
    browser = Browser()
    assert browser.sign_in(site.base, login_name, password).status_code == 302
    me = browser.me(site.base)
    assert me.status_code == 200 and me.json()["username"] == "alice", me.text
