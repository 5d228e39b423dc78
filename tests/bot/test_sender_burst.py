"""A 5,000-message broadcast over 500 chats through the stand-in with Telegram-style limits enforced."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.sandbox import BotApiSandbox, FloodLimits
from bot.sender import OutgoingMessage, TelegramSender

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHATS = 500
PER_CHAT = 10
# Rates raised for a quick test; the stand-in enforces the same ones, with Telegram's small bursts.
GLOBAL_RATE = 2_000.0
PER_CHAT_RATE = 20.0


async def test_burst_is_delivered_exactly_once_without_429(sandbox: BotApiSandbox, bot: Bot) -> None:
    sandbox.enforce(
        FloodLimits(per_chat_rate=PER_CHAT_RATE, per_chat_burst=3, global_rate=GLOBAL_RATE, global_burst=50)
    )
    chats = [sandbox.new_user_id() for _ in range(CHATS)]
    # Each chat's ten messages queued back to back: the worst order for the per-chat limit.
    messages = [OutgoingMessage(chat, f"公告 {n} / Notice {n}") for chat in chats for n in range(PER_CHAT)]
    sender = TelegramSender(bot, global_rate=GLOBAL_RATE, per_chat_rate=PER_CHAT_RATE)
    results = await sender.send_many(messages, concurrency=512)
    assert sandbox.too_many_requests == 0
    assert all(r.status == "sent" and r.attempts == 1 for r in results)
    for chat in chats:
        texts = [m["text"] for m in sandbox.sent(chat)]
        assert texts == [f"公告 {n} / Notice {n}" for n in range(PER_CHAT)]
    assert sandbox.calls["sendMessage"] == CHATS * PER_CHAT
