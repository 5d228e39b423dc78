"""Staff only: /broadcast, /broadcast_status, /handoffs, /stats, and answering handoffs by reply."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot import keyboards
from bot.callbacks import BroadcastStep, Segment
from bot.deps import BotDeps
from bot.filters import InStaffChat, IsStaff, PlainText, ReplyText
from bot.routers.common import local_time
from bot.texts import t
from workflows.broadcasts import MAX_TEXT, broadcast_status, create_broadcast
from workflows.handoffs import answer_handoff, open_handoffs
from workflows.questions import stats
from workflows.segments import SegmentError, audience

STAFF_COMMANDS = ("broadcast", "broadcast_status", "handoffs", "stats")


class BroadcastFlow(StatesGroup):
    text = State()
    program = State()
    confirm = State()


async def not_staff(message: Message, lang: str) -> None:
    await message.answer(t(lang, "staff_only"))


async def broadcast(message: Message, state: FSMContext, lang: str) -> None:
    await state.set_state(BroadcastFlow.text)
    await message.answer(t(lang, "bc_ask_text"))


async def broadcast_text(message: Message, state: FSMContext, lang: str) -> None:
    text = (message.text or "").strip()
    if len(text) > MAX_TEXT:
        await message.answer(t(lang, "too_long"))
        return
    await state.update_data(text=text)
    await message.answer(t(lang, "bc_ask_segment"), reply_markup=keyboards.segments(lang))


async def segment_chosen(query: CallbackQuery, callback_data: Segment, state: FSMContext, deps: BotDeps,
                         lang: str) -> None:  # fmt: skip
    await query.answer()
    if not isinstance(query.message, Message) or "text" not in await state.get_data():
        return
    if callback_data.name == "round" and not callback_data.arg:
        choices = [(r.id, r.name_zh if lang == "zh" else r.name_en) for r in deps.kb.rounds]
        await query.message.answer(t(lang, "bc_ask_round"), reply_markup=keyboards.segment_rounds(choices))
        return
    if callback_data.name == "program":
        await state.set_state(BroadcastFlow.program)
        await query.message.answer(t(lang, "bc_ask_program"))
        return
    await _preview(query.message, state, deps, lang, callback_data.name, callback_data.arg or None)


async def program_typed(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    await _preview(message, state, deps, lang, "program", (message.text or "").strip())


async def _preview(message: Message, state: FSMContext, deps: BotDeps, lang: str, segment: str,
                   arg: str | None) -> None:  # fmt: skip
    try:
        who = await audience(deps.ctx, segment, arg)
    except SegmentError as exc:
        await message.answer(t(lang, "bc_bad_segment", error=exc))
        return
    data = await state.get_data()
    await state.update_data(segment=segment, arg=arg)
    await state.set_state(BroadcastFlow.confirm)
    await message.answer(t(lang, "bc_preview", chats=len(who.chats), emails=len(who.emails), text=data["text"]),
                         reply_markup=keyboards.broadcast_confirm(lang))  # fmt: skip


async def broadcast_confirmed(query: CallbackQuery, callback_data: BroadcastStep, state: FSMContext,
                              deps: BotDeps, lang: str) -> None:  # fmt: skip
    await query.answer()
    data = await state.get_data()
    await state.clear()
    if not isinstance(query.message, Message) or "segment" not in data:
        return
    if callback_data.action != "confirm":
        await query.message.answer(t(lang, "cancelled"))
        return
    broadcast_id = await create_broadcast(deps.ctx, staff=f"tg:{query.from_user.id}", text=data["text"],
                                          segment=data["segment"], arg=data["arg"])  # fmt: skip
    deps.outbox_wakeup.set()
    await query.message.answer(t(lang, "bc_queued", id=broadcast_id))


async def status_of_broadcast(message: Message, deps: BotDeps, lang: str) -> None:
    found = await broadcast_status(deps.ctx)
    if found is None:
        await message.answer(t(lang, "bc_none"))
        return
    await message.answer(t(lang, "bc_status", id=found.id, recipients=found.recipients, sent=found.sent,
                           pending=found.pending, failed=found.failed, blocked=found.blocked))  # fmt: skip


async def handoffs(message: Message, deps: BotDeps, lang: str) -> None:
    items = await open_handoffs(deps.ctx)
    if not items:
        await message.answer(t(lang, "handoffs_none"))
        return
    await message.answer("\n\n".join(
        f"#{h.id} {local_time(h.created_at)} {h.channel} {h.serial or ''}\n{h.question}" for h in items))  # fmt: skip


async def show_stats(message: Message, deps: BotDeps, lang: str) -> None:
    s = await stats(deps.ctx)
    unsure = "\n".join(f"{n}× {text}" for text, n in s.top_unsure) or t(lang, "stats_none")
    await message.answer(t(lang, "stats", regs=s.registrations, linked=s.linked_users, today=s.questions_today,
                           share=s.answered_share, unsure=unsure))  # fmt: skip


async def answer_by_reply(message: Message, deps: BotDeps, lang: str) -> None:
    """A staff reply to a handoff message in the staff chat answers the applicant."""
    assert message.reply_to_message and message.from_user
    done = await answer_handoff(deps.ctx, staff_message_id=message.reply_to_message.message_id,
                                staff=f"tg:{message.from_user.id}", answer=message.text or "")  # fmt: skip
    if done is None:
        await message.answer(t(lang, "handoff_unknown"))
        return
    deps.outbox_wakeup.set()
    await message.answer(t(lang, "handoff_answered", id=done.id))

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="staff")
    router.message.register(not_staff, Command(*STAFF_COMMANDS), ~IsStaff())
    router.message.register(broadcast, Command("broadcast"), IsStaff())
    router.message.register(broadcast_text, StateFilter(BroadcastFlow.text), IsStaff(), PlainText())
    router.callback_query.register(segment_chosen, Segment.filter(), IsStaff())
    router.message.register(program_typed, StateFilter(BroadcastFlow.program), IsStaff(), PlainText())
    router.callback_query.register(broadcast_confirmed, BroadcastStep.filter(), IsStaff())
    router.message.register(status_of_broadcast, Command("broadcast_status"), IsStaff())
    router.message.register(handoffs, Command("handoffs"), IsStaff())
    router.message.register(show_stats, Command("stats"), IsStaff())
    router.message.register(answer_by_reply, InStaffChat(), ReplyText(), IsStaff())
    return router
