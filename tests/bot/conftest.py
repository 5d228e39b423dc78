"""Telegram test fixtures: one Bot API stand-in and one aiogram Bot per test module.

One aiogram session per module because ``AiohttpSession.close()`` sleeps 0.25 s; modules using these
fixtures mark their tests ``pytest.mark.asyncio(loop_scope="module")``. ``sandbox`` resets the shared
stand-in before each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.sandbox import BotApiSandbox


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox_server() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(seed=20260105) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: BotApiSandbox) -> BotApiSandbox:
    sandbox_server.reset()
    return sandbox_server


def make_bot(base_url: str, token: str) -> Bot:
    """An aiogram Bot talking to ``base_url`` through its ordinary HTTP session, nothing patched."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(sandbox_server: BotApiSandbox) -> AsyncIterator[Bot]:
    telegram_bot = make_bot(sandbox_server.base_url, sandbox_server.token)
    yield telegram_bot
    await telegram_bot.session.close()


@pytest_asyncio.fixture(loop_scope="module")
async def other_bot() -> AsyncIterator[Callable[[str, str], Bot]]:
    """Makes extra bots (a wrong token, a dead server); their sessions are closed afterwards."""
    made: list[Bot] = []

    def factory(base_url: str, token: str) -> Bot:
        made.append(make_bot(base_url, token))
        return made[-1]

    yield factory
    for extra in made:
        await extra.session.close()
