"""Per-update context: the chat's language and settings, loaded once and handed to handlers as `lang`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.deps import BotDeps
from workflows.chats import touch_chat


class ChatSettingsMiddleware(BaseMiddleware):
    """Adds `lang` and `chat` (ChatInfo) for private messages and button presses."""

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else event
        user = getattr(event, "from_user", None)
        if isinstance(message, Message) and user is not None and message.chat.type == "private":
            chat = await touch_chat(self.deps.ctx, message.chat.id, user.id, user.language_code)
            data["chat"], data["lang"] = chat, chat.language
        else:
            data["lang"] = "en" if user and (user.language_code or "").startswith("en") else "zh"
        state = data.get("state")
        if isinstance(event, Message) and isinstance(state, FSMContext) and _starts_afresh(event.text):
            # A new command ends any half-finished conversation: a later answer must not be taken as, say, an ID.
            await state.clear()
        return await handler(event, data)


def _starts_afresh(text: str | None) -> bool:
    return text is not None and text.startswith("/") and not text.startswith("/cancel")
