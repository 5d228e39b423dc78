"""Free-text questions answered from the knowledge base, round buttons, votes, and the offer to ask staff."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

from bot import keyboards
from bot.callbacks import AskStaff, RoundPick, Vote
from bot.deps import BotDeps
from bot.filters import InStaffChat, PlainText, PrivateChat, SlashCommand
from bot.routers.status import send_status
from bot.texts import t
from knowledge import Answer
from workflows.handoffs import attach_staff_message, create_handoff
from workflows.linking import LinkedRegistration
from workflows.questions import AskedQuestion, question_text, vote

MAX_QUESTION = 500


def render_answer(deps: BotDeps, answer: Answer, lang: str) -> str:
    """The answer with its source (a brochure quote comes already marked as a quote by the knowledge base)."""
    lines = [answer.answer]
    if answer.sources:
        src = answer.sources[0]
        round_name = ""
        if answer.round and answer.round != "all":
            r = deps.kb.round(answer.round)
            round_name = (r.name_zh if lang == "zh" else r.name_en) + " — "
        lines.append(f"\n📄 {t(lang, 'source')}: {round_name}{src.get('section', '')}")
    return "\n".join(lines)


def _context_round(linked: list[LinkedRegistration]) -> str | None:
    """The round of the user's linked registrations, when they are all in one round."""
    rounds = {r.round_id for r in linked}
    return rounds.pop() if len(rounds) == 1 else None


async def answer_question(message: Message, deps: BotDeps, user_id: int, linked: list[LinkedRegistration], lang: str,
                          text: str, round_id: str | None) -> None:  # fmt: skip
    """Ask the knowledge base and reply with the answer, the round choice, or the offer to ask staff."""
    answer = deps.kb.ask(text, round_id=round_id, lang=lang)
    qid = await deps.questions.add(AskedQuestion("telegram", str(user_id), text, lang, answer.status, answer.entry_id,
                                                 answer.round or round_id, answer.confidence))  # fmt: skip
    if answer.status == "answered":
        await message.answer(render_answer(deps, answer, lang), reply_markup=keyboards.votes(qid))
    elif answer.status == "ambiguous":
        choices = [(c, deps.kb.round(c).name_zh if lang == "zh" else deps.kb.round(c).name_en) for c in answer.candidates]
        await message.answer(t(lang, "choose_round"), reply_markup=keyboards.rounds(qid, choices))
    elif answer.status == "personal":
        if answer.personal_kind == "serial":
            await message.answer(t(lang, "personal_serial"))
        else:
            await send_status(message, deps, linked, lang)
    else:
        await message.answer(t(lang, "unsure"), reply_markup=keyboards.ask_staff(qid, lang))


async def unknown_command(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown_command"))


async def question(message: Message, deps: BotDeps, linked: list[LinkedRegistration], lang: str) -> None:
    assert message.from_user and message.text
    if len(message.text) > MAX_QUESTION:
        await message.answer(t(lang, "too_long"))
        return
    await answer_question(message, deps, message.from_user.id, linked, lang, message.text, _context_round(linked))


async def round_picked(query: CallbackQuery, callback_data: RoundPick, deps: BotDeps, linked: list[LinkedRegistration],
                       lang: str) -> None:  # fmt: skip
    text = await question_text(deps.ctx, callback_data.question_id, str(query.from_user.id))
    await query.answer()
    if text is None or not isinstance(query.message, Message):
        return
    await answer_question(query.message, deps, query.from_user.id, linked, lang, text, callback_data.round_id)


async def voted(query: CallbackQuery, callback_data: Vote, deps: BotDeps, lang: str) -> None:
    await vote(deps.ctx, callback_data.question_id, str(query.from_user.id), callback_data.value)
    await query.answer(t(lang, "vote_thanks"))


async def ask_staff(query: CallbackQuery, callback_data: AskStaff, deps: BotDeps, linked: list[LinkedRegistration],
                    lang: str) -> None:  # fmt: skip
    text = await question_text(deps.ctx, callback_data.question_id, str(query.from_user.id))
    if text is None or not isinstance(query.message, Message):
        await query.answer(t(lang, "handoff_gone"))
        return
    serial = ", ".join(r.serial for r in linked) or None
    handoff = await create_handoff(deps.ctx, channel="telegram", asker=str(query.message.chat.id), lang=lang,
                                   question=text, serial=serial)  # fmt: skip
    if deps.staff_chat_id is not None and query.bot is not None:
        posted = await query.bot.send_message(
            deps.staff_chat_id,
            t("zh", "handoff_staff", id=handoff.id, asker_lang=lang, serial=serial or "", question=handoff.question),
        )
        await attach_staff_message(deps.ctx, handoff.id, posted.message_id)
    await query.answer()
    await query.message.answer(t(lang, "handoff_done"))

def build_questions() -> Router:
    """Free text outside any conversation, in a private chat other than the staff chat: always a question. This
    router goes first, so the commonest update skips every other router's filters; text typed during a
    conversation goes to that conversation's handlers, and `build`'s catch-all takes what none of them wants."""
    router = Router(name="questions")
    router.message.register(question, PlainText(), StateFilter(None), PrivateChat(), ~InStaffChat())
    return router


def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="faq")
    router.message.register(unknown_command, SlashCommand())
    router.message.register(question, PlainText())
    router.callback_query.register(round_picked, RoundPick.filter())
    router.callback_query.register(voted, Vote.filter())
    router.callback_query.register(ask_staff, AskStaff.filter())
    return router
