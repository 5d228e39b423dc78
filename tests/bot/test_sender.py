"""TelegramSender against the stand-in: spacing, the global rate, and what each Telegram answer becomes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot

from bot.sandbox import BotApiSandbox, FloodLimits
from bot.sender import OutgoingMessage, TelegramSender
from tests.bot.fakes import FakeClock

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


def sender_for(
    bot: Bot,
    fake_clock: FakeClock,
    *,
    per_chat_rate: float = 1.0,
    max_retries: int = 5,
    max_backoff: float = 30.0,
    max_retry_after: float = 60.0,
) -> TelegramSender:
    """A sender on the fake clock; the global rate is high so only the per-chat spacing is felt."""
    return TelegramSender(
        bot,
        global_rate=10_000.0,
        per_chat_rate=per_chat_rate,
        max_retries=max_retries,
        max_backoff=max_backoff,
        max_retry_after=max_retry_after,
        clock=fake_clock,
        sleep=fake_clock.sleep,
        now=lambda: NOW,
    )


async def test_messages_to_one_chat_are_spaced(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock)
    chat, other = sandbox.new_user_id(), sandbox.new_user_id()
    results = [await sender.send(chat, f"提醒 {i}") for i in range(3)]
    results.append(await sender.send(other, "另一位"))
    assert [r.status for r in results] == ["sent"] * 4
    assert [r.message_id for r in results] == [1, 2, 3, 1]
    assert fake_clock.sleeps == [1.0, 1.0]
    assert [m["text"] for m in sandbox.sent(chat)] == ["提醒 0", "提醒 1", "提醒 2"]


async def test_concurrent_sends_to_one_chat_queue_up(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock, per_chat_rate=2.0)
    chat = sandbox.new_user_id()
    results = await asyncio.gather(*(sender.send(chat, f"#{i}") for i in range(3)))
    assert {r.status for r in results} == {"sent"}
    # Three messages to one chat at 2/s take a second, however they were started.
    assert fake_clock.now - 1_000.0 == pytest.approx(1.0)


async def test_global_rate_is_even_with_no_burst(sandbox: BotApiSandbox, bot: Bot) -> None:
    # A stand-in bucket of 3 at 100/s would refuse an initial burst of 100.
    sandbox.enforce(FloodLimits(per_chat_rate=1_000, per_chat_burst=10, global_rate=100, global_burst=3))
    sender = TelegramSender(bot, global_rate=100, per_chat_rate=1_000)
    messages = [OutgoingMessage(sandbox.new_user_id(), "全體公告 Announcement") for _ in range(41)]
    started = time.monotonic()
    results = await sender.send_many(messages, concurrency=50)
    elapsed = time.monotonic() - started
    assert [r.status for r in results] == ["sent"] * 41
    assert elapsed >= 0.38  # 40 gaps of 10 ms
    assert sandbox.too_many_requests == 0


async def test_429_is_waited_out_then_sent(sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock) -> None:
    sender = sender_for(bot, fake_clock)
    chat = sandbox.new_user_id()
    sandbox.inject_429(chat, retry_after=3)
    result = await sender.send(chat, "繳費提醒")
    assert (result.status, result.attempts, result.message_id) == ("sent", 2, 1)
    assert fake_clock.sleeps == [3.0]
    assert sandbox.calls["sendMessage"] == 2 and len(sandbox.sent(chat)) == 1


async def test_429_beyond_the_retries_is_retry_later(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock, max_retries=2)
    chat = sandbox.new_user_id()
    sandbox.inject_429(chat, retry_after=2, times=5)
    result = await sender.send(chat, "繳費提醒")
    assert (result.status, result.attempts) == ("retry_later", 3)
    assert result.retry_at == NOW + timedelta(seconds=2)
    assert result.error is not None and "Too Many Requests: retry after 2" in result.error
    assert fake_clock.sleeps == [2.0, 2.0]


async def test_a_long_flood_wait_is_not_waited_inline(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock, max_retry_after=60)
    chat = sandbox.new_user_id()
    sandbox.inject_429(chat, retry_after=600)
    result = await sender.send(chat, "公告")
    assert (result.status, result.attempts, result.retry_at) == (
        "retry_later",
        1,
        NOW + timedelta(seconds=600),
    )
    assert fake_clock.sleeps == []
    # The chat stays quiet for the flood wait.
    assert (await sender.send(chat, "公告")).status == "sent"
    assert fake_clock.sleeps == [600.0]


async def test_blocked_user_is_not_retried(sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock) -> None:
    sender = sender_for(bot, fake_clock)
    chat = sandbox.new_user_id()
    sandbox.block(chat)
    result = await sender.send(chat, "截止提醒")
    assert (result.status, result.attempts, result.message_id) == ("blocked", 1, None)
    assert result.error == "Forbidden: bot was blocked by the user"
    assert sandbox.calls["sendMessage"] == 1 and fake_clock.sleeps == []


async def test_bad_request_is_failed_at_once(sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock) -> None:
    sender = sender_for(bot, fake_clock)
    result = await sender.send(sandbox.new_user_id(), "   ")
    assert (result.status, result.attempts, result.error) == (
        "failed",
        1,
        "Bad Request: message text is empty",
    )


async def test_server_errors_back_off_then_succeed(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock, per_chat_rate=1_000)
    chat = sandbox.new_user_id()
    sandbox.inject_error(502, chat_id=chat, times=2)
    result = await sender.send(chat, "公告")
    assert (result.status, result.attempts) == ("sent", 3)
    assert fake_clock.sleeps == [0.5, 1.0]
    assert len(sandbox.sent(chat)) == 1


async def test_server_errors_beyond_the_retries_are_retry_later(
    sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock
) -> None:
    sender = sender_for(bot, fake_clock, per_chat_rate=1_000, max_retries=3, max_backoff=1.5)
    chat = sandbox.new_user_id()
    sandbox.inject_error(500, chat_id=chat, times=10)
    result = await sender.send(chat, "公告")
    assert (result.status, result.attempts) == ("retry_later", 4)
    assert fake_clock.sleeps == [0.5, 1.0, 1.5]
    assert result.retry_at == NOW + timedelta(seconds=1.5)


async def test_network_failure_is_retry_later(
    other_bot: Callable[[str, str], Bot], fake_clock: FakeClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    sender = sender_for(other_bot(f"http://127.0.0.1:{dead_port}", "42:TEST"), fake_clock, max_retries=1)
    result = await sender.send(5_123_456_789, "公告")
    assert (result.status, result.attempts) == ("retry_later", 2)
    assert result.error is not None and "Cannot connect" in result.error


async def test_send_many_keeps_input_order(sandbox: BotApiSandbox, bot: Bot, fake_clock: FakeClock) -> None:
    sender = sender_for(bot, fake_clock)
    ok, blocked = sandbox.new_user_id(), sandbox.new_user_id()
    sandbox.block(blocked)
    messages = [
        OutgoingMessage(ok, "一"),
        OutgoingMessage(blocked, "二"),
        OutgoingMessage(ok, "三", options={"parse_mode": "HTML"}),
    ]
    results = await sender.send_many(messages, concurrency=3)
    assert [r.status for r in results] == ["sent", "blocked", "sent"]
    assert [m["text"] for m in sandbox.sent(ok)] == ["一", "三"]
    assert await sender.send_many([]) == []
