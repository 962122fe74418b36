"""Fixtures for the ui's tests; registers the ``browser`` marker.

``-m browser`` selects the end-to-end tests in real Chromium,
``-m "not browser"`` the fast TestClient ones.  The browser fixtures start
nothing until a browser test asks for them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import Client
from lcore_taskflow.core.testing.browser import chromium
from lcore_taskflow.ui import UIPlugin
from ui_browser_support import (
    DESKTOP,
    PHONE,
    ServerProcess,
    Session,
    require_browser,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end tests in real Chromium against a real server process")


@pytest.fixture
def app(taskflow_app):
    """Core + ui, with no authentication package: the ui must work without it."""
    return taskflow_app(plugins=[UIPlugin()], identity=False)


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def authed_app(taskflow_app):
    """Core + ui + the test-only header identity (``X-Test-User``)."""
    return taskflow_app(plugins=[UIPlugin()])


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    path = Path(os.environ.get("TASKFLOW_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nui browser artifacts (screenshots): {path}")
    return path


@pytest.fixture(scope="module")
def server_process(tmp_path_factory):
    """The full server (every installed plugin) on a temp database, one per test module."""
    require_browser()
    proc = ServerProcess(tmp_path_factory.mktemp("server")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def server(server_process) -> str:
    return server_process.base


@pytest.fixture(scope="session")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


def _session(browser, base, **options):
    context = browser.new_context(accept_downloads=True, **options)
    return context, Session(context.new_page(), base)


@pytest.fixture
def session(browser, server):
    """A desktop page (1366 x 800); fails the test on any page error, CSP violation or dialog."""
    context, s = _session(browser, server, viewport=DESKTOP)
    yield s
    context.close()
    s.assert_clean()


@pytest.fixture
def phone(browser, server):
    """A phone-sized touch page (360 x 780)."""
    context, s = _session(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield s
    context.close()
    s.assert_clean()


@pytest.fixture
def open_session(browser):
    """Open more pages (another user, size or server); each is checked when the test ends."""
    opened = []

    def make(base, viewport=DESKTOP, **options):
        context, s = _session(browser, base, viewport=viewport, **options)
        opened.append((context, s))
        return s

    yield make
    for context, _ in opened:
        context.close()
    for _, s in opened:
        s.assert_clean()
