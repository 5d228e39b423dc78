"""Is a message still wanted when its turn to be sent comes? Reminders re-read the state just before sending.

A reminder planned yesterday (or held back by quiet hours) must not reach someone who has paid, uploaded,
whose recommender has answered, who turned reminders off, unlinked the chat or blocked the bot since.
Every channel sender asks here before sending and marks the row cancelled when the answer is no.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select

from workflows.context import Context
from workflows.models import Applicant, ChatLink, Payment, Recommender, Registration, TelegramChat
from workflows.outbox import Claimed
from workflows.reminders import audience_condition


async def unwanted_reason(ctx: Context, row: Claimed) -> str | None:
    """Why the row should not be sent any more, or None when it should (non-reminder rows: always None)."""
    if not row.template.startswith("reminder"):
        return None
    payload = row.payload
    if ctx.clock.now() > datetime.fromisoformat(payload["moment"]):
        return "the date has passed"
    async with ctx.db.sessions() as session:
        if payload["who"] == "recommender":
            wanted = await session.scalar(
                select(exists().where(
                    Recommender.id == payload["recommender_id"], Recommender.status == "invited",
                    Recommender.email_undeliverable.is_(False),
                ))  # fmt: skip
            )
            return None if wanted else "the recommender has answered or cannot be reached"
        still_to_do = await session.scalar(
            select(exists(
                select(Registration.id)
                .outerjoin(Payment, Payment.registration_id == Registration.id)
                .where(Registration.id == payload["registration_id"], Registration.status == "registered",
                       audience_condition(payload["who"]))
            ))  # fmt: skip
        )
        if not still_to_do:
            return "already done (or the registration was withdrawn)"
        if row.channel == "telegram":
            reachable = await session.scalar(
                select(exists().where(and_(
                    ChatLink.registration_id == payload["registration_id"], ChatLink.chat_id == int(row.recipient),
                    TelegramChat.chat_id == ChatLink.chat_id, TelegramChat.reminders_enabled.is_(True),
                    TelegramChat.blocked.is_(False),
                )))  # fmt: skip
            )
            return None if reachable else "chat unlinked, reminders turned off or bot blocked"
        undeliverable = await session.scalar(
            select(Applicant.email_undeliverable)
            .join(Registration, Registration.applicant_id == Applicant.id)
            .where(Registration.id == payload["registration_id"])
        )
        return "the email address bounced" if undeliverable else None


async def still_wanted(ctx: Context, row: Claimed) -> bool:
    """True when the row should still be sent now."""
    return await unwanted_reason(ctx, row) is None
