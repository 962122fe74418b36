"""The testing kit's fixtures with this plugin in every app, and a signature-checking receiver."""

from __future__ import annotations

import pytest
from taskflow_webhooks import WebhooksPlugin
from webhooks_receiver import Receiver

SECRET = "test-webhook-secret-0123456789"


@pytest.fixture
def taskflow_plugins():
    return [WebhooksPlugin]


@pytest.fixture
def taskflow_config():
    # Fast retries so a test waits fractions of a second, not minutes.
    return {"webhooks_backoff": 0.2, "webhooks_poll_interval": 0.5, "webhooks_timeout": 5.0}


@pytest.fixture
def receiver():
    server = Receiver(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def taskflow_database_url(taskflow_engine_database):
    """Every test runs on SQLite and on PostgreSQL (the kit makes and drops the database)."""
    return taskflow_engine_database


@pytest.fixture(autouse=True)
def webhooks_on(taskflow_client):
    """Webhooks is project-scoped: its owner (here the admin) turns it on in project 1."""
    answer = taskflow_client.as_user("admin").put("/api/projects/1/plugins/webhooks",
                                                  json={"enabled": True})
    assert answer.status == 200, answer
