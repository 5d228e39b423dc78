"""The bot's composition: Bot and Dispatcher, routers in order, middlewares, commands menu."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.token import TokenValidationError, validate_token

from bot.deps import BotDeps
from bot.filters import PrivateChat
from bot.middlewares import ConcurrencyLimit, UpdateContextMiddleware
from bot.response_types import KeepResponseModels
from bot.routers import faq, login, membership, recommenders, reminders, serial, staff, start, status

PUBLIC_COMMANDS = {
    "zh": [("start", "開始"), ("serial", "查詢報名序號"), ("login", "綁定報名資料"), ("status", "繳費與上傳狀態"),
           ("recommenders", "推薦人"), ("reminders", "期限提醒開關"), ("lang", "English"), ("logout", "解除綁定"),
           ("help", "說明")],
    "en": [("start", "Start"), ("serial", "Find my serial number"), ("login", "Link my registration"),
           ("status", "Payment and uploads"), ("recommenders", "Recommenders"), ("reminders", "Deadline reminders"),
           ("lang", "中文"), ("logout", "Unlink"), ("help", "Help")],
}  # fmt: skip
STAFF_COMMANDS = [("broadcast", "發送公告 / announce"), ("broadcast_status", "公告狀況 / delivery"),
                  ("handoffs", "待回覆問題 / open questions"), ("stats", "統計 / statistics")]  # fmt: skip


def valid_token(token: str) -> bool:
    """Whether `token` has the form BotFather gives (digits:secret)."""
    try:
        validate_token(token)
    except TokenValidationError:
        return False
    return True


def build_bot(token: str, api_base: str | None = None) -> Bot:
    """A Bot talking to Telegram, or to another Bot API server (self-hosted, or the local stand-in)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    session.middleware(KeepResponseModels())
    return Bot(token, session=session)


def build_dispatcher(deps: BotDeps, storage: BaseStorage, concurrency: int | None = None) -> Dispatcher:
    """Routers in order: free-text questions outside a conversation (the commonest update) first, then staff,
    then the applicant features (private chats only), the remaining free text last. `concurrency` bounds the
    updates handled at once (webhook mode; aiogram's polling bounds them itself)."""
    dp = Dispatcher(storage=storage, deps=deps, disable_fsm=True)
    if concurrency:
        dp.update.outer_middleware(ConcurrencyLimit(concurrency))  # first: before any store or Redis work
    dp.update.outer_middleware(UpdateContextMiddleware(deps, dp.fsm))
    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())
    private.include_routers(start.build(), serial.build(), login.build(), status.build(), recommenders.build(),
                            reminders.build(), faq.build())  # fmt: skip
    dp.include_routers(faq.build_questions(), membership.build(), staff.build(), private)
    return dp


async def set_commands(bot: Bot, staff_ids: frozenset[int]) -> None:
    """The command menu: public commands per language; staff chats also see the staff commands."""
    for lang, commands in PUBLIC_COMMANDS.items():
        await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in commands],
                                  scope=BotCommandScopeDefault(), language_code=None if lang == "zh" else lang)  # fmt: skip
    staff_menu = [BotCommand(command=c, description=d) for c, d in PUBLIC_COMMANDS["zh"] + STAFF_COMMANDS]
    for user_id in staff_ids:
        await bot.set_my_commands(staff_menu, scope=BotCommandScopeChat(chat_id=user_id))
