"""Fixtures: the testing kit's apps with the io plugin (and auth) on both database engines.

Registers the ``browser`` marker (the Chromium tests); ``tox -e py311-io``
runs every test of the package, the browser ones included.
"""

from __future__ import annotations

import pytest
from lcore_taskflow.io import IOPlugin


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: the io screens in real Chromium")


@pytest.fixture
def taskflow_plugins():
    return [IOPlugin]  # a class: every app of a test gets its own instance


@pytest.fixture
def taskflow_database_url(taskflow_engine_database):
    """Every app test runs on SQLite and on PostgreSQL (the kit makes and drops the database)."""
    return taskflow_engine_database
