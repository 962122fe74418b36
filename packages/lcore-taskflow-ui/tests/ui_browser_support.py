"""Helpers of the ui's browser tests over core's kit (``lcore_taskflow.core.testing.browser``:
the server process, Chromium, the watched page, axe-core 4.14, the HTTP API as another user),
plus the ui's own: rich seed data, the demo-button login, a card by its title.

The server is a real ``python -m lcore_taskflow.core._cli serve`` process (or
the tests' own launcher ``extension_server.py``, which adds a test-only
plugin module and a URL prefix) on a free port with a temporary database.
"""

from __future__ import annotations

import datetime as dt

from lcore_taskflow.core.testing import browser as kit
from lcore_taskflow.core.testing.browser import (  # noqa: F401 (the tests import them from here)
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    Api,
    axe_violations,
    horizontal_overflow,
    http_json,
    http_status,
)

LIVE_TIMEOUT_MS = 15_000  # live updates arrive within 5 s; the margin is for a loaded CI machine
XSS_TITLE = "<img src=x onerror=alert(1)>"
LONG_TITLE = "Unbroken" + "x" * 192  # 200 characters without a space
# the frontend needs auth's login; ui itself is the package under test
NEEDS = (("playwright", "playwright"), ("lcore_taskflow.auth", "lcore-taskflow-auth"))


def require_browser() -> None:
    kit.require_browser(NEEDS)


class ServerProcess(kit.BrowserServer):
    """The kit's server with the suite's three frontend packages (auth, notify, ui)."""

    def __init__(self, home, *, launcher=None, prefix: str = "", **env: str):
        super().__init__(home, launcher=launcher, prefix=prefix, plugins="auth,notify,ui", **env)


def day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


# Unicode on purpose: accents, CJK, right-to-left, emoji, markup.
TITLES = ["Write the release notes", "Fix login on Safari 🐛",
          "Übersetzung prüfen – Größenänderung",  # noqa: RUF001
          "设计新的仪表板", "مراجعة التصميم", "Ship it 🚀🚀🚀", "Refactor the <b>parser</b>",
          "Plan Q3 roadmap", "Customer interviews (5 × 30 min)",  # noqa: RUF001
          "Update dependencies"]


def seed_rich_data(base: str) -> dict:
    """3 projects, 60 tasks: long, Unicode, emoji titles, overdue and due-soon dates."""
    admin = Api(base, "admin")
    users = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100")["users"]}
    names = ["Launch 🚀 Q3 — Marketing & Sales Enablement", "Plattform-Überarbeitung",
             LONG_TITLE[:120]]
    projects = [admin.post("/api/projects/", {"name": n, "description": "Seeded"})["id"]
                for n in names]
    pid = projects[0]
    special = {
        "long": admin.task(pid, LONG_TITLE, due_date=day(-3), assignee_id=users["alice"],
                           priority="high"),
        "overdue": admin.task(pid, "Overdue invoice 🧾", due_date=day(-1),
                              assignee_id=users["bob"]),
        "soon": admin.task(pid, "Due tomorrow: prepare the demo", due_date=day(1),
                           assignee_id=users["alice"]),
    }
    statuses, priorities = ["todo", "in_progress", "done"], ["low", "medium", "high"]
    assignees = [users["alice"], users["bob"], users["admin"], None]
    for i in range(57):
        target = projects[0] if i < 27 else projects[1 + i % 2]
        admin.task(target, f"{TITLES[i % len(TITLES)]} #{i}", status=statuses[i % 3],
                   priority=priorities[i % 3], assignee_id=assignees[i % 4],
                   due_date=day(i % 20 - 5) if i % 4 else None)
    # A long subject without spaces in the email history (it once pushed the table out of its card).
    admin.post("/api/notifications/email", {"to": "someone@example.com", "subject": LONG_TITLE,
                                            "body": "Seeded for the browser tests"})
    return {"projects": projects, "special": special, "users": users}


class Session(kit.Session):
    """The kit's page, signing in with the login screen's demo buttons."""

    # several tests make the frontend log a failed request on purpose
    console_errors = False

    def login(self, username: str, password: str | None = None) -> None:
        page = self.page
        page.goto(self.base + "/frontend")
        page.locator("#login-form").wait_for()
        page.click(f".demo-fill[data-username={username}]")
        assert page.input_value("#login-username") == username
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")
        self.ready()

    def token(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('taskflow.session')).token")


def card(page, title: str):
    return page.locator("[data-testid=task-card]", has=page.locator(".title", has_text=title))
