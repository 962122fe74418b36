"""Account deletion with every plugin installed (SPEC §12, issue 22 item 5): a member who used
every package — sessions, an access token, two-factor sign-in, a failed sign-in, watches, an
inbox, notification settings and chat URLs, queued mail, a calendar feed, an import, a saved
view, a team — deletes their account over real HTTP (``taskflow serve``, SQLite).  Afterwards
no row of any table of any package names them, by id or by name or address, except what the
spec keeps: the tombstone ``users`` row, the tasks they created (``creator_id``), their
comments and activity entries (signed "deleted user") and the audit log.

Each package drops its own rows on ``user.deleted`` (core's event): no package reaches into
another's tables.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3

import pyotp
import pytest
from lcore_taskflow.core.testing.serve import Reply, ServerProcess

pytestmark = pytest.mark.timeout(180)

NAME, EMAIL, PASSWORD = "quinn7", "quinn.seven@example.test", "a-long-enough-secret-42"
#: Columns that hold a user's id (by name); integer values equal to the user's id count.
USER_COLUMN = re.compile(r"^(user|actor|assignee|creator|owner|author|enabled)_id$|_by$")
#: What the spec keeps of a deleted account (table -> columns allowed to name it).
KEPT = {"users": {"id", "username", "email"},   # the tombstone: deleted-user-<id>
        "tasks": {"creator_id"},                # "tasks and projects they created still
        "projects": {"owner_id"},               #  point at it"
        "activity": {"actor_id"},               # shown as "deleted user"
        "audit_log": None}                      # every column: the audit entry stays


class Caller:
    def __init__(self, server: ServerProcess, token: str):
        self.server, self.token = server, token

    def __call__(self, method: str, path: str, body=None, status: int | None = None) -> Reply:
        reply = self.server.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {self.token}",
                                             "X-Requested-With": "test"})
        if status is not None:
            assert reply.status == status, f"{method} {path}: {reply}"
        return reply


def sign_in(server: ServerProcess, username: str, password: str, **extra) -> Caller:
    reply = server.request("POST", "/auth/login", json={"username": username,
                                                        "password": password, **extra})
    assert reply.status == 200, reply
    return Caller(server, reply.json["token"])


def traces(db_path, uid: int, words: tuple[str, ...]) -> list[str]:
    """Every ``table.column`` cell naming the user (id in a user column, or name/address in
    text) outside what the spec keeps."""
    found = []
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'search_index%'")]  # FTS shadow tables: see search_index
        for table in tables:
            kept = KEPT.get(table, set())
            if kept is None:
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                if column in kept:
                    continue
                if USER_COLUMN.search(column):
                    hits = conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?',
                                        (uid,)).fetchone()[0]
                    if hits:
                        found.append(f"{table}.{column} = {uid} ({hits} rows)")
                for word in words:
                    hits = conn.execute(
                        f'SELECT COUNT(*) FROM "{table}" WHERE typeof("{column}") = \'text\''
                        f' AND instr(lower("{column}"), ?) > 0', (word,)).fetchone()[0]
                    if hits:
                        found.append(f"{table}.{column} contains {word!r} ({hits} rows)")
    return found


def test_deleting_an_account_leaves_no_row_of_it_in_any_package(tmp_path):
    db_path = tmp_path / "taskflow.db"
    settings = {"APP_DB_PATH": str(db_path), "APP_LOGIN_RATE_LIMIT": "1000",
                "APP_RATE_LIMIT_DEFAULT": "5000", "APP_IMPORT_POLL": "0.2"}
    with ServerProcess(tmp_path, settings) as server:
        plugins = {p["name"] for p in server.request("GET", "/health").json["plugins"]}
        assert {"auth", "notify", "io", "oidc", "labels", "webhooks"} <= plugins, plugins
        admin = sign_in(server, "admin", "admin123")
        alice = sign_in(server, "alice", "alice123")
        uid = admin("POST", "/api/users/", {"username": NAME, "email": EMAIL,
                                            "password": PASSWORD}, 201).json["id"]
        team = admin("POST", "/api/teams", {"name": "Leavers"}, 201).json["id"]
        admin("PUT", f"/api/teams/{team}/members/{uid}", None, 201)
        admin("PUT", f"/api/projects/1/members/users/{uid}", {"role": "editor"}, 201)
        assert server.request("POST", "/auth/login", json={
            "username": NAME, "password": "not it"}).status == 401  # a failure on record
        me = sign_in(server, NAME, PASSWORD)

        # What each package keeps about the member.
        me("POST", "/auth/tokens", {"name": "cli", "scopes": ["read"], "expires_in_days": 30},
           201)
        secret = me("POST", "/auth/totp", None, 200).json["secret"]
        me("POST", "/auth/totp/confirm", {"code": pyotp.TOTP(secret).now()}, 200)
        watched = alice("POST", "/api/projects/1/tasks", {"title": "Alice's task"}, 201).json
        me("PUT", f"/api/projects/1/tasks/{watched['id']}/watchers/me", None, 201)
        me("POST", f"/api/projects/1/tasks/{watched['id']}/comments",
           {"body": "A comment that alice's inbox hears of"}, 201)
        mine = me("POST", "/api/projects/1/tasks", {"title": "Made by the leaver"}, 201).json
        me("POST", f"/api/projects/1/tasks/{mine['id']}/checklist",
           {"title": "Mine to tick", "assignee_id": uid}, 201)
        admin("POST", "/api/projects/1/tasks", {"title": "For the leaver", "assignee_id": uid},
              201)  # an inbox item and an assignment email for them
        me("PUT", "/api/users/me/notification-settings", {
            "settings": {"commented": {"email": True}},
            "apprise_urls": ["json://127.0.0.1:9/hook"]}, 200)
        me("POST", "/api/views", {"name": "Mine", "query": "status=todo"}, 201)
        me("POST", "/api/users/me/calendar", None, 201)
        body = (b'--b\r\nContent-Disposition: form-data; name="source"\r\n\r\ncsv\r\n'
                b'--b\r\nContent-Disposition: form-data; name="project_id"\r\n\r\n1\r\n'
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n\r\n'
                b'title\r\nImported by the leaver\r\n--b--\r\n')
        reply = _post_raw(server, me.token, "/api/imports", body,
                          "multipart/form-data; boundary=b")
        assert reply.status == 202, reply
        inbox = me("GET", "/api/notifications/inbox", None, 200).json
        assert inbox["total"] >= 1
        before = traces(db_path, uid, (NAME, EMAIL))
        assert len(before) >= 10, before  # the scan sees the member's rows everywhere

        # They take their data, then leave.
        data = me("GET", "/api/users/me/export", None, 200).json
        assert "Made by the leaver" in [t["title"] for t in data["tasks"]]
        assert [c["body"] for c in data["comments"]] == ["A comment that alice's inbox hears of"]
        me("DELETE", "/api/users/me", {"password": PASSWORD}, 204)
        assert me("GET", "/auth/me").status == 401

        assert traces(db_path, uid, (NAME, EMAIL)) == []
        task = admin("GET", f"/api/projects/1/tasks/{watched['id']}", None, 200).json
        assert [c["username"] for c in task["comments"]] == ["deleted user"]
        alice_inbox = alice("GET", "/api/notifications/inbox", None, 200).json["items"]
        assert "deleted user" in {i.get("actor") for i in alice_inbox}
        entries = admin("GET", f"/api/admin/audit?user_id={uid}", None, 200).json["entries"]
        assert {"user.deleted", "account.deleted"} & {e["action"] for e in entries}


def _post_raw(server: ServerProcess, token: str, path: str, body: bytes,
              content_type: str) -> Reply:
    from http.client import HTTPConnection

    conn = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": content_type,
            "Accept": "application/json"})
        raw = conn.getresponse()
        return Reply(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    finally:
        conn.close()
