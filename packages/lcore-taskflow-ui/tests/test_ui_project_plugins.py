"""Project-scoped plugins in the frontend (SPEC §13), in real Chromium against a real server.

The tests' launcher serves the test plugin ``testplug`` as project-scoped.  An owner finds
it in project settings' "Plugins" card, switched off; its parts (a project panel, a task
panel, a field in the task form) do not show in that project.  Switching it on stores the
choice (the API agrees) and its parts show; another project stays without them.  Each at
1366 px and at 360 px; axe-core finds no serious or critical violation and the page never
scrolls sideways.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from ui_browser_support import (
    DESKTOP,
    PHONE,
    Api,
    ServerProcess,
    axe_violations,
    horizontal_overflow,
)

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory, browser):
    proc = ServerProcess(tmp_path_factory.mktemp("scoped"), launcher=HERE / "extension_server.py",
                         TASKFLOW_TEST_SCOPED="1")
    yield proc.start()
    proc.stop()


def _clean(page, artifacts, name: str) -> list[str]:
    page.screenshot(path=str(artifacts / f"project-plugins-{name}.png"), full_page=True)
    problems = [f"{name}: {v}" for v in axe_violations(page)]
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{name}: the page scrolls {overflow} px sideways")
    return problems


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_owners_switch_a_scoped_plugin_and_its_parts_follow(open_session, scoped_server,
                                                            artifacts, size):
    base = scoped_server.base
    admin = Api(base, "admin")
    n = next(_serial)
    pid = admin.post("/api/projects/", {"name": f"Scoped board {n}"})["id"]
    other = admin.post("/api/projects/", {"name": f"Plain board {n}"})["id"]
    tid = admin.task(pid, f"Scoped task {n}")["id"]
    other_tid = admin.task(other, f"Plain task {n}")["id"]
    phone = size == "phone"
    s = open_session(base, PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone)
    page = s.page
    s.login("admin")

    s.go(f"#/projects/{pid}/settings", "[data-testid=project-plugins]")
    switch = page.locator("[data-testid=plugin-switch-testplug]")
    assert switch.get_attribute("role") == "switch"
    assert not switch.is_checked()
    assert page.locator("[data-extension=testplug-project]").count() == 0
    problems = _clean(page, artifacts, f"off-{size}")

    switch.check()
    page.locator("[data-testid=toast]", has_text="testplug is on").wait_for()
    assert admin.get(f"/api/projects/{pid}")["plugins"] == ["testplug"]
    assert {p["name"]: p["enabled"] for p in admin.get(f"/api/projects/{pid}/plugins")
            ["plugins"]} == {"testplug": True}
    s.go("#/projects", None)
    s.go(f"#/projects/{pid}/settings", "[data-testid=testplug-project]")
    assert page.locator("[data-testid=plugin-switch-testplug]").is_checked()
    problems += _clean(page, artifacts, f"on-{size}")

    s.go(f"#/projects/{pid}/tasks/{tid}", "[data-extension=testplug-panel]")
    assert page.locator("[data-testid=testplug-field]").count() == 1
    s.go(f"#/projects/{other}/tasks/{other_tid}", "[data-testid=edit-task-form]")
    assert page.locator("[data-extension=testplug-panel]").count() == 0
    assert page.locator("[data-testid=testplug-field]").count() == 0
    s.go(f"#/projects/{other}/settings", "[data-testid=project-plugins]")
    assert page.locator("[data-extension=testplug-project]").count() == 0

    s.go(f"#/projects/{pid}/settings", "[data-testid=project-plugins]")
    page.locator("[data-testid=plugin-switch-testplug]").uncheck()
    page.locator("[data-testid=toast]", has_text="testplug is off").wait_for()
    assert admin.get(f"/api/projects/{pid}")["plugins"] == []
    assert not problems, "\n".join(problems)


def test_the_card_is_for_owners_only(open_session, scoped_server):
    base = scoped_server.base
    admin = Api(base, "admin")
    pid = admin.post("/api/projects/", {"name": f"Owners only {next(_serial)}"})["id"]
    alice = admin.get("/api/users/?limit=100")
    alice_id = next(u["id"] for u in alice["users"] if u["username"] == "alice")
    admin.put(f"/api/projects/{pid}/members/users/{alice_id}", {"role": "editor"})
    s = open_session(base)
    s.login("alice")
    s.go(f"#/projects/{pid}/settings", "[data-testid=my-role]")
    assert s.page.locator("[data-testid=project-plugins]").count() == 0
    assert Api(base, "alice").status(f"/api/projects/{pid}/plugins/testplug",
                                     {"enabled": True}, "PUT") == 403
