"""/status: payment, uploads, review result, recommenders and next deadlines of one's own registration."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import RegPick
from bot.deps import BotDeps
from bot.routers.common import choose_registration, picked_registration
from workflows.linking import LinkedRegistration
from workflows.status_text import render_status


async def show_status(message: Message, deps: BotDeps, registration_id: int, lang: str) -> None:
    report = await deps.status_reports.get(registration_id)
    if report is not None:
        await message.answer(render_status(report, lang))


async def send_status(message: Message, deps: BotDeps, linked: list[LinkedRegistration], lang: str) -> None:
    """The status of the user's registration, or the picker when they have several, or how to /login."""
    registration_id = await choose_registration(message, linked, lang, "status")
    if registration_id is not None:
        await show_status(message, deps, registration_id, lang)


async def status(message: Message, deps: BotDeps, linked: list[LinkedRegistration], lang: str) -> None:
    await send_status(message, deps, linked, lang)


async def status_picked(query: CallbackQuery, callback_data: RegPick, deps: BotDeps, linked: list[LinkedRegistration],
                        lang: str) -> None:  # fmt: skip
    message = await picked_registration(query, linked, callback_data.registration_id, lang)
    if message is not None:
        await show_status(message, deps, callback_data.registration_id, lang)

def build() -> Router:
    """A fresh router with this feature's handlers (a router can be attached only once)."""
    router = Router(name="status")
    router.message.register(status, Command("status"))
    router.callback_query.register(status_picked, RegPick.filter(F.action == "status"))
    return router
