"""Questions applicants asked and how they were answered: the office's view of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.bulk import rowcount
from workflows.clock import TAIPEI, to_local
from workflows.context import Context
from workflows.identity import redact_ids
from workflows.models import ChatLink, Question, Registration

MAX_TEXT = 1000


@dataclass(frozen=True)
class Stats:
    registrations: int
    linked_users: int
    questions_today: int
    answered_today: int
    top_unsure: list[tuple[str, int]]

    @property
    def answered_share(self) -> float:
        return self.answered_today / self.questions_today if self.questions_today else 0.0


# One question is written per message: a statement built once, and no ORM unit of work.
_INSERT = insert(Question).returning(Question.id)


async def add_question(
    session: AsyncSession, *, channel: str, asker: str, text: str, lang: str, status: str, entry_id: str | None,
    round_id: str | None, confidence: float, now: datetime,
) -> int:  # fmt: skip
    """Record a question in the caller's transaction (national IDs masked first); returns its id."""
    row = dict(
        channel=channel, asker=asker[:64], text=redact_ids(text)[:MAX_TEXT], lang=lang, status=status,
        entry_id=entry_id, round_id=round_id, confidence=confidence, asked_at=now,
    )  # fmt: skip
    inserted = await session.execute(_INSERT, row)
    return inserted.scalar_one()


async def log_question(
    ctx: Context, *, channel: str, asker: str, text: str, lang: str, status: str, entry_id: str | None,
    round_id: str | None, confidence: float,
) -> int:  # fmt: skip
    """Record a question in a transaction of its own; returns its id for the vote buttons."""
    async with ctx.db.transaction() as session:
        return await add_question(session, channel=channel, asker=asker, text=text, lang=lang, status=status,
                                  entry_id=entry_id, round_id=round_id, confidence=confidence,
                                  now=ctx.clock.now())  # fmt: skip


async def vote(ctx: Context, question_id: int, asker: str, value: int) -> bool:
    """Store 👍 (+1) or 👎 (-1) on one's own question; False if it is not theirs."""
    async with ctx.db.transaction() as session:
        result = await session.execute(
            update(Question)
            .where(Question.id == question_id, Question.asker == asker)
            .values(vote=1 if value > 0 else -1)
        )
        return rowcount(result) == 1


async def stats(ctx: Context, top: int = 5) -> Stats:
    """Counts for /stats: today is the Taipei calendar day."""
    since = datetime.combine(to_local(ctx.clock.now()).date(), datetime.min.time(), tzinfo=TAIPEI)
    async with ctx.db.sessions() as session:
        regs = await session.scalar(select(func.count()).select_from(Registration)) or 0
        linked = await session.scalar(select(func.count(func.distinct(ChatLink.user_id)))) or 0
        today = (
            await session.execute(
                select(Question.status, func.count()).where(Question.asked_at >= since).group_by(Question.status)
            )
        ).all()
        unsure = (
            await session.execute(
                select(Question.text, func.count().label("n"))
                .where(Question.status == "unsure", Question.asked_at >= since - timedelta(days=30))
                .group_by(Question.text)
                .order_by(func.count().desc(), Question.text)
                .limit(top)
            )
        ).all()
    counts = dict(today)
    return Stats(regs, linked, sum(counts.values()), counts.get("answered", 0), [(t, n) for t, n in unsure])


async def question_text(ctx: Context, question_id: int, asker: str) -> str | None:
    """The text of one's own earlier question (for the round buttons and the handoff offer)."""
    async with ctx.db.sessions() as session:
        return await session.scalar(select(Question.text).where(Question.id == question_id, Question.asker == asker))
