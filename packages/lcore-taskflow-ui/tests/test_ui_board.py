"""The board and the screens around it as a team uses them all day: optimistic moves
that survive a server outage, the keyboard, filters in the URL, live updates between
two people, projects, deletes with Undo, paging, ordering, password change and "My tasks"."""

from __future__ import annotations

import urllib.parse

import pytest
from ui_browser_support import LIVE_TIMEOUT_MS, Api, ServerProcess, card, day, http_status

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def needs(endpoint: str, present: bool) -> None:
    """Fail, naming it, when the server lacks an endpoint the screen is built on."""
    assert present, f"the server lacks {endpoint}"


def column(page, status):
    return page.locator(f"[data-testid=column-{status}]")


def titles(page, status) -> list[str]:
    return column(page, status).locator(".title").all_inner_texts()


# ------------------------------------------------------------ optimistic moves
def test_a_move_while_the_server_is_down_rolls_back_and_retry_works_once_it_is_back(
        open_session, tmp_path):
    proc = ServerProcess(tmp_path).start()
    try:
        admin = Api(proc.base, "admin")
        task = admin.task(1, "Survive the outage")
        s = open_session(proc.base)
        page = s.page
        s.login("admin")
        s.go("#/projects/1", "[data-testid=board]")
        proc.stop()
        card(page, "Survive the outage").locator("[data-testid=move-right]").click()
        toast = page.locator("[data-testid=toast][data-kind=error]", has_text="Survive the outage")
        toast.wait_for()
        assert "Can't reach the server" in toast.inner_text()
        # Rolled back, and the board is still there (one failed request never wipes it).
        card(page, "Survive the outage").wait_for()
        assert card(page, "Survive the outage").get_attribute("data-status") == "todo"
        assert "Survive the outage" not in titles(page, "in_progress")
        assert page.locator("[data-testid=view-error]").count() == 0
        assert page.locator("[data-testid=board] [data-testid=task-card]").count() >= 3

        proc.start()  # same port, same database
        toast.locator("[data-testid=toast-action]", has_text="Retry").click()
        column(page, "in_progress").locator("[data-testid=task-card]",
                                            has_text="Survive the outage").wait_for()
        page.locator("[data-testid=toast]", has_text="Moved “Survive the outage”").wait_for()
        assert admin.get(f"/api/projects/1/tasks/{task['id']}")["status"] == "in_progress"
    finally:
        proc.stop()


def test_keyboard_alone_moves_a_card_keeps_focus_on_it_and_announces_it(session, admin):
    admin.task(1, "Keyboard mover")
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    target = "Move “Keyboard mover” to In Progress"
    # The board is one Tab stop (a roving tabindex): Tab to a card, the arrows to the
    # new card (the last in To Do), then Tab to its buttons.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("Boolean(document.activeElement.closest('.task-card'))"):
            break
    else:
        pytest.fail("no card can be reached with Tab")
    page.keyboard.press("End")
    for _ in range(4):
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the move button cannot be reached with Tab")
    page.keyboard.press("Enter")
    moved = column(page, "in_progress").locator("[data-testid=task-card]",
                                                has_text="Keyboard mover")
    moved.wait_for()
    page.locator("#announcer", has_text="Moved “Keyboard mover” to In Progress").wait_for()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Move “Keyboard mover” to Done"
    page.keyboard.press("Enter")
    column(page, "done").locator("[data-testid=task-card]", has_text="Keyboard mover").wait_for()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Move “Keyboard mover” to In Progress"
    assert page.evaluate("document.activeElement.closest('.task-card').textContent").startswith(
        "Keyboard mover")


def test_filters_live_in_the_url_and_a_shared_url_shows_the_same_board(session, open_session,
                                                                      admin, server):
    users = {u["username"]: u["id"] for u in admin.get("/api/users/?limit=100")["users"]}
    admin.task(1, "Filter: bob high late", priority="high", assignee_id=users["bob"],
               due_date=day(-2))
    admin.task(1, "Filter: bob high later", priority="high", assignee_id=users["bob"],
               due_date=day(20))
    admin.task(1, "Filter: alice high late", priority="high", assignee_id=users["alice"],
               due_date=day(-2))
    admin.task(1, "Filter: nobody low", priority="low")
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    page.fill("[data-testid=filter-q]", "filter:")
    page.select_option("[data-testid=filter-assignee]", str(users["bob"]))
    page.select_option("[data-testid=filter-priority]", "high")
    page.select_option("[data-testid=filter-due]", "overdue")
    page.wait_for_function("() => location.hash.includes('due=overdue')")
    page.locator("[data-testid=filter-summary]", has_text="1 task matches").wait_for()
    shown = page.locator("[data-testid=task-card] .title").all_inner_texts()
    assert shown == ["Filter: bob high late"]
    query = urllib.parse.parse_qs(page.evaluate("location.hash").split("?", 1)[1])
    assert query == {"q": ["filter:"], "assignee": [str(users["bob"])], "priority": ["high"],
                     "due": ["overdue"]}

    # The URL is the view: another person opening it sees the same cards and filter values.
    url = page.url
    other = open_session(server)
    other.page.goto(url)
    other.page.click(".demo-fill[data-username=alice]")
    other.page.click("#login-submit")
    other.ready()
    other.page.locator("[data-testid=filter-summary]", has_text="1 task matches").wait_for()
    assert other.page.locator("[data-testid=task-card] .title").all_inner_texts() == shown
    assert other.page.input_value("[data-testid=filter-q]") == "filter:"
    assert other.page.input_value("[data-testid=filter-due]") == "overdue"

    # Unassigned works too (the browser filters where the server cannot yet).
    page.click("[data-testid=filter-clear]")
    page.wait_for_function("() => !location.hash.includes('?')")
    page.fill("[data-testid=filter-q]", "filter:")
    page.select_option("[data-testid=filter-assignee]", "none")
    page.wait_for_function("() => location.hash.includes('assignee=none')")
    page.locator("[data-testid=filter-summary]", has_text="1 task matches").wait_for()
    shown = page.locator("[data-testid=task-card] .title").all_inner_texts()
    assert shown == ["Filter: nobody low"]


# ---------------------------------------------------------------- live updates
def test_other_peoples_changes_appear_without_a_reload(session, open_session, server, admin):
    task = admin.task(1, "Live: watched card")
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    other = open_session(server)
    other.login("alice")
    other.go("#/projects/1", "[data-testid=board]")
    card(other.page, "Live: watched card").locator("[data-testid=move-right]").click()
    column(page, "in_progress").locator(
        "[data-testid=task-card]", has_text="Live: watched card").wait_for(timeout=LIVE_TIMEOUT_MS)
    Api(server, "bob").task(1, "Live: created by bob")
    column(page, "todo").locator("[data-testid=task-card]",
                                 has_text="Live: created by bob").wait_for(timeout=LIVE_TIMEOUT_MS)
    # The page was never reloaded: one document load for the whole test.
    assert [r for r in session.requests if r[1].endswith("/frontend")] == \
        [("GET", server + "/frontend")]

    # Task detail and dashboard follow too.
    session.go(f"#/projects/1/tasks/{task['id']}", "[data-testid=comment-form]")
    Api(server, "bob").post(f"/api/projects/1/tasks/{task['id']}/comments",
                            {"body": "Live comment"})
    page.locator("[data-testid=comments] .body", has_text="Live comment").wait_for(
        timeout=LIVE_TIMEOUT_MS)
    session.go("#/dashboard", "[data-testid=activity-feed]")
    Api(server, "bob").task(1, "Live: dashboard sees me")
    page.locator("[data-testid=activity-feed] li", has_text="Live: dashboard sees me").wait_for(
        timeout=LIVE_TIMEOUT_MS)


def test_a_card_held_in_a_drag_is_not_yanked_away(session, admin, server):
    task = admin.task(1, "Live: held card")
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    held = card(page, "Live: held card")
    held.scroll_into_view_if_needed()
    box = held.bounding_box()
    grip = (box["x"] + box["width"] / 2, box["y"] + box["height"] - 15)  # beside the buttons
    page.mouse.move(*grip)
    page.mouse.down()
    page.mouse.move(grip[0] + 30, grip[1] + 60, steps=5)
    page.locator(".task-card.dragging").wait_for()
    admin.patch(f"/api/projects/1/tasks/{task['id']}", {"status": "done"})
    # Two polls that began after the change: its news has certainly arrived.
    for _ in range(2):
        with page.expect_response(lambda r: "/dashboard/activity?limit=1" in r.url
                                  or "/tasks/changes" in r.url, timeout=LIVE_TIMEOUT_MS):
            pass
    still = column(page, "todo").locator(".task-card.dragging", has_text="Live: held card")
    assert still.count() == 1
    page.mouse.move(*grip, steps=2)
    page.mouse.up()
    column(page, "done").locator("[data-testid=task-card]", has_text="Live: held card").wait_for(
        timeout=LIVE_TIMEOUT_MS)


# ------------------------------------------------------------ projects, deletes
def test_project_edit_archive_and_show_archived(session, admin):
    pid = admin.post("/api/projects/", {"name": "Archive me", "description": "old"})["id"]
    page = session.page
    session.login("admin")
    session.go(f"#/projects/{pid}/settings", "[data-testid=edit-project-form]")
    form = page.locator("[data-testid=edit-project-form]")
    form.locator("input[name=name]").fill("Archive me (renamed)")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=toast]", has_text="Project saved").wait_for()
    assert admin.get(f"/api/projects/{pid}")["name"] == "Archive me (renamed)"

    session.go("#/projects", "[data-testid=project-card]")
    project = page.locator("[data-testid=project-card]", has_text="Archive me (renamed)")
    project.locator("[data-testid=archive-project]").click()
    project.wait_for(state="detached")
    assert admin.get(f"/api/projects/{pid}")["status"] == "archived"
    page.check("[data-testid=show-archived]")
    page.wait_for_function("() => location.hash.includes('archived=1')")
    archived = page.locator("[data-testid=project-card]", has_text="Archive me (renamed)")
    archived.wait_for()
    archived.locator("[data-testid=archive-project]", has_text="Unarchive").click()
    page.locator("[data-testid=toast]", has_text="is active again").wait_for()
    assert admin.get(f"/api/projects/{pid}")["status"] == "active"


def test_deleting_a_task_can_be_undone_and_otherwise_happens(session, admin):
    keep = admin.task(1, "Delete me, then undo")
    gone = admin.task(1, "Delete me for real")
    page = session.page
    session.login("admin")
    session.go(f"#/projects/1/tasks/{keep['id']}", "[data-testid=delete-task]")
    page.click("[data-testid=delete-task]")
    page.locator("[data-testid=board]").wait_for()
    session.ready()
    assert card(page, "Delete me, then undo").count() == 0
    page.locator("[data-testid=toast]", has_text="Deleted").locator(
        "[data-testid=toast-action]").click()
    page.locator("#page-title", has_text="Delete me, then undo").wait_for()
    assert admin.status(f"/api/projects/1/tasks/{keep['id']}") == 200

    session.go(f"#/projects/1/tasks/{gone['id']}", "[data-testid=delete-task]")
    with page.expect_request(lambda r: r.method == "DELETE", timeout=LIVE_TIMEOUT_MS):
        page.click("[data-testid=delete-task]")
    page.wait_for_function(f"""() => fetch('/api/projects/1/tasks/{gone['id']}', {{headers: {{
        Authorization: 'Bearer ' + JSON.parse(localStorage.getItem('taskflow.session')).token}}}})
        .then(r => r.status === 404)""")
    assert admin.status(f"/api/projects/1/tasks/{gone['id']}") == 404


def test_activity_pages_back_without_repeating_rows(session, admin):
    for i in range(20):
        admin.task(2, f"Activity row {i:02d}")
    page = session.page
    session.login("admin")
    feed = page.locator("[data-testid=activity-feed] li")
    feed.first.wait_for()
    first_page = feed.count()
    assert first_page == 15
    page.click("[data-testid=activity-more]")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=activity-feed] li')"
                           f".length > {first_page}")
    rows = feed.all_inner_texts()
    assert len(rows) == len(set(rows)), "a row shown twice"
    assert any("Activity row 00" in r for r in rows)


def test_email_history_pages_back_without_repeating_rows(session, admin):
    admin.post("/api/notifications/batch", {
        "recipients": [f"pager{i:02d}@example.com" for i in range(25)],
        "subject": "Paged", "body": "x"})
    total = admin.get("/api/notifications/history?limit=1")["total"]
    page = session.page
    session.login("admin")
    session.go("#/ext/notifications?tab=emails", "[data-testid=notification-table]")
    rows = page.locator("[data-testid=notification-table] tbody tr")
    assert rows.count() == 20
    assert page.locator("[data-testid=notification-count]").inner_text() == f"Showing 20 of {total}"
    page.click("[data-testid=notification-more]")
    page.wait_for_function("() => document.querySelectorAll("
                           "'[data-testid=notification-table] tbody tr').length > 20")
    texts = rows.all_inner_texts()
    paged = [t for t in texts if "pager" in t]
    assert len(texts) == min(total, 40) and len(paged) == len(set(paged)), "a row shown twice"
    assert page.locator("[data-testid=notification-more]").is_hidden() == (total <= 40)


def test_my_tasks_lists_what_is_assigned_to_me_across_projects(session, admin):
    alice = admin.get("/api/users/?limit=100")
    alice_id = next(u["id"] for u in alice["users"] if u["username"] == "alice")
    admin.task(1, "Mine in project one", assignee_id=alice_id, due_date=day(-1))
    admin.task(2, "Mine in project two", assignee_id=alice_id)
    admin.task(2, "Not mine", assignee_id=None)
    page = session.page
    session.login("alice")
    session.go("#/my-tasks", "[data-testid=my-tasks]")
    text = page.locator("[data-testid=my-tasks]").inner_text()
    assert "Mine in project one" in text and "Mine in project two" in text
    assert "Not mine" not in text
    first = page.locator("[data-testid=my-task]").first
    assert "Overdue" in first.inner_text(), "overdue work comes first"


# --------------------------------------------- waiting for CONTRACT.md endpoints
def test_order_within_a_column_persists_after_reload(session, admin):
    a = admin.task(1, "Order: first")
    admin.task(1, "Order: second")
    needs("task `position` and PATCH {status, before_id}", "position" in a)
    page = session.page
    session.login("admin")
    session.go("#/projects/1?q=Order:", "[data-testid=task-card]")
    assert titles(page, "todo") == ["Order: first", "Order: second"]
    card(page, "Order: second").locator("[data-testid=move-up]").click()
    page.locator("[data-testid=toast]", has_text="Moved “Order: second” up").wait_for()
    assert titles(page, "todo") == ["Order: second", "Order: first"]
    page.reload()
    session.ready()
    column(page, "todo").locator("[data-testid=task-card]").first.wait_for()
    assert titles(page, "todo") == ["Order: second", "Order: first"]


def test_live_updates_use_the_change_cursor_and_its_304(session, admin, server):
    lists = admin.get("/api/projects/1/tasks?limit=1")
    needs("GET /api/projects/<pid>/tasks/changes?since=<cursor>", "cursor" in lists)
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    with page.expect_response(lambda r: "/tasks/changes?since=" in r.url,
                              timeout=LIVE_TIMEOUT_MS) as info:
        pass
    assert info.value.status == 304
    list_calls = len([r for r in session.requests if "/tasks?status=" in r[1]])
    admin.task(1, "Cursor: new card")
    card(page, "Cursor: new card").wait_for(timeout=LIVE_TIMEOUT_MS)
    assert len([r for r in session.requests if "/tasks?status=" in r[1]]) == list_calls, \
        "the board refetched its lists instead of applying the changes"


def test_a_reset_from_the_change_feed_reloads_the_board(session, admin):
    """Too many changes for one answer (or a cursor too old): ``reset`` means list afresh."""
    page = session.page
    session.login("admin")
    session.go("#/projects/1", "[data-testid=board]")
    resets = []

    def as_reset(route):
        answer = route.fetch()
        if answer.status != 200 or resets:
            return route.fulfill(response=answer)
        body = answer.json()
        resets.append(body["cursor"])
        # What the server says past CHANGES_LIMIT rows: the cursor, and no rows.
        route.fulfill(response=answer, json={**body, "reset": True, "tasks": [], "deleted": []})

    page.route("**/tasks/changes?since=*", as_reset)
    list_calls = len([r for r in session.requests if "/tasks?status=" in r[1]])
    admin.task(1, "Reset: only in a fresh list")
    card(page, "Reset: only in a fresh list").wait_for(timeout=LIVE_TIMEOUT_MS)
    assert resets, "no change feed answer was turned into a reset"
    assert len([r for r in session.requests if "/tasks?status=" in r[1]]) > list_calls


def test_password_change_keeps_me_signed_in_and_ends_other_sessions(session, server):
    other = Api(server, "bob")
    needs("POST /auth/password",
              http_status(server + "/auth/password", other.token, {}) not in (404, 405))
    page = session.page
    session.login("bob")
    session.go("#/profile", "[data-testid=password-form]")
    form = page.locator("[data-testid=password-form]")
    form.locator("input[name=current_password]").fill("bob123")
    form.locator("input[name=new_password]").fill("short")
    form.locator("input[name=confirm]").fill("short")
    form.locator("button[type=submit]").click()
    assert "at least 10" in form.locator(".field-error[data-field=new_password]").inner_text()
    form.locator("input[name=new_password]").fill("a much longer passphrase")
    form.locator("input[name=confirm]").fill("a much longer passphrase")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=toast]", has_text="Password changed").wait_for()
    assert other.status("/auth/me") == 401
    session.go("#/team", "[data-testid=team-table]")
    assert page.locator("#shell").is_visible()
    Api(server, "bob", "a much longer passphrase")


def test_my_tasks_come_from_one_request(session, server):
    needs("GET /api/users/me/tasks", Api(server, "alice").status("/api/users/me/tasks") == 200)
    page = session.page
    session.login("alice")
    session.go("#/my-tasks", "#view .card")
    assert not [r for r in session.requests if "assignee_id=" in r[1]]
    assert page.locator("[data-testid=my-task], #view .empty").count() > 0
