"""Binding a Telegram user to a registration: serial + national ID + birth date, then a one-time code by email.

One user may link several registrations of the same person, never of two people. Unlinking is always possible.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from workflows import audit, lockout, outbox
from workflows.bulk import rowcount
from workflows.context import Context
from workflows.identity import HashedId, parse_date
from workflows.models import Applicant, ChatLink, LoginChallenge, Program, Registration

CODE_VALID = timedelta(minutes=10)
CODE_TRIES = 5


@dataclass(frozen=True)
class LinkStart:
    """status: code_sent | not_matched | locked | invalid | other_person | already_linked."""

    status: str
    email_masked: str | None = None
    locked_until: datetime | None = None
    reason: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class LinkConfirm:
    """status: linked | wrong_code | expired | too_many_tries | no_pending."""

    status: str
    registration_id: int | None = None
    serial: str | None = None
    tries_left: int = 0


@dataclass(frozen=True)
class LinkedRegistration:
    registration_id: int
    serial: str
    round_id: str
    program_zh: str
    program_en: str


def mask_email(email: str) -> str:
    """`chen.hsiao@example.com` -> `c********o@example.com`."""
    local, _, domain = email.partition("@")
    hidden = local[0] + "*" * max(len(local) - 2, 1) + (local[-1] if len(local) > 1 else "")
    return f"{hidden}@{domain}"


async def start_link(
    ctx: Context, user_id: int, chat_id: int, serial: str, national_id: str | HashedId, birth_date: str,
    lang: str = "zh",
) -> LinkStart:
    """Check serial + ID + birth date; if they match, email a 6-digit code to the address on file."""
    now = ctx.clock.now()
    requester = f"tg:{user_id}"
    async with ctx.db.transaction() as session:
        gate = await lockout.admit(session, requester, "link", now,
                                   lambda: (ctx.hashed_id(national_id), parse_date(birth_date)))  # fmt: skip
        if gate.value is None:
            return LinkStart("locked" if gate.locked_until else "invalid", locked_until=gate.locked_until,
                             reason=gate.refused)  # fmt: skip
        person, born = gate.value
        reg = await session.scalar(
            select(Registration)
            .where(func.upper(Registration.serial) == serial.strip().upper())
            .join(Registration.applicant)
            .where(Applicant.id_hash == person.hash)
            .options(joinedload(Registration.applicant))
        )
        if reg is None or reg.applicant.birth_date != born:
            lockout.record_attempt(session, requester, "link", "failed", now)
            audit.record(session, now, requester, "link_failed", person.masked)
            return LinkStart("not_matched")
        lockout.record_attempt(session, requester, "link", "ok", now)
        others = await session.scalars(
            select(Registration.applicant_id).join(ChatLink).where(ChatLink.user_id == user_id)
        )
        owners = set(others)
        if owners and owners != {reg.applicant_id}:
            audit.record(session, now, requester, "link_refused_other_person", reg.serial)
            return LinkStart("other_person")
        linked = await session.scalar(
            select(ChatLink.id).where(ChatLink.user_id == user_id, ChatLink.registration_id == reg.id)
        )
        if linked is not None:
            return LinkStart("already_linked")
        await session.execute(
            update(LoginChallenge)
            .where(LoginChallenge.user_id == user_id, LoginChallenge.closed_at.is_(None))
            .values(closed_at=now)
        )
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = LoginChallenge(
            user_id=user_id, chat_id=chat_id, registration_id=reg.id, code_hash=ctx.code_hash("link", code),
            created_at=now, expires_at=now + CODE_VALID,
        )  # fmt: skip
        session.add(challenge)
        await session.flush()
        await outbox.enqueue(
            session,
            [
                outbox.NewMessage(
                    channel="email", recipient=reg.applicant.email,
                    idempotency_key=f"login-code:{challenge.id}", template="login_code",
                    payload={"code": code, "serial": reg.serial, "name": reg.applicant.name,
                             "minutes": int(CODE_VALID.total_seconds() // 60)},
                    lang=lang, urgent=True, registration_id=reg.id,
                )
            ],
            now,
        )  # fmt: skip
        audit.record(session, now, requester, "link_code_sent", reg.serial)
        return LinkStart("code_sent", email_masked=mask_email(reg.applicant.email), expires_at=challenge.expires_at)


async def confirm_link(ctx: Context, user_id: int, code: str) -> LinkConfirm:
    """Check the code of the user's open challenge; on success the chat is linked."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        challenge = await session.scalar(
            select(LoginChallenge)
            .where(LoginChallenge.user_id == user_id, LoginChallenge.closed_at.is_(None))
            .order_by(LoginChallenge.id.desc())
            .limit(1)
        )
        if challenge is None:
            return LinkConfirm("no_pending")
        if now >= challenge.expires_at:
            challenge.closed_at = now
            return LinkConfirm("expired")
        challenge.attempts += 1
        if not hmac.compare_digest(challenge.code_hash, ctx.code_hash("link", code.strip())):
            left = CODE_TRIES - challenge.attempts
            if left <= 0:
                challenge.closed_at = now
                audit.record(session, now, f"tg:{user_id}", "link_code_exhausted")
                return LinkConfirm("too_many_tries")
            return LinkConfirm("wrong_code", tries_left=left)
        challenge.closed_at = now
        reg = await session.get(Registration, challenge.registration_id)
        assert reg is not None
        session.add(
            ChatLink(user_id=user_id, chat_id=challenge.chat_id, registration_id=reg.id, linked_at=now)
        )
        audit.record(session, now, f"tg:{user_id}", "chat_linked", reg.serial)
        return LinkConfirm("linked", reg.id, reg.serial)


async def linked_registrations(ctx: Context, user_id: int) -> list[LinkedRegistration]:
    """The registrations this Telegram user has linked: the only ones whose data they may see."""
    async with ctx.db.sessions() as session:
        rows = await session.execute(
            select(Registration.id, Registration.serial, Registration.round_id, Program.name_zh, Program.name_en)
            .join(ChatLink, ChatLink.registration_id == Registration.id)
            .join(Program, Program.id == Registration.program_id)
            .where(ChatLink.user_id == user_id)
            .order_by(ChatLink.linked_at)
        )
        return [LinkedRegistration(*row) for row in rows.all()]


async def unlink(ctx: Context, user_id: int, registration_id: int | None = None) -> int:
    """Remove one link (or all of the user's links). Returns how many were removed."""
    async with ctx.db.transaction() as session:
        query = delete(ChatLink).where(ChatLink.user_id == user_id)
        if registration_id is not None:
            query = query.where(ChatLink.registration_id == registration_id)
        removed = rowcount(await session.execute(query))
        audit.record(session, ctx.clock.now(), f"tg:{user_id}", "chat_unlinked", removed=removed)
        return removed
