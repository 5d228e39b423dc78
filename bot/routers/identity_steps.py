"""Shared steps of /serial and /login: reading an ID (deleted at once, never echoed) and explaining errors."""

from __future__ import annotations

import contextlib
from datetime import datetime

from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.deps import BotDeps
from bot.routers.common import local_time
from bot.texts import t
from workflows.identity import HashedId, IdentityError


async def forget_message(message: Message) -> None:
    """Delete the user's message holding their ID; if Telegram refuses, nothing else breaks."""
    with contextlib.suppress(TelegramAPIError):
        await message.delete()


async def take_id(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> bool:
    """Validate the ID in `message`, keep only its hash and mask in the conversation, delete the message."""
    await forget_message(message)
    try:
        person = deps.ctx.hashed_id(message.text or "")
    except IdentityError as exc:
        await message.answer(explain(lang, exc.code))
        return False
    await state.update_data(id_hash=person.hash, id_masked=person.masked)
    return True


async def stored_id(state: FSMContext) -> HashedId:
    """The ID `take_id` kept in the conversation (its hash and mask only)."""
    data = await state.get_data()
    return HashedId(data["id_hash"], data["id_masked"])


def explain(lang: str, code: str | None) -> str:
    """The reason for a refused ID or date."""
    return t(lang, {"format": "id_format", "checksum": "id_checksum", "impossible": "impossible"}.get(
        code or "", "date_format"))  # fmt: skip


def locked(lang: str, until: datetime | None) -> str:
    return t(lang, "locked", until=local_time(until) if until else "")
