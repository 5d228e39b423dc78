"""aiogram's own Dispatcher against the stand-in: long polling and webhook delivery, end to end over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.sandbox import BotApiSandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")


def echo_router(seen: list[tuple[int, str]]) -> Router:
    """Records each message as it is handled (before any await) and echoes it."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        seen.append((message.chat.id, message.text or ""))
        await message.answer(f"echo: {message.text}")

    return router


@asynccontextmanager
async def polling(bot: Bot, *routers: Router) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher()
    dispatcher.include_routers(*routers)
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        yield dispatcher
    finally:
        await dispatcher.stop_polling()
        await task


async def test_polling_gets_each_update_once_in_order(sandbox: BotApiSandbox, bot: Bot) -> None:
    alice, bob = sandbox.new_user_id(), sandbox.new_user_id()
    pushed = [(alice if i % 3 else bob, f"問題 {i}") for i in range(12)]
    seen: list[tuple[int, str]] = []
    async with polling(bot, echo_router(seen)):
        for user, text in pushed[:6]:
            sandbox.push_message(user, text)
        await sandbox.wait_until(lambda: len(seen) == 6)
        # Pushed while the bot is already long-polling.
        for user, text in pushed[6:]:
            sandbox.push_message(user, text)
        for user in (alice, bob):
            expected = [f"echo: {text}" for u, text in pushed if u == user]
            replies = await sandbox.wait_for_sent(user, len(expected))
            assert sorted(m["text"] for m in replies) == sorted(expected)
        assert await sandbox.wait_until(lambda: sandbox.pending_update_count == 0)
    assert seen == pushed
    assert len(sandbox.all_sent()) == len(pushed)
    assert sandbox.calls["getMe"] == 1 and sandbox.calls["getUpdates"] >= 2


async def test_callback_query_is_answered_and_edits_the_message(sandbox: BotApiSandbox, bot: Bot) -> None:
    router = Router()

    @router.message(F.text == "/menu")
    async def menu(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="碩士在職專班", callback_data="round:emba")]]
        )
        await message.answer("請選擇招生梯次 Choose a round", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("round:"))
    async def pick(query: CallbackQuery) -> None:
        await query.answer("已選擇 Selected")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"梯次 Round: {query.data}")

    user = sandbox.new_user_id()
    async with polling(bot, router):
        sandbox.push_message(user, "/menu")
        [shown] = await sandbox.wait_for_sent(user, 1)
        update = sandbox.push_callback(user, "round:emba", shown["message_id"])
        query_id = update["callback_query"]["id"]
        assert await sandbox.wait_until(lambda: sandbox.sent(user)[0]["text"] == "梯次 Round: round:emba")
    assert sandbox.callback_answers[query_id] == {"text": "已選擇 Selected", "show_alert": False}
    assert "reply_markup" not in sandbox.sent(user)[0]


async def test_blocking_reaches_the_bot_and_sending_then_fails(sandbox: BotApiSandbox, bot: Bot) -> None:
    router = Router()
    statuses: list[str] = []

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        statuses.append(update.new_chat_member.status)

    user = sandbox.new_user_id()
    async with polling(bot, router):
        sandbox.push_my_chat_member(user, blocked=True)
        assert await sandbox.wait_until(lambda: statuses == ["kicked"])
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(user, "提醒 Reminder")
        sandbox.push_my_chat_member(user, blocked=False)
        assert await sandbox.wait_until(lambda: statuses == ["kicked", "member"])
    await bot.send_message(user, "歡迎回來 Welcome back")


async def test_webhook_delivery_with_secret_and_retry(sandbox: BotApiSandbox, bot: Bot) -> None:
    seen: list[tuple[int, str]] = []
    dispatcher = Dispatcher()
    dispatcher.include_router(echo_router(seen))
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="right-secret").register(app, path="/telegram")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
    user = sandbox.new_user_id()
    try:
        await bot.set_webhook(url, secret_token="wrong-secret")
        sandbox.push_message(user, "你好")
        assert await sandbox.wait_until(lambda: sandbox.last_webhook_error is not None)
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
        assert info.pending_update_count == 1
        # Telegram keeps retrying; with the right secret the same update gets through once.
        await bot.set_webhook(url, secret_token="right-secret")
        await sandbox.wait_for_sent(user, 1)
        assert seen == [(user, "你好")]
        assert await sandbox.wait_until(lambda: sandbox.pending_update_count == 0)
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_webhook_may_answer_with_a_method_call(sandbox: BotApiSandbox, bot: Bot) -> None:
    router = Router()

    @router.message(F.text)
    async def reply_in_response(message: Message) -> SendMessage:
        return message.answer(f"收到 {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(app, path="/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    user = sandbox.new_user_id()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        sandbox.push_message(user, "報名序號")
        [reply] = await sandbox.wait_for_sent(user, 1)
        assert reply["text"] == "收到 報名序號"
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


@pytest.mark.parametrize("connections", [1, 4])
async def test_webhook_delivery_is_concurrent_but_ordered_per_chat(
    sandbox: BotApiSandbox, bot: Bot, connections: int
) -> None:
    """Up to max_connections updates are in flight at once; a chat's next update waits for the previous one."""
    in_flight: list[int] = []  # chat ids of the updates being handled now
    most = 0
    order: list[tuple[int, str]] = []
    peers: set[object] = set()

    async def hook(request: web.Request) -> web.Response:
        nonlocal most
        update = await request.json()
        chat, text = update["message"]["chat"]["id"], update["message"]["text"]
        assert chat not in in_flight, "two updates of one chat delivered at once"
        in_flight.append(chat)
        most = max(most, len(in_flight))
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        await asyncio.sleep(0.05)  # the bot handling it before answering
        order.append((chat, text))
        in_flight.remove(chat)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    users = [sandbox.new_user_id() for _ in range(6)]
    try:
        for n in range(3):
            for user in users:
                sandbox.push_message(user, f"第{n}則")
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", max_connections=connections)
        assert (await bot.get_webhook_info()).max_connections == connections
        assert await sandbox.wait_until(lambda: sandbox.pending_update_count == 0, timeout=10)
        assert most == connections
        assert len(peers) >= connections  # a TCP connection per update in flight
        for user in users:
            assert [text for chat, text in order if chat == user] == ["第0則", "第1則", "第2則"]
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_webhook_max_connections_out_of_range_is_refused(sandbox: BotApiSandbox, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="max_connections"):
        await bot.set_webhook("http://127.0.0.1:9/hook", max_connections=101)
