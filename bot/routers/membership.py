"""my_chat_member updates: the user blocked or unblocked the bot."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.deps import BotDeps
from workflows.chats import set_blocked


async def blocked(event: ChatMemberUpdated, deps: BotDeps) -> None:
    await set_blocked(deps.ctx, event.chat.id, True)


async def unblocked(event: ChatMemberUpdated, deps: BotDeps) -> None:
    await set_blocked(deps.ctx, event.chat.id, False)

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="membership")
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router
