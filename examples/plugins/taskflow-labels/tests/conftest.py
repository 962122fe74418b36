"""The testing kit's fixtures (installed with lcore-taskflow-core) with this plugin in every app."""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database
from taskflow_labels import LabelsPlugin


@pytest.fixture
def taskflow_plugins():
    return [LabelsPlugin]  # a class: every app of a test gets its own instance


@pytest.fixture(params=ENGINES)
def taskflow_database_url(request, tmp_path):
    """Every test runs on SQLite and on PostgreSQL (when a server is found)."""
    with engine_database(request.param, tmp_path) as url:
        yield url
