"""Every screen, at desktop (1366 x 800) and phone (360 x 780) size, on realistic data
(3 more projects, 60 tasks with long, Unicode and emoji titles, a 200-character title
without a space): axe-core finds no critical or serious violation, the page never
scrolls sideways, and a screenshot of each goes to the artifacts directory.
"""

from __future__ import annotations

import pytest
from ui_browser_support import DESKTOP, PHONE, axe_violations, horizontal_overflow, seed_rich_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(server):
    return seed_rich_data(server)


def _screens(seeded):
    pid = seeded["projects"][0]
    long_task = seeded["special"]["long"]["id"]
    return [
        ("dashboard", "#/dashboard", "[data-testid=activity-feed]"),
        ("my-tasks", "#/my-tasks", "[data-testid=my-tasks]"),
        ("projects", "#/projects", "[data-testid=project-card]"),
        ("projects-archived", "#/projects?archived=1", "[data-testid=project-card]"),
        ("board", f"#/projects/{pid}", "[data-testid=task-card]"),
        ("board-filtered", f"#/projects/{pid}?q=ship&due=week", "[data-testid=board]"),
        ("task", f"#/projects/{pid}/tasks/{long_task}", "[data-testid=comment-form]"),
        ("task-missing", f"#/projects/{pid}/tasks/999999", "[data-testid=view-error]"),
        ("project-settings", f"#/projects/{pid}/settings", "[data-testid=edit-project-form]"),
        ("team", "#/team", "[data-testid=team-table]"),
        ("notifications", "#/ext/notifications?tab=emails", "[data-testid=notification-table]"),
        ("profile", "#/profile", "[data-testid=profile-form]"),
        ("no-such-screen", "#/nowhere", "[data-testid=view-error]"),
    ]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_screen_is_accessible_fits_its_width_and_is_photographed(
        open_session, server, seeded, artifacts, size):
    phone = size == "phone"
    s = open_session(server, PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone)
    page = s.page
    problems: list[str] = []

    def check(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}-{size}.png"), full_page=True)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            problems.append(f"{name}: the page scrolls {overflow} px sideways")
        problems.extend(f"{name}: {v}" for v in axe_violations(page))

    for name, url, ready in [("welcome", "/", "[data-testid=plugins]"),
                             ("error-404", "/no/such/page", "[data-testid=error-page]")]:
        page.goto(server + url)
        page.locator(ready).wait_for()
        check(name)
    page.goto(server + "/frontend")
    page.locator("#login-form").wait_for()
    check("login")
    s.login("admin")
    for name, hash_, ready in _screens(seeded):
        s.go(hash_, ready)
        check(name)
    if phone:
        page.click("#menu-toggle")
        page.locator("#nav").wait_for()
        check("menu-open")
    assert not problems, "\n".join(problems)
