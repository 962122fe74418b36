"""The hub over real HTTP: ``taskflow serve`` (every installed plugin) on each engine, a real
SMTP server in this process, bearer tokens from ``/auth/login``."""

from __future__ import annotations

import importlib.util

import pytest
from lcore_taskflow.core.testing import wait_until
from lcore_taskflow.core.testing.serve import ServerProcess

pytestmark = pytest.mark.skipif(importlib.util.find_spec("lcore_taskflow.auth") is None,
                                reason="signs in through /auth/login (lcore-taskflow-auth)")


def test_a_mention_over_http_reaches_the_inbox_the_email_and_the_polling(
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
        alice, bob = login("alice"), login("bob")
        cursor = server.request("GET", "/api/projects/1/tasks", headers=alice).json["cursor"]
        r = server.request("POST", "/api/projects/2/tasks/3/comments", headers=bob,
                           json={"body": "@alice can you check? (not @bob)"})
        assert r.status == 201, r
        inbox = server.request("GET", "/api/notifications/inbox", headers=alice).json
        assert inbox["unread"] == 1 and inbox["items"][0]["kind"] == "mentioned"
        assert inbox["items"][0]["link"].startswith("https://t.example.test/frontend#/projects/2")
        poll = server.request("GET", f"/api/projects/1/tasks/changes?since={cursor}",
                              headers=alice)
        assert poll.status == 304 and poll.headers["x-unread-notifications"] == "1"
        (mail,) = wait_until(lambda: smtp_server.handler.messages, "alice's email")
        assert mail.rcpt_tos == ["alice@taskflow.local"]
        assert mail.subject.startswith("[TaskFlow] bob mentioned you in a comment")
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert server.request("GET", "/api/notifications/inbox",
                              headers=bob).json["total"] == 0
