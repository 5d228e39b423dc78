"""Keeps aiogram's parametrised response models alive for the life of the bot.

aiogram validates every Bot API reply with ``Response[method.__returning__]``. pydantic caches such
parametrised models in a WeakValueDictionary, and nothing else holds them, so the garbage collector drops them
within moments and the next reply rebuilds the model: about 4 ms of CPU each time, more than handling the
update itself. This request middleware holds one strong reference per return type the bot has used.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class KeepResponseModels(BaseRequestMiddleware):
    """Registered on the bot's session by `build_bot`."""

    def __init__(self) -> None:
        self.models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.models:
            self.models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
