"""A recommender's email reply, found by its reply key: complete with a letter, decline, or refuse when late.

Every function works in the caller's transaction (the mail processor records the message there too). The
applicant hears of a completion or a decline on every linked Telegram chat, or by email when none is linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows import audit, outbox
from workflows.bulk import rowcount
from workflows.deadlines import deadlines_for, is_past, pick
from workflows.models import Applicant, ChatLink, Recommender, Registration, TelegramChat

Verdict = Literal["open", "unknown_key", "wrong_sender", "past_deadline", "completed", "declined"]


@dataclass(frozen=True)
class ReplyTarget:
    """The recommender a reply key points to, and whether the reply may act on it (``verdict == "open"``)."""

    verdict: Verdict
    recommender_id: int | None = None
    recommender_name: str = ""
    recommender_email: str = ""
    registration_id: int | None = None
    serial: str = ""
    applicant_name: str = ""
    deadline: datetime | None = None


def same_address(a: str, b: str) -> bool:
    """Addresses compared the way mail systems treat them in practice (case-insensitive)."""
    return a.strip().lower() == b.strip().lower()


async def find_target(session: AsyncSession, reply_key: str, sender: str, now: datetime) -> ReplyTarget:
    """Who the reply is from, checked: the key must exist, the sender must be the recommender's address."""
    row = (
        await session.execute(
            select(
                Recommender,
                Registration.serial,
                Registration.round_id,
                Registration.program_id,
                Applicant.name,
            )
            .join(Registration, Registration.id == Recommender.registration_id)
            .join(Applicant, Applicant.id == Registration.applicant_id)
            .where(Recommender.reply_key == reply_key)
        )
    ).first()
    if row is None:
        return ReplyTarget("unknown_key")
    rec, serial, round_id, program_id, applicant = row
    deadline = pick(await deadlines_for(session, round_id, program_id), "recommender")
    verdict: Verdict = "open"
    if not same_address(sender, rec.email):
        verdict = "wrong_sender"
    elif rec.status == "completed":
        verdict = "completed"
    elif rec.status == "declined":
        verdict = "declined"
    elif is_past(deadline, now):
        verdict = "past_deadline"
    return ReplyTarget(verdict, rec.id, rec.name, rec.email, rec.registration_id, serial, applicant,
                       deadline.due_at if deadline else None)  # fmt: skip


async def complete(session: AsyncSession, target: ReplyTarget, letter_path: str, now: datetime) -> bool:
    """Record the letter and tell the applicant; False when the recommender was no longer open."""
    return await _answer(session, target, "completed", now, letter_path=letter_path, completed_at=now)


async def decline(session: AsyncSession, target: ReplyTarget, now: datetime) -> bool:
    """Record the refusal and tell the applicant; False when the recommender was no longer open."""
    return await _answer(session, target, "declined", now, declined_at=now)


async def _answer(
    session: AsyncSession, target: ReplyTarget, status: str, now: datetime, **values: object
) -> bool:
    assert target.recommender_id is not None and target.registration_id is not None
    changed = await session.execute(
        update(Recommender)
        .where(Recommender.id == target.recommender_id, Recommender.status == "invited")
        .values(status=status, started_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(changed) != 1:
        return False
    await outbox.enqueue(session, await applicant_notices(session, target, f"recommender_{status}"), now)
    audit.record(session, now, f"mail:{target.recommender_email}", f"recommender_{status}", target.serial,
                 recommender_id=target.recommender_id)  # fmt: skip
    return True


BOUNCED_TEXT = {
    "zh": "⚠️ 寄給推薦人 {name} 的推薦信邀請無法送達（{serial}）。請確認電子郵件地址，必要時改請其他推薦人。",
    "en": "⚠️ The invitation to your recommender {name} could not be delivered ({serial}). Please check the "
    "address, or ask someone else.",
}


async def bounced_notices(session: AsyncSession, target: ReplyTarget) -> list[outbox.NewMessage]:
    """Outbox rows telling the applicant that their recommender's address bounces."""
    return await applicant_notices(session, target, "recommender_bounced", BOUNCED_TEXT)


async def applicant_notices(
    session: AsyncSession, target: ReplyTarget, template: str, texts: dict[str, str] | None = None
) -> list[outbox.NewMessage]:
    """Outbox rows telling the applicant: one per linked chat, or one email when no chat is linked.

    ``texts`` (per language, formatted with name and serial) becomes the Telegram body of templates the bot
    does not render itself.
    """
    assert target.registration_id is not None
    payload = {
        "name": target.recommender_name,
        "serial": target.serial,
        "recommender_id": target.recommender_id,
    }
    key = f"{template}:{target.recommender_id}"
    chats = (
        await session.execute(
            select(ChatLink.chat_id, TelegramChat.language)
            .outerjoin(TelegramChat, TelegramChat.chat_id == ChatLink.chat_id)
            .where(ChatLink.registration_id == target.registration_id)
            .order_by(ChatLink.chat_id)
        )
    ).all()
    if chats:
        return [
            outbox.NewMessage("telegram", str(chat), f"{key}:tg:{chat}", template, payload, lang=lang or "zh",
                              body=texts.get(lang, texts["zh"]).format(**payload) if texts else None,
                              registration_id=target.registration_id)
            for chat, lang in chats
        ]  # fmt: skip
    email, undeliverable = (
        await session.execute(
            select(Applicant.email, Applicant.email_undeliverable)
            .join(Registration, Registration.applicant_id == Applicant.id)
            .where(Registration.id == target.registration_id)
        )
    ).one()
    if undeliverable:
        return []
    return [outbox.NewMessage("email", email, f"{key}:mail", template, payload,
                              registration_id=target.registration_id)]  # fmt: skip
