"""The Import screen in real Chromium (desktop and 360 px, axe-core): a Trello board whose card
titles hold markup, its lists mapped to columns, the job followed to its report, and the
imported board showing the markup as text; a semicolon CSV with a BOM and its column mapping;
the same screen in a German browser (io's catalog, static/i18n/de.json).

Uses the server, browser and page fixtures of ``test_io_browser.py``.
"""

from __future__ import annotations

import json

import pytest
import test_io_browser as shared
from test_io_browser import axe_violations, call, overflow, token_of

# The server, browser and page fixtures of test_io_browser.py, registered here by name.
server, browser, session = shared.server, shared.browser, shared.session
german_session = shared.german_session

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="document.title=\'pwned\'">'


def trello_board(name: str) -> bytes:
    return json.dumps({
        "id": "b1", "name": name, "desc": "", "closed": False,
        "members": [], "labels": [], "checklists": [], "actions": [],
        "lists": [{"id": "l1", "name": "Ideas <i>", "closed": False, "pos": 1},
                  {"id": "l2", "name": "Doing", "closed": False, "pos": 2},
                  {"id": "l3", "name": "Shipped", "closed": False, "pos": 3}],
        "cards": [{"id": "c1", "name": XSS, "desc": "<script>x</script>", "idList": "l1",
                   "closed": False, "pos": 1, "due": None, "idLabels": [], "idMembers": []},
                  {"id": "c2", "name": "Plain card", "desc": "", "idList": "l3", "closed": False,
                   "pos": 2, "due": "2027-03-01T12:00:00.000Z", "idLabels": [],
                   "idMembers": []}],
    }).encode()


def test_a_trello_board_comes_in_as_text(session, server):
    session.login("admin", "admin123")
    page = session.page
    session.go("#/ext/import", "[data-testid=io-import-form]")
    assert axe_violations(page) == []
    board = f"Imported board {session.viewport}"
    page.set_input_files("[data-testid=io-file]", files=[{
        "name": "board.json", "mimeType": "application/json", "buffer": trello_board(board)}])
    mapping = page.locator("[data-testid=io-mapping] select")
    mapping.first.wait_for()
    assert mapping.count() == 3
    assert [mapping.nth(i).input_value() for i in range(3)] == ["todo", "in_progress", "todo"]
    mapping.nth(2).select_option("done")  # "Shipped" means done here
    assert page.locator("[data-testid=io-mapping]").inner_text().count("Ideas <i>") == 1
    assert axe_violations(page) == []
    assert overflow(page) == 0

    page.click("[data-testid=io-start]")
    report = page.locator("[data-testid=io-report]")
    report.wait_for(timeout=60_000)
    assert "Import finished" in report.inner_text(), report.inner_text()
    assert axe_violations(page) == []
    assert overflow(page) == 0

    job = int(page.evaluate("location.hash").split("job=")[1])
    page.reload()  # the URL the import left behind brings its report back
    page.locator("[data-testid=io-report]", has_text="Import finished").wait_for()
    assert f"#/ext/import?job={job}" in page.url
    page.click("[data-testid=io-open-project]")
    session.ready()
    title = page.locator("[data-testid=task-card] .title", has_text="<img src=x")
    title.first.wait_for()
    assert title.first.inner_text() == XSS
    assert page.locator("[data-testid=task-card] img[src=x]").count() == 0
    assert page.title() != "pwned"
    admin = token_of(server, "admin", "admin123")
    pid = int(page.evaluate("location.hash").split("/")[2])
    tasks = json.loads(call(server, "GET", f"/api/projects/{pid}/tasks", admin)[1])["tasks"]
    assert {t["title"]: t["status"] for t in tasks} == {XSS: "todo", "Plain card": "done"}


def test_a_semicolon_csv_with_a_bom_and_its_mapping(session, server):
    session.login("admin", "admin123")
    page = session.page
    session.go("#/ext/import", "[data-testid=io-import-form]")
    page.select_option("[data-testid=io-source]", "csv")
    page.select_option("[data-testid=io-project]", "1")
    rows = ('\ufeffAufgabe;Notes;Deadline\r\n'
            f'"CSV {session.viewport} <b>bold</b>";"Line one\r\nline ""two""";2027-04-01\r\n')
    page.set_input_files("[data-testid=io-file]", files=[{
        "name": "tasks.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    title = page.locator("select[name=column_title]")
    title.wait_for()
    assert title.input_value() == "Aufgabe"  # the BOM is not part of the first header
    assert page.locator("select[name=column_description]").input_value() == "Notes"
    assert page.locator("select[name=column_due_date]").input_value() == "Deadline"
    assert axe_violations(page) == []
    assert overflow(page) == 0
    page.click("[data-testid=io-start]")
    report = page.locator("[data-testid=io-report]")
    report.wait_for(timeout=60_000)
    assert "Import finished" in report.inner_text(), report.inner_text()
    admin = token_of(server, "admin", "admin123")
    tasks = json.loads(call(server, "GET", "/api/projects/1/tasks?limit=100", admin)[1])["tasks"]
    mine = [t for t in tasks if t["title"] == f"CSV {session.viewport} <b>bold</b>"]
    assert len(mine) == 1 and mine[0]["due_date"] == "2027-04-01"
    assert mine[0]["description"] == 'Line one\r\nline "two"' or \
        mine[0]["description"] == 'Line one\nline "two"'


def test_an_unknown_job_says_so(session, server):
    session.login("alice", "alice123")
    session.go("#/ext/import?job=999999", "[data-testid=io-import-form]")
    # "Queued…" shows until the first poll answers; then the 404 is named
    status = session.page.locator("[data-testid=io-progress] [data-testid=io-status]",
                                  has_text="not found")
    status.wait_for()
    assert axe_violations(session.page) == []


def test_the_import_screen_in_german(german_session, server):
    session = german_session
    session.login("admin", "admin123")
    page = session.page
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.locator("a[href='#/ext/import']").first.inner_text().strip() == "Import"
    session.go("#/ext/import", "[data-testid=io-import-form]")
    form = page.locator("[data-testid=io-import-form]")
    labels = form.locator(".label-text").all_inner_texts()
    assert labels == ["Datei", "Art der Datei", "Importieren in"], labels
    assert page.locator("[data-testid=io-source] option").all_inner_texts() == [
        "Trello-Board (JSON-Export)", "CSV-Datei", "TaskFlow-Projekt (JSON-Export)"]
    page.select_option("[data-testid=io-source]", "csv")
    rows = f"Titel;Beschreibung\r\nCSV de {session.viewport};Zeile\r\n"
    page.set_input_files("[data-testid=io-file]", files=[{
        "name": "aufgaben.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    page.locator("select[name=column_title]").wait_for()
    assert page.locator("[data-testid=io-mapping] legend").inner_text() \
        == "CSV-Spalten → Aufgabenfelder"
    assert page.locator("select[name=column_title]").get_attribute("aria-label") \
        == "CSV-Spalte für Titel"
    # A CSV file without a project: the screen's own message, in German.
    page.click("[data-testid=io-start]")
    problem = form.locator(".form-error[role=alert]")
    problem.wait_for()
    assert problem.inner_text() == "Wählen Sie das Projekt, in das eine CSV-Datei kommt."
    assert axe_violations(page) == []
    assert overflow(page) == 0
    page.select_option("[data-testid=io-project]", "1")
    page.click("[data-testid=io-start]")
    report = page.locator("[data-testid=io-report]")
    report.wait_for(timeout=60_000)
    assert report.locator("h2").inner_text() == "Import abgeschlossen"
    assert "Aufgaben: 1" in report.locator("[data-testid=io-counts]").inner_text()
    assert report.locator("[data-testid=io-open-project]").inner_text() == "Projekt öffnen"
    assert axe_violations(page) == []
