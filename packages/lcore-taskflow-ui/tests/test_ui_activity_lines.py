"""Every line core writes to the activity feed is one the frontend says again in the reader's
language (``static/js/activity.js``): core's real lines from a real server, each checked by
the module itself under node.  A line core adds or rewords fails here until activity.js (and
the German catalog) know it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lcore_taskflow.core.testing.browser import Api, http_json

pytestmark = pytest.mark.browser

TESTS_JS = Path(__file__).parent / "js"
# activity.js under node, with the browser globals its imports read (tests/js/browser.mjs)
READER = """
import {{ JS }} from {browser};
const {{ activityLine, knowsLine }} = await import(new URL('activity.js', JS));
const rows = JSON.parse(process.argv[2]);
console.log(JSON.stringify(rows.map((row) => [knowsLine(row), activityLine(row)])));
"""
CORE_TYPES = ("user.", "project.", "task.", "comment.", "attachment.", "share.", "team.")


def _every_kind_of_line(server: str) -> int:
    """Changes that make core write each of its feed's forms; the project's id."""
    admin = Api(server, "admin")
    users = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100")["users"]}
    carol = admin.post("/api/users/", {"username": "lines.carol", "email": "carol@example.com",
                                       "password": "a long enough password"})["id"]
    http_json(server + "/auth/register", data={"username": "lines-dave",
                                               "email": "dave@example.com",
                                               "password": "another long password"})
    admin.patch(f"/api/users/{carol}", {"is_active": False})
    pid = admin.post("/api/projects/", {"name": "Lines 'quoted' project"})["id"]
    task = admin.task(pid, "A 'quoted' task", assignee_id=users["alice"])
    path = f"/api/projects/{pid}/tasks/{task['id']}"
    admin.patch(path, {"status": "in_progress"})
    admin.patch(path, {"description": "Changed", "priority": "high"})
    admin.post(path + "/comments", {"body": "A comment"})
    member = f"/api/projects/{pid}/members/users/{users['bob']}"
    admin.put(member, {"role": "viewer"})
    admin.put(member, {"role": "editor"})
    admin.delete(member)
    admin.post("/api/teams", {"name": "Line Crew"})
    share = admin.post(f"/api/projects/{pid}/shares", {"role": "viewer"})
    admin.delete(f"/api/projects/{pid}/shares/{share['id']}")
    admin.put(f"/api/projects/{pid}", {"name": "Lines 'quoted' project", "status": "on_hold"})
    gone = admin.task(pid, "Short-lived")
    admin.delete(f"/api/projects/{pid}/tasks/{gone['id']}")
    return pid


def test_every_line_core_writes_is_one_the_feed_can_translate(server, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("no Node.js here (scripts/test.sh installs Debian's nodejs)")
    _every_kind_of_line(server)
    rows = Api(server, "admin").get("/api/projects/dashboard/activity?limit=100")["activity"]
    rows = [r for r in rows if r["type"].startswith(CORE_TYPES)]
    script = tmp_path / "read.mjs"
    script.write_text(READER.format(browser=json.dumps((TESTS_JS / "browser.mjs").as_uri())))
    done = subprocess.run([node, str(script), json.dumps(rows)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    unknown = [row["summary"] for row, (known, _) in zip(rows, read) if not known]
    assert unknown == [], f"lines activity.js does not know: {unknown}"
    types = {row["type"] for row in rows}
    assert {"user.created", "user.registered", "user.deactivated", "project.created",
            "project.updated", "task.created", "task.assigned", "task.updated",
            "task.deleted", "comment.added", "project.member_added",
            "project.member_updated", "project.member_removed", "team.created",
            "share.created", "share.revoked"} <= types, types
    lines = dict(zip((r["summary"] for r in rows), (line for _, line in read)))
    assert lines["admin moved 'A 'quoted' task' to In Progress"] == \
        "admin moved 'A 'quoted' task' to In Progress"
    assert lines["admin set project 'Lines 'quoted' project' to on_hold"] == \
        "admin set project 'Lines 'quoted' project' to On hold"
