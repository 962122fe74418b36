"""EmailService against real aiosmtpd servers: plain, HTML, AUTH, STARTTLS, injection."""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time

import pytest
from lcore_taskflow.notify._mailer import (
    EmailService,
    InvalidEmail,
    SmtpSettings,
    build_message,
    check_address,
    check_subject,
    html_to_text,
    make_message_id,
    permanent_refusal,
)

SENDER = "noreply@taskflow.local"


def service(server, **kw) -> EmailService:
    base = {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 5.0}
    return EmailService(SmtpSettings(**{**base, **kw}))


def test_plain_email_is_delivered(smtp_server):
    service(smtp_server).send("alice@example.com", "Hello there", "Plain body\nline 2")
    (got,) = smtp_server.handler.wait_for(1)
    assert got.rcpt_tos == ["alice@example.com"]
    assert got.mail_from == SENDER
    assert got.subject == "Hello there"
    assert got.message["From"] == SENDER and got.message["To"] == "alice@example.com"
    assert got.message["Message-ID"] and got.message["Date"]
    assert got.message.get_content_type() == "text/plain"
    assert got.message.get_content().replace("\r\n", "\n").strip() == "Plain body\nline 2"


def test_html_email_has_a_plain_text_alternative(smtp_server):
    body = "<h2>Title</h2><p>Hello <b>Bob</b> &amp; team</p><script>x()</script>"
    service(smtp_server).send("bob@example.com", "HTML", body, html_body=True)
    (got,) = smtp_server.handler.wait_for(1)
    assert got.message.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_content() for p in got.message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "<b>Bob</b>" in parts["text/html"]
    assert "Hello Bob & team" in parts["text/plain"] and "<" not in parts["text/plain"]
    assert "x()" not in parts["text/plain"]


def test_auth_logs_in_when_a_user_is_configured(auth_server):
    service(auth_server, user="mailer", password="s3cret-pass").send(
        "carol@example.com", "Authenticated", "body")
    (got,) = auth_server.handler.wait_for(1)
    assert got.auth == "mailer"


def test_auth_with_a_wrong_password_fails(auth_server):
    with pytest.raises(smtplib.SMTPAuthenticationError):
        service(auth_server, user="mailer", password="wrong").send(
            "carol@example.com", "Nope", "body")
    assert auth_server.handler.messages == []


def test_server_requiring_auth_refuses_anonymous_senders(auth_server):
    with pytest.raises(smtplib.SMTPException):
        service(auth_server).send("carol@example.com", "No login", "body")


def test_starttls_with_a_certificate_from_a_trusted_ca(tls_server):
    service(tls_server, use_tls=True, ca_file=tls_server.ca_file).send(
        "dave@example.com", "Over TLS", "secret stuff")
    (got,) = tls_server.handler.wait_for(1)
    assert got.subject == "Over TLS"


def test_starttls_refuses_an_untrusted_certificate(tls_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        service(tls_server, use_tls=True).send("dave@example.com", "Over TLS", "body")
    assert tls_server.handler.messages == []


def test_no_silent_downgrade_when_the_server_lacks_starttls(smtp_server):
    with pytest.raises(smtplib.SMTPNotSupportedError):
        service(smtp_server, use_tls=True).send("erin@example.com", "Clear?", "body")
    assert smtp_server.handler.messages == []


def test_simulated_mode_sends_nothing_but_still_validates():
    svc = EmailService(SmtpSettings(host=""))
    assert svc.simulated
    svc.send("frank@example.com", "Simulated", "body")  # no server anywhere: no error
    with pytest.raises(InvalidEmail):
        svc.send("frank@example.com", "Bad\r\nBcc: evil@example.com", "body")


@pytest.mark.parametrize("address", [
    "victim@example.com\r\nBcc: evil@example.com",
    "victim@example.com\nBcc: evil@example.com",
    "victim@example.com, evil@example.com",
    "Victim <victim@example.com>",
    "no-at-sign",
    "",
    None,
])
def test_bad_addresses_are_refused(address):
    with pytest.raises(InvalidEmail):
        check_address(address)


@pytest.mark.parametrize("subject", [
    "Hi\r\nBcc: evil@example.com", "Hi\nX-Evil: 1", "Hi\r", "", "   ", "x" * 256, "nul\x00",
])
def test_bad_subjects_are_refused(subject):
    with pytest.raises(InvalidEmail):
        check_subject(subject)


def test_a_message_never_carries_injected_headers():
    msg = build_message(SENDER, "a@example.com", "Fine subject ✓", "body: Bcc: x@example.com")
    assert msg["Bcc"] is None and msg["Subject"] == "Fine subject ✓"
    with pytest.raises(InvalidEmail):
        build_message("evil@example.com\r\nBcc: x@example.com", "a@example.com", "s", "b")


def test_html_to_text_keeps_words_and_breaks():
    assert html_to_text("<p>One</p><p>Two &lt;3</p>") == "One\n\nTwo <3"


def test_a_given_message_id_is_used_and_kept_stable(smtp_server):
    message_id = make_message_id(42)
    assert re.match(r"^<notification-42\.[0-9a-f]{16}@taskflow>$", message_id)
    assert make_message_id(42) != message_id  # random per row: two installations never clash
    svc = service(smtp_server)
    for _ in range(2):  # a resend of the same row carries the same Message-ID
        svc.send("gina@example.com", "Twice", "body", message_id=message_id)
    got = smtp_server.handler.wait_for(2)
    assert [m.message["Message-ID"] for m in got] == [message_id, message_id]


@pytest.mark.timeout(30)
def test_the_deadline_bounds_the_whole_dialogue(smtp_server):
    """Replies may each take 60 s; the deadline (1 s away) still ends the send.

    Without the deadline this test would wait a minute and hit its timeout.
    """
    smtp_server.handler.gate = threading.Event()  # DATA is never answered
    try:
        with pytest.raises(TimeoutError, match="deadline"):
            service(smtp_server, timeout=60.0).send(
                "hank@example.com", "Stuck", "body", deadline=time.monotonic() + 1.0)
    finally:
        smtp_server.handler.gate.set()
    assert smtp_server.handler.messages == []


def test_a_deadline_already_past_sends_nothing(smtp_server):
    with pytest.raises(TimeoutError, match="deadline"):
        service(smtp_server).send("ivy@example.com", "Late", "body",
                                  deadline=time.monotonic() - 1)
    assert smtp_server.handler.messages == []


def test_5xx_refusals_are_permanent_4xx_are_not(smtp_server):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        service(smtp_server).send("refuse@example.com", "No", "body")
    assert permanent_refusal(refused.value)
    smtp_server.handler.delay = 0.01  # answers DATA with 451: try again later
    with pytest.raises(smtplib.SMTPDataError) as later:
        service(smtp_server).send("jo@example.com", "Later", "body")
    assert later.value.smtp_code == 451 and not permanent_refusal(later.value)
