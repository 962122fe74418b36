"""The HTML error pages (and JSON errors) in the caller's language: the ui's own Python
catalog (``locale/de/LC_MESSAGES/ui.mo``) and core's, chosen by ``Accept-Language``."""

from __future__ import annotations

from lcore_taskflow.core.testing import Client

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def test_the_404_page_in_german(client):
    r = client.get("/no/such/page", headers={**HTML, **GERMAN})
    assert r.status == 404 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == "de"
    assert '<html lang="de">' in r.text and "<title>Fehler 404</title>" in r.text
    assert "Nicht gefunden" in r.text and "Zur Startseite" in r.text and "App öffnen" in r.text
    assert "Nicht gefunden: &#039;/no/such/page&#039;" in r.text \
        or "Nicht gefunden: '/no/such/page'" in r.text, r.text
    english = client.get("/no/such/page", headers=HTML)
    assert '<html lang="en">' in english.text and "Back to Home" in english.text


def test_json_errors_of_the_ui_and_of_lcore_in_german(authed_app):
    c = Client(authed_app, user="admin")
    r = c.get("/no/such/page", headers={"Accept": "application/json", **GERMAN})
    assert r.json == {"error": "Nicht gefunden: '/no/such/page'", "status": 404}
    r = c.get("/static/no-such-file.css", headers={"Accept": "application/json", **GERMAN})
    assert r.status == 404 and r.json["error"].startswith("Statische Datei nicht gefunden"), r
    r = c.get("/api/projects/999", headers={**HTML, **GERMAN})
    assert r.json == {"error": "Projekt 999 nicht gefunden", "status": 404}
