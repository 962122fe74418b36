"""Quick keyboard work on the board (issue 20, item 6), in real Chromium against a real server:
quick add at the top of each column, the shortcuts and their ``?`` help sheet, the roving
tabindex (a card in a few keys, measured), and the "Blocked" badge.  At 1366 px and at
360 x 740 px, axe-core clean."""

from __future__ import annotations

import itertools

import pytest
from ui_browser_support import DESKTOP, LIVE_TIMEOUT_MS, Api, axe_violations, card

pytestmark = pytest.mark.browser

PHONE_740 = {"width": 360, "height": 740}
SIZES = {"desktop": DESKTOP, "phone": PHONE_740}
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def _open(open_session, server, size):
    viewport = SIZES[size]
    phone = size == "phone"
    return open_session(server, viewport=viewport, is_mobile=phone, has_touch=phone)


def _project(admin: Api, name: str) -> int:
    return admin.post("/api/projects/", {"name": f"{name} {next(_serial)}"})["id"]


def _focused(page) -> str:
    return page.evaluate("(document.activeElement.getAttribute('aria-label')"
                         " || document.activeElement.textContent || '').trim()")


@pytest.mark.parametrize("size", SIZES)
def test_quick_add_keeps_the_field_open_and_the_defaults(open_session, server, admin, size):
    pid = _project(admin, "Quick add")
    s = _open(open_session, server, size)
    page = s.page
    s.login("admin")
    s.go(f"#/projects/{pid}", "[data-testid=board]")
    field = page.locator("[data-testid=quick-add-todo]")
    titles = [f"Quick {i}" for i in range(5)]
    for title in titles:
        field.fill(title)
        field.press("Enter")
        card(page, title).wait_for()
        # The field stays open, empty and focused for the next one.
        assert field.input_value() == ""
        assert page.evaluate("document.activeElement.dataset.testid") == "quick-add-todo"
    tasks = admin.get(f"/api/projects/{pid}/tasks?limit=100")["tasks"]
    assert sorted(t["title"] for t in tasks) == titles
    assert {t["priority"] for t in tasks} == {"medium"} and {t["status"] for t in tasks} == {"todo"}
    assert page.locator("[data-testid=count-todo]").inner_text() == "5"

    # The full form keeps its defaults after the first task (it used to fall back to Low).
    for title in ("Form 1", "Form 2"):
        if page.locator("[data-testid=new-task-form]").is_hidden():
            page.click("[data-testid=new-task]")
        form = page.locator("[data-testid=new-task-form]")
        assert form.locator("select[name=priority]").input_value() == "medium"
        form.locator("input[name=title]").fill(title)
        form.locator("button[type=submit]").click()
        card(page, title).wait_for()
    made = {t["title"]: t for t in admin.get(f"/api/projects/{pid}/tasks?limit=100")["tasks"]}
    assert made["Form 1"]["priority"] == made["Form 2"]["priority"] == "medium"

    # Bad input: a title over 200 characters is refused with a message, nothing is added.
    field.evaluate("el => el.removeAttribute('maxlength')")
    field.fill("x" * 201)
    field.press("Enter")
    error = page.locator("[data-testid=quick-add-form-todo] .quick-error")
    error.wait_for()
    assert "title" in error.inner_text().lower()
    assert admin.get(f"/api/projects/{pid}/tasks?limit=1")["total"] == 7
    assert axe_violations(page) == []


def test_shortcuts_roving_focus_and_help_sheet(open_session, server, admin):
    pid = _project(admin, "Keys")
    me = admin.user["id"]
    for i in range(6):
        admin.task(pid, f"Key card {i}")
    admin.task(pid, "Key done", status="done")
    s = _open(open_session, server, "desktop")
    page = s.page
    s.login("admin")
    s.go(f"#/projects/{pid}", "[data-testid=task-card]")

    # Roving tabindex: the board is one Tab stop; the arrows walk the cards.
    page.focus("#page-title")
    tabs = 0
    while _focused(page) != "Key card 0":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs < 20, f"the first card is not reached in 20 Tabs (at {_focused(page)!r})"
    print(f"Tabs from the heading to the first card: {tabs}")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert _focused(page) == "Key card 4"  # the fifth card: 4 keys more, not 16 Tabs
    page.keyboard.press("ArrowRight")  # In Progress is empty: Done, at the nearest row
    assert _focused(page) == "Key done"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Home")
    assert _focused(page) == "Key card 0"
    # Only the focused card's controls are in the Tab order.
    assert page.locator("[data-testid=board] a:not([tabindex='-1'])").count() == 1

    # Shift+→ moves the focused card, the focus stays with it.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    moved = page.locator("[data-testid=column-in_progress] [data-testid=task-card]",
                         has_text="Key card 1")
    moved.wait_for()
    page.locator("[data-testid=toast]", has_text="Moved “Key card 1”").wait_for()
    assert "Key card 1" in page.evaluate("document.activeElement.closest('.task-card').innerText")
    tid = int(moved.get_attribute("data-task-id"))
    assert admin.get(f"/api/projects/{pid}/tasks/{tid}")["status"] == "in_progress"

    # a: assign to me.
    page.keyboard.press("a")
    page.locator("[data-testid=toast]", has_text="Assigned “Key card 1” to you").wait_for()
    assert admin.get(f"/api/projects/{pid}/tasks/{tid}")["assignee_id"] == me

    # ?: the help sheet, a modal dialog named by its heading; Escape closes it.
    page.keyboard.press("?")
    sheet = page.locator("[data-testid=shortcuts-sheet]")
    sheet.wait_for()
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    assert "Assign the focused card to me" in sheet.inner_text()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    sheet.wait_for(state="hidden")

    # n: the quick add of the focused card's column; typing there never fires a shortcut.
    card(page, "Key card 1").locator("[data-role=title]").focus()
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.dataset.testid") == "quick-add-in_progress"
    page.keyboard.type("a n ? x")
    assert page.locator("[data-testid=shortcuts-sheet][open]").count() == 0
    page.keyboard.press("Escape")

    # / : the search box (search.js); Enter on a card opens it.
    card(page, "Key card 2").locator("[data-role=title]").focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    card(page, "Key card 2").locator("[data-role=title]").focus()
    page.keyboard.press("Enter")
    page.locator("#page-title", has_text="Key card 2").wait_for()
    assert axe_violations(page) == []


def test_arrows_on_a_phone_bring_the_next_column_on_screen(open_session, server, admin):
    pid = _project(admin, "Phone keys")
    admin.task(pid, "Phone todo")
    admin.task(pid, "Phone doing", status="in_progress")
    s = _open(open_session, server, "phone")
    page = s.page
    s.login("admin")
    s.page.evaluate("sessionStorage.setItem('taskflow.column', 'todo')")
    s.go(f"#/projects/{pid}", "[data-testid=task-card]")
    card(page, "Phone todo").locator("[data-role=title]").focus()
    page.keyboard.press("ArrowRight")
    assert _focused(page) == "Phone doing"
    assert card(page, "Phone doing").is_visible() and not card(page, "Phone todo").is_visible()
    assert page.locator("[data-testid=tab-in_progress]").get_attribute("aria-pressed") == "true"
    assert axe_violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_card_blocked_by_an_open_task_says_so(open_session, server, admin, size):
    pid = _project(admin, "Blocked")
    blocker = admin.task(pid, "First things")
    blocked = admin.task(pid, "Waits for the blocker")
    admin.post(f"/api/projects/{pid}/tasks/{blocker['id']}/relations",
               {"kind": "blocks", "task_id": blocked["id"]})
    s = _open(open_session, server, size)
    page = s.page
    s.login("alice")
    s.go(f"#/projects/{pid}", "[data-testid=task-card]")
    badge = card(page, "Waits for the blocker").locator("[data-testid=card-blocked]")
    badge.wait_for()
    assert badge.inner_text() == "Blocked"
    assert badge.get_attribute("title") == "Blocked by 1 open task"
    assert card(page, "First things").locator("[data-testid=card-blocked]").count() == 0
    assert axe_violations(page) == []
    # Once the blocker is done the badge goes, live (the blocked task rides the change cursor).
    admin.patch(f"/api/projects/{pid}/tasks/{blocker['id']}", {"status": "done"})
    card(page, "Waits for the blocker").locator("[data-testid=card-blocked]").wait_for(
        state="detached", timeout=LIVE_TIMEOUT_MS)
    assert card(page, "Waits for the blocker").count() == 1
