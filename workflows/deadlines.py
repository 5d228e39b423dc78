"""Finding the dates of a round that concern one registration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import Deadline

_FOR_PROGRAM = (  # built once: it runs on every /status
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


_FOR_ROUNDS = select(Deadline).where(Deadline.round_id.in_(bindparam("round_ids", expanding=True))).order_by(Deadline.due_at)


async def deadlines_for_many(
    session: AsyncSession, programs: set[tuple[str, int]]
) -> dict[tuple[str, int], list[Deadline]]:
    """`deadlines_for` of several (round, program) pairs, in one query."""
    rows = list(await session.scalars(_FOR_ROUNDS, {"round_ids": sorted({round_id for round_id, _ in programs})}))
    return {
        (round_id, program_id): [d for d in rows if d.round_id == round_id and d.program_id in (None, program_id)]
        for round_id, program_id in programs
    }


def pick(deadlines: Iterable[Deadline], kind: str) -> Deadline | None:
    """The deadline of a kind; a program's own date wins over the round-wide one."""
    found = [d for d in deadlines if d.kind == kind]
    found.sort(key=lambda d: d.program_id is None)
    return found[0] if found else None


def is_past(deadline: Deadline | None, now: datetime) -> bool:
    """True once the deadline has passed (no deadline: never)."""
    return deadline is not None and now > deadline.due_at
