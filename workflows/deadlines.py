"""Finding the dates of a round that concern one registration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import Deadline

_FOR_PROGRAM = (  # built once: recommender invitations check it
    select(Deadline)
    .where(
        Deadline.round_id == bindparam("round_id"),
        or_(Deadline.program_id.is_(None), Deadline.program_id == bindparam("program_id")),
    )
    .order_by(Deadline.due_at)
)


async def deadlines_for(session: AsyncSession, round_id: str, program_id: int) -> list[Deadline]:
    """The round's dates that apply to this program (round-wide ones and the program's own), by due time."""
    rows = await session.scalars(_FOR_PROGRAM, {"round_id": round_id, "program_id": program_id})
    return list(rows)


def of_program(deadlines: Iterable[Deadline], round_id: str, program_id: int) -> list[Deadline]:
    """Of a round's dates (by due time), those that apply to this program: what `deadlines_for` reads."""
    return [d for d in deadlines if d.round_id == round_id and d.program_id in (None, program_id)]


def pick(deadlines: Iterable[Deadline], kind: str) -> Deadline | None:
    """The deadline of a kind; a program's own date wins over the round-wide one."""
    found = [d for d in deadlines if d.kind == kind]
    found.sort(key=lambda d: d.program_id is None)
    return found[0] if found else None


def is_past(deadline: Deadline | None, now: datetime) -> bool:
    """True once the deadline has passed (no deadline: never)."""
    return deadline is not None and now > deadline.due_at
