"""Questions applicants asked and how they were answered: the office's view of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.batching import Coalescer
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


@dataclass(frozen=True)
class AskedQuestion:
    """A question and how it was answered, as recorded for the office."""

    channel: str
    asker: str
    text: str
    lang: str
    status: str
    entry_id: str | None
    round_id: str | None
    confidence: float

    def row(self, now: datetime) -> dict[str, object]:
        """The `questions` row (national IDs masked, lengths capped)."""
        return dict(
            channel=self.channel, asker=self.asker[:64], text=redact_ids(self.text)[:MAX_TEXT], lang=self.lang,
            status=self.status, entry_id=self.entry_id, round_id=self.round_id, confidence=self.confidence,
            asked_at=now,
        )  # fmt: skip


# Questions are written on every message: statements built once, and no ORM unit of work.
_INSERT = insert(Question).returning(Question.id)
_INSERT_MANY = insert(Question).returning(Question.id, sort_by_parameter_order=True)


async def add_question(session: AsyncSession, asked: AskedQuestion, now: datetime) -> int:
    """Record a question in the caller's transaction; returns its id."""
    return (await session.execute(_INSERT, asked.row(now))).scalar_one()


class QuestionLog:
    """Records the questions of the chat: each in a transaction of its own, or, when many arrive at once, with
    the others in one (see `workflows.batching`). Returns the row's id, for the vote buttons."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._coalescer: Coalescer[AskedQuestion, int] = Coalescer(self._insert_many)

    async def add(self, asked: AskedQuestion) -> int:
        """Record `asked`; its id."""
        return await self._coalescer(asked)

    async def _insert_many(self, batch: list[AskedQuestion]) -> list[int]:
        now = self.ctx.clock.now()
        rows = [asked.row(now) for asked in batch]
        return await self.ctx.db.write(partial(_insert_rows, rows))


def _insert_rows(rows: list[dict[str, object]], connection: Connection) -> list[int]:
    if len(rows) == 1:
        return [connection.execute(_INSERT, rows[0]).scalar_one()]
    return list(connection.execute(_INSERT_MANY, rows).scalars())


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
