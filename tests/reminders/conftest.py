"""An office with the small test round (tests/workflows/conftest.py SPEC): registrations in every state,
chats linked or not, and the reminder scheduler and Telegram delivery over the Bot API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import build_bot
from bot.outbox_sender import TelegramOutbox
from bot.sandbox import BotApiSandbox
from bot.sender import TelegramSender
from tests.workflows.conftest import SPEC
from workflows.catalog import install_round
from workflows.clock import TAIPEI, as_utc
from workflows.context import Context
from workflows.identity import national_id
from workflows.importers import import_rows
from workflows.models import ChatLink, OutboxMessage, Recommender, Registration, TelegramChat
from workflows.reminder_rules import RuleBook, load_rules
from workflows.reminders import RunReport
from workflows.scheduler import ReminderScheduler

JPG = {"photo", "id_front", "id_back"}


def taipei(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A 2026 moment written in Taipei time, as UTC."""
    return as_utc(datetime(2026, month, day, hour, minute, tzinfo=TAIPEI))


@dataclass
class Office:
    """The store, a scheduler, and a Telegram outbox delivering to the stand-in."""

    ctx: Context
    sandbox: BotApiSandbox
    telegram: TelegramOutbox
    book: RuleBook
    accounts: dict[str, str] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.ctx.clock.now()

    def at(self, when: datetime) -> None:
        self.ctx.clock.set(when)  # type: ignore[attr-defined]

    async def register(self, serial: str, program: str = "260", email: str | None = None,
                       registered_at: str = "2025-12-20 10:00") -> int:  # fmt: skip
        n = len(self.accounts) + 1
        self.accounts[serial] = f"97931145{n:06d}"
        row = {"round": SPEC.id, "program": program, "serial": serial, "name": f"考生{serial}",
               "national_id": national_id("A", 1, f"{n:07d}"), "birth_date": "1990-03-15",
               "email": email or f"{serial.lower()}@example.com", "phone": "0912-345678",
               "virtual_account": self.accounts[serial], "registered_at": registered_at}  # fmt: skip
        report = await import_rows(self.ctx, "registrations", [(2, row)])
        assert report.imported, report.errors
        async with self.ctx.db.sessions() as session:
            reg_id = await session.scalar(select(Registration.id).where(Registration.serial == serial))
        assert reg_id is not None
        return reg_id

    async def pay(self, serial: str, fee: int = 1500) -> None:
        row = {"virtual_account": self.accounts[serial], "amount": str(fee), "paid_at": "2026-01-01 10:00"}
        report = await import_rows(self.ctx, "payments", [(2, row)])
        assert report.imported, report.errors

    async def upload(self, serial: str, *items: str) -> None:
        rows = [(i + 2, {"round": SPEC.id, "serial": serial, "item": item, "file_name": f"{item}.{'jpg' if item in JPG else 'pdf'}",
                         "size_bytes": "1000", "uploaded_at": "2026-01-01 12:00"}) for i, item in enumerate(items)]  # fmt: skip
        report = await import_rows(self.ctx, "uploads", rows)
        assert report.imported, report.errors

    async def recommender(self, serial: str, name: str, email: str, status: str = "invited") -> int:
        row = {"round": SPEC.id, "serial": serial, "name": name, "email": email, "status": status,
               "invited_at": "2025-12-28 10:00"}  # fmt: skip
        report = await import_rows(self.ctx, "recommenders", [(2, row)])
        assert report.imported, report.errors
        async with self.ctx.db.sessions() as session:
            rec_id = await session.scalar(select(Recommender.id).where(Recommender.email == email))
        assert rec_id is not None
        return rec_id

    async def link(self, reg_id: int, chat_id: int, lang: str = "zh", reminders: bool = True) -> None:
        async with self.ctx.db.transaction() as session:
            if await session.get(TelegramChat, chat_id) is None:
                session.add(TelegramChat(chat_id=chat_id, user_id=chat_id, language=lang, reminders_enabled=reminders,
                                         first_seen_at=self.now))  # fmt: skip
            session.add(ChatLink(user_id=chat_id, chat_id=chat_id, registration_id=reg_id, linked_at=self.now))

    async def set_status(self, reg_id: int, status: str) -> None:
        async with self.ctx.db.transaction() as session:
            await session.execute(update(Registration).where(Registration.id == reg_id).values(status=status))

    async def run(self) -> RunReport:
        """One scheduler run: reminders written to the outbox, nothing delivered."""
        return await ReminderScheduler(self.ctx, self.book).run_once()

    async def deliver(self) -> None:
        """Deliver every due Telegram row."""
        while await self.telegram.run_once():
            pass

    async def tick(self) -> RunReport:
        """One scheduler run, then delivery."""
        report = await self.run()
        await self.deliver()
        return report

    async def reminders(self, **where: Any) -> list[OutboxMessage]:
        async with self.ctx.db.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.template.startswith("reminder")).order_by(OutboxMessage.id)
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list(await session.scalars(query))


@pytest.fixture
async def office(ctx: Context) -> AsyncIterator[Office]:
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    async with BotApiSandbox(seed=6) as sandbox:
        bot = build_bot(sandbox.token, sandbox.base_url)
        try:
            sender = TelegramSender(bot, global_rate=1000, per_chat_rate=100)
            yield Office(ctx, sandbox, TelegramOutbox(ctx, sender, "test"), load_rules())
        finally:
            await bot.session.close()
