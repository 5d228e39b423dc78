"""/start, /help, /lang, /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.deps import BotDeps
from bot.texts import t
from workflows.chats import set_language


async def start(message: Message, deps: BotDeps, lang: str) -> None:
    await message.answer(t(lang, "start"))
    if message.from_user and deps.is_staff(message.from_user.id):
        await message.answer(t(lang, "staff_help"))


async def help_(message: Message, deps: BotDeps, lang: str) -> None:
    await message.answer(t(lang, "help"))
    if message.from_user and deps.is_staff(message.from_user.id):
        await message.answer(t(lang, "staff_help"))


async def switch_language(message: Message, command: CommandObject, deps: BotDeps, lang: str) -> None:
    wanted = (command.args or "").strip().lower()
    new = "en" if wanted.startswith("en") else "zh" if wanted.startswith(("zh", "中")) else ("en" if lang == "zh" else "zh")
    await set_language(deps.ctx, message.chat.id, new)
    await message.answer(t(new, "lang_set"))


async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(t(lang, "cancelled" if had else "nothing_to_cancel"))

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(switch_language, Command("lang"))
    router.message.register(cancel, Command("cancel"))
    return router
