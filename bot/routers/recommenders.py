"""/recommenders: each recommender's state, and resending an invitation with an optional message."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import keyboards
from bot.callbacks import RegPick, Resend, ResendStep
from bot.deps import BotDeps
from bot.filters import PlainText
from bot.routers.common import choose_registration, local_time, own_registration, picked_registration
from bot.texts import t
from workflows.linking import LinkedRegistration
from workflows.recommender_rules import MAX_MESSAGE
from workflows.recommenders import resend_invitation
from workflows.status import StatusReport
from workflows.status_text import RECOMMENDER_STATES, paren, when


class ResendFlow(StatesGroup):
    message = State()
    confirm = State()


def _listing(report: StatusReport, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    if not report.recommenders_max:
        return t(lang, "no_recommenders"), None
    lines = [f"✉️ {report.serial}"]
    kb = InlineKeyboardBuilder()
    for r in report.recommenders:
        zh, en = RECOMMENDER_STATES.get(r.status, (r.status, r.status))
        sent = ("最後寄送 " if lang == "zh" else "last sent ") + when(r.last_invited_at, lang)
        lines.append(f"• {r.name}（{r.organisation}）：{zh}" if lang == "zh" else f"• {r.name} ({r.organisation}): {en}")
        lines.append("  " + paren(sent, lang).strip())
        if r.resend_refusal == "too_soon" and r.resend_after:
            lines.append("  " + t(lang, "refuse_too_soon", when=local_time(r.resend_after)))
        if r.can_resend:
            kb.button(text=t(lang, "resend_button", name=r.name)[:60],
                      callback_data=Resend(registration_id=report.registration_id, recommender_id=r.id))  # fmt: skip
    if not report.recommenders:
        lines.append(t(lang, "no_recommenders_yet"))
    kb.adjust(1)
    markup = kb.as_markup() if kb.buttons else None
    return "\n".join(lines), markup


async def _show(message: Message, deps: BotDeps, registration_id: int, lang: str) -> None:
    report = await deps.status_reports.get(registration_id)
    if report is not None:
        text, markup = _listing(report, lang)
        await message.answer(text, reply_markup=markup)


async def recommenders(message: Message, deps: BotDeps, linked: list[LinkedRegistration], lang: str) -> None:
    registration_id = await choose_registration(message, linked, lang, "recs")
    if registration_id is not None:
        await _show(message, deps, registration_id, lang)


async def picked(query: CallbackQuery, callback_data: RegPick, deps: BotDeps, linked: list[LinkedRegistration],
                 lang: str) -> None:  # fmt: skip
    message = await picked_registration(query, linked, callback_data.registration_id, lang)
    if message is not None:
        await _show(message, deps, callback_data.registration_id, lang)


async def resend_start(query: CallbackQuery, callback_data: Resend, state: FSMContext, deps: BotDeps,
                       linked: list[LinkedRegistration], lang: str) -> None:  # fmt: skip
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if own_registration(linked, callback_data.registration_id) is None:
        await query.message.answer(t(lang, "refuse_not_owner"))
        return
    report = await deps.status_reports.get(callback_data.registration_id)
    rec = next((r for r in report.recommenders if r.id == callback_data.recommender_id), None) if report else None
    if rec is None:
        await query.message.answer(t(lang, "refuse_not_owner"))
        return
    await state.set_state(ResendFlow.message)
    await state.set_data({"reg": callback_data.registration_id, "rec": rec.id, "name": rec.name, "msg": ""})
    await query.message.answer(t(lang, "resend_ask_message"), reply_markup=keyboards.resend_message(lang))


async def resend_message(message: Message, state: FSMContext, lang: str) -> None:
    text = (message.text or "").strip()
    if len(text) > MAX_MESSAGE:
        await message.answer(t(lang, "refuse_message_too_long"))
        return
    await state.update_data(msg=text)
    await _ask_confirm(message, state, lang)


async def _ask_confirm(message: Message, state: FSMContext, lang: str) -> None:
    data = await state.get_data()
    await state.set_state(ResendFlow.confirm)
    await message.answer(t(lang, "resend_confirm", name=data["name"]), reply_markup=keyboards.resend_confirm(lang))


async def resend_step(query: CallbackQuery, callback_data: ResendStep, state: FSMContext, deps: BotDeps,
                      lang: str) -> None:  # fmt: skip
    await query.answer()
    current = await state.get_state()
    if not isinstance(query.message, Message) or current not in (ResendFlow.message.state, ResendFlow.confirm.state):
        return
    if callback_data.action == "cancel":
        await state.clear()
        await query.message.answer(t(lang, "cancelled"))
        return
    if callback_data.action == "nomsg":
        await _ask_confirm(query.message, state, lang)
        return
    data = await state.get_data()
    await state.clear()
    # The store re-checks ownership and every rule; the button only reflects what was true when shown.
    result = await resend_invitation(deps.ctx, data["reg"], data["rec"], data["msg"], actor=f"tg:{query.from_user.id}")
    if result.ok:
        deps.outbox_wakeup.set()
        await query.message.answer(t(lang, "resend_ok", name=data["name"]))
    else:
        after = local_time(result.retry_after) if result.retry_after else ""
        await query.message.answer(t(lang, f"refuse_{result.reason}", when=after))

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="recommenders")
    router.message.register(recommenders, Command("recommenders"))
    router.callback_query.register(picked, RegPick.filter(F.action == "recs"))
    router.callback_query.register(resend_start, Resend.filter())
    router.message.register(resend_message, StateFilter(ResendFlow.message), PlainText())
    router.callback_query.register(resend_step, ResendStep.filter())
    return router
