"""The one automatic answer per address and hour (the mail-loop guard), also with two mail workers at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from workflows.context import Context
from workflows.db import Database
from workflows.mail_state import take_auto_reply

NOW = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)


async def _take(db: Database, address: str, now: datetime = NOW) -> bool:
    async with db.transaction() as session:
        return await take_auto_reply(session, address, now)


async def test_one_auto_reply_per_address_and_hour(ctx: Context) -> None:
    assert await _take(ctx.db, "Robot@Example.com")
    assert not await _take(ctx.db, " robot@example.com", NOW + timedelta(minutes=59))
    assert await _take(ctx.db, "other@example.com")
    assert await _take(ctx.db, "robot@example.com", NOW + timedelta(minutes=61))


async def test_a_second_worker_waits_and_sees_the_first_answer(pg_database: str) -> None:
    # Under READ COMMITTED both transactions would see no recent answer and both send one.
    db = Database(pg_database)
    address = f"loop-{uuid.uuid4().hex}@example.com"
    try:
        async with db.transaction() as first:
            assert await take_auto_reply(first, address, NOW)
            second = asyncio.create_task(_take(db, address))
            await asyncio.sleep(0.3)
            assert not second.done()
        assert await asyncio.wait_for(second, 10) is False
    finally:
        await db.dispose()
