"""Per-update context, read once: the chat's language and settings, the user's linked registrations and the
conversation state, handed to handlers as `lang`, `chat`, `linked`, `state` and `raw_state`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.middlewares.user_context import EVENT_CONTEXT_KEY, EventContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import TelegramObject, Update

from bot.deps import BotDeps
from bot.fsm_storage import StoreStorage

# Updates that carry an applicant's message or button press, the ones the private-chat features handle.
_CHAT_EVENTS = frozenset({"message", "callback_query"})


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]  # the next step of an aiogram middleware


class UpdateContextMiddleware(FSMContextMiddleware):
    """aiogram's FSM middleware, reading the conversation state in the same query as the chat's settings and
    links when the state is kept in the store (the dispatcher is built with ``disable_fsm=True``)."""

    def __init__(self, deps: BotDeps, fsm: FSMContextMiddleware) -> None:
        super().__init__(fsm.storage, fsm.events_isolation, fsm.strategy)
        self.deps = deps
        # With the state in Redis there is nothing to save: it is read from there as aiogram does.
        self.store_keys = fsm.storage.keys if isinstance(fsm.storage, StoreStorage) else None

    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        context = self.resolve_event_context(cast(Bot, data["bot"]), data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        async with self.events_isolation.lock(key=context.key):
            data["state"] = context
            event_context = cast(EventContext, data[EVENT_CONTEXT_KEY])
            user = event_context.user
            if isinstance(event, Update) and event.event_type in _CHAT_EVENTS and user is not None \
                    and event_context.chat is not None and event_context.chat.type == "private":  # fmt: skip
                snapshot = await self.deps.snapshots.get(event_context.chat.id, user.id, user.language_code,
                                                         self.store_keys.build(context.key) if self.store_keys else None)  # fmt: skip
                data["chat"], data["lang"], data["linked"] = snapshot.chat, snapshot.chat.language, snapshot.linked
                data["raw_state"] = snapshot.conversation_state if self.store_keys else await context.get_state()
            else:
                data["lang"] = "en" if user and (user.language_code or "").startswith("en") else "zh"
                data["raw_state"] = await context.get_state()
            if data["raw_state"] is not None and _starts_afresh(event):
                # A new command ends any half-finished conversation: a later answer must not be taken as, say, an ID.
                await context.clear()
                data["raw_state"] = None
            return await handler(event, data)


def _starts_afresh(event: TelegramObject) -> bool:
    text = event.message.text if isinstance(event, Update) and event.message else None
    return text is not None and text.startswith("/") and not text.startswith("/cancel")


class ConcurrencyLimit(BaseMiddleware):
    """At most `limit` updates handled at once; the others wait their turn.

    Polling has aiogram's own limit (TELEGRAM_CONCURRENCY); a webhook hands over each update as it comes, and
    a burst would otherwise run hundreds of handlers together, each holding memory and a store or Redis
    connection."""

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)

    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self._slots:
            return await handler(event, data)
