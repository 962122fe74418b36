"""The outbox under failure: SMTP down or slow, then retried; STARTTLS/AUTH via config; CLI."""

from __future__ import annotations

import argparse
import time

import pytest
from lcore_taskflow.core.testing import Client
from lcore_taskflow.notify import NotifyPlugin
from notify_testutil import HOST, SmtpServer, free_port

EMAIL = {"to": "ops@example.com", "subject": "Outage report", "body": "body"}


def cli(app, *argv: str) -> int:
    """Run a ``taskflow notify ...`` sub-command the way the taskflow CLI does."""
    parser = argparse.ArgumentParser(prog="taskflow")
    sub = parser.add_subparsers(dest="command", required=True)
    app.taskflow.plugin("notify").taskflow_cli_commands(subparsers=sub)
    args = parser.parse_args(argv)
    return args.handler(app.taskflow, args)


def test_smtp_down_records_failed_then_retry_sends(make_notify_app, outbox_rows):
    port = free_port()  # nothing listens here yet
    app = make_notify_app(smtp_host=HOST, smtp_port=port, smtp_use_tls=False, smtp_timeout=2.0)
    admin = Client(app).as_user("admin")
    r = admin.post("/api/notifications/email", json=EMAIL)
    assert r.status == 200 and r.json["status"] == "failed"
    assert "refused" in r.json["error"].lower() or "Errno" in r.json["error"]
    (row,) = outbox_rows(app)
    assert (row["status"], row["attempts"]) == ("failed", 1) and row["error"]

    server = SmtpServer(port=port)  # the server comes back
    try:
        r = admin.post("/api/notifications/retry")
        assert r.status == 200, r
        assert (r.json["retried"], r.json["sent"], r.json["failed"]) == (1, 1, 0)
        (got,) = server.handler.wait_for(1)
        assert got.subject == "Outage report"
    finally:
        server.stop()
    (row,) = outbox_rows(app)
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 2, None)
    # a sent row is never sent twice
    assert admin.post(f"/api/notifications/{row['id']}/retry").json["status"] == "sent"
    assert admin.post("/api/notifications/retry").json["retried"] == 0
    assert len(server.handler.messages) == 1


def test_slow_smtp_times_out_then_cli_retry_sends(make_notify_app, smtp_server, outbox_rows,
                                                  capsys):
    smtp_server.handler.delay = 1.5
    app = make_notify_app(**{**smtp_server.config, "smtp_timeout": 0.4})
    admin = Client(app).as_user("admin")
    started = time.monotonic()
    r = admin.post("/api/notifications/email", json=EMAIL)
    assert time.monotonic() - started < 1.4  # the timeout, not the server, ended the wait
    assert r.json["status"] == "failed" and "timed out" in r.json["error"]
    (row,) = outbox_rows(app)
    assert row["status"] == "failed" and "timed out" in row["error"]

    smtp_server.handler.delay = 0
    assert cli(app, "notify", "retry") == 0
    out = capsys.readouterr()
    assert "retried 1: 1 ok, 0 failed" in out.out and "1/1" in out.err
    (got,) = smtp_server.handler.wait_for(1)
    assert got.subject == "Outage report"
    assert [r["status"] for r in outbox_rows(app)] == ["sent"]


def test_refused_recipient_is_retried_by_id(make_notify_app, smtp_server, outbox_rows):
    app = make_notify_app(**smtp_server.config)
    admin = Client(app).as_user("admin")
    bad = admin.post("/api/notifications/email", json={**EMAIL, "to": "refuse@example.com"}).json
    assert bad["status"] == "failed" and "550" in bad["error"]
    again = admin.post(f"/api/notifications/{bad['id']}/retry").json
    assert again["status"] == "failed"  # still refused: recorded again, not lost
    assert outbox_rows(app)[0]["attempts"] == 2
    assert cli(app, "notify", "retry", "--id", str(bad["id"])) == 1


def test_stale_pending_rows_are_picked_up(make_notify_app, smtp_server, outbox_rows):
    """With no worker running, due 'pending' rows wait: retry --stale-after sends them now."""
    app = make_notify_app(**smtp_server.config, notify_delivery="worker")
    outbox = app.taskflow.plugin("notify").outbox
    from lcore_taskflow.notify import Email

    outbox.record([Email("late@example.com", "Left behind", "b")])
    assert cli(app, "notify", "retry") == 0  # pending rows are not touched by default
    assert outbox_rows(app)[0]["status"] == "pending"
    assert cli(app, "notify", "retry", "--stale-after", "0") == 0
    assert outbox_rows(app)[0]["status"] == "sent"
    assert smtp_server.handler.wait_for(1)[0].rcpt_tos == ["late@example.com"]


def test_starttls_and_auth_from_configuration(make_notify_app, tls_server):
    app = make_notify_app(smtp_host=HOST, smtp_port=tls_server.port, smtp_use_tls=True,
                          smtp_ca_file=tls_server.ca_file)
    r = Client(app).as_user("admin").post("/api/notifications/email", json=EMAIL)
    assert r.json["status"] == "sent"
    assert tls_server.handler.wait_for(1)[0].subject == "Outage report"


def test_untrusted_certificate_fails_the_send(make_notify_app, tls_server):
    app = make_notify_app(smtp_host=HOST, smtp_port=tls_server.port, smtp_use_tls=True)
    r = Client(app).as_user("admin").post("/api/notifications/email", json=EMAIL)
    assert r.json["status"] == "failed" and "CERTIFICATE_VERIFY_FAILED" in r.json["error"]


def test_auth_credentials_from_configuration(make_notify_app, auth_server):
    app = make_notify_app(**auth_server.config, smtp_user="mailer", smtp_password="s3cret-pass")
    r = Client(app).as_user("admin").post("/api/notifications/email", json=EMAIL)
    assert r.json["status"] == "sent"
    assert auth_server.handler.wait_for(1)[0].auth == "mailer"
    # the password never shows in the app's configuration view
    assert app.config["taskflow.smtp_password"] == "***"


def test_wrong_credentials_fail_without_leaking_the_password(make_notify_app, auth_server):
    app = make_notify_app(**auth_server.config, smtp_user="mailer", smtp_password="nope-123")
    r = Client(app).as_user("admin").post("/api/notifications/email", json=EMAIL)
    assert r.json["status"] == "failed" and "535" in r.json["error"]
    assert "nope-123" not in r.text


def test_send_test_command(make_notify_app, smtp_server, capsys):
    app = make_notify_app(**smtp_server.config)
    assert cli(app, "notify", "send-test", "--to", "me@example.com") == 0
    assert "sent" in capsys.readouterr().out
    assert smtp_server.handler.wait_for(1)[0].rcpt_tos == ["me@example.com"]
    assert cli(app, "notify", "send-test", "--to", "bad\nBcc: x@example.com") == 2


@pytest.mark.parametrize("config, key", [
    ({"smtp_port": 0}, "smtp_port"),
    ({"smtp_port": "abc"}, "smtp_port"),
    ({"smtp_timeout": 0}, "smtp_timeout"),
    ({"smtp_from": "not an address"}, "smtp_from"),
    ({"smtp_ca_file": "/nonexistent/ca.pem"}, "smtp_ca_file"),
    ({"notify_workers": 0}, "notify_workers"),
])
def test_bad_configuration_stops_start_up(tmp_path, config, key):
    from lcore_taskflow.core._config import ConfigError
    from lcore_taskflow.core.testing import make_app

    with pytest.raises(ConfigError, match=key):
        make_app(tmp_path, plugins=[NotifyPlugin()], **config)


def test_smtp_settings_come_from_app_environment(tmp_path, smtp_server):
    from lcore_taskflow.core import create_app
    from lcore_taskflow.core.testing import FAST_CONFIG, HeaderIdentity

    environ = {"APP_SMTP_HOST": HOST, "APP_SMTP_PORT": str(smtp_server.port),
               "APP_SMTP_USE_TLS": "false", "APP_SMTP_FROM": "robot@example.org"}
    app = create_app({**FAST_CONFIG, "db_path": str(tmp_path / "env.db")},
                     plugins=[HeaderIdentity(), NotifyPlugin()], discover=False,
                     environ=environ, dotenv=None)
    try:
        r = Client(app).as_user("admin").post("/api/notifications/email", json=EMAIL)
        assert r.json["status"] == "sent"
        assert smtp_server.handler.wait_for(1)[0].mail_from == "robot@example.org"
    finally:
        app.taskflow.close()
