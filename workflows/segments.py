"""Audiences for broadcasts: who is in a segment, and by which channel each person is reached.

A person linked on Telegram (chat not blocked) gets the message there; everyone else in the segment gets an
email copy at the address on file (unless it bounced).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, select

from workflows.context import Context
from workflows.models import (
    Applicant,
    ChatLink,
    Payment,
    Program,
    Recommender,
    Registration,
    TelegramChat,
    Upload,
    UploadItem,
)

SEGMENTS = ("all", "round", "program", "unpaid", "missing_uploads", "recommenders_pending")
NEEDS_ARG = {"round", "program"}


class SegmentError(ValueError):
    """An unknown segment or a missing / unknown argument."""


@dataclass(frozen=True)
class Audience:
    """Telegram chats (chat id, language) and email addresses of a segment, each person once."""

    chats: list[tuple[int, str]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.chats) + len(self.emails)


def _registrations(segment: str, arg: str | None) -> Select[int]:
    query = select(Registration.id).where(Registration.status != "withdrawn")
    if segment == "round":
        return query.where(Registration.round_id == arg)
    if segment == "program":
        round_id, _, code = (arg or "").partition("/")
        return query.join(Program, Program.id == Registration.program_id).where(
            Program.round_id == round_id, Program.code == code
        )
    if segment == "unpaid":
        return query.join(Payment, Payment.registration_id == Registration.id).where(Payment.paid.is_(False))
    if segment == "missing_uploads":
        missing = (
            select(UploadItem.id)
            .where(UploadItem.program_id == Registration.program_id, UploadItem.required.is_(True))
            .where(~exists().where(and_(Upload.registration_id == Registration.id, Upload.item_code == UploadItem.code)))
        )
        return query.where(exists(missing))
    if segment == "recommenders_pending":
        return query.where(
            exists().where(and_(Recommender.registration_id == Registration.id, Recommender.status == "invited"))
        )
    return query


async def audience(ctx: Context, segment: str, arg: str | None = None) -> Audience:
    """Resolve a segment. `program` takes `ROUND/CODE`, `round` takes a round id."""
    if segment not in SEGMENTS:
        raise SegmentError(f"unknown segment {segment!r}; use one of {', '.join(SEGMENTS)}")
    if segment in NEEDS_ARG and not arg:
        raise SegmentError(f"segment {segment!r} needs an argument")
    regs = _registrations(segment, arg).subquery()
    async with ctx.db.sessions() as session:
        chats = (
            await session.execute(
                select(TelegramChat.chat_id, TelegramChat.language)
                .join(ChatLink, ChatLink.chat_id == TelegramChat.chat_id)
                .where(ChatLink.registration_id.in_(select(regs.c.id)), TelegramChat.blocked.is_(False))
                .distinct()
                .order_by(TelegramChat.chat_id)
            )
        ).all()
        reached_applicants = (
            select(Registration.applicant_id)
            .join(ChatLink, ChatLink.registration_id == Registration.id)
            .join(TelegramChat, TelegramChat.chat_id == ChatLink.chat_id)
            .where(TelegramChat.blocked.is_(False))
        )
        emails = (
            await session.scalars(
                select(Applicant.email)
                .join(Registration, Registration.applicant_id == Applicant.id)
                .where(
                    Registration.id.in_(select(regs.c.id)),
                    Applicant.email_undeliverable.is_(False),
                    Applicant.id.not_in(reached_applicants),
                )
                .distinct()
                .order_by(Applicant.email)
            )
        ).all()
    return Audience([(c, lang) for c, lang in chats], list(emails))
