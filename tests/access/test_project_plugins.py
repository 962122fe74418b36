"""Project-scoped plugins over real HTTP (SPEC §13, docs/plugins.md), on both engines.

A real ``taskflow serve`` with auth, labels and webhooks (both example plugins
are project-scoped): owners switch a plugin on or off per project; editors get
403 and outsiders 404; where a plugin is off its routes answer 404 naming it,
its fields leave the task JSON, its filter and task field are ignored and its
listener hears nothing (no webhook delivery); where it is on, all of it is back.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess, wait_until

PLUGINS = "auth,labels,webhooks"


class Receiver:
    """A webhook receiver on 127.0.0.1: the event types it was sent, in order."""

    def __init__(self):
        got = self.got = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Caller:
    """One signed-in account of the server (a real bearer token)."""

    def __init__(self, server: ServerProcess, username: str, password: str):
        self.server = server
        reply = server.request("POST", "/auth/login", json={"username": username,
                                                           "password": password})
        assert reply.status == 200, reply
        self.token = reply.json["token"]
        self.id = reply.json["user"]["id"]

    def __call__(self, method: str, path: str, json=None, status: int | None = 200):
        reply = self.server.request(method, path, json=json,
                                    headers={"Authorization": f"Bearer {self.token}"})
        if status is not None:
            assert reply.status == status, f"{method} {path}: {reply}\n{self.server.log(1500)}"
        return reply.json if reply.body else None


@pytest.fixture(scope="module")
def world(engine, tmp_path_factory):
    settings = {"APP_PLUGINS_ENABLED": PLUGINS, "APP_DATABASE_URL": engine.url,
                "APP_WEBHOOKS_BACKOFF": "0.2", "APP_WEBHOOKS_POLL_INTERVAL": "0.5"}
    receiver = Receiver()
    with ServerProcess(tmp_path_factory.mktemp(f"scoped-{engine.name}"), settings) as server:
        admin = Caller(server, "admin", "admin123")
        alice, bob = Caller(server, "alice", "alice123"), Caller(server, "bob", "bob123")
        pid = admin("POST", "/api/projects/", {"name": "Scoped", "visibility": "private"},
                    201)["id"]
        admin("PUT", f"/api/projects/{pid}/members/users/{alice.id}", {"role": "editor"}, 201)
        yield server, admin, alice, bob, pid, receiver
    receiver.stop()


def switch(caller, pid, name, enabled, status=200):
    return caller("PUT", f"/api/projects/{pid}/plugins/{name}", {"enabled": enabled}, status)


def states(caller, pid):
    return {p["name"]: p["enabled"] for p in caller("GET", f"/api/projects/{pid}/plugins")
            ["plugins"]}


def test_owners_switch_plugins_editors_get_403_outsiders_404(world):
    _, admin, alice, bob, pid, _ = world
    assert states(admin, pid) == {"labels": False, "webhooks": False}  # off until turned on
    assert states(alice, pid) == {"labels": False, "webhooks": False}  # any viewer lists
    refused = switch(alice, pid, "labels", True, 403)
    assert "owner" in refused["error"]
    assert "not found" in switch(bob, pid, "labels", True, 404)["error"]
    bob("GET", f"/api/projects/{pid}/plugins", status=404)
    assert "auth" in switch(admin, pid, "auth", True, 404)["error"]  # not project-scoped
    assert "enabled" in json.dumps(switch(admin, pid, "labels", "yes", 422))
    on = switch(admin, pid, "labels", True)
    assert {k: on[k] for k in ("project_id", "name", "enabled", "changed")} == {
        "project_id": pid, "name": "labels", "enabled": True, "changed": True}
    assert switch(admin, pid, "labels", True)["changed"] is False
    assert states(alice, pid) == {"labels": True, "webhooks": False}
    assert admin("GET", f"/api/projects/{pid}")["plugins"] == ["labels"]
    switch(admin, pid, "labels", False)
    assert admin("GET", f"/api/projects/{pid}")["plugins"] == []
    audit = admin("GET", "/api/admin/audit")["entries"]
    mine = [(e["action"], e["target"], e["details"]) for e in audit
            if e["action"].startswith("project.plugin_")][::-1]
    assert mine == [("project.plugin_enabled", f"project:{pid}",
                     {"plugin": "labels", "enabled": True}),
                    ("project.plugin_disabled", f"project:{pid}",
                     {"plugin": "labels", "enabled": False})]


def test_labels_routes_fields_filter_and_representation_follow_the_switch(world):
    _, admin, alice, bob, pid, _ = world
    switch(admin, pid, "labels", True)
    label = admin("POST", f"/api/labels/projects/{pid}", {"name": "bug", "color": "#d33"},
                  201)["id"]
    tagged = alice("POST", f"/api/projects/{pid}/tasks", {"title": "Tagged", "labels": [label]},
                   201)["id"]
    plain = alice("POST", f"/api/projects/{pid}/tasks", {"title": "Plain"}, 201)["id"]
    listing = alice("GET", f"/api/projects/{pid}/tasks?label={label}")
    assert [t["id"] for t in listing["tasks"]] == [tagged]
    assert [lb["name"] for lb in listing["tasks"][0]["labels"]] == ["bug"]

    switch(admin, pid, "labels", False)
    for method, path in (("GET", f"/api/labels/projects/{pid}"),
                         ("GET", f"/api/labels/tasks/{tagged}"),
                         ("PUT", f"/api/labels/tasks/{tagged}"),
                         ("PATCH", f"/api/labels/{label}"),
                         ("POST", f"/api/labels/projects/{pid}")):
        body = {"label_ids": []} if method == "PUT" else {"name": "x", "color": "#fff"}
        reply = admin(method, path, None if method == "GET" else body, 404)
        assert reply["error"].startswith("The labels plugin is not enabled in this project"), \
            (path, reply)
    # an outsider still hears "not found" about the project, not about the plugin
    assert "plugin" not in bob("GET", f"/api/labels/projects/{pid}", status=404)["error"]
    unfiltered = alice("GET", f"/api/projects/{pid}/tasks?label={label}")["tasks"]
    assert sorted(t["id"] for t in unfiltered) == sorted([tagged, plain])  # filter ignored
    assert all("labels" not in t for t in unfiltered)  # no representation
    assert "labels" not in alice("GET", f"/api/projects/{pid}/tasks/{tagged}")
    ignored = alice("POST", f"/api/projects/{pid}/tasks", {"title": "Off", "labels": [label]},
                    201)["id"]  # the field is ignored, not refused

    switch(admin, pid, "labels", True)
    assert [lb["name"] for lb in alice("GET", f"/api/projects/{pid}/tasks/{tagged}")
            ["labels"]] == ["bug"]  # the data stayed while it was off
    assert alice("GET", f"/api/projects/{pid}/tasks/{ignored}")["labels"] == []
    assert admin("GET", f"/api/labels/projects/{pid}")["labels"][0]["name"] == "bug"


def test_webhooks_hear_only_the_events_of_projects_where_they_are_on(world):
    _, admin, alice, _bob, pid, receiver = world
    admin("GET", f"/api/webhooks/projects/{pid}", status=404)
    switch(admin, pid, "webhooks", True)
    hook = admin("POST", f"/api/webhooks/projects/{pid}",
                 {"url": receiver.url, "events": ["task.created"]}, 201)["id"]
    switch(admin, pid, "webhooks", False)
    error = admin("GET", f"/api/webhooks/{hook}/deliveries", status=404)["error"]
    assert error.startswith("The webhooks plugin is not enabled in this project")
    alice("POST", f"/api/projects/{pid}/tasks", {"title": "Unheard"}, 201)
    switch(admin, pid, "webhooks", True)
    alice("POST", f"/api/projects/{pid}/tasks", {"title": "Heard"}, 201)
    wait_until(lambda: receiver.got, "the webhook delivery of the task made while on")
    titles = [d["data"]["task"]["title"] for d in receiver.got]
    assert titles == ["Heard"], receiver.got
    deliveries = admin("GET", f"/api/webhooks/{hook}/deliveries")["deliveries"]
    assert [d["payload"]["data"]["task"]["title"] for d in deliveries] == ["Heard"]


def test_a_list_across_projects_has_the_fields_only_where_the_plugin_is_on(world):
    """My tasks holds tasks of two projects: labels represents only those of the one where
    it is on (one lookup for both projects)."""
    _, admin, alice, _bob, pid, _ = world
    other = admin("POST", "/api/projects/", {"name": "Plain", "visibility": "private"},
                  201)["id"]
    admin("PUT", f"/api/projects/{other}/members/users/{alice.id}", {"role": "editor"}, 201)
    switch(admin, pid, "labels", True)
    switch(admin, other, "labels", False)
    mine = [alice("POST", f"/api/projects/{p}/tasks",
                  {"title": f"Mine in {p}", "assignee_id": alice.id}, 201)["id"]
            for p in (pid, other)]
    listed = {t["id"]: t for t in alice("GET", "/api/users/me/tasks?limit=100")["tasks"]}
    assert set(mine) <= set(listed), listed
    assert listed[mine[0]]["labels"] == []
    assert "labels" not in listed[mine[1]]
