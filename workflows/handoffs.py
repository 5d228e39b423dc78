"""Questions the assistant passed to staff, and staff answers delivered back through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows import audit, outbox
from workflows.context import Context
from workflows.identity import redact_ids
from workflows.models import Handoff


@dataclass(frozen=True)
class HandoffInfo:
    id: int
    channel: str
    lang: str
    question: str
    serial: str | None
    created_at: datetime
    answered: bool


def _info(h: Handoff) -> HandoffInfo:
    return HandoffInfo(h.id, h.channel, h.lang, h.question, h.serial, h.created_at, h.answered_at is not None)


async def add_handoff(
    session: AsyncSession, *, channel: str, asker: str, lang: str, question: str, serial: str | None, now: datetime
) -> HandoffInfo:
    """Open a handoff in the caller's transaction (national IDs in the question are masked)."""
    row = Handoff(channel=channel, asker=asker, lang=lang, question=redact_ids(question)[:4000], serial=serial,
                  created_at=now)  # fmt: skip
    session.add(row)
    await session.flush()
    return _info(row)


async def create_handoff(
    ctx: Context, *, channel: str, asker: str, lang: str, question: str, serial: str | None = None
) -> HandoffInfo:
    """Open a handoff in a transaction of its own."""
    async with ctx.db.transaction() as session:
        return await add_handoff(session, channel=channel, asker=asker, lang=lang, question=question,
                                 serial=serial, now=ctx.clock.now())  # fmt: skip


async def attach_staff_message(ctx: Context, handoff_id: int, message_id: int) -> None:
    """Remember which staff-chat message shows the handoff, so a reply to it answers it."""
    async with ctx.db.transaction() as session:
        await session.execute(update(Handoff).where(Handoff.id == handoff_id).values(staff_message_id=message_id))


async def answer_handoff(
    ctx: Context, *, staff_message_id: int | None = None, handoff_id: int | None = None, staff: str, answer: str
) -> HandoffInfo | None:
    """Deliver a staff answer to the asker (through the outbox) and close the handoff. None if not found."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        query = select(Handoff).with_for_update()
        query = query.where(Handoff.staff_message_id == staff_message_id) if handoff_id is None else query.where(
            Handoff.id == handoff_id)  # fmt: skip
        row = await session.scalar(query)
        if row is None:
            return None
        row.answered_at, row.answered_by, row.answer = now, staff, answer
        await outbox.enqueue(
            session,
            [
                outbox.NewMessage(
                    channel=row.channel, recipient=row.asker, idempotency_key=f"handoff:{row.id}:{now.isoformat()}",
                    template="handoff_answer", payload={"question": row.question, "handoff_id": row.id},
                    body=answer, lang=row.lang, urgent=True,
                )
            ],
            now,
        )  # fmt: skip
        audit.record(session, now, staff, "handoff_answered", str(row.id))
        return _info(row)


async def open_handoffs(ctx: Context, limit: int = 20) -> list[HandoffInfo]:
    """Unanswered handoffs, oldest first."""
    async with ctx.db.sessions() as session:
        rows = await session.scalars(
            select(Handoff).where(Handoff.answered_at.is_(None)).order_by(Handoff.created_at).limit(limit)
        )
        return [_info(h) for h in rows]
