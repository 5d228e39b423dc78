"""The daily staff digest: counts per program of the open round, yesterday's reminders, once a day per channel."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from tests.reminders.conftest import Office, taipei
from workflows.digest import build_digest, digest_text
from workflows.models import OutboxMessage

STAFF_CHAT = -1001234


async def test_digest_counts_and_goes_once_a_day_to_chat_and_email(office: Office) -> None:
    settings = office.ctx.settings.model_copy(update={"staff_chat_id": STAFF_CHAT, "staff_email": "office@example.edu"})
    office.ctx = dataclasses.replace(office.ctx, settings=settings)
    office.telegram.ctx = office.ctx
    office.at(taipei(1, 1, 10))
    unpaid = await office.register("MD0001")
    await office.link(unpaid, 6001)
    await office.register("MD0002")
    await office.pay("MD0002")
    await office.upload("MD0002", "photo", "id_front", "id_back", "qualification", "review")
    await office.register("MD0003", program="300")
    await office.pay("MD0003", 1300)
    await office.recommender("MD0003", "陳教授", "chen@univ.example")

    office.at(taipei(1, 2, 8, 29))
    assert (await office.tick()).digests == 0
    office.at(taipei(1, 2, 9))  # payment_3d for MD0001 on Telegram; the digest (08:30) is due too
    assert (await office.tick()).digests == 2
    assert (await office.tick()).digests == 0
    [staff] = office.sandbox.sent(STAFF_CHAT)
    assert "📊 招生每日摘要 115年01月02日（星期五）" in staff["text"]
    assert "260 互動設計系碩士班：報名 2｜未繳費 1｜缺上傳 1｜推薦函未完成 0" in staff["text"]
    assert "300 營建工程系碩士班：報名 1｜未繳費 0｜缺上傳 1｜推薦函未完成 1" in staff["text"]
    assert "260 Interaction Design: 2 registered | 1 unpaid | 1 missing uploads | 0 letters pending" in staff["text"]

    office.at(taipei(1, 3, 8, 30))
    digest = await build_digest(office.ctx)
    assert digest.sent == {"reminder_payment": 1} and digest.dropped == 0
    assert "昨日提醒：已送出 1（繳費 1）" in digest_text(digest)
    await office.tick()
    mails = await _digests(office, "email")
    assert [m.idempotency_key for m in mails] == ["digest:2026-01-02:email", "digest:2026-01-03:email"]
    assert mails[0].recipient == "office@example.edu" and mails[0].payload["subject"].startswith("【招生每日摘要】")
    assert len(office.sandbox.sent(STAFF_CHAT)) == 2


async def test_no_staff_channel_no_digest(office: Office) -> None:
    office.at(taipei(1, 2, 9))
    assert (await office.run()).digests == 0


async def _digests(office: Office, channel: str) -> list[OutboxMessage]:
    async with office.ctx.db.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.template == "digest", OutboxMessage.channel == channel)
        return list(await session.scalars(query.order_by(OutboxMessage.id)))
