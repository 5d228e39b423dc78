"""The registration system's lockout: 5 failed attempts within 5 minutes lock the requester for 5 minutes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.identity import IdentityError
from workflows.models import AuthAttempt

T = TypeVar("T")
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


@dataclass(frozen=True)
class Gate(Generic[T]):
    """The start of an identity attempt: locked (until when), refused input (IdentityError code), or the input."""

    locked_until: datetime | None = None
    refused: str | None = None
    value: T | None = None


async def admit(session: AsyncSession, requester: str, kind: str, now: datetime, read: Callable[[], T]) -> Gate[T]:
    """Refuse while the requester is locked (recorded as "locked"), then read the typed input; malformed input
    is recorded as "invalid", which does not count towards the lock."""
    until = await locked_until(session, requester, kind, now)
    if until is not None:
        record_attempt(session, requester, kind, "locked", now)
        return Gate(locked_until=until)
    try:
        value = read()
    except IdentityError as exc:
        record_attempt(session, requester, kind, "invalid", now)
        return Gate(refused=exc.code)
    return Gate(value=value)
