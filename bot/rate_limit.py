"""The overall send rate, shared by every `assistant serve` process of one bot when Redis is configured.

Several workers behind one webhook each hold a sender; with a limiter per process, N workers would let N x 30
messages a second out. With REDIS_URL set, each message instead reserves the next free slot of the bot's one
schedule in Redis (the generic cell rate algorithm: one key holding the time the next slot opens) and waits for
it: an even stream with no burst, as the in-process aiolimiter gives one worker.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from aiolimiter import AsyncLimiter

if TYPE_CHECKING:  # imported by the caller only when Redis is configured (the module costs 5 MB of memory)
    from redis.asyncio import Redis

# Reserve the next slot: returns how many microseconds the caller waits for it. Redis's own clock is used, so
# the workers' clocks need not agree; the key expires once its schedule is in the past.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local next_slot = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', next_slot), 'PX', math.ceil((next_slot - now) / 1000) + 1000)
return slot - now
"""


class RateLimiter(Protocol):
    """Waits until the caller may send one message."""

    async def acquire(self) -> None: ...


class RedisRateLimiter:
    """`rate` messages per second across every process that uses the same Redis `key`."""

    def __init__(self, redis: Redis, key: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._reserve = redis.register_script(_RESERVE)
        self._key = key
        self._interval_us = max(1, round(1_000_000 / rate))

    async def acquire(self) -> None:
        """Reserve the next slot and sleep until it opens (a cancelled wait gives its slot up unused)."""
        wait_us = int(await self._reserve(keys=[self._key], args=[self._interval_us]))
        if wait_us > 0:
            await asyncio.sleep(wait_us / 1_000_000)


def local_limiter(rate: float) -> AsyncLimiter:
    """`rate` messages per second in this process: one slot per 1/rate s (AsyncLimiter(rate, 1) would let
    `rate` messages out at once)."""
    return AsyncLimiter(1, 1 / rate)
