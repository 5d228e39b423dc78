"""The email outbox sender: TLS and login, retries with backoff, permanent failures, no duplicates."""

from __future__ import annotations

import ssl

from mail.outbox_sender import EmailOutbox, MailIdentity, outbox_id, outbox_message_id
from mail.smtp_sender import SmtpSettings
from tests.mail.conftest import certificate, client_tls, server_tls, tls_smtp_server  # noqa: F401
from tests.mail.dovecot import free_port
from tests.mail.smtp_server import SmtpServer
from tests.mailflows.conftest import APPLICANT, OFFICE, RECOMMENDER, MailWorld, parse, text_of
from workflows import outbox
from workflows.handoffs import answer_handoff, create_handoff


async def enqueue(world: MailWorld, *messages: outbox.NewMessage) -> None:
    async with world.ctx.db.transaction() as session:
        await outbox.enqueue(session, list(messages), world.ctx.clock.now())


async def test_the_message_id_is_derived_from_the_row_and_survives_a_crash(world: MailWorld) -> None:
    [row] = await world.outbox(template="recommender_invitation")
    expected = outbox_message_id(row.id, row.idempotency_key, "office.example")
    assert outbox_id(expected) == row.id
    # A worker claims the row and dies before marking it; after the lease another worker sends it.
    await outbox.claim(world.ctx, "email", "dead-worker")
    assert await world.send_outbox() == []
    world.ctx.clock.advance(minutes=6)  # type: ignore[attr-defined]
    assert (await outbox.recover_stale(world.ctx))["email"] == 1
    [sent] = await world.send_outbox()
    assert sent["Message-ID"] == expected
    assert await world.send_outbox() == []  # and never again
    [row] = await world.outbox(template="recommender_invitation")
    assert (row.state, row.attempts) == ("sent", 2)


async def test_temporary_failure_is_retried_with_backoff(world: MailWorld) -> None:
    world.smtp.handler.data_reply = "451 4.3.0 please try again later"
    assert await world.send_outbox() == []
    [row] = await world.outbox(template="recommender_invitation")
    assert row.state == "pending" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at > world.ctx.clock.now()
    world.smtp.handler.data_reply = None
    assert await world.send_outbox() == []  # not due yet
    world.ctx.clock.advance(seconds=31)  # type: ignore[attr-defined]
    assert [m["To"] for m in await world.send_outbox()] == [RECOMMENDER]


async def test_server_down_is_a_temporary_failure(world: MailWorld) -> None:
    sender = world.sender(smtp_port=free_port())
    assert await sender.run_once() == 1
    [row] = await world.outbox(template="recommender_invitation")
    assert row.state == "pending" and row.last_error


async def test_permanent_refusal_is_marked_failed(world: MailWorld) -> None:
    world.smtp.handler.rcpt_replies[RECOMMENDER] = "550 5.1.1 no such user"
    assert await world.send_outbox() == []
    [row] = await world.outbox(template="recommender_invitation")
    assert row.state == "failed" and "550" in (row.last_error or "")


async def test_tls_and_login_from_configuration(world: MailWorld, tls_smtp_server: SmtpServer,  # noqa: F811
                                                client_tls: ssl.SSLContext) -> None:  # noqa: F811  # fmt: skip
    smtp = SmtpSettings(host="127.0.0.1", port=tls_smtp_server.port, username="mailer", password="pw",
                        starttls=True, tls_context=client_tls, timeout=5)  # fmt: skip
    assert await EmailOutbox(world.ctx, smtp, MailIdentity(OFFICE, OFFICE), "w").run_once() == 1
    [received] = tls_smtp_server.handler.received
    assert parse(received.data)["To"] == RECOMMENDER


async def test_login_code_and_staff_answer_templates(world: MailWorld) -> None:
    await world.send_outbox()
    await enqueue(world, outbox.NewMessage("email", APPLICANT, "login-code:1", "login_code",
                                           {"code": "123456", "serial": "MD0301", "name": "王小明", "minutes": 10}))  # fmt: skip
    handoff = await create_handoff(
        world.ctx, channel="email", asker=APPLICANT, lang="en", question="Can I pay by card?"
    )
    await answer_handoff(world.ctx, handoff_id=handoff.id, staff="tg:1", answer="Yes, at the counter.")
    sent = await world.send_outbox()
    [code] = [m for m in sent if "123456" in m["Subject"]]
    [answer] = [m for m in sent if m is not code]
    assert "10 分鐘內有效" in text_of(code) and "valid for 10 minutes" in text_of(code)
    text = text_of(answer)
    assert text.index("Your question") < text.index("您先前的問題")  # the asker's language first
    assert "> Can I pay by card?" in text and "Yes, at the counter." in text


async def test_unknown_template_fails_instead_of_sending_half_a_message(world: MailWorld) -> None:
    await world.send_outbox()
    await enqueue(world, outbox.NewMessage("email", APPLICANT, "odd:1", "no_such_template", {}))
    assert await world.send_outbox() == []
    [row] = await world.outbox(idempotency_key="odd:1")
    assert row.state == "failed" and "cannot render" in (row.last_error or "")


async def test_invitation_of_a_recommender_who_has_answered_is_cancelled(world: MailWorld) -> None:
    from sqlalchemy import update

    from workflows.models import Recommender

    async with world.ctx.db.transaction() as session:
        await session.execute(update(Recommender).values(status="declined"))
    assert await world.send_outbox() == []
    [row] = await world.outbox(template="recommender_invitation")
    assert row.state == "cancelled"


def reminder(key: str, recipient: str, who: str, moment: str, **payload: object) -> outbox.NewMessage:
    """A reminder row as the planner writes it: the whole text in body, the subject in the payload."""
    data = {"rule": "x", "who": who, "moment": moment, "subject": "繳費提醒 Payment reminder", **payload}
    return outbox.NewMessage(
        "email", recipient, key, "reminder_payment", data, body="王小明 您好：\n\n請繳費。\n\nPlease pay."
    )


async def test_reminders_are_sent_as_written_and_cancelled_when_no_longer_wanted(world: MailWorld) -> None:
    [invitation] = await world.send_outbox()
    await enqueue(
        world,
        reminder("r:pay", APPLICANT, "unpaid", "2026-01-05T15:59:00+00:00", registration_id=world.registration_id),
        reminder("r:late", APPLICANT, "unpaid", "2026-01-01T00:00:00+00:00", registration_id=world.registration_id),
        reminder("r:letter", RECOMMENDER, "recommender", "2026-01-08T09:00:00+00:00",
                 recommender_id=world.recommender_id, reply_key=(await world.recommender()).reply_key),
    )  # fmt: skip
    sent = {m["To"]: m for m in await world.send_outbox()}
    assert set(sent) == {APPLICANT, RECOMMENDER}
    assert sent[APPLICANT]["Subject"] == "繳費提醒 Payment reminder" and "Please pay." in text_of(
        sent[APPLICANT]
    )
    assert sent[RECOMMENDER]["Reply-To"] == invitation["Reply-To"]  # the recommender can answer the reminder
    [late] = await world.outbox(idempotency_key="r:late")
    assert late.state == "cancelled"


async def test_html_twin_escapes_what_people_wrote(world: MailWorld) -> None:
    await world.send_outbox()
    handoff = await create_handoff(
        world.ctx, channel="email", asker=APPLICANT, lang="zh", question="<b>hi</b>?"
    )
    await answer_handoff(world.ctx, handoff_id=handoff.id, staff="tg:1", answer="<script>x</script>")
    [answer] = await world.send_outbox()
    html_part = answer.get_body(("html",))  # type: ignore[attr-defined]
    html = html_part.get_content()
    assert (
        "&lt;script&gt;x&lt;/script&gt;" in html
        and "<script>" not in html
        and "&lt;b&gt;hi&lt;/b&gt;" in html
    )
