"""End-to-end bot fixtures: the real aiogram Dispatcher and outbox sender talking HTTP to the Bot API
stand-in on loopback, on a real store with a small round and a few applicants."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_bot
from bot.sandbox import BotApiSandbox
from bot.service import BotService
from knowledge import KnowledgeBase, load_knowledge
from tests.workflows.conftest import ALICE_ID, BOB_ID, SPEC
from workflows.catalog import install_round
from workflows.context import Context
from workflows.importers import import_rows
from workflows.models import OutboxMessage, Registration
from workflows.recommenders import add_recommender
from workflows.settings import Settings

STAFF_ID, STAFF_CHAT = 5550001, -1005550001
ALICE_TG, BOB_TG, STRANGER_TG = 7000000001, 7000000002, 7000000003

JSON = dict[str, Any]


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def db_url(tmp_path: Any, sqlite_template: Any) -> str:
    """Bot flows run on SQLite (the store's own tests cover both backends)."""
    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(admissions_db_url=db_url, admissions_secret="test-secret", staff_telegram_ids=str(STAFF_ID),
                    staff_chat_id=STAFF_CHAT, telegram_global_rate=500, telegram_chat_rate=50)  # fmt: skip


@dataclass
class Chat:
    """One Telegram user talking to the bot through the stand-in."""

    sandbox: BotApiSandbox
    user_id: int
    language: str = "zh-hant"
    chat_id: int | None = None
    seen: int = field(default=0)

    @property
    def target(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    async def replies(self, at_least: int = 1, settle: float = 0.25) -> list[JSON]:
        """New bot messages in this chat since last time (waits for `at_least`, then for quiet)."""
        await self.sandbox.wait_for_sent(self.target, self.seen + at_least, timeout=10)
        while True:
            count = len(self.sandbox.sent(self.target))
            await asyncio.sleep(settle)
            if len(self.sandbox.sent(self.target)) == count:
                break
        new = self.sandbox.sent(self.target)[self.seen :]
        self.seen += len(new)
        return new

    async def say(self, text: str, at_least: int = 1, **kw: Any) -> list[JSON]:
        self.sandbox.push_message(self.user_id, text, chat_id=self.chat_id, language_code=self.language, **kw)
        return await self.replies(at_least)

    async def press(self, message: JSON, label: str, at_least: int = 1) -> list[JSON]:
        """Press the inline button whose text contains `label` under `message`."""
        data = button_data(message, label)
        self.sandbox.push_callback(self.user_id, data, message["message_id"], chat_id=self.chat_id)
        return await self.replies(at_least) if at_least else []


def buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_data(message: JSON, label: str) -> str:
    for b in buttons(message):
        if label in b["text"]:
            return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in buttons(message)]}")


@dataclass
class Office:
    """The running assistant and its people."""

    ctx: Context
    sandbox: BotApiSandbox
    alice: Chat
    bob: Chat
    stranger: Chat
    staff: Chat
    staff_room: Chat
    registrations: dict[str, int]

    async def outbox(self, template: str) -> list[OutboxMessage]:
        async with self.ctx.db.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
            )
            return list(rows)

    async def login(self, chat: Chat, serial: str, national_id: str, birth: str) -> None:
        """Link a chat through the real /login conversation, reading the code from the outbox."""
        await chat.say("/login")
        await chat.say(serial)
        await chat.say(national_id)
        reply = await chat.say(birth)
        assert "驗證碼" in reply[-1]["text"] or "code" in reply[-1]["text"], reply
        code = (await self.outbox("login_code"))[-1].payload["code"]
        done = await chat.say(str(code))
        assert serial in done[-1]["text"], done


async def seed(ctx: Context) -> dict[str, int]:
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    rows = [
        {"round": SPEC.id, "program": "260", "serial": "MD0026", "name": "王小明", "national_id": ALICE_ID,
         "birth_date": "1990-03-15", "email": "alice@example.com", "virtual_account": "97931145130001"},
        {"round": SPEC.id, "program": "300", "serial": "MD0031", "name": "王小明", "national_id": ALICE_ID,
         "birth_date": "1990-03-15", "email": "alice@example.com", "virtual_account": "97931145130002"},
        {"round": SPEC.id, "program": "300", "serial": "MD0050", "name": "陳大文", "national_id": BOB_ID,
         "birth_date": "1991-07-01", "email": "bob@example.com", "virtual_account": "97931145130003"},
    ]  # fmt: skip
    report = await import_rows(ctx, "registrations", enumerate(rows, start=2))
    assert report.imported, report.errors
    ids: dict[str, int] = {}
    async with ctx.db.sessions() as session:
        for serial, reg_id in (await session.execute(select(Registration.serial, Registration.id))).all():
            ids[serial] = reg_id
    for serial, name, email in (("MD0031", "林教授", "lin@univ.example"), ("MD0050", "張經理", "chang@corp.example")):
        added = await add_recommender(ctx, ids[serial], name=name, email=email, organisation="臺北科大")
        assert added.ok and added.recommender_id
        ids[f"rec:{serial}"] = added.recommender_id
    return ids


@pytest.fixture
async def office(ctx: Context, kb: KnowledgeBase) -> AsyncIterator[Office]:
    registrations = await seed(ctx)
    async with BotApiSandbox(seed=115) as sandbox:
        bot = build_bot(sandbox.token, sandbox.base_url)
        stop = asyncio.Event()
        task = asyncio.create_task(BotService(ctx, kb, bot, polling_timeout=1).run(stop))
        try:
            yield Office(
                ctx, sandbox, Chat(sandbox, ALICE_TG), Chat(sandbox, BOB_TG), Chat(sandbox, STRANGER_TG, "en"),
                Chat(sandbox, STAFF_ID), Chat(sandbox, STAFF_ID, chat_id=STAFF_CHAT), registrations,
            )  # fmt: skip
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await bot.session.close()
