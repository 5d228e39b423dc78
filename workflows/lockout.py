"""The registration system's lockout: 5 failed attempts within 5 minutes lock the requester for 5 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import AuthAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=5)
LOCK_FOR = timedelta(minutes=5)


async def locked_until(session: AsyncSession, requester: str, kind: str, now: datetime) -> datetime | None:
    """When the requester's lock ends, or None if not locked.

    Locked when the last MAX_FAILURES failures fell within WINDOW and the last of them is under LOCK_FOR ago.
    Attempts made while locked are recorded as "locked", not as failures, so the lock does not grow forever.
    """
    rows = await session.scalars(
        select(AuthAttempt.at)
        .where(
            AuthAttempt.requester == requester,
            AuthAttempt.kind == kind,
            AuthAttempt.outcome == "failed",
            AuthAttempt.at > now - WINDOW - LOCK_FOR,
        )
        .order_by(AuthAttempt.at.desc())
        .limit(MAX_FAILURES)
    )
    failures = list(rows)
    if len(failures) < MAX_FAILURES or failures[0] - failures[-1] > WINDOW:
        return None
    until = failures[0] + LOCK_FOR
    return until if now < until else None


def record_attempt(session: AsyncSession, requester: str, kind: str, outcome: str, now: datetime) -> None:
    """Record one attempt (ok / failed / locked / invalid)."""
    session.add(AuthAttempt(requester=requester, kind=kind, outcome=outcome, at=now))
