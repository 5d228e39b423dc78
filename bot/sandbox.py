"""A local stand-in for the Telegram Bot API, for tests and the terminal shell.

It speaks the real wire protocol over HTTP on loopback, so aiogram reaches it through its normal
``AiohttpSession`` (``TelegramAPIServer.from_base(sandbox.base_url)``) with nothing patched. It keeps
what matters: update offsets and long polling, per-chat message ids, the error envelope, 403 for a
blocked bot, 429 with ``retry_after`` (injected, or enforced like Telegram's flood limits), 409 from
getUpdates while a webhook is set, and webhook delivery (over several connections at once, a chat's updates
in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import math
import random
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    web,
)

JSON = dict[str, Any]
Handler = Callable[["_Params"], Awaitable[Any]]

DEFAULT_TOKEN = "123456789:SANDBOX-token"
# Telegram leaves these out unless allowed_updates names them.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Methods aimed at one chat: injected faults and blocking apply to them.
_CHAT_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendChatAction"}
)
# Methods that count towards the enforced flood limits.
_FLOOD_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TAG = re.compile(r"<[^>]*>")
_SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_MAX_TEXT = 4096


class ApiError(Exception):
    """An error answer, carried out of a method handler and sent as Telegram's error envelope."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> JSON:
        """The JSON body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class FloodLimits:
    """Flood limits the stand-in enforces when asked: token buckets per chat and over all chats.

    The defaults follow the Bot API FAQ: about 1 message/s per chat with short bursts, about 30/s overall.
    """

    per_chat_rate: float = 1.0
    per_chat_burst: float = 3.0
    global_rate: float = 30.0
    global_burst: float = 5.0


class _TokenBucket:
    """Tokens refill at ``rate`` per second up to ``capacity``; each message takes one."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0.0 when one is)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class _Params:
    """Request parameters as Telegram reads them: scalars as text, nested objects JSON-encoded."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def text_of(self, name: str) -> str | None:
        value = self._raw.get(name)
        return None if value is None else str(value)

    def number_of(self, name: str) -> float | None:
        value = self._raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def int_of(self, name: str) -> int | None:
        number = self.number_of(name)
        return None if number is None else int(number)

    def json_of(self, name: str) -> Any:
        value = self._raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def flag(self, name: str) -> bool:
        value = self._raw.get(name)
        return value is True or str(value).lower() == "true"

    def chat_id(self) -> int:
        chat_id = self.int_of("chat_id")
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat_id


def _utf16_len(text: str) -> int:
    # Telegram measures text in UTF-16 code units (an emoji outside the BMP counts twice).
    return len(text.encode("utf-16-le")) // 2


def _visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees: HTML markup removed, as Telegram turns it into entities."""
    if parse_mode and parse_mode.lower() == "html":
        return html.unescape(_TAG.sub("", text))
    return text


def _checked_text(params: _Params) -> str:
    text = _visible_text(params.text_of("text") or "", params.text_of("parse_mode"))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(text) > _MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _api_view(message: JSON) -> JSON:
    """A stored message as the API returns it: only inline keyboards stay attached to a Message."""
    markup = message.get("reply_markup")
    if markup is None or "inline_keyboard" in markup:
        return message
    return {key: value for key, value in message.items() if key != "reply_markup"}


def _set_markup(message: JSON, markup: Any) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


class BotApiSandbox:
    """The Bot API stand-in: an aiohttp server on loopback plus a test API to drive it.

    Use as ``async with BotApiSandbox() as sandbox:`` and point aiogram at ``sandbox.base_url``. The test
    API (``push_message``, ``sent``, ``block``, ``inject_429`` ...) is synchronous except the waits, which
    sleep on a change event, never by polling.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "招生助理 Sandbox",
        bot_username: str = "admissions_sandbox_bot",
        limits: FloodLimits | None = None,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.token = token
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self._port = port
        self._random = random.Random(seed)
        self._configured_limits = limits
        self._change = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}
        self._app = web.Application()
        self._app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.reset()

    def reset(self) -> None:
        """Forget chats, updates, faults, counters, commands and the webhook, and restore the flood limits
        given at construction; the server keeps running."""
        self.calls: Counter[str] = Counter()
        self.too_many_requests = 0
        self.callback_answers: dict[str, JSON] = {}
        self._update_id = self._random.randrange(100_000_000, 900_000_000)
        self._updates: list[JSON] = []
        self._allowed: set[str] | None = None
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._last_message_id: dict[int, int] = {}
        self._sent_order: list[tuple[int, int]] = []
        self._blocked: set[int] = set()
        self._faults: dict[int | None, deque[ApiError]] = {}
        self._open_callbacks: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_backoff = 0.05
        self._poll_generation = 0
        self.enforce(self._configured_limits)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free one)."""
        self._closing = False
        self._runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self._port).start()
        self._port = self._runner.addresses[0][1]
        self._http = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        """End open long polls and webhook delivery, then close the server."""
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The server's base URL, for ``TelegramAPIServer.from_base``."""
        if self._runner is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self._port}"

    # -- test API: what users do ---------------------------------------------------------------------

    def new_user_id(self) -> int:
        """A fresh, realistic (10-digit) Telegram user id."""
        while (user_id := self._random.randrange(5_000_000_000, 8_000_000_000)) in self._users:
            pass
        return user_id

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "zh-hant",
        first_name: str = "測試用戶",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """A user writes ``text`` (in their private chat, or in group ``chat_id``); returns the update."""
        user = self._remember_user(user_id, first_name, language_code, username)
        chat = self._chat(user_id if chat_id is None else chat_id)
        message = self._new_message(chat, user, text, reply_to_message_id)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._push("message", message)

    def push_callback(self, user_id: int, data: str, message_id: int, *, chat_id: int | None = None) -> JSON:
        """A user presses an inline button with ``data`` under message ``message_id``; returns the update."""
        user = self._remember_user(user_id, "測試用戶", "zh-hant", None)
        chat_key = user_id if chat_id is None else chat_id
        message = self._messages.get(chat_key, {}).get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_key}")
        query_id = str(self._random.getrandbits(63))
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": _api_view(message),
            "chat_instance": str(chat_key ^ 0x5DEECE66D),
            "data": data,
        }
        return self._push("callback_query", query)

    def push_my_chat_member(self, user_id: int, blocked: bool) -> JSON:
        """A user blocks (or unblocks) the bot: Telegram's private-chat ``my_chat_member`` update."""
        user = self._remember_user(user_id, "測試用戶", "zh-hant", None)
        chat = self._chat(user_id)
        if blocked:
            self.block(user_id)
        else:
            self.unblock(user_id)
        member = {"status": "member", "user": self.bot_user}
        kicked = {"status": "kicked", "user": self.bot_user, "until_date": 0}
        return self._push(
            "my_chat_member",
            {
                "chat": chat,
                "from": user,
                "date": int(time.time()),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    def block(self, chat_id: int) -> None:
        """From now on, calls aimed at ``chat_id`` answer 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`."""
        self._blocked.discard(chat_id)

    # -- test API: faults and limits -------------------------------------------------------------------

    def inject_429(self, chat_id: int | None, retry_after: int = 5, times: int = 1) -> None:
        """The next ``times`` calls aimed at ``chat_id`` (any chat when None) answer 429 with ``retry_after``."""
        self._queue_fault(chat_id, _too_many_requests(retry_after), times)

    def inject_error(self, status: int = 500, *, chat_id: int | None = None, times: int = 1) -> None:
        """The next ``times`` calls aimed at ``chat_id`` (any chat when None) answer a 5xx error."""
        self._queue_fault(
            chat_id, ApiError(status, _SERVER_ERRORS.get(status, "Internal Server Error")), times
        )

    def enforce(self, limits: FloodLimits | None) -> None:
        """Answer 429 like Telegram when a client sends faster than ``limits`` (None: no limits)."""
        self._limits = limits
        self._chat_buckets: dict[int, _TokenBucket] = {}
        self._global_bucket = (
            None
            if limits is None
            else _TokenBucket(limits.global_rate, limits.global_burst, time.monotonic())
        )

    # -- test API: what the bot did ----------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[JSON]:
        """Messages the bot sent to ``chat_id``, oldest first, as they are now (edited text, deleted gone).

        Unlike the API's Message, ``reply_markup`` is kept for every kind of keyboard.
        """
        bot_id = self.bot_user["id"]
        return [dict(m) for m in self._messages.get(chat_id, {}).values() if m["from"]["id"] == bot_id]

    def all_sent(self) -> list[JSON]:
        """Every message the bot sent that still exists, in the order they were sent."""
        messages = (
            self._messages.get(chat_id, {}).get(message_id) for chat_id, message_id in self._sent_order
        )
        return [dict(m) for m in messages if m is not None]

    @property
    def sent_total(self) -> int:
        """How many messages the bot has sent so far (deleted ones included): a cursor for `sent_since`."""
        return len(self._sent_order)

    def sent_since(self, cursor: int) -> list[JSON]:
        """The messages sent after the first `cursor` sends that still exist, without copying the whole history."""
        messages = (self._messages.get(chat_id, {}).get(message_id) for chat_id, message_id in self._sent_order[cursor:])
        return [dict(m) for m in messages if m is not None]

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """The command list set with setMyCommands for this language and scope."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by a getUpdates offset (or delivered to the webhook)."""
        return len(self._updates)

    # A timeout argument (not asyncio.timeout around the call) because running out is an answer here.
    @property
    def last_webhook_error(self) -> str | None:
        """Why the last webhook delivery failed (None after a success), as getWebhookInfo reports it."""
        return None if self._webhook_error is None else self._webhook_error[1]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float | None = 5.0) -> bool:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds, re-checking after each change; False when ``timeout`` passes."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._change.wait()
        except TimeoutError:
            return False
        return True

    async def wait_for_sent(self, chat_id: int, count: int, timeout: float = 5.0) -> list[JSON]:  # noqa: ASYNC109
        """Wait until the bot has ``count`` messages in ``chat_id``; return them. Raises TimeoutError."""
        if not await self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout):
            texts = [m["text"] for m in self.sent(chat_id)]
            raise TimeoutError(f"chat {chat_id}: {len(texts)} of {count} messages after {timeout}s: {texts}")
        return self.sent(chat_id)

    # -- HTTP ---------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").envelope(), status=401)
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:
                raw.update((await request.post()).items())
        status, answer = await self._call(request.match_info["method"], raw)
        return web.json_response(answer, status=status)

    async def _call(self, method: str, raw: Mapping[str, Any]) -> tuple[int, JSON]:
        found = self._methods.get(method.lower())
        if found is None:
            return 404, ApiError(404, "Not Found").envelope()
        name, handler = found
        self.calls[name] += 1
        params = _Params(raw)
        try:
            if name in _CHAT_METHODS:
                self._admit(name, params.chat_id())
            result = await handler(params)
        except ApiError as error:
            if error.code == 429:
                self.too_many_requests += 1
            return error.code, error.envelope()
        return 200, {"ok": True, "result": result}

    def _admit(self, method: str, chat_id: int) -> None:
        """Injected faults first, then blocking, then flood limits."""
        for key in (chat_id, None):
            if queue := self._faults.get(key):
                raise queue.popleft()
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self._limits is not None and self._global_bucket is not None and method in _FLOOD_METHODS:
            now = time.monotonic()
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = _TokenBucket(
                    self._limits.per_chat_rate, self._limits.per_chat_burst, now
                )
            wait = max(self._global_bucket.wait(now), bucket.wait(now))
            if wait > 0:
                raise _too_many_requests(max(1, math.ceil(wait)))
            self._global_bucket.tokens -= 1
            bucket.tokens -= 1

    # -- methods --------------------------------------------------------------------------------------------

    async def _get_me(self, params: _Params) -> JSON:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: _Params) -> list[JSON]:
        self._refuse_while_webhook()
        allowed = params.json_of("allowed_updates")
        if allowed is not None:
            self._allow(allowed)
        self._confirm(params.int_of("offset"))
        limit = min(max(params.int_of("limit") or 100, 1), 100)
        # A newer getUpdates ends an older one still waiting, with 409, as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        await self.wait_until(
            lambda: (
                bool(self._updates)
                or self._closing
                or self._webhook is not None
                or generation != self._poll_generation
            ),
            max(params.number_of("timeout") or 0.0, 0.0),
        )
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        self._refuse_while_webhook()
        return self._updates[:limit]

    async def _send_message(self, params: _Params) -> JSON:
        chat = self._chat(params.chat_id())
        text = _checked_text(params)
        reply = params.json_of("reply_parameters") or {}
        reply_to = params.int_of("reply_to_message_id") or reply.get("message_id")
        if reply_to is not None and reply.get("allow_sending_without_reply"):
            reply_to = reply_to if reply_to in self._messages.get(chat["id"], {}) else None
        message = self._new_message(chat, self.bot_user, text, reply_to)
        _set_markup(message, params.json_of("reply_markup"))
        self._sent_order.append((chat["id"], message["message_id"]))
        self._notify()
        return _api_view(message)

    async def _edit_message_text(self, params: _Params) -> JSON:
        message = self._bot_message(params)
        text = _checked_text(params)
        markup = params.json_of("reply_markup")
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        message["text"] = text
        return self._edited(message, markup)

    async def _edit_message_reply_markup(self, params: _Params) -> JSON:
        message = self._bot_message(params)
        markup = params.json_of("reply_markup")
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        return self._edited(message, markup)

    async def _delete_message(self, params: _Params) -> bool:
        chat_messages = self._messages.get(params.chat_id(), {})
        if chat_messages.pop(params.int_of("message_id") or 0, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify()
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.text_of("callback_query_id") or ""
        if query_id not in self._open_callbacks:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = {
            "text": params.text_of("text"),
            "show_alert": params.flag("show_alert"),
        }
        self._notify()
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        return True

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.json_of("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.json_of("scope"), self._language(params))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def _get_my_commands(self, params: _Params) -> list[JSON]:
        return self.commands(self._language(params), params.json_of("scope"))

    async def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key(params.json_of("scope"), self._language(params)), None)
        return True

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.text_of("url") or ""
        if not url:
            return await self._delete_webhook(params)
        secret = params.text_of("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.json_of("allowed_updates")
        if allowed is not None:
            self._allow(allowed)
        connections = params.int_of("max_connections") or 40
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: max_connections must be between 1 and 100")
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": url, "secret": secret, "max_connections": connections}
        self._webhook_error = None
        self._webhook_backoff = 0.05
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._notify()
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        self._webhook = None
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _get_webhook_info(self, params: _Params) -> JSON:
        info: JSON = {
            "url": "" if self._webhook is None else self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook["max_connections"]
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        if self._allowed is not None:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    # -- state helpers -----------------------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake everything waiting in :meth:`wait_until`."""
        self._change.set()
        self._change = asyncio.Event()

    def _push(self, kind: str, payload: JSON) -> JSON:
        self._update_id += 1
        update = {"update_id": self._update_id, kind: payload}
        if self._is_allowed(kind):
            self._updates.append(update)
            self._notify()
        return update

    def _is_allowed(self, kind: str) -> bool:
        return kind in self._allowed if self._allowed is not None else kind not in _OPT_IN_UPDATES

    def _allow(self, kinds: Any) -> None:
        # An empty list means "the default set", and updates of other kinds are dropped, not kept.
        self._allowed = set(kinds) if kinds else None
        self._updates = [u for u in self._updates if self._is_allowed(next(k for k in u if k != "update_id"))]

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset > 0:
            kept = [u for u in self._updates if u["update_id"] >= offset]
        else:
            kept = self._updates[offset:]
        if len(kept) != len(self._updates):
            self._updates = kept
            self._notify()

    def _refuse_while_webhook(self) -> None:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    def _remember_user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSON:
        if user_id in self._users:
            return self._users[user_id]
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _chat(self, chat_id: int) -> JSON:
        if chat_id in self._chats:
            return self._chats[chat_id]
        chat: JSON
        if chat_id > 0:
            user = self._users.get(chat_id, {})
            chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
            if "username" in user:
                chat["username"] = user["username"]
        else:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            chat = {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _new_message(self, chat: JSON, sender: JSON, text: str, reply_to: int | None) -> JSON:
        chat_messages = self._messages.setdefault(chat["id"], {})
        # Ids grow per chat and are never reused, even after a delete.
        message_id = self._last_message_id[chat["id"]] = self._last_message_id.get(chat["id"], 0) + 1
        message: JSON = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if reply_to is not None:
            original = chat_messages.get(reply_to)
            if original is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        chat_messages[message_id] = message
        return message

    def _bot_message(self, params: _Params) -> JSON:
        message = self._messages.get(params.chat_id(), {}).get(params.int_of("message_id") or 0)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _edited(self, message: JSON, markup: Any) -> JSON:
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        self._notify()
        return _api_view(message)

    def _queue_fault(self, chat_id: int | None, error: ApiError, times: int) -> None:
        self._faults.setdefault(chat_id, deque()).extend([error] * times)

    @staticmethod
    def _language(params: _Params) -> str:
        language = params.text_of("language_code") or ""
        if language and not _LANGUAGE.fullmatch(language):
            # Telegram takes only two-letter ISO 639-1 codes here ("zh", not "zh-hant").
            raise ApiError(400, "Bad Request: invalid language code specified")
        return language

    @staticmethod
    def _commands_key(scope: JSON | None, language_code: str) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates to the webhook as Telegram does: over up to ``max_connections`` connections at
        once, and one update at a time per chat, in order (a chat's next update waits for the previous one)."""
        in_flight: dict[int, asyncio.Task[None]] = {}
        try:
            while True:
                await self.wait_until(
                    lambda: self._webhook is None or self._closing or self._next_delivery(in_flight) is not None,
                    None,
                )
                webhook = self._webhook
                if webhook is None or self._closing:
                    return
                update = self._next_delivery(in_flight)
                assert update is not None
                in_flight[update["update_id"]] = asyncio.create_task(self._deliver(webhook, update, in_flight))
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)

    def _next_delivery(self, in_flight: Mapping[int, object]) -> JSON | None:
        """The oldest pending update whose chat has nothing older pending, while a connection is free."""
        if self._webhook is None or len(in_flight) >= self._webhook["max_connections"]:
            return None
        chats: set[object] = set()
        for update in self._updates:
            chat = _chat_of(update)
            if chat in chats:
                continue
            chats.add(chat)
            if update["update_id"] not in in_flight:
                return update
        return None

    async def _deliver(self, webhook: JSON, update: JSON, in_flight: dict[int, asyncio.Task[None]]) -> None:
        try:
            error = await self._post_update(webhook, update)
            if error is None:
                self._webhook_error = None
                self._webhook_backoff = 0.05
                self._updates = [u for u in self._updates if u is not update]
            else:
                self._webhook_error = (int(time.time()), error)
                # Telegram retries a failing webhook too, ever more slowly.
                await asyncio.sleep(self._webhook_backoff)
                self._webhook_backoff = min(self._webhook_backoff * 2, 2.0)
        finally:
            del in_flight[update["update_id"]]
            self._notify()

    async def _post_update(self, webhook: JSON, update: JSON) -> str | None:
        """Deliver one update; None on success, else Telegram's last_error_message."""
        if self._http is None:
            return "the sandbox is not started"
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook["secret"]} if webhook["secret"] else {}
        try:
            async with self._http.post(webhook["url"], json=update, headers=headers) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                reply = await _webhook_reply(response)
        except (ClientError, TimeoutError) as error:
            return str(error) or type(error).__name__
        # A webhook may answer with one method call in the response body; Telegram runs it.
        if reply is not None and isinstance(reply.get("method"), str):
            await self._call(reply["method"], reply)
        return None


def _chat_of(update: JSON) -> object:
    """The chat an update belongs to (its user's for a callback without a message), for per-chat order."""
    payload = next(v for k, v in update.items() if k != "update_id")
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    return ("chat", chat["id"]) if chat else ("user", (payload.get("from") or {}).get("id"))


async def _webhook_reply(response: ClientResponse) -> JSON | None:
    """A method call in a webhook's response, JSON or form-data (as aiogram writes it), if any."""
    if response.content_type.startswith("multipart/"):
        fields: JSON = {}
        async for part in MultipartReader.from_response(response):
            if isinstance(part, BodyPartReader) and part.name:
                fields[part.name] = await part.text()
        return fields
    body = await response.text()
    try:
        reply = json.loads(body) if body.strip() else None
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None
