"""The calendar feed: secret URLs, RFC 5545 content parsed back with icalendar, ETag, rotation,
access that follows the project (SQLite and PostgreSQL: conftest.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from lcore_taskflow.core.testing import Client, assert_error, make_private, user_ids


def feed_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.path.startswith("/calendar/tfc_"), url
    assert parts.path.endswith(".ics")
    return parts.path


def validate(body: bytes) -> Calendar:
    """Parse ``body`` back and check what RFC 5545 requires of a calendar and its events."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "lines fold at 75 octets"
    cal = Calendar.from_ical(body)
    assert not cal.errors
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//TaskFlow")
    uids = []
    for event in cal.walk("VEVENT"):
        assert not event.errors
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert prop in event, f"{prop} missing from {event}"
        assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(days=1)
        uids.append(str(event["UID"]))
    assert len(uids) == len(set(uids)), "every UID is unique"
    return cal


def events_of(client: Client, path: str) -> dict[str, dict]:
    """``{summary: event}`` of the feed at ``path``, read without credentials."""
    reply = client.with_token(None).as_user(None).get(path)
    assert reply.status == 200, reply
    assert reply.headers["content-type"].startswith("text/calendar")
    return {str(e["SUMMARY"]): e for e in validate(reply.body).walk("VEVENT")}


def new_task(client: Client, pid: int, title: str, **fields) -> int:
    reply = client.post(f"/api/projects/{pid}/tasks", json={"title": title, **fields})
    assert reply.status == 201, reply
    return reply.json["id"]


@pytest.fixture
def app(taskflow_app):
    return taskflow_app(auth=True)


def test_the_feed_holds_my_tasks_with_due_dates(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    ids = user_ids(app)
    mine = new_task(alice, 1, "Quarterly report", due_date="2027-01-15", assignee_id=ids["alice"],
                    description="Numbers,; and\nlines")
    new_task(alice, 1, "Undated", assignee_id=ids["alice"])
    long_ago = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    new_task(alice, 1, "Long ago", due_date=long_ago, assignee_id=ids["alice"])
    new_task(alice, 1, "Bob's", due_date="2027-01-16", assignee_id=ids["bob"])
    done = new_task(alice, 1, "Finished", due_date="2027-01-10", assignee_id=ids["alice"])
    alice.patch(f"/api/projects/1/tasks/{done}", json={"status": "done"})

    created = alice.post("/api/users/me/calendar")
    assert created.status == 201, created
    events = events_of(alice, feed_path(created.json["url"]))
    assert "Quarterly report" in events and "✓ Finished" in events
    assert "Undated" not in events and "Bob's" not in events
    assert "Long ago" not in events  # over a year past: history, not calendar
    report = events["Quarterly report"]
    assert report.decoded("DTSTART") == dt.date(2027, 1, 15)
    assert str(report["DESCRIPTION"]) == "Numbers,; and\nlines"  # escaped, parsed back whole
    assert str(report["URL"]).endswith(f"#/projects/1/tasks/{mine}")
    assert [str(c) for c in report["CATEGORIES"].cats] == ["Website Redesign"]
    state = alice.get("/api/users/me/calendar").json
    assert state["active"] is True and state["created_at"] > 0


def test_markup_and_line_breaks_in_a_title_stay_text(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    title = "<script>x</script>, a;b\\c END:VEVENT"
    new_task(alice, 1, title, due_date="2027-02-01", assignee_id=user_ids(app)["alice"])
    body = Client(app).get(feed_path(alice.post("/api/users/me/calendar").json["url"])).body
    cal = validate(body)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")].count(title) == 1
    lines = body.split(b"\r\n")
    assert lines.count(b"END:VEVENT") == len(cal.walk("VEVENT"))  # no event was injected


def test_etag_and_304(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    path = feed_path(alice.post("/api/users/me/calendar").json["url"])
    anon = Client(app)
    first = anon.get(path)
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert anon.get(path).body == first.body and anon.get(path).headers["etag"] == tag
    unchanged = anon.get(path, headers={"If-None-Match": tag})
    assert unchanged.status == 304 and unchanged.body == b""
    assert unchanged.headers["etag"] == tag
    assert anon.get(path, headers={"If-None-Match": f'"other", W/{tag}'}).status == 304
    assert anon.get(path, headers={"If-None-Match": '"other"'}).status == 200
    new_task(alice, 1, "New one", due_date="2027-03-01", assignee_id=user_ids(app)["alice"])
    changed = anon.get(path, headers={"If-None-Match": tag})
    assert changed.status == 200 and changed.headers["etag"] != tag


def test_rotation_and_deletion_end_the_old_url(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    old = feed_path(alice.post("/api/users/me/calendar").json["url"])
    new = feed_path(alice.post("/api/users/me/calendar").json["url"])
    assert old != new
    assert_error(Client(app).get(old), 404)
    assert Client(app).get(new).status == 200
    assert alice.delete("/api/users/me/calendar").status == 204
    assert_error(Client(app).get(new), 404)
    state = alice.get("/api/users/me/calendar").json
    assert (state["active"], state["created_at"]) == (False, None)
    for forged in ("/calendar/tfc_nothing.ics", "/calendar/%2e%2e%2fetc.ics",
                   "/calendar/" + "tfc_" + "a" * 300 + ".ics"):
        assert Client(app).get(forged).status == 404


def test_only_the_hash_is_stored(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    token = feed_path(alice.post("/api/users/me/calendar").json["url"])[len("/calendar/"):-4]
    with app.taskflow.database() as db:
        stored = db.fetchall("SELECT token_hash FROM io_calendar_feeds")
    assert stored == [{"token_hash": hashlib.sha256(token.encode()).hexdigest()}]


def test_a_task_of_a_project_i_lost_disappears(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    bob = taskflow_login("bob", app=app)
    ids = user_ids(app)
    pid = make_private(app, "Secret plans")
    assert admin.put(f"/api/projects/{pid}/members/users/{ids['bob']}",
                     json={"role": "editor"}).status == 201
    new_task(admin, pid, "Secret deadline", due_date="2027-04-01", assignee_id=ids["bob"])
    new_task(admin, 1, "Open deadline", due_date="2027-04-02", assignee_id=ids["bob"])
    path = feed_path(bob.post("/api/users/me/calendar").json["url"])
    before = set(events_of(bob, path))  # with the demo task assigned to bob
    assert {"Secret deadline", "Open deadline"} <= before
    assert admin.delete(f"/api/projects/{pid}/members/users/{ids['bob']}").status == 204
    assert set(events_of(bob, path)) == before - {"Secret deadline"}


def test_project_feeds_are_for_owners(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    alice = taskflow_login("alice", app=app)
    ids = user_ids(app)
    new_task(admin, 1, "Team milestone", due_date="2027-05-01")
    new_task(admin, 1, "Someone's", due_date="2027-05-02", assignee_id=ids["bob"])
    new_task(admin, 2, "Other project", due_date="2027-05-03")
    assert_error(alice.post("/api/projects/1/calendar"), 403)  # an editor, not an owner
    pid = make_private(app, "Hidden")
    assert_error(alice.post(f"/api/projects/{pid}/calendar"), 404)
    created = admin.post("/api/projects/1/calendar")
    assert created.status == 201
    path = feed_path(created.json["url"])
    events = events_of(admin, path)
    assert {"Team milestone", "Someone's"} <= set(events) and "Other project" not in events
    assert admin.delete("/api/projects/1/calendar").status == 204
    assert_error(Client(app).get(path), 404)


def test_a_project_feed_dies_with_ownership_and_the_project(app, taskflow_login):
    admin = taskflow_login("admin", app=app)
    ids = user_ids(app)
    pid = admin.post("/api/projects/", json={"name": "Carol's"}).json["id"]
    assert admin.put(f"/api/projects/{pid}/members/users/{ids['alice']}",
                     json={"role": "owner"}).status == 201
    alice = taskflow_login("alice", app=app)
    new_task(alice, pid, "Launch", due_date="2027-06-01")
    path = feed_path(alice.post(f"/api/projects/{pid}/calendar").json["url"])
    assert "Launch" in events_of(alice, path)
    admin.put(f"/api/projects/{pid}/members/users/{ids['alice']}", json={"role": "viewer"})
    assert_error(Client(app).get(path), 404)
    admin.put(f"/api/projects/{pid}/members/users/{ids['alice']}", json={"role": "owner"})
    assert Client(app).get(path).status == 200
    assert admin.delete(f"/api/projects/{pid}").status == 200
    with app.taskflow.database() as db:
        assert db.scalar("SELECT COUNT(*) FROM io_calendar_feeds WHERE project_id = ?",
                         (pid,)) == 0


def test_tokens_and_anonymous_callers_are_refused(app, taskflow_login):
    alice = taskflow_login("alice", app=app)
    assert_error(Client(app).post("/api/users/me/calendar"), 401)
    pat = alice.post("/auth/tokens", json={"name": "cal", "scopes": ["read", "write"],
                                           "expires_in_days": 1}).json["token"]
    with_pat = Client(app).with_token(pat)
    assert_error(with_pat.post("/api/users/me/calendar"), 403)
    assert_error(with_pat.get("/api/users/me/calendar"), 403)
