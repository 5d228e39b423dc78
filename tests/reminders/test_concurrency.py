"""Two schedulers at once on one store (two engines, as two processes would have): every reminder once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from tests.reminders.conftest import Office, taipei
from workflows.context import Context
from workflows.db import Database
from workflows.models import AuditLog, OutboxMessage
from workflows.scheduler import ReminderScheduler

PEOPLE = 40


async def test_two_schedulers_write_each_reminder_once(office: Office) -> None:
    office.at(taipei(1, 1, 10))
    for i in range(PEOPLE):
        await office.register(f"MD{i:04d}")
    other_db = Database(office.ctx.settings.admissions_db_url)
    other = Context(other_db, office.ctx.settings, office.ctx.clock)
    try:
        first, second = ReminderScheduler(office.ctx, office.book), ReminderScheduler(other, office.book)
        office.at(taipei(1, 2, 9))
        reports = await asyncio.gather(first.run_once(), second.run_once(), first.run_once())
        assert sum(r.enqueued for r in reports) == PEOPLE
        office.at(taipei(1, 6, 9))  # past the payment date: the drops too are written and audited once
        reports = await asyncio.gather(first.run_once(), second.run_once())
        assert sum(r.dropped for r in reports) == PEOPLE
    finally:
        await other_db.dispose()
    async with office.ctx.db.sessions() as session:
        keys = (await session.execute(
            select(func.count(), func.count(OutboxMessage.idempotency_key.distinct()))
            .where(OutboxMessage.template == "reminder_payment")
        )).one()  # fmt: skip
        audits = await session.scalar(select(func.count()).where(AuditLog.action == "reminder_dropped"))
    assert tuple(keys) == (2 * PEOPLE, 2 * PEOPLE) and audits == 1
