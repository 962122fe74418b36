"""The plugins screen's API over real HTTP (SPEC §13), on SQLite and PostgreSQL.

Real server processes (``settings_server.py``: core, the test identity and a
``sampler`` plugin whose settings cover every type) on the test's database.
Two of them on one database are two servers of one instance: a change made
through one must reach the other within ``APP_SETTINGS_REFRESH_SECONDS``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import wait_until
from lcore_taskflow.core.testing.serve import ServerProcess

HERE = Path(__file__).resolve().parent
ADMIN = {"X-Test-User": "admin"}
ALICE = {"X-Test-User": "alice"}
REFRESH = 0.5


def server(workdir: Path, database_url: str, **settings: str) -> ServerProcess:
    return ServerProcess(workdir, command=[sys.executable, str(HERE / "settings_server.py")],
                         settings={"APP_DATABASE_URL": database_url,
                                   "APP_SETTINGS_REFRESH_SECONDS": str(REFRESH), **settings})


@pytest.fixture
def one(tmp_path, database_url):
    with server(tmp_path / "one", database_url, APP_SAMPLER_API_KEY="k-from-env-123") as proc:
        yield proc


def put(proc: ServerProcess, plugin: str, body, headers=ADMIN):
    return proc.request("PUT", f"/api/admin/plugins/{plugin}/settings", json=body,
                        headers=headers)


def listing(proc: ServerProcess, headers=ADMIN) -> dict[str, dict]:
    reply = proc.request("GET", "/api/admin/plugins", headers=headers)
    assert reply.status == 200, reply
    return {p["name"]: p for p in reply.json["plugins"]}


def settings_of(plugin: dict) -> dict[str, dict]:
    return {s["key"]: s for s in plugin["settings"]}


def test_the_listing_describes_each_plugin(one):
    plugins = listing(one)
    assert sorted(plugins) == ["core", "legacy", "sampler", "test-identity"]
    sampler = plugins["sampler"]
    assert sampler["version"] == "1.2.3" and sampler["core_api"] == "1.1"
    assert sampler["enabled"] is True and sampler["project_scoped"] is False
    assert "taskflow_mounts" in sampler["hooks"] and "taskflow_config_schema" in sampler["hooks"]
    assert sampler["routes"] == [{"method": "GET", "path": "/api/sampler",
                                  "name": "sampler_state"}]
    assert sampler["health"] == {"ok": True, "problems": []}
    core = plugins["core"]
    [migrations] = core["migrations"]
    assert migrations["namespace"] == "core" and migrations["pending"] == []
    assert 11 in migrations["applied"] and 1 in migrations["applied"]
    legacy = plugins["legacy"]
    assert legacy["health"]["ok"] is False and legacy["core_api"] is None
    assert legacy["health"]["problems"] == ["declares no core_api (this core provides 1.1)"]
    assert legacy["settings"] == [] and legacy["routes"] == []

    fields = settings_of(sampler)
    assert fields["sampler_limit"] == {
        "key": "sampler_limit", "env": "APP_SAMPLER_LIMIT", "type": "int", "default": 10,
        "value": 10, "source": "default", "secret": False, "runtime": True, "restart": None,
        "help": "Items per sample"}
    assert fields["sampler_tags"]["type"] == "list" and fields["sampler_tags"]["value"] == [
        "a", "b"]
    assert fields["sampler_enabled"]["type"] == "bool"
    key = fields["sampler_api_key"]  # secret by its name, set in the environment
    assert key["secret"] is True and key["value"] == "***"
    assert key["source"] == "environment APP_SAMPLER_API_KEY"
    endpoint = fields["sampler_endpoint"]  # secret by its metadata
    assert endpoint["secret"] is True and endpoint["value"] == endpoint["default"] == "***"
    workers = fields["sampler_workers"]
    assert workers["runtime"] is False
    assert workers["restart"] == "restart needed: set APP_SAMPLER_WORKERS"
    core_fields = settings_of(core)
    assert core_fields["secret_key"]["value"] == "***"
    assert core_fields["project_creators"]["runtime"] is True
    assert "k-from-env-123" not in json.dumps(plugins)
    assert "serve-test-secret-key" not in json.dumps(plugins)


def test_only_admins_see_and_change(one):
    assert one.request("GET", "/api/admin/plugins", headers=ALICE).status == 403
    assert one.request("GET", "/api/admin/plugins").status == 401
    assert put(one, "sampler", {"sampler_limit": 5}, headers=ALICE).status == 403
    assert put(one, "sampler", {"sampler_limit": 5}, headers={}).status == 401
    assert one.request("GET", "/api/sampler").json["limit"] == 10


@pytest.mark.parametrize(("body", "key", "words"), [
    ({"sampler_limit": "many"}, "sampler_limit", "whole number"),
    ({"sampler_limit": 2.5}, "sampler_limit", "whole number"),
    ({"sampler_limit": True}, "sampler_limit", "whole number"),
    ({"sampler_limit": float("inf")}, "sampler_limit", "whole number"),  # JSON Infinity
    ({"sampler_limit": 10**400}, "sampler_limit", "expected 1-100"),
    ({"sampler_enabled": "yes"}, "sampler_enabled", "true or false"),
    ({"sampler_tags": [1, 2]}, "sampler_tags", "list of strings"),
    ({"sampler_api_key": "a\r\nX-Injected: 1"}, "sampler_api_key", "control characters"),
    ({"sampler_limit": 1000}, "sampler_limit", "expected 1-100"),
    ({"sampler_workers": 4}, "sampler_workers", "APP_SAMPLER_WORKERS and restart"),
    ({"no_such_key": 1}, "no_such_key", "has no setting"),
    ({"project_creators": "members"}, "project_creators", "has no setting"),  # core's key
])
def test_bad_settings_answer_422_naming_the_key_and_store_nothing(one, body, key, words):
    before = listing(one)["sampler"]
    reply = put(one, "sampler", body)
    assert reply.status == 422, reply
    assert key in reply.json["fields"] and words in reply.json["fields"][key], reply.json
    assert listing(one)["sampler"]["settings"] == before["settings"]  # nothing stored
    assert one.request("GET", "/api/sampler").json["limit"] == 10


def test_malformed_and_unknown_requests(one):
    assert put(one, "nosuch", {"x": 1}).status == 404
    assert put(one, "..%2F..%2Fetc", {"x": 1}).status == 404
    assert put(one, "sampler", [1, 2]).status == 400
    assert put(one, "sampler", {}).status == 422
    raw = one.request("PUT", "/api/admin/plugins/sampler/settings",
                      headers={**ADMIN, "Content-Type": "application/json"})
    assert raw.status == 400
    huge = {"sampler_api_key": "x" * 2_000_000}
    assert put(one, "sampler", huge).status == 413
    assert put(one, "sampler", {"sampler_api_key": "y" * 2001}).status == 422


def test_a_change_applies_at_once_is_audited_and_keeps_secrets(one):
    reply = put(one, "sampler", {"sampler_limit": 42, "sampler_tags": "x, y",
                                 "sampler_api_key": "new-secret-value-1",
                                 "sampler_enabled": False})
    assert reply.status == 200, reply
    fields = settings_of({"settings": reply.json["settings"]})
    assert fields["sampler_limit"]["value"] == 42
    assert fields["sampler_limit"]["source"] == "database"
    assert fields["sampler_api_key"]["value"] == "***"
    state = one.request("GET", "/api/sampler").json
    assert (state["limit"], state["enabled"], state["tags"]) == (42, False, ["x", "y"])
    assert state["key_length"] == len("new-secret-value-1")
    # the masked value sent back leaves the secret as it is
    assert put(one, "sampler", {"sampler_api_key": "***", "sampler_limit": 43}).status == 200
    state = one.request("GET", "/api/sampler").json
    assert (state["limit"], state["key_length"]) == (43, len("new-secret-value-1"))
    audit = one.request("GET", "/api/admin/audit", headers=ADMIN,
                        ).json["entries"]
    changes = [e for e in audit if e["action"] == "plugin.settings_changed"]
    assert [e["details"]["keys"] for e in changes] == [
        ["sampler_limit"],  # "***" sent back is no change
        ["sampler_api_key", "sampler_enabled", "sampler_limit", "sampler_tags"]]
    assert changes[-1]["target"] == "plugin:sampler" and changes[-1]["actor"] == "admin"
    assert "new-secret-value-1" not in json.dumps(audit)
    assert changes[-1]["details"]["values"]["sampler_limit"] == 42


def test_two_servers_on_one_database_see_each_others_change(tmp_path, database_url):
    with server(tmp_path / "a", database_url) as a, server(tmp_path / "b", database_url) as b:
        project = {"name": "Alice's own"}
        assert b.request("POST", "/api/projects/", json=project, headers=ALICE).status == 403
        assert put(a, "core", {"project_creators": "members"}).status == 200
        changed = time.monotonic()
        assert a.request("POST", "/api/projects/", json=project, headers=ALICE).status == 201
        wait_until(lambda: b.request("POST", "/api/projects/", json=project,
                                     headers=ALICE).status == 201,
                   "server b applying project_creators=members", timeout=10)
        delay = time.monotonic() - changed
        print(f"change seen by the other server after {delay:.2f} s "
              f"(APP_SETTINGS_REFRESH_SECONDS={REFRESH})")
        assert delay < REFRESH + 3
        shown = settings_of(listing(b)["core"])["project_creators"]
        assert shown["value"] == "members" and shown["source"] == "database"
        # and back, through b this time
        assert put(b, "core", {"project_creators": "admins"}).status == 200
        wait_until(lambda: a.request("POST", "/api/projects/", json=project,
                                     headers=ALICE).status == 403,
                   "server a applying project_creators=admins", timeout=10)
