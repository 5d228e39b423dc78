"""Sending over SMTP to a real aiosmtpd on loopback: outcomes, batches, STARTTLS and login."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

from mail.compose import compose
from mail.extract import parse_message
from mail.smtp_sender import SmtpSession, SmtpSettings, send
from tests.mail.dovecot import free_port
from tests.mail.smtp_server import SmtpServer


def invitation(to: str = "prof.lin@uni.example", key: str = "k3yToken_abc") -> EmailMessage:
    return compose(
        from_addr="admissions@office.example",
        from_name="招生組 Admissions Office",
        to=to,
        subject="推薦信邀請 Recommendation request",
        text="林教授您好：王小明請您撰寫推薦信。\nDear Prof. Lin, Wang Xiaoming asks for your letter.",
        reply_key=key,
    )


def plain(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=server.port, starttls=False, timeout=5)


async def test_sent_message_arrives_with_its_headers(smtp_server: SmtpServer) -> None:
    message = invitation()
    outcome = await send(message, plain(smtp_server), sender="bounces@office.example")
    assert outcome.status == "sent"
    [received] = smtp_server.handler.received
    assert received.mail_from == "bounces@office.example"
    assert received.rcpt_tos == ("prof.lin@uni.example",)
    parsed = parse_message(received.data)
    assert parsed.message_id == message["Message-ID"]
    assert parsed.subject == "推薦信邀請 Recommendation request"
    assert parsed.header("Auto-Submitted") == "auto-generated"
    assert parsed.header("Reply-To") == "admissions+k3yToken_abc@office.example"
    assert "林教授您好" in parsed.text


async def test_refused_recipient_is_permanent_and_busy_is_temporary(smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_replies = {
        "gone@uni.example": "550 5.1.1 <gone@uni.example>: Recipient address rejected: User unknown",
        "busy@uni.example": "451 4.7.1 Greylisted, try again later",
    }
    gone = await send(invitation("gone@uni.example"), plain(smtp_server))
    busy = await send(invitation("busy@uni.example"), plain(smtp_server))
    assert (gone.status, gone.code, gone.refused) == ("permanent", 550, ("gone@uni.example",))
    assert "User unknown" in gone.detail
    assert (busy.status, busy.code) == ("temporary", 451)
    assert smtp_server.handler.received == []


async def test_rejected_data_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.handler.data_reply = "554 5.7.1 Message rejected as spam"
    outcome = await send(invitation(), plain(smtp_server))
    assert (outcome.status, outcome.code) == ("permanent", 554)


async def test_no_server_is_temporary() -> None:
    outcome = await send(
        invitation(), SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    )
    assert outcome.status == "temporary"
    assert outcome.code is None


async def test_batch_uses_one_connection_and_survives_a_refusal(smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_replies = {"gone@uni.example": "550 5.1.1 User unknown"}
    recipients = ["a@uni.example", "gone@uni.example", "b@uni.example", "c@uni.example"]
    async with SmtpSession(plain(smtp_server)) as session:
        outcomes = [await session.send(invitation(to)) for to in recipients]
    assert [o.status for o in outcomes] == ["sent", "permanent", "sent", "sent"]
    received = smtp_server.handler.received
    assert [r.rcpt_tos for r in received] == [("a@uni.example",), ("b@uni.example",), ("c@uni.example",)]
    assert len({r.peer for r in received}) == 1


async def test_starttls_and_login(tls_smtp_server: SmtpServer, client_tls: ssl.SSLContext) -> None:
    settings = SmtpSettings(
        host="127.0.0.1", port=tls_smtp_server.port, username="mailer", password="pw", starttls=True,
        tls_context=client_tls, timeout=5,
    )  # fmt: skip
    assert (await send(invitation(), settings)).status == "sent"
    wrong = SmtpSettings(
        host="127.0.0.1", port=tls_smtp_server.port, username="mailer", password="nope", starttls=True,
        tls_context=client_tls, timeout=5,
    )  # fmt: skip
    outcome = await send(invitation(), wrong)
    # A configuration problem must not kill the message: it stays for a retry once the password is fixed.
    assert outcome.status == "temporary"
    assert "authentication failed" in outcome.detail
    assert len(tls_smtp_server.handler.received) == 1


async def test_untrusted_certificate_is_temporary(tls_smtp_server: SmtpServer) -> None:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=tls_smtp_server.port,
        username="mailer",
        password="pw",
        starttls=True,
        timeout=5,
    )
    outcome = await send(invitation(), settings)
    assert outcome.status == "temporary"
    assert tls_smtp_server.handler.received == []


async def test_implicit_tls(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    server = SmtpServer.start(tls_context=server_tls, implicit_tls=True)
    try:
        settings = SmtpSettings(
            host="127.0.0.1", port=server.port, implicit_tls=True, tls_context=client_tls, timeout=5
        )
        assert (await send(invitation(), settings)).status == "sent"
        plain_attempt = await send(
            invitation(), SmtpSettings(host="127.0.0.1", port=server.port, starttls=False, timeout=0.5)
        )
        assert plain_attempt.status == "temporary"
    finally:
        server.stop()
    assert len(server.handler.received) == 1
