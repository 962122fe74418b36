"""The notification hub (issue 21): mentions, watchers, inbox, preferences, unsubscribe.

Every test runs on SQLite and PostgreSQL and delivers to a real SMTP server
(aiosmtpd) in this process; chat goes to a real HTTP receiver.  The world: a
private project whose members are alice (commenter) and bob (editor); carol
is a workspace member who cannot see it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from lcore_taskflow.core import Deny, hookimpl
from lcore_taskflow.core.testing import (
    Client,
    make_private,
    user_ids,
    wait_until,
    with_project_role,
)
from lcore_taskflow.notify import NotifyPlugin
from lcore_taskflow.notify._digest import Digests
from lcore_taskflow.notify._hub import mentions
from notify_testutil import HOST, free_port

PUBLIC = "https://tasks.example.test"


class World:
    def __init__(self, app):
        self.app = app
        self.pid = make_private(app, "Launch <plan>")
        with_project_role(app, self.pid, "commenter", "alice")
        with_project_role(app, self.pid, "editor", "bob")
        Client(app).as_user("admin").post("/api/users/", json={
            "username": "carol", "email": "carol@example.test", "password": "carol-pass-1234"})
        self.ids = user_ids(app)
        self.admin = Client(app).as_user("admin")
        self.alice = Client(app).as_user("alice")
        self.bob = Client(app).as_user("bob")
        self.carol = Client(app).as_user("carol")
        created = self.admin.post(f"/api/projects/{self.pid}/tasks",
                                  json={"title": "Ship <b>it</b>"})
        assert created.status == 201, created
        self.tid = created.json["id"]
        self.task_path = f"/api/projects/{self.pid}/tasks/{self.tid}"

    def comment(self, client, body: str) -> None:
        r = client.post(f"{self.task_path}/comments", json={"body": body})
        assert r.status == 201, r

    def inbox(self, client, **query) -> dict:
        r = client.get("/api/notifications/inbox", query=query)
        assert r.status == 200, r
        return r.json

    def rows(self, user: str | None = None) -> list[dict]:
        with self.app.taskflow.database() as db:
            if user is None:
                return db.fetchall("SELECT * FROM notifications ORDER BY id")
            return db.fetchall("SELECT * FROM notifications WHERE user_id = ? ORDER BY id",
                               (self.ids[user],))


@pytest.fixture
def world(make_notify_app, smtp_server):
    app = make_notify_app(**smtp_server.config, public_url=PUBLIC, notify_poll=0.1)
    return World(app)


def emails_to(smtp_server, address: str) -> list:
    return [m for m in smtp_server.handler.messages if address in m.rcpt_tos]


def sent_to(world, smtp_server, user: str, count: int) -> list:
    address = f"{user}@example.test" if user == "carol" else None
    address = address or world.admin.get(f"/api/users/{world.ids[user]}").json["email"]
    return wait_until(lambda: (found := emails_to(smtp_server, address)) and
                      len(found) >= count and found, f"{count} emails to {user}")


# ---------------------------------------------------------------- mentions
def test_a_mention_reaches_alice_by_inbox_and_email_and_carol_by_nothing(world, smtp_server):
    world.comment(world.bob, "@alice and @carol, can you check? `@bob` is code; "
                             "mail ops@alice.example <script>x</script>")
    inbox = world.inbox(world.alice)
    assert inbox["total"] == 1 and inbox["unread"] == 1
    item = inbox["items"][0]
    assert item["kind"] == "mentioned" and item["actor"] == "bob" and not item["read"]
    assert item["project"] == {"id": world.pid, "name": "Launch <plan>"}
    assert item["task"] == {"id": world.tid, "title": "Ship <b>it</b>"}
    assert item["link"] == f"{PUBLIC}/frontend#/projects/{world.pid}/tasks/{world.tid}"

    (mail,) = sent_to(world, smtp_server, "alice", 1)
    msg = mail.message
    assert msg["Subject"] == "[TaskFlow] bob mentioned you in a comment: Ship <b>it</b>"
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "Ship &lt;b&gt;it&lt;/b&gt;" in html and "<b>it</b>" not in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Launch &lt;plan&gt;" in html
    assert "Ship <b>it</b>" in text and "Launch <plan>" in text  # plain text: as written
    link = f"{PUBLIC}/frontend#/projects/{world.pid}/tasks/{world.tid}"
    assert f'href="{link}"' in html and link in text
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC}/notifications/unsubscribe?")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1].replace("&", "&amp;") in html and unsubscribe[1:-1] in text

    # carol: no inbox item, no outbox row in any channel, no email; bob (the
    # author, "mentioned" only in code) neither.
    assert world.inbox(world.carol)["total"] == 0
    assert world.rows("carol") == [] and world.rows("bob") == []
    time.sleep(0.5)
    assert emails_to(smtp_server, "carol@example.test") == []
    assert [r["kind"] for r in world.rows()] == ["mentioned"]


def test_mentions_in_descriptions_notify_once_and_not_the_author(world, smtp_server):
    r = world.bob.post(f"/api/projects/{world.pid}/tasks", json={
        "title": "Plan", "description": "@alice please, and @bob (me) and @nobody"})
    assert r.status == 201, r
    path = f"/api/projects/{world.pid}/tasks/{r.json['id']}"
    assert [i["kind"] for i in world.inbox(world.alice)["items"]] == ["mentioned"]
    assert world.inbox(world.bob)["total"] == 0
    # An edit that keeps @alice and adds @admin tells admin only.
    r = world.bob.patch(path, json={"description": "@alice please, @admin too"})
    assert r.status == 200, r
    assert world.inbox(world.alice)["total"] == 1
    assert [i["title"] for i in world.inbox(world.admin)["items"]] == \
        ["bob mentioned you in a task"]


def test_nobody_hears_of_their_own_action(world, smtp_server):
    world.comment(world.alice, "note to self, @alice")
    assert world.alice.put(f"{world.task_path}/watchers/me").status == 201
    world.comment(world.alice, "and again")
    r = world.admin.patch(world.task_path, json={"status": "in_progress"})  # admin watches
    assert r.status == 200, r
    assert world.inbox(world.alice)["items"][0]["kind"] == "status_changed"
    assert world.inbox(world.alice)["total"] == 1
    assert [i["kind"] for i in world.inbox(world.admin)["items"]] == ["commented", "commented"]
    assert world.rows("alice") == []  # status_changed sends no email by default


# ---------------------------------------------------------------- watchers
def test_watchers_hear_of_comments_moves_assignment_and_due_dates(world, smtp_server):
    assert world.alice.put(f"{world.task_path}/watchers/me").status == 201
    again = world.alice.put(f"{world.task_path}/watchers/me")
    assert again.status == 200
    assert (again.json["task_id"], again.json["watching"]) == (world.tid, True)
    assert world.alice.get(world.task_path).json["watching"] is True
    assert world.bob.get(world.task_path).json["watching"] is False

    world.comment(world.bob, "first")
    world.bob.patch(world.task_path, json={"status": "done"})
    world.bob.patch(world.task_path, json={"due_date": "2030-01-31"})
    world.bob.patch(world.task_path, json={"assignee_id": world.ids["bob"]})
    titles = [i["title"] for i in world.inbox(world.alice)["items"]]
    assert titles == ["bob assigned the task to bob", "bob changed the due date to 2030-01-31",
                      "bob moved the task to done", "bob commented"]
    # bob was assigned by himself: no "assigned" note, but he now watches.
    assert world.inbox(world.bob)["total"] == 0
    assert world.bob.get(world.task_path).json["watching"] is True

    assert world.alice.delete(f"{world.task_path}/watchers/me").status == 204
    assert world.alice.delete(f"{world.task_path}/watchers/me").status == 204
    world.comment(world.bob, "second")
    assert world.inbox(world.alice)["total"] == 4
    # The assignee-creator watches: admin heard of everything bob did.
    assert world.inbox(world.admin)["total"] == 5


def test_watching_follows_access(world, smtp_server):
    assert world.carol.put(f"{world.task_path}/watchers/me").status == 404
    other = f"/api/projects/{world.pid}/tasks/999999/watchers/me"
    assert world.alice.put(other).status == 404
    # A watcher who loses access hears nothing more.
    assert world.alice.put(f"{world.task_path}/watchers/me").status == 201
    r = world.admin.delete(f"/api/projects/{world.pid}/members/users/{world.ids['alice']}")
    assert r.status == 204, r
    world.comment(world.bob, "secret plans")
    assert world.rows("alice") == []
    with world.app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM inbox_items WHERE user_id = ?",
                         (world.ids["alice"],)) == 0


def test_assignment_emails_the_assignee_and_tells_the_project_member(world, smtp_server):
    r = world.admin.put(f"/api/projects/{world.pid}/members/users/{world.ids['carol']}",
                        json={"role": "viewer"})
    assert r.status == 201, r
    assert [i["kind"] for i in world.inbox(world.carol)["items"]] == ["member_added"]
    r = world.admin.patch(world.task_path, json={"assignee_id": world.ids["alice"]})
    assert r.status == 200, r
    (mail,) = sent_to(world, smtp_server, "alice", 1)
    assert mail.subject == "[TaskFlow] You've been assigned: Ship <b>it</b>"
    assert world.inbox(world.alice)["items"][0]["kind"] == "assigned"


# ---------------------------------------------------------------- preferences
def test_each_preference_turns_its_channel_off(world, smtp_server):
    got = world.alice.get("/api/users/me/notification-settings").json
    assert got["settings"]["mentioned"] == {"inbox": True, "email": True, "digest": False,
                                            "chat": True}
    assert got["settings"]["commented"]["email"] is False
    r = world.alice.put("/api/users/me/notification-settings",
                        json={"settings": {"mentioned": {"email": False}}})
    assert r.status == 200 and r.json["settings"]["mentioned"]["email"] is False
    assert r.json["settings"]["mentioned"]["inbox"] is True
    world.comment(world.bob, "@alice one")
    assert world.inbox(world.alice)["total"] == 1
    assert world.rows("alice") == []

    r = world.alice.put("/api/users/me/notification-settings",
                        json={"settings": {"mentioned": {"inbox": False, "email": True}}})
    assert r.status == 200, r
    world.comment(world.bob, "@alice two")
    assert world.inbox(world.alice)["total"] == 1  # nothing new in the inbox
    assert len(sent_to(world, smtp_server, "alice", 1)) == 1  # but an email


@pytest.mark.parametrize("body, field", [
    ({"settings": {"mentionned": {"email": False}}}, "mentionned"),
    ({"settings": {"mentioned": {"sms": False}}}, "mentioned.sms"),
    ({"settings": {"mentioned": {"email": "no"}}}, "mentioned.email"),
    ({"settings": {"mentioned": True}}, "mentioned"),
    ({"colour": "red"}, "colour"),
    ({"apprise_urls": ["not a url"]}, "apprise_urls"),
    ({"apprise_urls": "json://x"}, "apprise_urls"),
])
def test_bad_settings_answer_422_naming_the_key(world, body, field):
    r = world.alice.put("/api/users/me/notification-settings", json=body)
    assert r.status == 422, r
    assert field in r.json["fields"]
    assert world.alice.get("/api/users/me/notification-settings").json["settings"] == \
        world.bob.get("/api/users/me/notification-settings").json["settings"]


def test_chat_urls_are_never_shown_back_in_full(world):
    secret = "tgram://123456789:AAHsecret-token/987654"
    r = world.alice.put("/api/users/me/notification-settings", json={"apprise_urls": [secret]})
    assert r.status == 200, r
    for answer in (r, world.alice.get("/api/users/me/notification-settings")):
        assert "secret-token" not in answer.text and "AAH" not in answer.text
        assert answer.json["apprise_urls"] == ["tgram://123456…"]


def test_timezone_is_validated_and_shown(world):
    r = world.alice.patch("/api/users/me", json={"timezone": "Mars/Olympus_Mons"})
    assert r.status == 422 and "timezone" in r.json["fields"], r
    r = world.alice.patch("/api/users/me", json={"timezone": "../../etc/passwd"})
    assert r.status == 422 and "timezone" in r.json["fields"], r
    r = world.alice.patch("/api/users/me", json={"timezone": "Europe/Berlin"})
    assert r.status == 200 and r.json["timezone"] == "Europe/Berlin", r
    got = world.alice.get("/api/users/me/notification-settings").json
    assert got["timezone"] == "Europe/Berlin"


# ---------------------------------------------------------------- unsubscribe
def test_one_click_unsubscribe_turns_that_kind_off_without_login(world, smtp_server):
    world.comment(world.bob, "@alice look")
    (mail,) = sent_to(world, smtp_server, "alice", 1)
    url = urlsplit(mail.message["List-Unsubscribe"][1:-1])
    path = f"{url.path}?{url.query}"
    anonymous = Client(world.app)
    page = anonymous.get(path, headers={"Accept": "text/html"})
    assert page.status == 200 and "<form method=\"post\"" in page.text
    assert world.alice.get("/api/users/me/notification-settings").json[
        "settings"]["mentioned"]["email"] is True  # a GET changes nothing
    tampered = path.replace("k=mentioned", "k=assigned")
    assert anonymous.post(tampered, body=b"List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded").status == 400
    done = anonymous.post(path, body=b"List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded")
    assert done.status == 200 and "no more" in done.text, done
    settings = world.alice.get("/api/users/me/notification-settings").json["settings"]
    assert settings["mentioned"]["email"] is False and settings["assigned"]["email"] is True
    assert anonymous.get(path.replace("u=", "u=9")).status == 400


# ---------------------------------------------------------------- the inbox
def test_inbox_pages_marks_read_and_counts(world):
    for n in range(3):
        world.comment(world.bob, f"@alice number {n}")
    page = world.inbox(world.alice, limit=2)
    assert (page["total"], page["unread"], len(page["items"])) == (3, 3, 2)
    assert page["items"][0]["summary"] == "@alice number 2"  # newest first
    assert world.inbox(world.alice, limit=2, page=2)["items"][0]["summary"] == "@alice number 0"
    first = page["items"][0]["id"]
    # bob cannot mark alice's items
    r = world.bob.post("/api/notifications/inbox/read", json={"ids": [first]})
    assert r.status == 200 and r.json["marked"] == 0
    r = world.alice.post("/api/notifications/inbox/read", json={"ids": [first]})
    assert r.json == {"marked": 1, "unread": 2, **{k: v for k, v in r.json.items()
                                                   if k.startswith("_")}}
    assert world.inbox(world.alice, unread="true")["total"] == 2
    r = world.alice.post("/api/notifications/inbox/read", json={"all": True})
    assert r.json["marked"] == 2 and r.json["unread"] == 0
    assert world.inbox(world.alice)["total"] == 3


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["1"]}, {"ids": [True]},
                                  {"all": "yes"}, {"ids": [1], "all": True}, {"id": 1},
                                  {"ids": list(range(1, 600))}, {"ids": [2**63]},
                                  {"ids": [9223372036854775808], "all": False}])
def test_bad_read_bodies_answer_422(world, body):
    r = world.alice.post("/api/notifications/inbox/read", json=body)
    assert r.status == 422 and r.json["fields"], r


def test_the_change_polling_carries_the_unread_count(world):
    cursor = world.alice.get(f"/api/projects/{world.pid}/tasks").json["cursor"]
    poll = f"/api/projects/{world.pid}/tasks/changes?since={cursor}"
    r = world.alice.get(poll)
    assert r.status == 304 and r.headers["x-unread-notifications"] == "0"
    r = world.bob.post("/api/projects/1/tasks/1/comments", json={"body": "@alice ping"})
    assert r.status == 201, r
    r = world.alice.get(poll)  # the mention came from another project's board
    assert r.status == 304 and r.headers["x-unread-notifications"] == "1"


def test_items_of_a_project_one_can_no_longer_see_leave_the_inbox(world):
    world.comment(world.bob, "@alice secret")
    assert world.inbox(world.alice)["unread"] == 1
    world.admin.delete(f"/api/projects/{world.pid}/members/users/{world.ids['alice']}")
    got = world.inbox(world.alice)
    assert (got["total"], got["unread"], got["items"]) == (0, 0, [])


def test_a_deleted_account_leaves_nothing_in_notify(world, smtp_server):
    """``user.deleted`` (core's ``kernel.users.erase``): bob's watches, inbox, settings and
    notifications go, queued mail included; alice's inbox item about bob's comment stays,
    signed "deleted user"."""
    world.admin.post(f"{world.task_path}/comments", json={"body": "@bob look"})  # bob: inbox
    assert world.bob.put(f"{world.task_path}/watchers/me").status == 201
    world.bob.put("/api/users/me/notification-settings", json={
        "settings": {"commented": {"digest": True}}, "apprise_urls": ["json://127.0.0.1:9/x"]})
    world.comment(world.bob, "@alice from bob")  # an item in alice's inbox, by bob
    bob = world.ids["bob"]
    tables = ("task_watchers", "inbox_items", "notification_prefs", "notification_settings",
              "notifications")
    with world.app.taskflow.database() as db:
        db.insert("notifications", {"user_id": bob, "recipient": "bob@x.test",
                                    "subject": "queued", "status": "pending"})
        before = {t: db.scalar(f"SELECT COUNT(*) FROM {t} WHERE user_id = ?", (bob,))
                  for t in tables}
    assert all(before.values()), before
    world.app.taskflow.users.erase(bob, actor=None)
    with world.app.taskflow.database() as db:
        after = {t: db.scalar(f"SELECT COUNT(*) FROM {t} WHERE user_id = ?", (bob,))
                 for t in tables}
        assert db.scalar("SELECT COUNT(*) FROM inbox_items WHERE actor_id = ?", (bob,)) == 0
    assert after == dict.fromkeys(tables, 0)
    items = world.inbox(world.alice)["items"]
    assert [(i["actor"], i["title"].split(" ")[:2]) for i in items] == [
        ("deleted user", ["deleted", "user"])]


def test_read_items_are_pruned_after_the_retention(world):
    world.comment(world.bob, "@alice old news")
    world.comment(world.bob, "@alice unread news")
    old_id = world.inbox(world.alice)["items"][1]["id"]
    world.alice.post("/api/notifications/inbox/read", json={"ids": [old_id]})
    digests = Digests(world.app.taskflow, None)
    assert digests.prune() == 0  # read just now: kept
    assert digests.prune(now=time.time() + 91 * 86400) == 1
    left = world.inbox(world.alice)
    assert [i["summary"] for i in left["items"]] == ["@alice unread news"]


# ---------------------------------------------------------------- chat
def test_chat_rows_never_reach_someone_who_cannot_see_the_project(world, smtp_server):
    from test_notify_apprise import Receiver  # a real HTTP receiver

    receiver = Receiver(free_port())
    try:
        for name, client in (("alice", world.alice), ("carol", world.carol)):
            r = client.put("/api/users/me/notification-settings",
                           json={"apprise_urls": [f"json://{HOST}:{receiver.port}/{name}"]})
            assert r.status == 200, r
        world.comment(world.bob, "@alice @carol look")
        wait_until(lambda: receiver.posts, "alice's chat message")
        time.sleep(0.5)
        assert [p["path"] for p in receiver.posts] == ["/alice"]
        assert world.rows("carol") == []
    finally:
        receiver.stop()


class LegalHold:
    """An access plugin: alice is denied project ``held``; every rule is per user."""

    name, version, core_api = "legal_hold", "1.0", "1.0"

    def __init__(self) -> None:
        self.held = 0

    @hookimpl
    def taskflow_project_access(self, user, kernel):
        if user["username"] == "alice":
            return [Deny("SELECT id FROM projects WHERE id = ?", (self.held,))]
        return []


def test_watchers_are_checked_one_by_one_when_a_plugin_has_access_rules(taskflow_app,
                                                                        smtp_server):
    hold = LegalHold()
    app = taskflow_app(plugins=[NotifyPlugin(), hold], **smtp_server.config)
    world = World(app)
    hold.held = world.pid
    assert world.bob.put(f"{world.task_path}/watchers/me").status == 201
    with app.taskflow.database() as db:  # alice watched before the hold
        db.execute("INSERT INTO task_watchers (task_id, user_id, created_at) VALUES (?, ?, 0)",
                   (world.tid, world.ids["alice"]))
    world.comment(world.admin, "@alice @bob status?")
    assert world.inbox(world.alice)["total"] == 0 and world.rows("alice") == []
    assert [i["kind"] for i in world.inbox(world.bob)["items"]] == ["mentioned"]
    world.comment(world.admin, "plain remark")
    assert [i["kind"] for i in world.inbox(world.bob)["items"]] == ["commented", "mentioned"]
    with app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM inbox_items WHERE user_id = ?",
                         (world.ids["alice"],)) == 0


@pytest.mark.parametrize("text, names", [
    ("@alice, please", ["alice"]),
    ("(@Alice) and @bob.", ["alice", "bob"]),
    ("mail ops@alice.example or see /users/@bob", []),
    ("`@alice` and ```\n@bob\n``` but @carol", ["carol"]),
    ("@alice @alice @ALICE", ["alice"]),
    ("@ nobody, @-dash, @", []),
    ("first.last@example.com @first.last", ["first.last"]),
])
def test_what_counts_as_a_mention(text, names):
    assert mentions(text) == names
