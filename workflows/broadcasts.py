"""Staff announcements: one outbox row per person in the segment, delivered by the channel senders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows import audit, outbox
from workflows.context import Context
from workflows.models import Broadcast
from workflows.segments import audience

MAX_TEXT = 4000  # Telegram's message limit is 4096 characters


@dataclass(frozen=True)
class BroadcastStatus:
    id: int
    recipients: int
    sent: int
    pending: int
    failed: int
    blocked: int


async def create_broadcast(ctx: Context, *, staff: str, text: str, segment: str, arg: str | None = None) -> int:
    """Write the broadcast and its outbox rows in one transaction; returns the broadcast id."""
    if not text.strip() or len(text) > MAX_TEXT:
        raise ValueError(f"a broadcast needs 1 to {MAX_TEXT} characters")
    who = await audience(ctx, segment, arg)
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        row = Broadcast(created_by=staff, created_at=now, text=text, segment=segment, segment_arg=arg,
                        recipients=who.size)  # fmt: skip
        session.add(row)
        await session.flush()
        messages = [
            outbox.NewMessage("telegram", str(chat), f"broadcast:{row.id}:tg:{chat}", "broadcast", {"broadcast_id": row.id},
                              body=text, lang=lang)
            for chat, lang in who.chats
        ] + [
            outbox.NewMessage("email", email, f"broadcast:{row.id}:mail:{email}", "broadcast", {"broadcast_id": row.id},
                              body=text)
            for email in who.emails
        ]  # fmt: skip
        for start in range(0, len(messages), 2000):
            await outbox.enqueue(session, messages[start : start + 2000], now)
        audit.record(session, now, staff, "broadcast", str(row.id), segment=segment, arg=arg, recipients=who.size)
        return row.id


async def broadcast_status(ctx: Context, broadcast_id: int | None = None) -> BroadcastStatus | None:
    """Delivery counts of a broadcast (the latest when no id is given)."""
    async with ctx.db.sessions() as session:
        query = select(Broadcast).order_by(Broadcast.id.desc()).limit(1)
        if broadcast_id is not None:
            query = select(Broadcast).where(Broadcast.id == broadcast_id)
        row = await session.scalar(query)
        if row is None:
            return None
    counts = await outbox.counts_by_state(ctx, f"broadcast:{row.id}:")
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    failed = counts.get("failed", 0) + counts.get("uncertain", 0)
    return BroadcastStatus(row.id, row.recipients, counts.get("sent", 0), pending, failed, counts.get("blocked", 0))
