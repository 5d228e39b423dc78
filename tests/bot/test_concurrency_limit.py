"""ConcurrencyLimit: a burst of webhook updates is handled at most `limit` at a time, and every one is handled."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import Update

from bot.middlewares import ConcurrencyLimit


async def test_at_most_limit_at_once_and_all_handled() -> None:
    running = 0
    most = 0
    handled: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        handled.append(event.update_id)
        return int(event.update_id)

    limit = ConcurrencyLimit(3)
    results = await asyncio.gather(*(limit(handler, Update(update_id=n), {}) for n in range(20)))
    assert most == 3
    assert sorted(handled) == list(range(20))
    assert results == list(range(20))
