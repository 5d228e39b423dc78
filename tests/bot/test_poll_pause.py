"""PollPause: getUpdates calls wait a moment first (several updates per call under load); nothing else does."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.app import build_bot
from bot.polling import PollPause
from bot.sandbox import BotApiSandbox


def _bot_with_pause(sandbox: BotApiSandbox, seconds: float) -> tuple[Bot, list[float]]:
    """A bot whose PollPause records its sleeps instead of sleeping."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    bot = build_bot(sandbox.token, sandbox.base_url)
    bot.session.middleware(PollPause(seconds, sleep))
    return bot, slept


@pytest.mark.asyncio(loop_scope="module")
async def test_only_get_updates_waits(sandbox: BotApiSandbox) -> None:
    bot, slept = _bot_with_pause(sandbox, 0.005)
    try:
        user = sandbox.new_user_id()
        sandbox.push_message(user, "你好")
        await bot.send_message(user, "hello")
        assert slept == []
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["你好"]
        assert slept == [0.005]
    finally:
        await bot.session.close()


@pytest.mark.asyncio(loop_scope="module")
async def test_zero_means_no_pause(sandbox: BotApiSandbox) -> None:
    bot, slept = _bot_with_pause(sandbox, 0)
    try:
        await bot.get_updates(timeout=0)
        assert slept == []
    finally:
        await bot.session.close()
