"""Turning Telegram outbox rows into message text (templates rendered at delivery, in the chat's language)."""

from __future__ import annotations

from bot.texts import t
from workflows.outbox import Claimed


class UnknownTemplate(ValueError):
    """An outbox row this adapter cannot render: marked failed, never sent half-made."""


def render(row: Claimed) -> str:
    """The text to send for an outbox row."""
    lang, payload, body = row.lang, row.payload, row.body or ""
    if row.template == "broadcast":
        return t(lang, "broadcast_message", text=body)
    if row.template == "handoff_answer":
        return t(lang, "handoff_answer", question=payload.get("question", ""), answer=body)
    if row.template in ("recommender_completed", "recommender_declined"):
        return t(lang, row.template, name=payload.get("name", ""), serial=payload.get("serial", ""))
    if body:
        return body
    raise UnknownTemplate(row.template)
