"""Versioned assets and the UI API version in real Chromium against a real server (SPEC §13).

A plugin module that declares ``UIModule(..., ui_api=99)`` is not run by a
frontend that provides version 3 (``taskflow.version``): a notice names the
plugin and both versions, and the rest of the app works.  The page loads the
ui's own files and the plugins' under content-hashed URLs, which the server
answers with ``Cache-Control: public, max-age=31536000, immutable``.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from ui_browser_support import ServerProcess, axe_violations

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def future_server(tmp_path_factory, browser):
    proc = ServerProcess(tmp_path_factory.mktemp("future"), launcher=HERE / "extension_server.py",
                         TASKFLOW_TEST_FUTURE="1")
    yield proc.start()
    proc.stop()


def _cache_control(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.status == 200, url
        return reply.headers["Cache-Control"]


def test_a_module_for_a_newer_ui_api_is_reported_not_run(open_session, future_server):
    base = future_server.base
    s = open_session(base)
    page = s.page
    s.login("admin")
    notice = page.locator("[data-testid=toast]", has_text="future plugin needs UI API version 99")
    notice.wait_for()
    assert "this frontend provides version 3" in notice.inner_text()
    assert page.evaluate("() => document.body.dataset.futureLoaded") is None
    assert page.locator("#page-title").inner_text() == "Dashboard"  # the app goes on
    s.go("#/projects", "[data-testid=project-card]")
    assert axe_violations(page) == []

    # Everything the page loaded of the ui and the plugin came under a content hash.
    loaded = [url for _, url in s.requests]
    versioned = [u for u in loaded if re.search(r"/static/(plugins/future/)?v/[0-9a-f]{16}/", u)]
    assert any(u.endswith("/js/main.js") for u in versioned), loaded
    assert any(u.endswith("/js/extensions.js") for u in versioned), loaded
    assert any(u.endswith("/future.js") for u in versioned), loaded  # preloaded, never run
    for url in (next(u for u in versioned if u.endswith("/app.css")),
                next(u for u in versioned if u.endswith("/future.js"))):
        assert _cache_control(url) == IMMUTABLE, url
    assert _cache_control(base + "/static/app.css") == "public, max-age=300"
