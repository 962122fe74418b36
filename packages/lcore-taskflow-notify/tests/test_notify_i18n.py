"""Emails in the recipient's language (SPEC §13): ``taskflow serve`` on each engine, a real
SMTP server in this process; alice's profile says German, admin's says nothing (English)."""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

import pytest
from lcore_taskflow.core.testing import wait_until
from lcore_taskflow.core.testing.serve import ServerProcess

pytestmark = pytest.mark.skipif(importlib.util.find_spec("lcore_taskflow.auth") is None,
                                reason="signs in through /auth/login (lcore-taskflow-auth)")


def _text(mail) -> str:
    parts = [p for p in mail.message.walk() if p.get_content_type() == "text/plain"]
    return parts[0].get_content()


def _html(mail) -> str:
    parts = [p for p in mail.message.walk() if p.get_content_type() == "text/html"]
    return parts[0].get_content()


def test_emails_inbox_and_errors_follow_each_recipients_language(
        database_url, smtp_server, tmp_path):
    settings = {f"APP_{k.upper()}": str(v) for k, v in smtp_server.config.items()}
    settings.update(APP_DATABASE_URL=database_url, APP_PUBLIC_URL="https://t.example.test",
                    APP_NOTIFY_POLL="0.2", APP_SMTP_USE_TLS="false")
    with ServerProcess(tmp_path, settings) as server:
        def login(name: str) -> dict:
            r = server.request("POST", "/auth/login",
                               json={"username": name, "password": f"{name}123"})
            assert r.status == 200, r
            return {"Authorization": f"Bearer {r.json['token']}"}
        alice, bob, admin = login("alice"), login("bob"), login("admin")
        r = server.request("PATCH", "/api/users/me", headers=alice, json={"language": "de"})
        assert r.status == 200 and r.json["language"] == "de", r
        assert server.request("GET", "/auth/me", headers=alice).json["language"] == "de"

        # An API error follows the profile, whatever the browser says ...
        r = server.request("PATCH", "/api/users/me", headers={**alice, "Accept-Language": "en"},
                           json={"timezone": "x" * 65})
        assert r.status == 422 and r.json["error"] == "Validierung fehlgeschlagen", r
        assert r.headers["content-language"] == "de"
        # ... and without a profile language, the browser's Accept-Language.
        r = server.request("PATCH", "/api/users/me", headers={**bob, "Accept-Language": "de"},
                           json={"timezone": "x" * 65})
        assert r.json["fields"]["timezone"] == "timezone: darf höchstens 64 Zeichen lang sein"
        r = server.request("GET", "/api/projects/2/tasks/999999", headers=bob)
        assert r.status == 404 and "not found" in r.json["error"], r

        # alice (German) and admin (no language: English) watch task 3; bob comments.
        for who in (alice, admin):
            r = server.request("PUT", "/api/projects/2/tasks/3/watchers/me", headers=who)
            assert r.status in (200, 201), r
            r = server.request("PUT", "/api/users/me/notification-settings", headers=who,
                               json={"settings": {"commented": {"email": True}}})
            assert r.status == 200, r
        r = server.request("POST", "/api/projects/2/tasks/3/comments", headers=bob,
                           json={"body": "Looks good to me"})
        assert r.status == 201, r
        mails = wait_until(lambda: smtp_server.handler.messages
                           if len(smtp_server.handler.messages) >= 2 else None,
                           "two watcher emails")
        by_rcpt = {m.rcpt_tos[0]: m for m in mails}
        german, english = by_rcpt["alice@taskflow.local"], by_rcpt["admin@taskflow.local"]
        assert german.subject.startswith("[TaskFlow] bob hat kommentiert"), german.subject
        assert english.subject.startswith("[TaskFlow] bob commented"), english.subject
        assert "In TaskFlow öffnen: https://t.example.test/frontend#/projects/2" in _text(german)
        assert "Diese E-Mails abbestellen: https://t.example.test/" in _text(german)
        assert "Kommentare zu Aufgaben, die Sie beobachten" in _text(german)
        assert '<html lang="de">' in _html(german) and "Looks good to me" in _html(german)
        assert "Open it in TaskFlow" in _text(english)
        assert "Unsubscribe from these emails" in _text(english)
        assert "abbestellen" not in _text(english)

        # A mention (a personal note) in German, also in the inbox.
        r = server.request("POST", "/api/projects/2/tasks/3/comments", headers=bob,
                           json={"body": "@alice please check"})
        assert r.status == 201, r
        mention = wait_until(lambda: next((m for m in smtp_server.handler.messages
                                           if "erwähnt" in m.subject), None), "the mention")
        assert mention.subject.startswith("[TaskFlow] bob hat Sie in einem Kommentar erwähnt")
        items = server.request("GET", "/api/notifications/inbox", headers=alice).json["items"]
        titles = [i["title"] for i in items]
        assert "bob hat Sie in einem Kommentar erwähnt" in titles, titles
        assert "bob hat kommentiert" in titles, titles

        # The unsubscribe page speaks the link owner's language.
        url = german.message["List-Unsubscribe"].strip("<>")
        parts = urlsplit(url)
        page = server.request("GET", f"{parts.path}?{parts.query}",
                              headers={"Accept": "text/html"})
        text = page.body.decode()
        assert page.status == 200 and page.headers["content-language"] == "de", page
        assert "Abbestellen" in text and 'lang="de"' in text, text[:400]


def test_the_digest_is_in_the_recipients_language(make_notify_app, outbox_rows):
    from lcore_taskflow.core.testing import Client
    from lcore_taskflow.notify._digest import Digests

    app = make_notify_app(notify_delivery="worker", notify_digest_hour=0,
                          public_url="https://t.example.test")
    alice, bob = Client(app).as_user("alice"), Client(app).as_user("bob")
    assert alice.patch("/api/users/me", json={"language": "de"}).status == 200
    r = alice.put("/api/users/me/notification-settings",
                  json={"settings": {"commented": {"digest": True, "inbox": False}}})
    assert r.status == 200, r
    assert alice.put("/api/projects/1/tasks/1/watchers/me").status == 201
    for body in ("first remark", "second remark"):
        assert bob.post("/api/projects/1/tasks/1/comments", json={"body": body}).status == 201
    assert Digests(app.taskflow, app.taskflow.plugin("notify").outbox).run() == 1
    [row] = [r for r in outbox_rows(app) if r["kind"] == "digest"]
    assert row["subject"] == "[TaskFlow] Ihre tägliche Zusammenfassung: 2 Neuigkeiten"
    assert "Was Sie am " in row["body_text"] and "bob hat kommentiert" in row["body_text"]
    assert '<html lang="de">' in row["body"] and "öffnen" in row["body"]


def test_headlines_name_statuses_and_roles_in_german(make_notify_app):
    from lcore_taskflow.core.testing import Client

    app = make_notify_app(notify_delivery="worker")
    alice, bob = Client(app).as_user("alice"), Client(app).as_user("bob")
    assert alice.patch("/api/users/me", json={"language": "de"}).status == 200
    assert alice.put("/api/projects/1/tasks/1/watchers/me").status == 201
    assert bob.patch("/api/projects/1/tasks/1", json={"status": "done"}).status == 200
    titles = [i["title"] for i in alice.get("/api/notifications/inbox").json["items"]]
    assert "bob hat die Aufgabe nach „Erledigt“ verschoben" in titles, titles
    admin = Client(app).as_user("admin")
    assert admin.get("/api/notifications/inbox").json["items"] == []  # not a watcher
    assert admin.put("/api/projects/1/tasks/1/watchers/me").status == 201
    assert bob.patch("/api/projects/1/tasks/1", json={"status": "todo"}).status == 200
    titles = [i["title"] for i in admin.get("/api/notifications/inbox").json["items"]]
    assert "bob moved the task to todo" in titles, titles  # English keeps the code
