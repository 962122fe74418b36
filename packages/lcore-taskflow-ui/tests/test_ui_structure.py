"""Checklists and relations on the task page, in real Chromium against a real server.

An editor adds checklist items, ticks, moves and removes them, and the board
card shows "1/2"; relates tasks by number and by words, sees a cycle of
"blocks" refused in the card (409) and removes a relation; a viewer reads
both without a control.  At 1366 px and 360 px with axe, sideways scroll,
squeezed text and 44 px targets on the phone; screenshots
``access-structure-*.png``.  (A "Blocked" badge on board cards is not
shown: the task list does not carry relations.)
"""

from __future__ import annotations

import itertools

import pytest
from test_ui_access import SIZES, Checks, _eventually, _login, _open, _user
from ui_browser_support import Api

pytestmark = pytest.mark.browser

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


@pytest.mark.parametrize("size", SIZES)
def test_checklist_and_relations(open_session, server, admin, artifacts, size):
    n = next(_serial)
    editor, viewer = _user(admin, f"edna{size}{n}"), _user(admin, f"vic{size}{n}")
    pid = admin.post("/api/projects/", {"name": f"Structure {size} {n}", "description": "x"})["id"]
    admin.put(f"/api/projects/{pid}", {"name": f"Structure {size} {n}", "visibility": "private"})
    admin.put(f"/api/projects/{pid}/members/users/{editor['id']}", {"role": "editor"})
    admin.put(f"/api/projects/{pid}/members/users/{viewer['id']}", {"role": "viewer"})
    a = admin.task(pid, "Prepare the <i>launch</i>")
    b = admin.task(pid, "Print the posters")
    admin.task(pid, f"Zanzibar{size}{n} venue booking")
    base = f"/api/projects/{pid}/tasks/{a['id']}"

    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    _login(s, editor["username"])
    s.go(f"#/projects/{pid}/tasks/{a['id']}", "[data-testid=checklist-card]")
    card = page.locator("[data-testid=checklist-card]")
    assert card.locator("text=No checklist items.").is_visible()
    for title in ("Book the room", "Order <b>food</b>", "Send invites"):
        page.fill("[data-testid=checklist-new]", title)
        page.press("[data-testid=checklist-new]", "Enter")
        card.locator("[data-testid=checklist-item]", has_text=title).wait_for()
        assert page.evaluate("document.activeElement.dataset.testid") == "checklist-new"
    items = card.locator("[data-testid=checklist-item]")
    items.first.locator("[data-testid=checklist-toggle]").check()
    page.locator("[data-testid=checklist-summary]", has_text="1/3 done").wait_for()
    # Move "Send invites" up: it becomes second.
    items.nth(2).locator("[data-testid=checklist-up]").click()
    _eventually(lambda: items.nth(1).inner_text().startswith("Send invites"), "the move")
    assert [i["title"] for i in admin.get(base + "/checklist")["items"]] == [
        "Book the room", "Send invites", "Order <b>food</b>"]
    items.filter(has_text="Order <b>food</b>").locator("[data-testid=checklist-remove]").click()
    _eventually(lambda: items.count() == 2, "the removal")
    assert admin.get(base)["checklist"] == {"done": 1, "total": 2}

    # Relations: by number, by words; a cycle refused in the card.
    page.select_option("[data-testid=relation-kind]", "blocks")
    page.fill("[data-testid=relation-task]", f"#{b['id']}")
    page.click("[data-testid=relation-form] button[type=submit]")
    rel = page.locator("[data-testid=relation][data-kind=blocks]", has_text="Print the posters")
    rel.wait_for()
    page.select_option("[data-testid=relation-kind]", "relates")
    page.fill("[data-testid=relation-task]", f"zanzibar{size}{n}")
    page.click("[data-testid=relation-form] button[type=submit]")
    page.locator("[data-testid=relation-pick]").first.click()
    page.locator("[data-testid=relation][data-kind=relates]", has_text="venue booking").wait_for()
    check("structure-editor")

    s.go(f"#/projects/{pid}/tasks/{b['id']}", "[data-testid=relations-card]")
    page.locator("[data-testid=relation][data-kind=blocked_by]", has_text="launch").wait_for()
    page.select_option("[data-testid=relation-kind]", "blocks")
    page.fill("[data-testid=relation-task]", str(a["id"]))
    page.click("[data-testid=relation-form] button[type=submit]")
    error = page.locator("[data-testid=relations-error]")
    error.wait_for()
    assert "cycle" in error.inner_text()
    check("structure-cycle")
    s.go(f"#/projects/{pid}/tasks/{a['id']}", "[data-testid=relations-card]")
    page.locator("[data-testid=relation][data-kind=relates] [data-testid=relation-remove]").click()
    page.locator("[data-testid=relation][data-kind=relates]").wait_for(state="detached")
    assert [r["kind"] for r in admin.get(base)["relations"]] == ["blocks"]

    # The board card counts the checklist.
    s.go(f"#/projects/{pid}", "[data-testid=board]")
    counted = page.locator("[data-testid=task-card]", has_text="launch")
    assert counted.locator("[data-testid=card-checklist]").inner_text().startswith("☑ 1/2")
    assert page.locator("[data-testid=task-card]", has_text="posters").locator(
        "[data-testid=card-checklist]").count() == 0

    # A viewer reads both, with no control.
    v = _open(open_session, server, size)
    vp = v.page
    vcheck = Checks(vp, artifacts, size)
    _login(v, viewer["username"])
    v.go(f"#/projects/{pid}/tasks/{a['id']}", "[data-testid=checklist-card]")
    assert vp.locator("[data-testid=checklist-item]").count() == 2
    assert vp.locator("[data-testid=checklist-item][data-done='1']").count() == 1
    # The mark and the title sit together at the start of the row.
    row = vp.locator("[data-testid=checklist-item]").first
    assert row.locator("span").nth(1).bounding_box()["x"] - row.bounding_box()["x"] < 60
    for control in ("checklist-toggle", "checklist-form", "checklist-remove", "relation-form",
                    "relation-remove"):
        assert vp.locator(f"[data-testid={control}]").count() == 0, control
    vp.locator("[data-testid=relation][data-kind=blocks]", has_text="posters").wait_for()
    vcheck("structure-viewer")
    check.assert_clean()
    vcheck.assert_clean()
