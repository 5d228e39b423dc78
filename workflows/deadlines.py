"""Finding the dates of a round that concern one registration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import Deadline

# Built once: /status and recommender invitations read it on every request.
FOR_ROUNDS = select(Deadline).where(Deadline.round_id.in_(bindparam("round_ids", expanding=True))).order_by(Deadline.due_at)


async def deadlines_for(session: AsyncSession, round_id: str, program_id: int) -> list[Deadline]:
    """The round's dates that apply to this program (round-wide ones and the program's own), by due time."""
    return of_program(await session.scalars(FOR_ROUNDS, {"round_ids": [round_id]}), round_id, program_id)


def of_program(deadlines: Iterable[Deadline], round_id: str, program_id: int) -> list[Deadline]:
    """Of rounds' dates (by due time), those that apply to this program: round-wide ones and its own."""
    return [d for d in deadlines if d.round_id == round_id and d.program_id in (None, program_id)]


def pick(deadlines: Iterable[Deadline], kind: str) -> Deadline | None:
    """The deadline of a kind; a program's own date wins over the round-wide one."""
    found = [d for d in deadlines if d.kind == kind]
    found.sort(key=lambda d: d.program_id is None)
    return found[0] if found else None


def is_past(deadline: Deadline | None, now: datetime) -> bool:
    """True once the deadline has passed (no deadline: never)."""
    return deadline is not None and now > deadline.due_at
