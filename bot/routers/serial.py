"""/serial: 查詢報名序號, step by step (ID, then year and month of birth); cancellable."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.deps import BotDeps
from bot.filters import PlainText
from bot.routers.identity_steps import explain, locked, stored_id, take_id
from bot.texts import t
from workflows.lookup import lookup_serials


class SerialLookup(StatesGroup):
    national_id = State()
    birth = State()


async def serial(message: Message, state: FSMContext, lang: str) -> None:
    await state.set_state(SerialLookup.national_id)
    await message.answer(t(lang, "ask_id"))


async def got_id(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    if await take_id(message, state, deps, lang):
        await state.set_state(SerialLookup.birth)
        await message.answer(t(lang, "ask_birth_month"))


async def got_birth(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert message.from_user and message.text
    result = await lookup_serials(deps.ctx, await stored_id(state), message.text, requester=f"tg:{message.from_user.id}")
    if result.status == "invalid":
        await message.answer(explain(lang, result.reason))
        return
    await state.clear()
    if result.status == "locked":
        await message.answer(locked(lang, result.locked_until))
    elif result.status == "not_found":
        await message.answer(t(lang, "serial_not_found"))
    else:
        lines = [t(lang, "serial_found")]
        for r in result.registrations:
            round_ = deps.kb.round(r.round_id) if r.round_id in {x.id for x in deps.kb.rounds} else None
            round_name = (round_.name_zh if lang == "zh" else round_.name_en) if round_ else r.round_id
            program = r.program_zh if lang == "zh" else (r.program_en or r.program_zh)
            lines.append(f"• {r.serial}｜{program}｜{round_name}")
        await message.answer("\n".join(lines))

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="serial")
    router.message.register(serial, Command("serial"))
    router.message.register(got_id, StateFilter(SerialLookup.national_id), PlainText())
    router.message.register(got_birth, StateFilter(SerialLookup.birth), PlainText())
    return router
