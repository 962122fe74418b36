"""Composability: every subset of {auth, notify, ui} disabled, each a real server.

SPEC §2: any subset assembles and serves, and a missing capability says so:
without auth, protected routes answer 401 naming the missing plugin and
``/auth/*`` does not exist; without notify, ``/api/notifications/*`` is 404;
without ui, ``/`` and unknown paths are JSON 404s (with ui: HTML for a browser,
JSON for a client asking for JSON).  ``/health`` lists exactly what is loaded.
"""

from __future__ import annotations

import pytest
from e2e_support import BROWSER_ACCEPT, COMBINATIONS, Server, combo_name, expect, expect_error

ASPECTS = ("serves", "auth", "notify", "ui")
CASES = [pytest.param(disabled, aspect, id=f"{combo_name(disabled)} {aspect}")
         for disabled in COMBINATIONS for aspect in ASPECTS]
HTML = {"Accept": BROWSER_ACCEPT}


def token_for(s: Server) -> str | None:
    """An admin token when auth is loaded (protected routes need one), else None."""
    return s.token("admin") if "auth" in s.enabled else None


def check_serves(s: Server, dists) -> None:
    body = expect(s.get("/health"), 200, "health")
    assert body["status"] == "ok" and body["database"] == "ok", body
    names = [p["name"] for p in body["plugins"]]
    assert sorted(names) == sorted(["core", *s.enabled]), f"disabled {s.disabled}: {body}"
    for plugin in body["plugins"]:
        assert plugin["version"] == dists[plugin["name"]].version, body
    expect_error(s.get("/debug/config", token=token_for(s)), 404, "debug routes without debug")
    expect_error(s.get("/docs/json"), 404, "API docs without debug")
    expect(s.get("/old-api"), 301, "redirect")


def check_auth(s: Server) -> None:
    if "auth" in s.enabled:
        login = expect(s.login("admin", "admin123"), 200, "login")
        expect(s.get("/api/projects/", token=login["token"]), 200, "with token")
        expect_error(s.get("/api/projects/"), 401, "without token")
        return
    err = expect_error(s.get("/api/projects/"), 401, "protected route without auth")
    assert "no identity plugin is loaded" in err["error"].lower(), err
    err = expect_error(s.get("/admin/stats"), 401, "admin route without auth")
    assert "no identity plugin is loaded" in err["error"].lower(), err
    expect_error(s.login("admin", "admin123"), 404, "/auth/login without auth")
    expect_error(s.get("/auth/me"), 404, "/auth/me without auth")


def check_notify(s: Server) -> None:
    token = token_for(s)
    history = s.get("/api/notifications/history", token=token)
    email = s.post("/api/notifications/email", token=token,
                   json={"to": "m@example.com", "subject": "matrix", "body": "hi"})
    if "notify" not in s.enabled:
        expect_error(history, 404, "history without notify")
        expect_error(email, 404, "email without notify")
    elif token:
        body = expect(history, 200, "history")
        assert isinstance(body["notifications"], list), body
        assert expect(email, 200, "email")["status"] == "simulated"
    else:  # notify without auth: present, but nobody can be identified
        expect_error(history, 401, "history without auth")
        assert "no identity plugin is loaded" in history.json["error"].lower(), history
        expect_error(email, 401, "email without auth")


def check_ui(s: Server) -> None:
    home, unknown = s.get("/", headers=HTML), s.get("/no-such-page", headers=HTML)
    as_json = s.get("/no-such-page")
    expect_error(as_json, 404, "unknown path asking for JSON")
    assert as_json.is_json, as_json.headers
    if "ui" not in s.enabled:
        for reply in (home, unknown, s.get("/frontend", headers=HTML)):
            expect_error(reply, 404, "without ui")
            assert reply.is_json, f"without ui an error is JSON: {reply.headers}"
        return
    assert home.status == 200 and home.headers["content-type"].startswith("text/html"), home
    frontend = s.get("/frontend", headers=HTML)
    assert frontend.status == 200 and "text/html" in frontend.headers["content-type"], frontend
    assert unknown.status == 404, unknown
    assert unknown.headers["content-type"].startswith("text/html"), unknown.headers
    assert "<html" in unknown.text.lower(), unknown


@pytest.mark.parametrize("disabled, aspect", CASES)
def test_combination(disabled, aspect: str, servers, dists) -> None:
    server = servers[combo_name(disabled)]
    if aspect == "serves":
        check_serves(server, dists)
    else:
        {"auth": check_auth, "notify": check_notify, "ui": check_ui}[aspect](server)
