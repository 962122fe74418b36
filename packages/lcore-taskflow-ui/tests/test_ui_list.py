"""The list view of a project, bulk actions and saved views, in real Chromium against a
real server.

From the board's Board | List switch to a table of the project's tasks: sorting by a
column header (aria-sort follows), the board's filters in the URL, a range selected
with Shift+click and the keyboard, a bulk move (the API and the board show it) and a
bulk delete behind a confirmation in the page; then the list's filters saved as a view,
reopened from the sidebar and deleted there.  At 1366 px and 360 px with axe, sideways
scroll, squeezed text and 44 px targets on the phone (the Checks of test_ui_access);
screenshots ``access-list-*.png``.
"""

from __future__ import annotations

import itertools
import urllib.parse

import pytest
from test_ui_access import SIZES, Checks, _open
from ui_browser_support import Api, http_status

pytestmark = pytest.mark.browser

_serial = itertools.count(1)
PRIORITIES = ["low", "medium", "high"]


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def _titles(page) -> list[str]:
    return page.locator("[data-testid=list-title]").all_inner_texts()


def _hash(page) -> str:
    return urllib.parse.unquote(page.evaluate("location.hash"))


def _wait_titles(page, expected: list[str]) -> None:
    page.wait_for_function(
        "t => JSON.stringify([...document.querySelectorAll('[data-testid=list-title]')]"
        ".map((a) => a.textContent)) === JSON.stringify(t)", arg=expected)


@pytest.mark.parametrize("size", SIZES)
def test_list_view_sorts_filters_and_acts_on_a_range(open_session, server, admin, artifacts,
                                                     size):
    n = next(_serial)
    pid = admin.post("/api/projects/", {"name": f"List {size} {n}", "description": "List"})["id"]
    made = {}
    for i, word in enumerate(["Kiwi", "apple", "Mango", "banana", "Cherry", "date", "Fig",
                              "<b>Grape</b>"]):
        made[word] = admin.task(pid, word, priority=PRIORITIES[i % 3])["id"]
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    s.go(f"#/projects/{pid}", "[data-testid=board]")

    # The switch opens the list; the default order is by title.
    page.locator("[data-testid=view-switch-list]").click()
    page.wait_for_function(f"() => location.hash.startsWith('#/projects/{pid}/list')")
    s.ready()
    page.locator("[data-testid=list-table]").wait_for()
    by_title = sorted(made, key=str.lower)
    assert _titles(page) == by_title  # "<b>Grape</b>" shows its characters
    assert page.locator("[data-testid=list-table] b").count() == 0
    assert page.locator("[data-testid=view-switch-list]").get_attribute("aria-current") == "page"
    check("list")

    # Sorting: a second click reverses; aria-sort says so; the URL keeps it.
    page.locator("[data-testid=sort-title]").click()
    _wait_titles(page, by_title[::-1])
    header = page.locator("th", has=page.locator("[data-testid=sort-title]"))
    assert header.get_attribute("aria-sort") == "descending"
    assert "sort=-title" in _hash(page)
    page.locator("[data-testid=sort-priority]").click()
    page.wait_for_function("() => location.hash.includes('sort=priority')")
    _wait_titles(page, [t for p in PRIORITIES for t in made
                        if admin.get(f"/api/projects/{pid}/tasks/{made[t]}")["priority"] == p])
    assert page.evaluate("document.activeElement.dataset.testid") == "sort-priority"

    # The board's filters, in the board's URL format.
    page.select_option("[data-testid=filter-priority]", "high")
    page.wait_for_function("() => location.hash.includes('priority=high')")
    high = sorted((t for i, t in enumerate(made) if PRIORITIES[i % 3] == "high"))
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=list-row]').length"
                           f" === {len(high)}")
    assert {page.locator("[data-testid=list-priority]").all_inner_texts()[i]
            for i in range(len(high))} == {"High"}
    page.locator("[data-testid=filter-clear]").click()
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=list-row]').length"
                           f" === {len(made)}")
    page.locator("[data-testid=sort-title]").click()
    _wait_titles(page, by_title)

    # A range: click the second box, Shift+click the fifth; the keyboard adds the seventh
    # (Space) and extends to the eighth (Shift+Space).
    boxes = page.locator("[data-testid=select-task]")
    boxes.nth(1).click()
    boxes.nth(4).click(modifiers=["Shift"])
    page.locator("[data-testid=bulk-count]", has_text="4 tasks selected").wait_for()
    boxes.nth(6).focus()
    page.keyboard.press("Space")
    page.locator("[data-testid=bulk-count]", has_text="5 tasks selected").wait_for()
    boxes.nth(7).focus()
    page.keyboard.press("Shift+Space")  # a range from the keyboard too (6..7)
    page.locator("[data-testid=bulk-count]", has_text="6 tasks selected").wait_for()
    picked = [by_title[i] for i in (1, 2, 3, 4, 6, 7)]
    assert page.locator("[data-testid=select-page]").evaluate("el => el.indeterminate")
    check("list-selected")

    # Bulk move: one request; the API and the board show it.
    page.select_option("[data-testid=bulk-action]", "move")
    page.select_option("[data-testid=bulk-status]", "done")
    page.locator("[data-testid=bulk-apply]").click()
    page.locator("[data-testid=toast]", has_text="Moved 6 tasks to Done").wait_for()
    moved = admin.get(f"/api/projects/{pid}/tasks?status=done&limit=100")["tasks"]
    assert sorted(t["title"] for t in moved) == sorted(picked)
    page.locator("[data-testid=bulk-bar]").wait_for(state="hidden")  # the selection is cleared
    page.locator("[data-testid=list-status]", has_text="Done").nth(5).wait_for()
    bulk_posts = [u for m, u in s.requests if m == "POST" and u.endswith("/tasks/bulk")]
    assert len(bulk_posts) == 1

    # Bulk delete: a confirmation in the page first; Cancel keeps everything.
    page.locator("[data-testid=select-page]").check()
    page.locator("[data-testid=bulk-count]", has_text=f"{len(made)} tasks selected").wait_for()
    page.locator("[data-testid=select-page]").uncheck()
    boxes.nth(0).click()
    boxes.nth(1).click(modifiers=["Shift"])
    page.select_option("[data-testid=bulk-action]", "delete")
    page.locator("[data-testid=bulk-apply]").click()
    confirm = page.locator("[data-testid=bulk-confirm]")
    confirm.wait_for()
    assert "Delete 2 tasks" in confirm.inner_text()
    assert page.evaluate("document.activeElement.dataset.testid") == "bulk-cancel-delete"
    check("list-confirm")
    page.locator("[data-testid=bulk-cancel-delete]").click()
    assert len(admin.get(f"/api/projects/{pid}/tasks?limit=100")["tasks"]) == len(made)
    page.locator("[data-testid=bulk-apply]").click()
    page.locator("[data-testid=bulk-confirm-delete]").click()
    page.locator("[data-testid=toast]", has_text="Deleted 2 tasks").wait_for()
    for title in by_title[:2]:
        assert http_status(f"{server}/api/projects/{pid}/tasks/{made[title]}",
                           admin.token) == 404
    _wait_titles(page, by_title[2:])

    # The board shows the result too.
    page.locator("[data-testid=view-switch-board]").click()
    page.wait_for_function(f"() => location.hash.startsWith('#/projects/{pid}')"
                           " && !location.hash.includes('/list')")
    s.ready()
    page.locator("[data-testid=board]").wait_for()
    done = len([t for t in picked if t not in by_title[:2]])
    assert page.locator("[data-testid=count-done]").inner_text() == str(done)
    check.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_save_a_view_and_reopen_it_from_the_sidebar(open_session, server, admin, artifacts,
                                                    size):
    n = next(_serial)
    pid = admin.post("/api/projects/", {"name": f"Views {size} {n}", "description": "Views"})["id"]
    for i, word in enumerate(["Alpha", "Bravo", "Charlie", "Delta"]):
        admin.task(pid, f"{word} task", priority=["high", "low"][i % 2])
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    s.go(f"#/projects/{pid}/list?sort=-title", "[data-testid=list-table]")
    page.select_option("[data-testid=filter-priority]", "high")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=list-row]').length"
                           " === 2")
    name = f"High ones {size} {n}"
    page.locator("[data-testid=save-view]").click()
    assert page.evaluate("document.activeElement.dataset.testid") == "save-view-name"
    page.fill("[data-testid=save-view-name]", name)
    page.locator("[data-testid=save-view-shared]").check()
    check("list-save-view")
    page.locator("[data-testid=save-view-submit]").click()
    page.locator("[data-testid=toast]", has_text=f"Saved the view “{name}”").wait_for()
    saved = [v for v in admin.get("/api/views")["views"] if v["name"] == name]
    assert len(saved) == 1 and saved[0]["shared"] and saved[0]["project_id"] == pid
    assert dict(urllib.parse.parse_qsl(saved[0]["query"])) == {
        "sort": "-title", "priority": "high", "view": "list"}

    # Elsewhere, then back through the sidebar.
    s.go("#/dashboard", "[data-testid=activity-feed]")
    if size == "phone":
        page.locator("#menu-toggle").click()
    link = page.locator("[data-testid=saved-view-link]", has_text=name)
    link.wait_for()
    check("sidebar-saved-views")
    link.click()
    page.wait_for_function(f"() => location.hash.startsWith('#/projects/{pid}/list?')")
    s.ready()
    page.locator("[data-testid=list-table]").wait_for()
    assert page.input_value("[data-testid=filter-priority]") == "high"
    assert _titles(page) == ["Charlie task", "Alpha task"]  # high ones, by title descending

    # The board's filters save too, and open the board.
    page.locator("[data-testid=view-switch-board]").click()
    s.ready()
    page.locator("[data-testid=board]").wait_for()
    assert page.input_value("[data-testid=filter-priority]") == "high"

    # Deleted from the sidebar.
    if size == "phone":
        page.locator("#menu-toggle").click()
    item = page.locator("[data-testid=saved-view]", has_text=name)
    item.locator("[data-testid=saved-view-delete]").click()
    page.locator("[data-testid=toast]", has_text=f"Deleted the view “{name}”").wait_for()
    item.wait_for(state="detached")
    assert not [v for v in admin.get("/api/views")["views"] if v["name"] == name]
    check.assert_clean()
