"""The testing kit's fixtures (installed with lcore-taskflow-core) with this plugin in every app."""

from __future__ import annotations

import pytest
from taskflow_labels import LabelsPlugin


@pytest.fixture
def taskflow_plugins():
    return [LabelsPlugin]  # a class: every app of a test gets its own instance


@pytest.fixture
def taskflow_database_url(taskflow_engine_database):
    """Every test runs on SQLite and on PostgreSQL (the kit makes and drops the database)."""
    return taskflow_engine_database


@pytest.fixture(autouse=True)
def labels_on(taskflow_client):
    """Labels is project-scoped: its owner (here the admin) turns it on in project 1."""
    answer = taskflow_client.as_user("admin").put("/api/projects/1/plugins/labels",
                                                  json={"enabled": True})
    assert answer.status == 200, answer
