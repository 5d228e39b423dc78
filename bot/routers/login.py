"""/login and /logout: link the chat to a registration (serial + ID + birth date + emailed code)."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot import keyboards
from bot.callbacks import RegPick
from bot.deps import BotDeps
from bot.filters import PlainText
from bot.routers.identity_steps import explain, locked, stored_id, take_id
from bot.texts import t
from workflows.linking import LinkedRegistration, confirm_link, start_link, unlink

SERIAL = re.compile(r"^[A-Za-z0-9]{2,16}$")


class Login(StatesGroup):
    serial = State()
    national_id = State()
    birth = State()
    code = State()


async def login(message: Message, state: FSMContext, lang: str) -> None:
    await state.set_state(Login.serial)
    await message.answer(t(lang, "ask_serial"))


async def got_serial(message: Message, state: FSMContext, lang: str) -> None:
    serial = (message.text or "").strip()
    if not SERIAL.match(serial):
        await message.answer(t(lang, "bad_serial"))
        return
    await state.update_data(serial=serial.upper())
    await state.set_state(Login.national_id)
    await message.answer(t(lang, "ask_id"))


async def got_id(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    if await take_id(message, state, deps, lang):
        await state.set_state(Login.birth)
        await message.answer(t(lang, "ask_birth_date"))


async def got_birth(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert message.from_user and message.text
    data = await state.get_data()
    result = await start_link(deps.ctx, message.from_user.id, message.chat.id, data["serial"],
                              await stored_id(state), message.text, lang)  # fmt: skip
    if result.status == "invalid":
        await message.answer(explain(lang, result.reason))
        return
    if result.status == "code_sent":
        await state.set_state(Login.code)
        await state.set_data({})
        await message.answer(t(lang, "code_sent", email=result.email_masked))
        deps.outbox_wakeup.set()
        return
    await state.clear()
    if result.status == "locked":
        await message.answer(locked(lang, result.locked_until))
    else:
        await message.answer(t(lang, result.status))


async def got_code(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert message.from_user
    result = await confirm_link(deps.ctx, message.from_user.id, (message.text or "").strip())
    if result.status == "wrong_code":
        await message.answer(t(lang, "wrong_code", left=result.tries_left))
        return
    await state.clear()
    messages = {"linked": "linked", "expired": "code_expired", "too_many_tries": "too_many_tries",
                "no_pending": "no_pending"}  # fmt: skip
    await message.answer(t(lang, messages[result.status], serial=result.serial or ""))


async def logout(message: Message, deps: BotDeps, linked: list[LinkedRegistration], lang: str) -> None:
    assert message.from_user
    regs = linked
    if not regs:
        await message.answer(t(lang, "not_linked"))
    elif len(regs) == 1:
        count = await unlink(deps.ctx, message.from_user.id)
        await message.answer(t(lang, "logged_out", count=count))
    else:
        await message.answer(t(lang, "pick_registration"),
                             reply_markup=keyboards.registrations("logout", regs, lang, with_all=True))  # fmt: skip


async def logout_picked(query: CallbackQuery, callback_data: RegPick, deps: BotDeps, lang: str) -> None:
    await query.answer()
    count = await unlink(deps.ctx, query.from_user.id, callback_data.registration_id or None)
    if isinstance(query.message, Message):
        await query.message.answer(t(lang, "logged_out", count=count))

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="login")
    router.message.register(login, Command("login"))
    router.message.register(got_serial, StateFilter(Login.serial), PlainText())
    router.message.register(got_id, StateFilter(Login.national_id), PlainText())
    router.message.register(got_birth, StateFilter(Login.birth), PlainText())
    router.message.register(got_code, StateFilter(Login.code), PlainText())
    router.message.register(logout, Command("logout"))
    router.callback_query.register(logout_picked, RegPick.filter(F.action == "logout"))
    return router
