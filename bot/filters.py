"""The bot's handler filters, all coroutines.

aiogram runs a synchronous filter (a magic filter such as ``F.text``, or a bare ``State``) in a worker thread
through ``asyncio.to_thread``: one thread hand-off per filter per update, which cost more CPU than answering
the question did. These filters, and ``StateFilter`` for states, run on the event loop.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.deps import BotDeps


class PrivateChat(Filter):
    """A message or button press in a one-to-one chat with the bot."""

    async def __call__(self, event: TelegramObject) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        return isinstance(message, Message) and message.chat.type == "private"


class PlainText(Filter):
    """A text message that is not a command: a question, or the answer to the step the bot asked for."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and not message.text.startswith("/")


class SlashCommand(Filter):
    """Any text starting with "/" (the commands no handler took)."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.text.startswith("/")


class ReplyText(Filter):
    """A text message written as a reply to another message."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.reply_to_message is not None


class IsStaff(Filter):
    """Passes for the office's Telegram accounts only."""

    async def __call__(self, event: TelegramObject, deps: BotDeps, **_: Any) -> bool:
        user = getattr(event, "from_user", None)
        return deps.is_staff(user.id if user else None)


class InStaffChat(Filter):
    """Passes for messages in the configured staff chat."""

    async def __call__(self, message: Message, deps: BotDeps, **_: Any) -> bool:
        return deps.staff_chat_id is not None and message.chat.id == deps.staff_chat_id
