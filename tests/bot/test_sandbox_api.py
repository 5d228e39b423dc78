"""The Bot API stand-in over real HTTP: through aiogram's own session, and raw where aiogram cannot go."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.sandbox import BotApiSandbox, FloodLimits

pytestmark = pytest.mark.asyncio(loop_scope="module")

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="查詢 Status", callback_data="st")]]
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox, method: str, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """One raw form-encoded POST, as aiogram sends it (nested values JSON-encoded)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"{sandbox.base_url}/bot{token or sandbox.token}/{method}"
    async with http.post(url, data=form) as response:
        return response.status, await response.json()


async def test_get_me_describes_the_bot(sandbox: BotApiSandbox, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == bot.id and me.username == "admissions_sandbox_bot"
    assert sandbox.calls["getMe"] == 1


async def test_wrong_token_is_401(
    sandbox: BotApiSandbox, other_bot: Callable[[str, str], Bot], http: aiohttp.ClientSession
) -> None:
    with pytest.raises(TelegramUnauthorizedError):
        await other_bot(sandbox.base_url, "42:WRONG").get_me()
    status, body = await call(http, sandbox, "getMe", token="42:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_404_and_names_are_case_insensitive(
    sandbox: BotApiSandbox, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, sandbox, "sendTelepathy", chat_id=1, text="hi")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await call(http, sandbox, "getme")
    assert status == 200 and body["result"]["is_bot"] is True


async def test_get_and_json_bodies_are_accepted(sandbox: BotApiSandbox, http: aiohttp.ClientSession) -> None:
    url = f"{sandbox.base_url}/bot{sandbox.token}/sendMessage"
    async with http.get(url, params={"chat_id": "5123456789", "text": "via GET"}) as response:
        assert response.status == 200
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with http.post(
        url, json={"chat_id": 5123456789, "text": "via JSON", "reply_markup": markup}
    ) as response:
        assert (await response.json())["result"]["reply_markup"] == markup
    assert [m["text"] for m in sandbox.sent(5123456789)] == ["via GET", "via JSON"]


async def test_get_updates_honours_offset_and_limit(sandbox: BotApiSandbox, bot: Bot) -> None:
    user = sandbox.new_user_id()
    pushed = [sandbox.push_message(user, f"第{i}則")["update_id"] for i in range(4)]
    assert pushed == sorted(pushed) and len(str(user)) == 10
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == pushed[:2]
    assert [u.message.text for u in first if u.message] == ["第0則", "第1則"]
    # The offset confirms everything before it: those updates are gone for good.
    rest = await bot.get_updates(offset=pushed[2])
    assert [u.update_id for u in rest] == pushed[2:]
    assert [u.update_id for u in await bot.get_updates()] == pushed[2:]
    assert await bot.get_updates(offset=pushed[-1] + 1) == []
    assert sandbox.pending_update_count == 0


async def test_negative_offset_keeps_only_the_last_updates(sandbox: BotApiSandbox, bot: Bot) -> None:
    user = sandbox.new_user_id()
    pushed = [sandbox.push_message(user, str(i))["update_id"] for i in range(5)]
    assert [u.update_id for u in await bot.get_updates(offset=-2)] == pushed[-2:]


async def test_long_poll_returns_as_soon_as_an_update_arrives(sandbox: BotApiSandbox, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await sandbox.wait_until(lambda: sandbox.calls["getUpdates"] == 1)
    started = time.monotonic()
    sandbox.push_message(sandbox.new_user_id(), "你好")
    updates = await poll
    assert [u.message.text for u in updates if u.message] == ["你好"]
    assert time.monotonic() - started < 1.0


async def test_long_poll_times_out_empty(sandbox: BotApiSandbox, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    status, body = await call(http, sandbox, "getUpdates", timeout="0.2")
    assert (status, body) == (200, {"ok": True, "result": []})
    assert time.monotonic() - started >= 0.2


async def test_a_second_get_updates_ends_the_first_with_409(
    sandbox: BotApiSandbox, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(call(http, sandbox, "getUpdates", timeout=5))
    await sandbox.wait_until(lambda: sandbox.calls["getUpdates"] == 1)
    second = asyncio.create_task(call(http, sandbox, "getUpdates", timeout="0.1"))
    status, body = await first
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")
    assert (await second)[0] == 200


async def test_messages_get_per_chat_ids_and_replies(sandbox: BotApiSandbox, bot: Bot) -> None:
    alice, bob = sandbox.new_user_id(), sandbox.new_user_id()
    question = sandbox.push_message(alice, "報名費多少？")["message"]
    first = await bot.send_message(alice, "1,100 元", reply_to_message_id=question["message_id"])
    second = await bot.send_message(alice, "還有問題嗎？", reply_markup=KEYBOARD)
    other = await bot.send_message(bob, "Hello")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 1)
    assert first.reply_to_message is not None and first.reply_to_message.text == "報名費多少？"
    assert first.from_user is not None and first.from_user.id == bot.id
    assert second.reply_markup is not None
    assert second.reply_markup.inline_keyboard[0][0].callback_data == "st"
    assert [m["text"] for m in sandbox.sent(alice)] == ["1,100 元", "還有問題嗎？"]
    assert [m["text"] for m in sandbox.all_sent()] == ["1,100 元", "還有問題嗎？", "Hello"]
    assert sandbox.sent_total == 3
    assert [m["text"] for m in sandbox.sent_since(1)] == ["還有問題嗎？", "Hello"]
    await bot.delete_message(alice, second.message_id)
    assert [m["text"] for m in sandbox.sent_since(1)] == ["Hello"]  # a deleted message is gone from the cursor too
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(alice, "x", reply_to_message_id=99)


async def test_users_reply_to_the_bot_and_write_in_groups(sandbox: BotApiSandbox, bot: Bot) -> None:
    user = sandbox.new_user_id()
    asked = await bot.send_message(user, "請輸入出生年月 Enter your birth year and month")
    reply = sandbox.push_message(user, "1990/05", reply_to_message_id=asked.message_id)["message"]
    assert reply["message_id"] == asked.message_id + 1
    assert reply["reply_to_message"]["text"] == "請輸入出生年月 Enter your birth year and month"
    group = -1001234567890
    update = sandbox.push_message(user, "/handoff@admissions_sandbox_bot", chat_id=group)
    [received] = await bot.get_updates(offset=update["update_id"])
    assert received.message is not None and received.message.chat.type == "supergroup"
    assert received.message.from_user is not None and received.message.from_user.id == user
    assert received.message.entities is not None and received.message.entities[0].type == "bot_command"
    await bot.send_message(group, "已轉交承辦人 Handed over to staff")
    assert [m["text"] for m in sandbox.sent(group)] == ["已轉交承辦人 Handed over to staff"]


async def test_text_rules(sandbox: BotApiSandbox, bot: Bot) -> None:
    chat = sandbox.new_user_id()
    message = await bot.send_message(chat, "<b>報名序號</b> MD0026 &amp; more", parse_mode="HTML")
    assert message.text == "報名序號 MD0026 & more"
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat, " ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat, "字" * 4097)
    await bot.send_message(chat, "字" * 4096)


async def test_edits_and_deletes_show_in_sent(sandbox: BotApiSandbox, bot: Bot) -> None:
    chat = sandbox.new_user_id()
    kept = await bot.send_message(chat, "處理中…", reply_markup=KEYBOARD)
    gone = await bot.send_message(chat, "暫時訊息")
    edited = await bot.edit_message_text("已完成", chat_id=chat, message_id=kept.message_id)
    assert not isinstance(edited, bool) and edited.text == "已完成" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("已完成", chat_id=chat, message_id=kept.message_id)
    await bot.edit_message_reply_markup(chat_id=chat, message_id=kept.message_id, reply_markup=KEYBOARD)
    assert await bot.delete_message(chat, gone.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(chat, gone.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat, message_id=gone.message_id)
    assert [(m["text"], "reply_markup" in m) for m in sandbox.sent(chat)] == [("已完成", True)]
    # Ids are never reused after a delete.
    assert (await bot.send_message(chat, "next")).message_id == gone.message_id + 1


async def test_commands_per_scope_and_language(sandbox: BotApiSandbox, bot: Bot) -> None:
    zh = [
        BotCommand(command="start", description="開始"),
        BotCommand(command="status", description="報名狀態"),
    ]
    scope = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(zh, scope=scope, language_code="zh")
    got = await bot.get_my_commands(scope=scope, language_code="zh")
    assert [(c.command, c.description) for c in got] == [("start", "開始"), ("status", "報名狀態")]
    assert await bot.get_my_commands(language_code="zh") == []
    assert sandbox.commands("zh", {"type": "all_private_chats"})[1]["description"] == "報名狀態"
    with pytest.raises(TelegramBadRequest, match="language code"):
        await bot.set_my_commands(zh, language_code="zh-hant")
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Status", description="x")])
    assert await bot.delete_my_commands(scope=scope, language_code="zh")
    assert await bot.get_my_commands(scope=scope, language_code="zh") == []


async def test_blocked_chat_is_403(sandbox: BotApiSandbox, bot: Bot) -> None:
    chat = sandbox.new_user_id()
    sandbox.block(chat)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(chat, "提醒")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(chat, "typing")
    sandbox.unblock(chat)
    assert await bot.send_chat_action(chat, "typing") is True
    assert sandbox.sent(chat) == []


async def test_injected_429_carries_retry_after(sandbox: BotApiSandbox, bot: Bot) -> None:
    chat, other = sandbox.new_user_id(), sandbox.new_user_id()
    sandbox.inject_429(chat, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(chat, "公告")
        assert caught.value.retry_after == 7
    await bot.send_message(other, "other chats are not affected")
    await bot.send_message(chat, "公告")
    sandbox.inject_429(None, retry_after=3)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(other, "a global flood wait hits any chat")
    assert sandbox.too_many_requests == 3


async def test_injected_server_error_is_one_off(sandbox: BotApiSandbox, bot: Bot) -> None:
    chat = sandbox.new_user_id()
    sandbox.inject_error(502, chat_id=chat)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(chat, "公告")
    await bot.send_message(chat, "公告")
    assert len(sandbox.sent(chat)) == 1


async def test_get_updates_is_409_while_a_webhook_is_set(sandbox: BotApiSandbox, bot: Bot) -> None:
    # Port 9 (discard) refuses: delivery fails and the update stays pending.
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret-token")
    sandbox.push_message(sandbox.new_user_id(), "hi")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook" and info.pending_update_count == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="not allowed!")


async def test_enforced_limits_answer_429_to_a_burst(sandbox: BotApiSandbox, bot: Bot) -> None:
    sandbox.enforce(FloodLimits(per_chat_rate=1, per_chat_burst=3, global_rate=30, global_burst=5))
    chat = sandbox.new_user_id()
    outcomes = await asyncio.gather(
        *(bot.send_message(chat, f"#{i}") for i in range(6)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, TelegramRetryAfter)]
    assert len(refused) == 3 and all(error.retry_after >= 1 for error in refused)
    assert len(sandbox.sent(chat)) == 3 and sandbox.too_many_requests == 3
    # The overall bucket: 5 at once across chats, then about 30/s.
    many = [sandbox.new_user_id() for _ in range(8)]
    outcomes = await asyncio.gather(*(bot.send_message(c, "全體公告") for c in many), return_exceptions=True)
    assert sum(isinstance(o, TelegramRetryAfter) for o in outcomes) >= 1
