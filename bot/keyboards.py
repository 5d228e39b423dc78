"""Inline keyboards."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import AskStaff, BroadcastStep, RegPick, ResendStep, RoundPick, Segment, Vote
from bot.texts import t
from workflows.linking import LinkedRegistration


def rounds(question_id: int, choices: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per candidate round (id, label)."""
    kb = InlineKeyboardBuilder()
    for round_id, label in choices:
        kb.button(text=label, callback_data=RoundPick(question_id=question_id, round_id=round_id))
    kb.adjust(1)  # apart from as_markup(): adjust() is typed as the generic builder, whose markup is a union
    return kb.as_markup()


def votes(question_id: int) -> InlineKeyboardMarkup:
    """👍 / 👎 under an answer."""
    kb = InlineKeyboardBuilder()
    kb.button(text="👍", callback_data=Vote(question_id=question_id, value=1))
    kb.button(text="👎", callback_data=Vote(question_id=question_id, value=-1))
    return kb.as_markup()


def ask_staff(question_id: int, lang: str) -> InlineKeyboardMarkup:
    """The offer to pass a question to staff."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "ask_staff"), callback_data=AskStaff(question_id=question_id))
    return kb.as_markup()


def registrations(action: str, regs: list[LinkedRegistration], lang: str, *, with_all: bool = False) -> InlineKeyboardMarkup:
    """Pick one of the user's linked registrations."""
    kb = InlineKeyboardBuilder()
    for reg in regs:
        label = f"{reg.serial} {reg.program_zh if lang == 'zh' else reg.program_en or reg.program_zh}"
        kb.button(text=label[:60], callback_data=RegPick(action=action, registration_id=reg.registration_id))
    if with_all:
        kb.button(text=t(lang, "unlink_all"), callback_data=RegPick(action=action, registration_id=0))
    kb.adjust(1)
    return kb.as_markup()


def resend_message(lang: str) -> InlineKeyboardMarkup:
    """Skip the optional message, or cancel."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "no_message"), callback_data=ResendStep(action="nomsg"))
    kb.button(text=t(lang, "cancel"), callback_data=ResendStep(action="cancel"))
    return kb.as_markup()


def _confirm_or_cancel(lang: str, step: type[ResendStep] | type[BroadcastStep]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "confirm"), callback_data=step(action="confirm"))
    kb.button(text=t(lang, "cancel"), callback_data=step(action="cancel"))
    return kb.as_markup()


def resend_confirm(lang: str) -> InlineKeyboardMarkup:
    """Confirm or cancel resending an invitation."""
    return _confirm_or_cancel(lang, ResendStep)


def segments(lang: str) -> InlineKeyboardMarkup:
    """Broadcast audiences."""
    kb = InlineKeyboardBuilder()
    for name in ("all", "round", "program", "unpaid", "missing_uploads", "recommenders_pending"):
        kb.button(text=t(lang, f"seg_{name}"), callback_data=Segment(name=name))
    kb.adjust(2)
    return kb.as_markup()


def segment_rounds(choices: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for round_id, label in choices:
        kb.button(text=label[:60], callback_data=Segment(name="round", arg=round_id))
    kb.adjust(1)
    return kb.as_markup()


def broadcast_confirm(lang: str) -> InlineKeyboardMarkup:
    """Confirm or cancel a broadcast after its preview."""
    return _confirm_or_cancel(lang, BroadcastStep)
