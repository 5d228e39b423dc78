"""A recommender's answer by email, from the invitation to the applicant being told."""

from __future__ import annotations

from sqlalchemy import select

from tests.mailflows.conftest import (
    APPLICANT,
    BOTH_BACKENDS,
    OFFICE,
    RECOMMENDER,
    STAFF,
    MailWorld,
    file_bytes,
    make_pdf,
    text_of,
    write_mail,
)
from workflows.models import HeldMail

pytestmark = BOTH_BACKENDS  # the store's two backends: SQLite by default, PostgreSQL in production


def reply_to(invitation: object, *, sender: str = RECOMMENDER, body: str = "附上推薦函，請查收。",
             attachment: tuple[str, str, bytes] | None = None) -> bytes:  # fmt: skip
    """The recommender pressing Reply on the invitation."""
    return write_mail(sender=sender, to=invitation["Reply-To"], subject="Re: " + invitation["Subject"],  # type: ignore[index]
                      body=body, in_reply_to=invitation["Message-ID"], attachment=attachment)  # type: ignore[index]  # fmt: skip


async def held(world: MailWorld) -> list[HeldMail]:
    async with world.ctx.db.sessions() as session:
        return list(await session.scalars(select(HeldMail).order_by(HeldMail.id)))


async def test_invitation_out_letter_in_store_updated_applicant_told_on_telegram(world: MailWorld) -> None:
    await world.link_chat(language="zh")
    invitation = await world.invitation()
    text = text_of(invitation)
    assert invitation["Reply-To"].startswith("admissions+") and invitation["Reply-To"].endswith(
        "@office.example"
    )
    assert invitation["Auto-Submitted"] == "auto-generated"
    assert "王小明" in text and "營建工程系碩士班" in text and "MD0301" in text
    assert "115年01月08日（星期四） 17:00" in text and "Thursday, 8 January 2026, 17:00" in text
    assert "拒絕" in text and "decline" in text and "10 MB" in text

    letter = make_pdf(pages=2)
    assert (
        await world.receive(reply_to(invitation, attachment=("推薦函.pdf", "application/pdf", letter))) == 1
    )

    rec = await world.recommender()
    assert rec.status == "completed" and rec.completed_at is not None
    assert rec.letter_path is not None and file_bytes(rec.letter_path) == letter
    notices = await world.outbox(channel="telegram", template="recommender_completed")
    assert [(n.recipient, n.payload["name"], n.payload["serial"]) for n in notices] == [
        ("7000000001", "林教授", "MD0301")
    ]
    answers = await world.send_outbox()
    assert [m["To"] for m in answers] == [RECOMMENDER]
    thanks = answers[0]
    assert thanks["In-Reply-To"] is not None and "已收到您為 王小明 撰寫的推薦函" in text_of(thanks)
    assert world.dovecot.uids("INBOX") == []


async def test_applicant_without_telegram_is_told_by_email(world: MailWorld) -> None:
    invitation = await world.invitation()
    await world.receive(reply_to(invitation, attachment=("letter.pdf", "application/pdf", make_pdf())))
    sent = {m["To"]: m for m in await world.send_outbox()}
    assert set(sent) == {RECOMMENDER, APPLICANT}
    assert "林教授 已完成您的推薦函" in text_of(sent[APPLICANT])


async def test_decline(world: MailWorld) -> None:
    await world.link_chat()
    invitation = await world.invitation()
    await world.receive(reply_to(invitation, body="很抱歉，這次無法推薦。\n\n林"))
    rec = await world.recommender()
    assert rec.status == "declined" and rec.declined_at is not None and rec.letter_path is None
    assert len(await world.outbox(channel="telegram", template="recommender_declined")) == 1
    [ack] = await world.send_outbox()
    assert "已記錄您無法為 王小明 撰寫推薦函" in text_of(ack)


async def test_anything_else_gets_the_two_choices_explained(world: MailWorld) -> None:
    invitation = await world.invitation()
    await world.receive(reply_to(invitation, body="請問推薦函要寫多長？"))
    assert (await world.recommender()).status == "invited"
    [answer] = await world.send_outbox()
    text = text_of(answer)
    assert "同意推薦" in text and "無法推薦" in text and "To decline" in text
    assert answer["Reply-To"] == invitation["Reply-To"]  # the next reply still finds the recommender


async def test_wrong_sender_is_held_for_staff_and_not_answered(world: MailWorld) -> None:
    invitation = await world.invitation()
    forged = reply_to(invitation, sender="someone.else@example.com",
                      attachment=("letter.pdf", "application/pdf", make_pdf()))  # fmt: skip
    await world.receive(forged)
    assert (await world.recommender()).status == "invited"
    [row] = await held(world)
    assert (row.reason, row.sender, row.recommender_id) == (
        "wrong_sender",
        "someone.else@example.com",
        world.recommender_id,
    )
    assert row.raw_path and file_bytes(row.raw_path) == forged
    sent = await world.send_outbox()
    assert [m["To"] for m in sent] == [STAFF]  # staff hear of it; the stranger gets nothing
    assert "wrong_sender" in text_of(sent[0])


async def test_letter_too_big_or_not_a_pdf_is_refused_with_the_reason(world: MailWorld) -> None:
    invitation = await world.invitation()
    big = make_pdf() + b"%" * (10 * 1024 * 1024)
    await world.receive(reply_to(invitation, attachment=("letter.pdf", "application/pdf", big)))
    answers = [m for m in await world.send_outbox() if m["To"] == RECOMMENDER]
    assert len(answers) == 1 and "附件超過 10 MB" in text_of(answers[0])
    assert (await world.recommender()).status == "invited"

    world.ctx.clock.advance(hours=2)  # type: ignore[attr-defined]  # past the one-answer-per-hour window
    docx = (
        "letter.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04x",
    )
    await world.receive(reply_to(invitation, attachment=docx))
    answers = [m for m in await world.send_outbox() if m["To"] == RECOMMENDER]
    assert len(answers) == 1 and "附件不是 PDF 檔" in text_of(answers[0])
    assert (await world.recommender()).status == "invited"
    assert [h.reason for h in await held(world)] == ["letter_too_big", "letter_not_pdf"]


async def test_reply_after_the_deadline_is_refused_politely_and_kept(world: MailWorld) -> None:
    invitation = await world.invitation()
    world.ctx.clock.advance(days=10)  # type: ignore[attr-defined]
    await world.receive(reply_to(invitation, attachment=("letter.pdf", "application/pdf", make_pdf())))
    assert (await world.recommender()).status == "invited"
    assert [h.reason for h in await held(world)] == ["late"]
    answers = [m for m in await world.send_outbox() if m["To"] == RECOMMENDER]
    assert len(answers) == 1 and "已經截止" in text_of(answers[0]) and "deadline" in text_of(answers[0])


async def test_completed_recommender_cannot_be_changed_by_a_later_reply(world: MailWorld) -> None:
    invitation = await world.invitation()
    await world.receive(reply_to(invitation, attachment=("letter.pdf", "application/pdf", make_pdf())))
    world.ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    await world.receive(reply_to(invitation, body="抱歉，我要拒絕。"))
    assert (await world.recommender()).status == "completed"
    assert [h.reason for h in await held(world)] == ["completed"]


async def test_resend_invitation_carries_the_applicants_message(world: MailWorld) -> None:
    from workflows.recommenders import resend_invitation

    await world.invitation()
    world.ctx.clock.advance(hours=25)  # type: ignore[attr-defined]
    result = await resend_invitation(
        world.ctx, world.registration_id, world.recommender_id, "老師好，麻煩您了！"
    )
    assert result.ok
    [again] = await world.send_outbox()
    text = text_of(again)
    assert "重新寄送" in text and "> 老師好，麻煩您了！" in text and again["From"].endswith(f"<{OFFICE}>")


async def test_no_reply_after_one_within_the_hour_but_again_later(world: MailWorld) -> None:
    invitation = await world.invitation()
    await world.receive(reply_to(invitation, body="收到，我再想想。"))
    await world.receive(reply_to(invitation, body="還在考慮。"))
    assert len(await world.send_outbox()) == 1
    world.ctx.clock.advance(minutes=61)  # type: ignore[attr-defined]
    await world.receive(reply_to(invitation, body="請再說明一次？"))
    assert len(await world.send_outbox()) == 1


async def test_unknown_reply_key_is_held_and_not_answered(world: MailWorld) -> None:
    await world.send_outbox()
    await world.receive(write_mail(sender=RECOMMENDER, to="admissions+NoSuchKey12345@office.example",
                                   subject="Re: 推薦函", body="附件", attachment=("l.pdf", "application/pdf", make_pdf())))  # fmt: skip
    assert [h.reason for h in await held(world)] == ["unknown_key"]
    assert [m["To"] for m in await world.send_outbox()] == [STAFF]
    assert (await world.recommender()).status == "invited"
