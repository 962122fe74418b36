"""Fixtures for the ui's tests; registers the ``browser`` marker.

``-m browser`` selects the end-to-end tests in real Chromium,
``-m "not browser"`` the fast TestClient ones.
"""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app
from lcore_taskflow.ui import UIPlugin


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end tests in real Chromium against a real server process")
    config.addinivalue_line("filterwarnings", "ignore:rate_limit:RuntimeWarning")
    config.addinivalue_line("filterwarnings", "ignore:.*is async def.*:UserWarning")


@pytest.fixture
def app(tmp_path):
    """Core + ui, with no authentication package: the ui must work without it."""
    application = make_app(tmp_path, plugins=[UIPlugin()])
    yield application
    application.taskflow.close()


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def authed_app(tmp_path):
    """Core + ui + the test-only header identity (``X-Test-User``)."""
    application = make_app(tmp_path, plugins=[HeaderIdentity(), UIPlugin()])
    yield application
    application.taskflow.close()
