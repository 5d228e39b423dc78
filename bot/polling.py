"""A short pause before each getUpdates call, so that under load one call brings several updates.

A busy bot's long poll returns as soon as one update waits. On a fast link each call then carries a single
update and pays on its own for the request, the parsing of the reply and the store round trips, which group
loading (workflows/batching.py) shares only within a batch. Waiting a few milliseconds first lets the updates
of that moment arrive together. An update that comes during the pause waits for it; an idle bot spends its
time in the long poll, not here. Measured in bench/bot.py, see docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType


class PollPause(BaseRequestMiddleware):
    """Sleeps `seconds` before every getUpdates request of the bot's session (0: no pause)."""

    def __init__(self, seconds: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.seconds = seconds
        self._sleep = sleep

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if self.seconds > 0 and isinstance(method, GetUpdates):
            await self._sleep(self.seconds)
        return await make_request(bot, method)
