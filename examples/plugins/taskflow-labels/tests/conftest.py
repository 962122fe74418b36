"""The testing kit's fixtures (installed with lcore-taskflow-core) with this plugin in every app."""

from __future__ import annotations

import pytest
from taskflow_labels import LabelsPlugin


@pytest.fixture
def taskflow_plugins():
    return [LabelsPlugin]  # a class: every app of a test gets its own instance
