"""/reminders on|off: the chat's choice for deadline reminders (on by default for linked chats)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.deps import BotDeps
from bot.texts import t
from workflows.chats import ChatInfo, set_reminders


async def reminders(message: Message, command: CommandObject, deps: BotDeps, lang: str, chat: ChatInfo) -> None:
    arg = (command.args or "").strip().lower()
    if arg in ("on", "開", "開啟"):
        await set_reminders(deps.ctx, message.chat.id, True)
        await message.answer(t(lang, "reminders_on"))
    elif arg in ("off", "關", "關閉"):
        await set_reminders(deps.ctx, message.chat.id, False)
        await message.answer(t(lang, "reminders_off"))
    else:
        await message.answer(t(lang, "reminders_on" if chat.reminders_enabled else "reminders_off") + "\n"
                             + t(lang, "reminders_usage"))  # fmt: skip

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="reminders")
    router.message.register(reminders, Command("reminders"))
    return router
