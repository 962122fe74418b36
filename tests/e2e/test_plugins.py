"""The example third-party plugins installed from their directories into a fresh venv with
the four packages, against a real server process: HTTP, webhooks to a real receiver, and
the frontend in real Chromium (badges, settings panel, strict CSP), then disabled again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_plugins import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PLUGINS,
    WEBHOOK_SECRET,
    Page,
    Receiver,
    browser_missing,
    wait_for,
)
from e2e_support import Server, expect, expect_error, make_venv, pip, run

# Demo users (and their sign-in buttons); quick webhook retries.
SETTINGS = {"APP_SEED_DEMO": "true", "APP_WEBHOOKS_BACKOFF": "0.5",
            "APP_WEBHOOKS_POLL_INTERVAL": "1"}


@pytest.fixture(scope="module")
def plugin_python(dists, tmp_path_factory) -> Path:
    """A fresh venv: the four wheels, waitress, and `pip install examples/plugins/<name>`."""
    python = make_venv(tmp_path_factory.mktemp("venv") / "plugins", with_pip=False)
    pip(python, "install", "-q", *[d.wheel for d in dists.values()], "waitress")
    pip(python, "install", "-q", *PLUGINS.values())
    return python


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plugins-server")


@pytest.fixture(scope="module")
def server(plugin_python, home):
    s = Server("plugins", plugin_python, home, launcher="cli", settings=SETTINGS)
    s.start().wait_ready()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def seeded(server, receiver) -> dict:
    """A project with a label, a labelled task and a webhook, made over HTTP."""
    token = server.token("admin")
    pid = expect(server.post("/api/projects/", token=token, json={"name": "Plugins e2e"}),
                 201)["id"]
    for plugin in ("labels", "webhooks"):  # project-scoped: an owner turns them on
        expect(server.request("PUT", f"/api/projects/{pid}/plugins/{plugin}", token=token,
                              json={"enabled": True}), 200)
    label = expect(server.post(f"/api/labels/projects/{pid}", token=token,
                               json={"name": "urgent", "color": "#b91c1c"}), 201)
    hook = expect(server.post(f"/api/webhooks/projects/{pid}", token=token, json={
        "url": receiver.url, "secret": WEBHOOK_SECRET, "events": ["task.created"]}), 201)
    task = expect(server.post(f"/api/projects/{pid}/tasks", token=token, json={
        "title": "Labelled card", "labels": [label["id"]]}), 201)
    return {"pid": pid, "label": label, "hook": hook, "task": task["id"]}


def test_installed_plugins_are_listed(server, plugin_python):
    names = [p["name"] for p in expect(server.get("/health"), 200)["plugins"]]
    assert {"labels", "webhooks"} <= set(names), names
    listing = run([plugin_python.parent / "taskflow", "plugins"], cwd=server.workdir)
    for line in ("labels", "webhooks"):
        assert any(row.startswith(line + " ") for row in listing.splitlines()), listing


def test_labels_over_http(server, seeded):
    token, pid, label = server.token("admin"), seeded["pid"], seeded["label"]
    task = expect(server.get(f"/api/projects/{pid}/tasks/{seeded['task']}", token=token), 200)
    assert [lb["name"] for lb in task["labels"]] == ["urgent"]
    plain = expect(server.post(f"/api/projects/{pid}/tasks", token=token,
                               json={"title": "No label"}), 201)["id"]
    listing = expect(server.get(f"/api/projects/{pid}/tasks?label={label['id']}", token=token),
                     200)
    assert [t["id"] for t in listing["tasks"]] == [seeded["task"]]
    member = server.token("alice")
    expect_error(server.post(f"/api/labels/projects/{pid}", token=member,
                             json={"name": "x", "color": "#fff"}), 403, "member creates label")
    expect(server.post(f"/api/labels/tasks/{plain}/{label['id']}", token=member), 200)
    expect(server.request("DELETE", f"/api/projects/{pid}/tasks/{plain}", token=token), 200)
    [row] = expect(server.get(f"/api/labels/projects/{pid}", token=token), 200)["labels"]
    assert row["task_count"] == 1  # the deleted task's label went with it


def test_webhooks_over_http(server, seeded, receiver):
    got = wait_for(lambda: [r for r in receiver.received if r["event"] == "task.created"],
                   "the task.created delivery")
    assert got[0]["valid"] and got[0]["json"]["data"]["task"]["title"] == "Labelled card"
    token = server.token("admin")
    log = wait_for(lambda: [d for d in expect(server.get(
        f"/api/webhooks/{seeded['hook']['id']}/deliveries", token=token), 200)["deliveries"]
        if d["status"] == "delivered"], "the delivery log")
    assert log[-1]["response_status"] == 200
    expect_error(server.get(f"/api/webhooks/projects/{seeded['pid']}",
                            token=server.token("alice")), 403, "member lists webhooks")


# ------------------------------------------------------------------ Chromium
@pytest.fixture(scope="module")
def browser():
    reason = browser_missing()
    if reason:
        print(f"skipping the plugin browser checks: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_csp_stays_strict_with_plugins(server):
    page = server.get("/frontend", headers={"Accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    assert re.search(r"/static/plugins/labels/v/[0-9a-f]{16}/labels\.js", page.text)
    assert re.search(r"/static/plugins/webhooks/v/[0-9a-f]{16}/webhooks\.js", page.text)


def test_badge_and_settings_panel_in_chromium(browser, server, seeded):
    page = Page(browser, f"http://127.0.0.1:{server.port}")
    try:
        page.login("admin")
        page.go(f"#/projects/{seeded['pid']}")
        card = page.page.locator("[data-testid=task-card]", has=page.page.locator(
            ".title", has_text="Labelled card"))
        badge = card.locator(".badge-plugin", has_text="urgent")
        badge.wait_for()
        assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(185, 28, 28)"
        page.go(f"#/projects/{seeded['pid']}/settings")
        panel = page.page.locator(".extension-panel[data-extension=webhooks]")
        panel.locator("[data-testid=webhook]", has_text=seeded["hook"]["url"]).wait_for()
        page.page.locator(".extension-panel[data-extension=labels]",
                          has_text="urgent").wait_for()
        assert not page.errors, page.errors
    finally:
        page.close()


def test_disabling_the_plugins_removes_them_cleanly(browser, server, seeded, plugin_python,
                                                    home):
    server.stop()  # the same database, now with both plugins disabled
    off = Server("plugins-off", plugin_python, home, launcher="cli",
                 disabled=("labels", "webhooks"), settings={"APP_SEED_DEMO": "true"})
    off.start().wait_ready()
    page = Page(browser, f"http://127.0.0.1:{off.port}")
    try:
        names = [p["name"] for p in expect(off.get("/health"), 200)["plugins"]]
        assert "labels" not in names and "webhooks" not in names
        token = off.token("admin")
        task = expect(off.get(f"/api/projects/{seeded['pid']}/tasks/{seeded['task']}",
                              token=token), 200)
        assert "labels" not in task
        expect_error(off.get(f"/api/labels/projects/{seeded['pid']}", token=token), 404)
        page.login("admin")
        page.go(f"#/projects/{seeded['pid']}")
        page.page.locator("[data-testid=task-card]", has_text="Labelled card").wait_for()
        assert page.page.locator(".badge-plugin").count() == 0
        page.go(f"#/projects/{seeded['pid']}/settings")
        # Panels render together with the settings form: once it shows, any would be there.
        page.page.locator("[data-testid=edit-project-form]").wait_for()
        assert page.page.locator(".extension-panel").count() == 0
        theirs = [u for u in page.plugin_requests  # (notify ships a UI module of its own)
                  if "/static/plugins/labels/" in u or "/static/plugins/webhooks/" in u]
        assert theirs == [] and not page.errors, (theirs, page.errors)
    finally:
        page.close()
        off.stop()
