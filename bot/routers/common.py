"""Helpers the routers share: the user's own registrations, and rendering answers."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery, Message

from bot import keyboards
from bot.texts import t
from workflows.clock import to_local
from workflows.linking import LinkedRegistration


def own_registration(linked: list[LinkedRegistration], registration_id: int) -> LinkedRegistration | None:
    """The registration if it is among the user's linked ones, else None (callback data is never trusted)."""
    return next((reg for reg in linked if reg.registration_id == registration_id), None)


async def picked_registration(query: CallbackQuery, linked: list[LinkedRegistration], registration_id: int,
                              lang: str) -> Message | None:  # fmt: skip
    """After a registration button: the message to answer under, or None when the registration is not the
    user's own (the refusal is sent) or the button's message is gone."""
    await query.answer()
    if not isinstance(query.message, Message):
        return None
    if own_registration(linked, registration_id) is None:
        await query.message.answer(t(lang, "not_linked"))
        return None
    return query.message


async def choose_registration(message: Message, regs: list[LinkedRegistration], lang: str, action: str) -> int | None:
    """The user's only registration, or None after asking which one (or telling them to /login)."""
    if not regs:
        await message.answer(t(lang, "not_linked"))
        return None
    if len(regs) == 1:
        return regs[0].registration_id
    await message.answer(t(lang, "pick_registration"), reply_markup=keyboards.registrations(action, regs, lang))
    return None


def local_time(moment: datetime) -> str:
    """`2026-01-05 15:00` in Taipei time."""
    return f"{to_local(moment):%Y-%m-%d %H:%M}"
