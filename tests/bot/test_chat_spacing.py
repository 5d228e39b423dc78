"""ChatSpacing on a fake clock: one message at a time per chat, spaced when it leaves, and a bounded table."""

from __future__ import annotations

import asyncio

import pytest

from bot.sender import ChatSpacing
from tests.bot.fakes import FakeClock


async def send(spacing: ChatSpacing, chat: int, log: list[tuple[int, float]], clock: FakeClock) -> None:
    async with spacing.turn(chat) as turn:
        await turn.wait()
        turn.mark()
        log.append((chat, clock.now))


async def test_messages_to_one_chat_leave_an_interval_apart() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(1.0, clock, clock.sleep)
    log: list[tuple[int, float]] = []
    for chat in (7, 7, 7, 8):
        await send(spacing, chat, log, clock)
    assert log == [(7, 1000.0), (7, 1001.0), (7, 1002.0), (8, 1002.0)]


async def test_concurrent_messages_to_one_chat_go_one_at_a_time_in_order() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(0.5, clock, clock.sleep)
    log: list[tuple[int, float]] = []

    async def numbered(n: int) -> None:
        async with spacing.turn(7) as turn:
            await turn.wait()
            turn.mark()
            log.append((n, clock.now))
            await asyncio.sleep(0)  # others get a chance to barge in, and must not

    await asyncio.gather(*(numbered(n) for n in range(4)))
    assert log == [(0, 1000.0), (1, 1000.5), (2, 1001.0), (3, 1001.5)]


async def test_spacing_counts_from_when_the_message_left() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(1.0, clock, clock.sleep)
    async with spacing.turn(7) as turn:
        await turn.wait()
        clock.now += 5  # held up elsewhere (the global limiter) before leaving
        turn.mark()
    async with spacing.turn(7) as turn:
        await turn.wait()
    assert clock.sleeps == [1.0]


async def test_hold_delays_the_next_message_and_never_shortens_a_wait() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(1.0, clock, clock.sleep)
    async with spacing.turn(7) as turn:
        turn.mark()
        turn.hold(5.0)
        turn.hold(0.5)
    async with spacing.turn(7) as turn:
        await turn.wait()
    assert clock.sleeps == [5.0]


async def test_chats_with_nothing_pending_are_forgotten() -> None:
    clock = FakeClock()
    spacing = ChatSpacing(1.0, clock, clock.sleep)
    log: list[tuple[int, float]] = []
    for chat in range(5_000):
        clock.now += 0.01
        await send(spacing, chat, log, clock)
        assert len(spacing) <= 1025
    # A chat from the last second is still constrained.
    await send(spacing, 4_990, log, clock)
    assert clock.sleeps == [pytest.approx(0.91)]
