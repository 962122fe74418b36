"""The API page ``/docs`` in real Chromium, against the full server.

The page belongs to core (``lcore_taskflow/core/apidocs``); it is tested here
because this suite drives a real browser.  The ``session`` fixture fails the
test on any script error or Content-Security-Policy violation, so the page is
proven to run under ``script-src 'self'`` with no inline code.
"""

from __future__ import annotations

import json

import pytest
from ui_browser_support import axe_violations

pytestmark = pytest.mark.browser


def send(page, operation_id: str) -> tuple[str, dict]:
    """Open an operation, press Send, and return the status and the JSON answer."""
    card = page.locator(f"#{operation_id}")
    if not card.evaluate("details => details.open"):
        card.locator("summary").first.click()
    card.locator("button[type=submit]").click()
    status = card.locator(".output .status")
    status.wait_for()
    reply = card.locator(".output pre.reply").text_content()
    return status.text_content(), json.loads(reply)


def test_docs_page_lists_the_api_and_tries_requests(session):
    page = session.page
    page.goto(session.base + "/docs")
    page.locator("#list_projects").wait_for()
    assert page.locator("#title").text_content() == "TaskFlow API"  # APP_APP_NAME
    assert page.locator("details.op").count() >= 40  # every loaded plugin's routes

    status, body = send(page, "list_projects")
    assert status == "401" and body["status"] == 401  # no token yet

    page.fill("#login input[name=username]", "admin")
    page.fill("#login input[name=password]", "admin123")
    page.click("#login button[type=submit]")
    page.locator("#login-state", has_text="Signed in as admin").wait_for()
    assert page.locator("#token-state").text_content() == "Token set"

    status, body = send(page, "list_projects")
    assert status == "200" and body["total"] >= 1, body

    create = page.locator("#create_project")
    create.locator("summary").first.click()
    create.locator("textarea").fill(json.dumps({"name": "Made on /docs"}))
    status, body = send(page, "create_project")
    assert status == "201" and body["created"] is True, body

    create.locator("textarea").fill("{not json")
    status, body = send(page, "create_project")
    assert status == "400", body

    page.click("#clear")
    status, _ = send(page, "list_projects")
    assert status == "401"
    assert not axe_violations(page), axe_violations(page)


def test_docs_page_shows_each_operations_contract(session):
    page = session.page
    page.goto(session.base + "/docs#create_task")
    card = page.locator("#create_task")
    card.locator(".responses").wait_for()
    assert card.evaluate("details => details.open")  # the #fragment opens its operation
    codes = card.locator(".responses code.status").all_text_contents()
    assert {"201", "401", "404", "422"} <= set(codes), codes
    example = json.loads(card.locator("textarea").input_value())
    # built from the schema: required fields and those with an example
    assert example == {"title": "Write the release notes", "priority": "medium"}, example
    assert card.locator("input[name=pid]").input_value() == "1"
