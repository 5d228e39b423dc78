"""Mail from machines is never answered (a bounce of ours marks the address); applicants' questions are."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.mailflows.conftest import (
    APPLICANT,
    OFFICE,
    RECOMMENDER,
    STAFF,
    STAFF_CHAT,
    MailWorld,
    text_of,
    write_mail,
)
from workflows.models import Applicant, Handoff, ProcessedMail, Question

CORPUS = Path(__file__).parents[1] / "mail" / "corpus"


def bounce_of(invitation_id: str, recipient: str) -> bytes:
    """A Postfix bounce of one of our messages (corpus 24 with our Message-ID and recipient)."""
    raw = (CORPUS / "24_bounce_postfix.eml").read_bytes()
    return raw.replace(b"nobody@uni.example", recipient.encode()).replace(
        b"<invite-0050@office.example>", invitation_id.encode()
    )


async def processed(world: MailWorld) -> dict[str, str]:
    async with world.ctx.db.sessions() as session:
        return {r.message_id: r.outcome for r in await session.scalars(select(ProcessedMail))}


@pytest.mark.parametrize(
    "name", ["18_ooo_outlook_zhtw.eml", "20_gmail_vacation_en.eml", "22_netease_x_autoreply.eml",
             "24_bounce_postfix.eml", "27_bounce_postfix_delayed.eml", "30_mailing_list.eml",
             "31_newsletter_precedence_bulk.eml", "32_noreply_notification.eml", "33_loop_own_address.eml",
             "34_read_receipt_mdn.eml"],
)  # fmt: skip
async def test_auto_replies_bounces_and_list_mail_are_not_answered(world: MailWorld, name: str) -> None:
    await world.send_outbox()  # the invitation
    assert await world.receive((CORPUS / name).read_bytes()) == 1
    assert await world.send_outbox() == []
    assert await world.outbox(channel="telegram") == []
    outcomes = set((await processed(world)).values())
    assert outcomes <= {"ignored", "bounce_unmatched"}
    assert world.dovecot.uids("INBOX") == [] and len(world.dovecot.uids("Processed")) == 1


async def test_bounce_of_an_invitation_marks_the_address_and_tells_applicant_and_staff(
    world: MailWorld,
) -> None:
    await world.link_chat(language="en")
    invitation = await world.invitation()
    await world.receive(bounce_of(invitation["Message-ID"], RECOMMENDER))
    rec = await world.recommender()
    assert rec.email_undeliverable and rec.status == "invited"
    [notice] = await world.outbox(channel="telegram", template="recommender_bounced")
    assert notice.recipient == "7000000001" and "could not be delivered" in (notice.body or "")
    [staff_chat] = await world.outbox(channel="telegram", template="staff_notice")
    assert staff_chat.recipient == str(STAFF_CHAT) and RECOMMENDER in (staff_chat.body or "")
    sent = await world.send_outbox()
    assert [m["To"] for m in sent] == [STAFF]  # nothing goes back to the bouncing address or the daemon

    # A reminder or resend to that address is not attempted any more.
    from workflows import outbox

    async with world.ctx.db.transaction() as session:
        await outbox.enqueue(session, [outbox.NewMessage("email", RECOMMENDER, "x:1", "broadcast", {}, body="hi")],
                             world.ctx.clock.now())  # fmt: skip
    assert await world.send_outbox() == []
    [row] = await world.outbox(idempotency_key="x:1")
    assert row.state == "blocked"


async def test_bounce_of_an_applicant_address_marks_the_applicant(world: MailWorld) -> None:
    await world.send_outbox()
    from workflows import outbox

    async with world.ctx.db.transaction() as session:
        await outbox.enqueue(session, [outbox.NewMessage("email", APPLICANT, "b:1", "broadcast", {}, body="公告")],
                             world.ctx.clock.now())  # fmt: skip
    [copy] = await world.send_outbox()
    await world.receive(bounce_of(copy["Message-ID"], APPLICANT))
    async with world.ctx.db.sessions() as session:
        assert await session.scalar(select(Applicant.email_undeliverable)) is True


async def test_forged_bounce_for_an_address_we_never_mailed_marks_nothing(world: MailWorld) -> None:
    await world.receive(bounce_of("<someone-elses@example.net>", APPLICANT))
    async with world.ctx.db.sessions() as session:
        assert await session.scalar(select(Applicant.email_undeliverable)) is False
    assert list((await processed(world)).values()) == ["bounce_unmatched"]


def question(body: str, sender: str = "visitor@example.com", subject: str = "詢問") -> bytes:
    return write_mail(sender=sender, to=OFFICE, subject=subject, body=body)


async def test_question_answered_in_the_askers_language_quoting_it(world: MailWorld) -> None:
    await world.send_outbox()
    await world.receive(question("轉學考報名費多少？"))
    [answer] = await world.send_outbox()
    text = text_of(answer)
    assert answer["To"] == "visitor@example.com" and answer["Subject"] == "Re: 詢問"
    assert "> 轉學考報名費多少?" in text and "1,100" in text and "資料來源" in text
    assert answer["In-Reply-To"] is not None and answer["Auto-Submitted"] == "auto-generated"
    async with world.ctx.db.sessions() as session:
        logged = await session.scalar(select(Question))
    assert logged is not None and (logged.channel, logged.status, logged.lang) == ("email", "answered", "zh")


async def test_english_question_gets_an_english_answer(world: MailWorld) -> None:
    await world.send_outbox()
    asked = "How much is the application fee for the NTUT in-service master program?"
    await world.receive(question(asked, subject="Question"))
    [answer] = await world.send_outbox()
    text = text_of(answer)
    assert f"> {asked}" in text and "Source:" in text and "fee" in text
    assert "您的問題" not in text  # one language: the asker's


async def test_unsure_question_goes_to_staff_and_the_asker_is_told(world: MailWorld) -> None:
    await world.send_outbox()
    await world.receive(question("你們的校長喜歡什麼顏色？我的身分證是 A123456789。"))
    async with world.ctx.db.sessions() as session:
        [handoff] = list(await session.scalars(select(Handoff)))
    assert handoff.channel == "email" and handoff.asker == "visitor@example.com"
    assert "A123456789" not in handoff.question and "A12*****89" in handoff.question
    sent = {m["To"]: text_of(m) for m in await world.send_outbox()}
    assert set(sent) == {"visitor@example.com", STAFF}
    assert "轉交招生承辦人員" in sent["visitor@example.com"]
    assert all("A123456789" not in text for text in sent.values())


async def test_personal_question_answered_only_to_the_address_on_file(world: MailWorld) -> None:
    await world.send_outbox()
    await world.receive(question("我的報名費繳了沒？", sender=APPLICANT))
    [answer] = await world.send_outbox()
    text = text_of(answer)
    assert "MD0301" in text and "未繳費" in text
    assert "A123456789" not in text and "A12" not in text  # never the national ID, not even masked

    await world.receive(question("我的報名費繳了沒？", sender="impostor@example.com"))
    [refusal] = await world.send_outbox()
    assert "MD0301" not in text_of(refusal) and "報名時登記的電子郵件地址" in text_of(refusal)


async def test_a_reply_to_our_answer_goes_to_staff_not_the_matcher(world: MailWorld) -> None:
    await world.send_outbox()
    await world.receive(question("轉學考報名費多少？"))
    [answer] = await world.send_outbox()
    follow_up = write_mail(sender="visitor@example.com", to=OFFICE, subject="Re: 詢問", body="轉學考報名費多少？",
                           in_reply_to=answer["Message-ID"])  # fmt: skip
    world.ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    await world.receive(follow_up)
    async with world.ctx.db.sessions() as session:
        [handoff] = list(await session.scalars(select(Handoff)))
    assert handoff.asker == "visitor@example.com"
    sent = {m["To"]: text_of(m) for m in await world.send_outbox()}
    assert set(sent) == {"visitor@example.com", STAFF} and "轉交招生承辦人員" in sent["visitor@example.com"]
