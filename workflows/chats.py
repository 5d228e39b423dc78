"""Telegram chats as the store knows them: language, reminder choice, blocked state."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from workflows.batching import Coalescer
from workflows.bulk import insert_ignore
from workflows.context import Context
from workflows.linking import LinkedRegistration
from workflows.models import ChatLink, ConversationState, Program, Registration, TelegramChat


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    language: str
    reminders_enabled: bool
    blocked: bool
    new: bool


@dataclass(frozen=True)
class ChatSnapshot:
    """What the bot needs for one update, read at once: settings, the user's linked registrations and, when
    asked for, the conversation's state."""

    chat: ChatInfo
    linked: list[LinkedRegistration] = field(default_factory=list)
    conversation_state: str | None = None


# Built once, as it runs on every update. An empty key finds no conversation (keys are never empty): state NULL.
_SNAPSHOT = (
    select(TelegramChat.language, TelegramChat.reminders_enabled, TelegramChat.blocked,
           select(ConversationState.state).where(ConversationState.key == bindparam("key")).scalar_subquery(),
           Registration.id, Registration.serial, Registration.round_id, Program.name_zh, Program.name_en)
    .select_from(TelegramChat)
    .outerjoin(ChatLink, ChatLink.user_id == bindparam("user_id"))
    .outerjoin(Registration, Registration.id == ChatLink.registration_id)
    .outerjoin(Program, Program.id == Registration.program_id)
    .where(TelegramChat.chat_id == bindparam("chat_id"))
    .order_by(ChatLink.linked_at)
)  # fmt: skip


@dataclass(frozen=True)
class SnapshotRequest:
    chat_id: int
    user_id: int
    telegram_language: str | None
    conversation_key: str | None = None


# The same for many private chats at once (the user is the chat's own: Telegram gives both the same id), and the
# states of their conversations.
_SNAPSHOTS = (
    select(TelegramChat.chat_id, TelegramChat.user_id, TelegramChat.language, TelegramChat.reminders_enabled,
           TelegramChat.blocked, Registration.id, Registration.serial, Registration.round_id, Program.name_zh,
           Program.name_en)
    .select_from(TelegramChat)
    .outerjoin(ChatLink, ChatLink.user_id == TelegramChat.user_id)
    .outerjoin(Registration, Registration.id == ChatLink.registration_id)
    .outerjoin(Program, Program.id == Registration.program_id)
    .where(TelegramChat.chat_id.in_(bindparam("chat_ids", expanding=True)))
    .order_by(TelegramChat.chat_id, ChatLink.linked_at)
)  # fmt: skip
_STATES = select(ConversationState.key, ConversationState.state).where(
    ConversationState.key.in_(bindparam("keys", expanding=True))
)


class ChatSnapshots:
    """Reads `ChatSnapshot`s; the reads of concurrent updates share one round trip (see `workflows.batching`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._coalescer: Coalescer[SnapshotRequest, ChatSnapshot] = Coalescer(self._read_many)

    async def get(self, chat_id: int, user_id: int, telegram_language: str | None,
                  conversation_key: str | None = None) -> ChatSnapshot:  # fmt: skip
        """The chat's settings, the user's linked registrations (oldest first) and the state of the conversation
        stored under `conversation_key`. A first contact (or a chat that had blocked the bot) goes through
        `touch_chat`."""
        return await self._coalescer(SnapshotRequest(chat_id, user_id, telegram_language, conversation_key))

    async def _read_many(self, requests: list[SnapshotRequest]) -> list[ChatSnapshot]:
        if len(requests) == 1:  # no load: the one-query form
            return [await self._read_one(requests[0])]
        rows, states = await self.ctx.db.read(partial(_snapshots_rows, requests))
        by_chat: dict[int, list[Any]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        snapshots = []
        for request in requests:
            found = by_chat.get(request.chat_id)
            if not found or found[0].blocked or found[0].user_id != request.user_id:
                snapshots.append(await self._read_one(request))  # first contact, unblocking
                continue
            chat = ChatInfo(request.chat_id, found[0].language, found[0].reminders_enabled, False, False)
            linked = [LinkedRegistration(*row[5:]) for row in found if row.id is not None]
            snapshots.append(ChatSnapshot(chat, linked, states.get(request.conversation_key or "")))
        return snapshots

    async def _read_one(self, request: SnapshotRequest) -> ChatSnapshot:
        return await chat_snapshot(self.ctx, request.chat_id, request.user_id, request.telegram_language,
                                   request.conversation_key)  # fmt: skip


def _snapshots_rows(requests: list[SnapshotRequest], connection: Connection) -> tuple[list[Any], dict[str, str | None]]:
    rows = list(connection.execute(_SNAPSHOTS, {"chat_ids": [r.chat_id for r in requests]}).all())
    keys = [r.conversation_key for r in requests if r.conversation_key]
    states = dict(connection.execute(_STATES, {"keys": keys}).all()) if keys else {}
    return rows, states


async def chat_snapshot(ctx: Context, chat_id: int, user_id: int, telegram_language: str | None,
                        conversation_key: str | None = None) -> ChatSnapshot:  # fmt: skip
    """One chat's `ChatSnapshot`: one query for a known chat, the common case; a first contact (or a chat that
    had blocked the bot) goes through `touch_chat`."""
    params = {"chat_id": chat_id, "user_id": user_id, "key": conversation_key or ""}
    rows = await ctx.db.read(partial(_snapshot_rows, params))
    new = False
    if not rows or rows[0].blocked:
        new = (await touch_chat(ctx, chat_id, user_id, telegram_language)).new  # creates or unblocks the chat
        rows = await ctx.db.read(partial(_snapshot_rows, params))
    language, reminders, _, conversation_state = rows[0][:4]
    linked = [LinkedRegistration(*row[4:]) for row in rows if row.id is not None]
    return ChatSnapshot(ChatInfo(chat_id, language, reminders, False, new), linked, conversation_state)


def _snapshot_rows(params: dict[str, object], connection: Connection) -> list[Any]:
    return list(connection.execute(_SNAPSHOT, params).all())


async def touch_chat(ctx: Context, chat_id: int, user_id: int, telegram_language: str | None) -> ChatInfo:
    """The chat's settings, creating them on first contact (language from Telegram: zh unless English)."""
    async with ctx.db.sessions() as session:  # the common case only reads: no write transaction per update
        known = await session.get(TelegramChat, chat_id)
        if known is not None and not known.blocked:
            return ChatInfo(known.chat_id, known.language, known.reminders_enabled, False, False)
    now = ctx.clock.now()
    lang = "en" if (telegram_language or "").lower().startswith("en") else "zh"
    async with ctx.db.transaction() as session:
        # Two workers may see a new chat at once: the insert is a no-op for the second.
        new = await insert_ignore(session, TelegramChat, [
            {"chat_id": chat_id, "user_id": user_id, "language": lang, "reminders_enabled": True, "blocked": False,
             "first_seen_at": now}], ["chat_id"]) == 1  # fmt: skip
        chat = await session.get(TelegramChat, chat_id, populate_existing=True)
        assert chat is not None
        if chat.blocked:  # writing to us again means the block is over
            chat.blocked, chat.blocked_at = False, None
        return ChatInfo(chat.chat_id, chat.language, chat.reminders_enabled, False, new)


async def set_language(ctx: Context, chat_id: int, language: str) -> None:
    """Remember the chat's language (`zh` or `en`)."""
    await _set(ctx, chat_id, language=language)


async def set_reminders(ctx: Context, chat_id: int, enabled: bool) -> None:
    """Turn deadline reminders on or off for the chat."""
    await _set(ctx, chat_id, reminders_enabled=enabled)


async def set_blocked(ctx: Context, chat_id: int, blocked: bool) -> None:
    """The user blocked (or unblocked) the bot: stop (or resume) sending to the chat."""
    await _set(ctx, chat_id, blocked=blocked, blocked_at=ctx.clock.now() if blocked else None)


async def _set(ctx: Context, chat_id: int, **values: object) -> None:
    async with ctx.db.transaction() as session:
        await session.execute(update(TelegramChat).where(TelegramChat.chat_id == chat_id).values(**values))


async def blocked_chats(ctx: Context, chat_ids: list[int]) -> set[int]:
    """Which of these chats have blocked the bot."""
    if not chat_ids:
        return set()
    async with ctx.db.sessions() as session:
        rows = await session.scalars(
            select(TelegramChat.chat_id).where(TelegramChat.chat_id.in_(chat_ids), TelegramChat.blocked.is_(True))
        )
        return set(rows)
