"""The send rate shared through Redis by several bot processes (bot/rate_limit.py), on a real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.rate_limit import RedisRateLimiter
from tests.conftest import REDIS_URL, require_redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    await require_redis(client)
    yield client
    await client.aclose()


async def _send_times(limiters: list[RedisRateLimiter], each: int) -> list[float]:
    times: list[float] = []

    async def worker(limiter: RedisRateLimiter) -> None:
        for _ in range(each):
            await limiter.acquire()
            times.append(time.monotonic())

    await asyncio.gather(*(worker(limiter) for limiter in limiters))
    return sorted(times)


async def test_two_workers_share_one_rate(redis: Redis) -> None:
    """Two processes' limiters on one key: together an even 50/s, not 50/s each."""
    key = f"test:{uuid.uuid4().hex}"
    other = Redis.from_url(REDIS_URL)  # the second process's own connection
    start = time.monotonic()
    try:
        times = await _send_times([RedisRateLimiter(redis, key, 50), RedisRateLimiter(other, key, 50)], 15)
    finally:
        await other.aclose()
    elapsed = times[-1] - start
    assert elapsed >= 29 / 50 * 0.95, elapsed  # 30 slots 20 ms apart, the first at once
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.02 * 0.6, min(gaps)  # no burst: slots stay spaced (timer jitter allowed)
    assert await redis.pttl(key) > 0  # the schedule expires by itself once it is in the past


async def test_separate_bots_do_not_slow_each_other(redis: Redis) -> None:
    start = time.monotonic()
    await _send_times([RedisRateLimiter(redis, f"test:{uuid.uuid4().hex}", 20) for _ in range(2)], 5)
    assert time.monotonic() - start < 4 / 20 * 1.8  # each key at its own 20/s: 5 slots take 0.2 s, not 0.45 s


def test_rate_must_be_positive(redis: Redis) -> None:
    with pytest.raises(ValueError, match="positive"):
        RedisRateLimiter(redis, "test:x", 0)
