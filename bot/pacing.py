"""Direct replies share the sender's global rate limit and survive a 429, like outbox messages do.

Handlers answer with `message.answer(...)`; this request middleware on the bot's session makes those calls
take a slot from the same limiter as `TelegramSender` (so the bot never exceeds the overall rate), and waits
`retry_after` and retries when Telegram says 429. Calls made by the sender itself are left alone: it paces
and retries them already.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.rate_limit import RateLimiter

SENDER_CALL: ContextVar[bool] = ContextVar("sender_call", default=False)
PACED = (SendMessage, EditMessageText, EditMessageReplyMarkup)


def _paced(method: TelegramMethod[Any]) -> bool:
    # A function rather than an inline isinstance: narrowing `method` would lose its TelegramType.
    return not SENDER_CALL.get() and isinstance(method, PACED)


class DirectReplyPacing(BaseRequestMiddleware):
    """Global rate limit and 429 handling for messages sent outside the outbox."""

    def __init__(self, limiter: RateLimiter, max_retries: int = 3, max_retry_after: float = 60.0) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if not _paced(method):
            return await make_request(bot, method)
        attempt = 0
        while True:
            attempt += 1
            await self.limiter.acquire()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt > self.max_retries or error.retry_after > self.max_retry_after:
                    raise
                await asyncio.sleep(error.retry_after)

