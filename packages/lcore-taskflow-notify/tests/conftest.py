"""Fixtures: real SMTP servers (aiosmtpd) on free loopback ports, and notify apps.

Apps come from the testing kit's ``taskflow_app`` (docs/testing.md).
"""

from __future__ import annotations

import ssl

import pytest
import trustme
from lcore_taskflow.core.testing import ENGINES, Client, engine_database
from lcore_taskflow.notify import NotifyPlugin
from notify_testutil import HOST, SmtpServer, authenticator, settled, wait_until


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: the frontend module in real Chromium against a real server process")
    # auth_server allows AUTH without TLS on purpose (to test plain AUTH); aiosmtpd warns.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not:UserWarning")


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """Each test runs on every engine (SQLite; PostgreSQL when a server is found)."""
    with engine_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def taskflow_database_url(database_url):
    """Every app the kit builds in a test uses the test's database."""
    return database_url


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def auth_server():
    """A server that requires AUTH (without TLS, so plain sessions may log in)."""
    server = SmtpServer(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    yield server
    server.stop()


@pytest.fixture
def tls_ca():
    return trustme.CA()


@pytest.fixture
def tls_server(tls_ca, tmp_path):
    """A server that offers and requires STARTTLS with a certificate from a test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert(HOST, "localhost").configure_cert(context)
    server = SmtpServer(tls_context=context, require_starttls=True)
    server.ca_file = str(tmp_path / "test-ca.pem")
    tls_ca.cert_pem.write_to_path(server.ca_file)
    yield server
    server.stop()


@pytest.fixture
def make_notify_app(taskflow_app):
    """``make(**config)`` -> an app with core + HeaderIdentity + notify; closed afterwards."""
    return lambda **config: taskflow_app(plugins=[NotifyPlugin()], **config)


@pytest.fixture
def admin_of():
    return lambda app: Client(app).as_user("admin")


@pytest.fixture
def outbox_rows():
    """``outbox_rows(app)`` -> every notification row, oldest first."""
    def rows(app) -> list[dict]:
        with app.taskflow.database() as db:
            return db.fetchall("SELECT * FROM notifications ORDER BY id")
    return rows


@pytest.fixture
def settled_rows(outbox_rows):
    """``settled_rows(app, count)`` -> the rows once ``count`` exist and all have an outcome."""
    def rows(app, count: int) -> list[dict]:
        def done() -> list[dict] | None:
            found = outbox_rows(app)
            return found if len(found) == count and settled(found) else None
        return wait_until(done, f"{count} notifications to get their outcome")
    return rows
