"""Right person, right channel, checked again at sending time: opt-out, blocked, unlinked, done, bounced."""

from __future__ import annotations

from sqlalchemy import update

from tests.reminders.conftest import Office, taipei
from workflows import outbox
from workflows.chats import set_blocked, set_reminders
from workflows.delivery_checks import still_wanted, unwanted_reason
from workflows.linking import unlink
from workflows.models import Applicant, Recommender


async def test_channel_follows_link_choice_and_block(office: Office) -> None:
    office.at(taipei(1, 1, 10))
    linked, off, blocked, plain = [await office.register(f"MD000{i}") for i in range(1, 5)]
    await office.link(linked, 4001)
    await office.link(off, 4002, reminders=False)
    await office.link(blocked, 4003)
    await set_blocked(office.ctx, 4003, True)
    async with office.ctx.db.transaction() as session:  # the address on file bounced: nobody to write to
        await session.execute(update(Applicant).where(Applicant.email == "md0004@example.com").values(email_undeliverable=True))
    office.at(taipei(1, 2, 9))
    report = await office.tick()
    rows = {r.registration_id: r for r in await office.reminders(template="reminder_payment")}
    assert {k: rows[k].channel for k in rows} == {linked: "telegram", off: "email", blocked: "email"}
    assert plain not in rows and report.unreachable >= 1
    assert [len(office.sandbox.sent(c)) for c in (4001, 4002, 4003)] == [1, 0, 0]


async def test_state_is_read_again_when_the_turn_comes(office: Office) -> None:
    office.at(taipei(1, 1, 10))
    regs = [await office.register(f"MD000{i}", program="300") for i in range(1, 5)]
    for i, reg in enumerate(regs[:3]):
        await office.link(reg, 5001 + i)
    rec = await office.recommender("MD0004", "陳教授", "chen@univ.example")
    office.at(taipei(1, 2, 9))
    await office.run()
    await set_reminders(office.ctx, 5001, False)  # turned off after planning
    await unlink(office.ctx, 5002)  # logged out after planning
    await office.pay("MD0003", 1300)  # paid after planning
    await office.deliver()
    assert office.sandbox.all_sent() == []
    reasons = {r.recipient: (r.state, r.last_error) for r in await office.reminders(channel="telegram")}
    assert reasons["5001"] == ("cancelled", "chat unlinked, reminders turned off or bot blocked")
    assert reasons["5002"][0] == "cancelled" and reasons["5003"] == ("cancelled", "already done (or the registration was withdrawn)")

    # Email rows: the mail sender asks the same question.
    office.at(taipei(1, 3, 10))
    await office.run()
    emails = await outbox.claim(office.ctx, "email", "mail-test", limit=100)
    letter = next(r for r in emails if r.template == "reminder_letter")
    applicant = next(r for r in emails if r.template == "reminder_payment" and r.registration_id == regs[3])
    assert await still_wanted(office.ctx, letter) and await still_wanted(office.ctx, applicant)
    async with office.ctx.db.transaction() as session:
        await session.execute(update(Recommender).where(Recommender.id == rec).values(status="completed"))
    await office.pay("MD0004", 1300)
    assert await unwanted_reason(office.ctx, letter) == "the recommender has answered or cannot be reached"
    assert await unwanted_reason(office.ctx, applicant) == "already done (or the registration was withdrawn)"
    office.at(taipei(1, 9))
    assert await unwanted_reason(office.ctx, applicant) == "the date has passed"
    invitation = next(r for r in emails if r.template == "recommender_invitation")
    assert await still_wanted(office.ctx, invitation)  # not a reminder: never held back here

