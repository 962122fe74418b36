"""Search on every screen, in real Chromium against a real server.

The box above the heading is focused with "/" and Ctrl+K (but not while
typing in a field); results come from ``GET /api/search`` in a listbox that
the arrow keys and Enter walk; the matched words are <mark> elements (built
as DOM nodes: a title with markup shows its characters, an emoji before the
match does not shift it); Escape closes; a task, a comment (its task) and a
project open where they belong.  At 1366 px and 360 px with axe, sideways
scroll, squeezed text and 44 px targets on the phone; screenshots
``access-search-*.png``.
"""

from __future__ import annotations

import itertools

import pytest
from test_ui_access import SIZES, Checks, _open
from ui_browser_support import Api

pytestmark = pytest.mark.browser

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def admin(server) -> Api:
    return Api(server, "admin")


def _results(page):
    return page.locator("[data-testid=search-result]")


@pytest.mark.parametrize("size", SIZES)
def test_search_from_every_screen(open_session, server, admin, artifacts, size):
    n = next(_serial)
    word = f"Quokka{size}{n}"
    pid = admin.post("/api/projects/", {"name": f"{word} project", "description": "Search"})["id"]
    first = admin.task(pid, f"🚀🚀 Feed the {word} <b>today</b>")
    second = admin.task(pid, "Plain task")
    admin.post(f"/api/projects/{pid}/tasks/{second['id']}/comments",
               {"body": f"Remember the {word} in the comment"})
    s = _open(open_session, server, size)
    page = s.page
    check = Checks(page, artifacts, size)
    s.login("admin")
    s.go("#/dashboard", "[data-testid=activity-feed]")
    box = page.locator("#search-input")

    # "/" focuses the box from anywhere outside a field.
    page.locator("#page-title").focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    assert box.input_value() == ""  # the slash is not typed
    box.type(word.lower()[:-1])
    results = _results(page)
    results.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    kinds = sorted(results.evaluate_all("els => els.map((e) => e.dataset.kind)"))
    assert kinds == ["comment", "project", "task"], kinds
    task_row = results.filter(has_text="Feed the")
    # Markup shows as text; the mark holds exactly the matched word, after the emoji.
    assert f"🚀🚀 Feed the {word} <b>today</b>" in task_row.inner_text()
    assert page.locator("#search-results b").count() == 0
    marks = page.locator("#search-results mark").all_inner_texts()
    assert marks and all(m.lower().startswith(word.lower()[:-1]) for m in marks), marks
    check("search-results")

    # Arrows walk the list (aria-activedescendant follows), Escape closes.
    box.press("ArrowDown")
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active == "search-option-1"
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Escape")
    page.locator("#search-results").wait_for(state="hidden")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "search-input"

    # Enter opens the highlighted result: the task, at its page.
    box.press("ArrowDown")
    page.locator("#search-results").wait_for()
    index = results.evaluate_all("els => els.findIndex((e) => e.dataset.kind === 'task')")
    for _ in range(index):
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_function(f"() => location.hash === '#/projects/{pid}/tasks/{first['id']}'")
    s.ready()
    page.locator("#page-title", has_text="Feed the").wait_for()

    # Ctrl+K from the task page; not while typing in the comment box.
    comment = page.locator("[data-testid=comment-form] textarea")
    comment.focus()
    page.keyboard.press("/")
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    assert comment.input_value() == "/"
    comment.fill("")
    page.locator("#page-title").focus()
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "search-input"
    box.fill("")
    box.type(word)
    results.filter(has_text="comment").first.wait_for()
    # A comment opens its task; clicking works too.
    page.locator("[data-testid=search-result][data-kind=comment]").click()
    page.wait_for_function(f"() => location.hash === '#/projects/{pid}/tasks/{second['id']}'")
    s.ready()
    page.locator("#search-results").wait_for(state="hidden")

    # A project opens its board; nothing found says so.
    page.keyboard.press("/")
    box.fill("")
    box.type(word)
    results.first.wait_for()
    page.locator("[data-testid=search-result][data-kind=project]").click()
    page.wait_for_function(f"() => location.hash === '#/projects/{pid}'")
    s.ready()
    page.locator("[data-testid=board]").wait_for()
    page.keyboard.press("/")
    box.fill("")
    box.type("zzqxnothing")
    page.locator("#search-message", has_text="Nothing matches").wait_for()
    check("search-none")
    check.assert_clean()
