"""The testing kit's fixtures with this plugin in every app, and a signature-checking receiver."""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database
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


@pytest.fixture(params=ENGINES)
def taskflow_database_url(request, tmp_path):
    """Every test runs on SQLite and on PostgreSQL (when a server is found)."""
    with engine_database(request.param, tmp_path) as url:
        yield url
